"""The review session's own work: what it keeps between a person's clicks."""

import shutil

import numpy as np
import pytest

import woundmeasure.pipeline as pipeline
from tests.helpers import fresh
from woundmeasure.review.session import ReviewSession


def test_clicks_on_one_photo_find_its_reference_once_and_measure_as_a_fresh_run(series_dir, tmp_path, monkeypatch):
    d = fresh(series_dir, tmp_path)
    session = ReviewSession(d, db=tmp_path / "r.db")
    calls = []
    real = pipeline.calibrate
    monkeypatch.setattr(pipeline, "calibrate", lambda rgb, options: calls.append(1) or real(rgb, options))
    _, visit = session.visit("0-1")
    h, w = session.photo("0-1").shape
    clicks = [(w / 2, h / 2)]
    first = session.segment("0-1", points=clicks)
    again = session.segment("0-1", points=clicks, background_points=[(5.0, 5.0)])
    assert len(calls) == 1  # the second click reused the photo and its calibration
    fresh_run = pipeline.measure_photo(session.photo("0-1"), session.options.with_hints(points=clicks))
    assert first[1] == pytest.approx(fresh_run.measurement.area_mm2, rel=1e-9)
    assert again[0].shape == first[0].shape
    calls.clear()
    session.segment("0-2", points=clicks)
    assert len(calls) == 1  # another photo is read and calibrated


def test_a_photo_changed_on_disk_is_read_again(series_dir, tmp_path, monkeypatch):
    d = fresh(series_dir, tmp_path)
    session = ReviewSession(d, db=tmp_path / "r.db")
    _, visit = session.visit("0-1")
    _, other = session.visit("0-3")
    h, w = session.photo("0-1").shape
    before = session.segment("0-1", points=[(w / 2, h / 2)])[1]
    shutil.copyfile(other.image, visit.image)  # the file now holds another visit's photo
    after = session.segment("0-1", points=[(w / 2, h / 2)])[1]
    assert after != pytest.approx(before, rel=0.01)


def test_a_reviewers_remark_is_shown_once_and_stays_once_after_another_run(series_dir, tmp_path):
    from woundmeasure.series import track

    d = fresh(series_dir, tmp_path)
    session = ReviewSession(d, db=tmp_path / "r.db")
    session.remark("0-1", "granulation looks healthy")
    assert session.visit("0-1")[1].note == "granulation looks healthy"
    [again] = track(d, db=tmp_path / "r.db")  # a later run keeps the remark once, as its own
    assert [v.note for v in again.stored if v.note] == ["granulation looks healthy"]


def test_a_click_on_one_of_two_wounds_shows_that_wounds_area_not_the_photos(tmp_path):
    from pathlib import Path

    from woundmeasure.io import read_mask, write_mask

    example = Path(__file__).parents[2] / "examples" / "two-wounds"
    d = tmp_path / "two"
    d.mkdir()
    truth = {}
    for photo in sorted(example.glob("*.jpg"))[:2]:
        shutil.copy(photo, d / photo.name)
        a, b = (read_mask(example / "truth" / f"{photo.stem}.{w}.png") for w in "AB")
        write_mask(d / f"{photo.stem}.mask.png", a | b)
        truth[photo.stem] = a
    session = ReviewSession(d, db=tmp_path / "r.db")
    wound = next(w for w, t in enumerate(session.tracks) if t.wound == "A")
    _, visit = session.visit(f"{wound}-0")
    rows, cols = np.nonzero(truth[Path(visit.image).stem])
    mask, area = session.segment(f"{wound}-0", points=[(float(np.median(cols)), float(np.median(rows)))])
    saved = visit.area_mm2  # the true mask's wound A
    assert 0.6 * saved < area < 1.6 * saved  # wound A's new area: the model's outline of A, not of A and B
    whole = pipeline.measure_photo(session.photo(f"{wound}-0"), session.options.with_hints(
        points=[(float(np.median(cols)), float(np.median(rows)))]), calibration=session._being_edited(f"{wound}-0")[1])
    assert len(whole.wounds) == 2 and area < whole.measurement.area_mm2 - 0.5 * min(
        w.measurement.area_mm2 for w in whole.wounds)


def test_naming_a_wound_in_two_fragments_as_another_joins_both_parts_to_it(tmp_path):
    from pathlib import Path

    from woundmeasure.io import read_mask, write_mask
    from woundmeasure.options import MeasureOptions

    example = Path(__file__).parents[2] / "examples" / "two-wounds"
    d = tmp_path / "two"
    d.mkdir()
    for photo in sorted(example.glob("*.jpg"))[:3]:
        shutil.copy(photo, d / photo.name)
        a, b = (read_mask(example / "truth" / f"{photo.stem}.{w}.png") for w in "AB")
        write_mask(d / f"{photo.stem}.mask.png", a | b)
    # a gap of 3 mm: wound A heals into two parts at the second visit, both followed as A
    session = ReviewSession(d, db=tmp_path / "r.db", options=MeasureOptions(wound_gap_mm=3.0))
    a = next(w for w, t in enumerate(session.tracks) if t.wound == "A")
    _, visit = session.visit(f"{a}-1")
    assert len(visit.numbers) == 2
    session.name_wound(f"{a}-1", "B")  # "this is wound B" from this visit on: both of A's parts, not one
    b = next(t for t in session.tracks if t.wound == "B")
    assert b.stored[1].area_mm2 == pytest.approx(visit.area_mm2)


def test_accepting_the_models_own_outline_keeps_its_clicks_and_its_uncertainty(series_dir, tmp_path):
    import base64

    from woundmeasure.io import encode_mask
    from woundmeasure.sources import hints_path, mask_path

    d = fresh(series_dir, tmp_path)
    session = ReviewSession(d, db=tmp_path / "r.db")
    _, visit = session.visit("0-1")
    auto = session.outline("0-1")
    rows, cols = np.nonzero(auto)
    click = [(float(cols.mean()), float(rows.mean()))]
    steered, area = session.segment("0-1", points=click)
    session.accept("0-1", base64.b64encode(encode_mask(steered)).decode(), points=click)
    _, after = session.visit("0-1")
    assert not mask_path(visit.image).exists() and hints_path(visit.image).exists()  # the clicks, replayed
    assert after.outline == "model (steered by 1 click inside the wound)" and after.area_mm2 == pytest.approx(area)
    assert after.area_mm2_low < 0.95 * after.area_mm2  # the model's band, not one pixel either side
    trimmed = steered.copy()
    trimmed[:, : int(cols.mean())] = False  # a stroke of the brush: a person's outline
    session.accept("0-1", base64.b64encode(encode_mask(trimmed)).decode(), points=click)
    assert mask_path(visit.image).exists() and "override" in session.visit("0-1")[1].outline


def _two_wounds(tmp_path, count, *, true_masks=True):
    """The bundled two-wound series' first ``count`` photos, each with its true outline beside it."""
    from pathlib import Path

    from woundmeasure.io import read_mask, write_mask

    example = Path(__file__).parents[2] / "examples" / "two-wounds"
    d = tmp_path / "two"
    d.mkdir()
    truth = {}
    for photo in sorted(example.glob("*.jpg"))[:count]:
        shutil.copy(photo, d / photo.name)
        truth[photo.stem] = {w: read_mask(example / "truth" / f"{photo.stem}.{w}.png") for w in "AB"}
        if true_masks:
            write_mask(d / f"{photo.stem}.mask.png", truth[photo.stem]["A"] | truth[photo.stem]["B"])
    return d, truth


def test_a_click_that_takes_one_of_two_wounds_away_shows_it_as_0_not_the_other_wounds_area(tmp_path):
    from pathlib import Path

    d, truth = _two_wounds(tmp_path, 4)
    session = ReviewSession(d, db=tmp_path / "r.db")
    b = next(w for w, t in enumerate(session.tracks) if t.wound == "B")
    _, visit = session.visit(f"{b}-3")  # wound B near closure, A still large
    region = truth[Path(visit.image).stem]["B"]
    rows, cols = np.nonzero(region)
    inside = [(float(np.median(cols)), float(np.median(rows)))]
    mask, area = session.segment(f"{b}-3", background_points=inside)
    assert not (mask & region).sum() > 0.1 * region.sum()  # the click removed wound B ...
    assert mask.any() and area == 0.0  # ... and wound A, still outlined, is not shown as B's area


def test_reset_on_one_wound_keeps_the_names_and_closures_of_the_photo(tmp_path):
    from woundmeasure.sources import read_wound_notes, wounds_path

    d, _ = _two_wounds(tmp_path, 1)
    session = ReviewSession(d, db=tmp_path / "r.db")
    a = next(w for w, t in enumerate(session.tracks) if t.wound == "A")
    session.name_wound(f"{a}-0", "heel")
    b = next(w for w, t in enumerate(session.tracks) if t.wound == "B")
    _, visit = session.visit(f"{b}-0")
    session.reset(f"{b}-0")
    assert [n for n, *_ in read_wound_notes(wounds_path(visit.image))["names"]] == ["heel"]
    assert sorted(t.wound for t in session.tracks) == ["B", "heel"]


def test_a_manifests_scale_is_the_one_the_page_shows_while_editing(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    manifest = tmp_path / "visits.csv"
    rows = ["image,date,px_per_mm"] + [f"s/{p.name},{p.stem[6:]},4.0" for p in sorted(d.glob("*.jpg"))]
    manifest.write_text("\n".join(rows) + "\n")
    session = ReviewSession(manifest, db=tmp_path / "r.db")
    _, visit = session.visit("0-1")
    assert visit.calibration["px_per_mm"] == pytest.approx(4.0)  # the marker says 5.5: the row's scale wins
    h, w = session.photo("0-1").shape
    mask, area = session.segment("0-1", points=[(w / 2, h / 2)])
    assert area == pytest.approx(mask.sum() / 4.0 ** 2, rel=0.02)  # not at the marker's 5.5 px/mm


def test_a_photo_without_a_scale_can_still_have_its_outline_corrected_and_kept(series_dir, tmp_path):
    import base64

    from woundmeasure.io import encode_mask, read_image, write_rgb
    from woundmeasure.sources import mask_path

    d = fresh(series_dir, tmp_path)
    photo = d / "visit-2024-03-15.jpg"
    rgb = read_image(photo).rgb.copy()
    rgb[:, :] = np.median(rgb.reshape(-1, 3), axis=0).astype(np.uint8)  # nothing left: no marker, no wound
    rgb[300:400, 400:520] = (150, 40, 40)  # a red wound
    write_rgb(photo, rgb, quality=95)
    session = ReviewSession(d, db=tmp_path / "r.db")
    _, visit = session.visit("0-1")
    assert visit.error and "no scale found" in visit.error
    mask, area = session.segment("0-1", points=[(460.0, 350.0)])
    assert area is None and mask[350, 460]
    session.accept("0-1", base64.b64encode(encode_mask(mask)).decode(), points=[(460.0, 350.0)])
    assert mask_path(photo).exists() or (d / "visit-2024-03-15.hints.json").exists()  # kept for when it has a scale
    reopened = session.outline("0-1")  # the page opens it again with the outline it kept, not an empty one
    assert reopened is not None and np.array_equal(reopened, mask)
    session.accept("0-1", base64.b64encode(encode_mask(reopened)).decode(), points=[(460.0, 350.0)])
    assert not mask_path(photo).exists()  # accepted as it was: still the clicks, no drawn (or empty) mask


def test_accepting_the_saved_outline_as_it_is_changes_nothing(tmp_path):
    """Even one a closer look drew (wound B near closure), which the clicks' path would not draw again."""
    import base64

    from woundmeasure.io import encode_mask
    from woundmeasure.sources import hints_path, mask_path

    d, _ = _two_wounds(tmp_path, 5, true_masks=False)
    session = ReviewSession(d, db=tmp_path / "r.db")
    b = next(w for w, t in enumerate(session.tracks) if t.wound == "B")
    before = [(v.area_mm2, v.outline) for v in session.tracks[b].stored]
    _, visit = session.visit(f"{b}-3")
    assert any("closer look" in w for w in visit.warnings)
    session.accept(f"{b}-3", base64.b64encode(encode_mask(session.outline(f"{b}-3"))).decode())
    assert not mask_path(visit.image).exists() and not hints_path(visit.image).exists()
    assert [(v.area_mm2, v.outline) for v in session.tracks[b].stored] == before


def test_a_wound_the_layout_puts_just_off_the_photo_can_be_confirmed_closed(tmp_path):
    import cv2

    from woundmeasure.sources import write_wound_notes, wounds_path

    d, truth = _two_wounds(tmp_path, 6)
    first_split = sorted(truth)[1]  # wound A split in two by a person at the second visit (as the page's Split does)
    a = truth[first_split]["A"]
    left = a & (np.arange(a.shape[1]) < np.median(np.nonzero(a)[1]))[None, :]

    def interior(region):
        depth = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 3)
        row, col = np.unravel_index(int(np.argmax(depth)), depth.shape)
        return float(col), float(row)

    write_wound_notes(wounds_path(d / f"{first_split}.jpg"), names=[("A", *interior(left)), ("C", *interior(a & ~left))],
                      split=[("A", "C")])
    session = ReviewSession(d, db=tmp_path / "r.db")
    b = next(w for w, t in enumerate(session.tracks) if t.wound == "B")
    last = f"{b}-{len(session.tracks[b].stored) - 1}"
    _, visit = session.visit(last)
    assert visit.outside and not visit.closed  # where A's two halves turn the layout, B's place falls just off it
    session.confirm_closed(last)
    _, visit = session.visit(last)
    assert visit.closed and visit.closure_confirmed and visit.area_mm2 == 0


def test_a_click_added_on_the_page_to_a_manifests_clicks_is_kept(series_dir, tmp_path):
    import base64

    from tests.helpers import DATES
    from woundmeasure.io import encode_mask

    d = fresh(series_dir, tmp_path)
    mask = series_dir[1][DATES[1]][1]
    ys, xs = np.nonzero(mask)
    centre = (float(np.median(xs)), float(np.median(ys)))
    rows = ["image,date,points"] + [f's/visit-{date}.jpg,{date},"{"%g,%g" % centre if i == 1 else ""}"'
                                    for i, date in enumerate(DATES)]
    (tmp_path / "visits.csv").write_text("\n".join(rows) + "\n")
    session = ReviewSession(tmp_path / "visits.csv", db=tmp_path / "r.db")
    assert session.hints("0-1")["points"] == [list(centre)]  # the page starts from the row's click
    clicks = [centre, (float(np.percentile(xs, 30)), float(np.median(ys)))]
    steered, area = session.segment("0-1", points=clicks)
    session.accept("0-1", base64.b64encode(encode_mask(steered)).decode(), points=clicks)
    _, after = session.visit("0-1")
    assert after.outline == "model (steered by 2 clicks inside the wound)" and after.area_mm2 == pytest.approx(area)


def test_a_photo_whose_wounds_are_outlined_one_by_one_is_not_edited_as_one_outline(tmp_path):
    import base64

    from woundmeasure.errors import InputError
    from woundmeasure.io import encode_mask, write_mask

    d, truth = _two_wounds(tmp_path, 2, true_masks=False)
    rows = ["image,date,wound,mask"]
    for stem, masks in truth.items():
        for w, m in masks.items():
            write_mask(d / f"{stem}.{w}.png", m)
            rows.append(f"{stem}.jpg,{stem},{w},{stem}.{w}.png")
    (d / "visits.csv").write_text("\n".join(rows) + "\n")
    session = ReviewSession(d / "visits.csv", db=tmp_path / "r.db")
    a = next(w for w, t in enumerate(session.tracks) if t.wound == "A")
    with pytest.raises(InputError, match="outlined one by one"):
        session.segment(f"{a}-0", points=[(10.0, 10.0)])
    with pytest.raises(InputError, match="outlined one by one"):
        session.accept(f"{a}-0", base64.b64encode(encode_mask(truth[sorted(truth)[0]]["A"])).decode())


def test_naming_a_wound_as_the_other_wound_of_its_photo_puts_a_match_right_and_naming_both_joins_them(tmp_path):
    """Another wound's name makes this region that wound (a wrong match put right: the region that had the
    name takes another letter); given to both regions of the photo, the name joins them into one wound."""
    d, truth = _two_wounds(tmp_path, 2)
    session = ReviewSession(d, db=tmp_path / "r.db")
    areas = {t.wound: t.stored[0].area_mm2 for t in session.tracks}
    b = next(w for w, t in enumerate(session.tracks) if t.wound == "B")
    session.name_wound(f"{b}-0", "A")
    now = {t.wound: t.stored[0].area_mm2 for t in session.tracks}
    assert now["A"] == pytest.approx(areas["B"], rel=0.01) and now["B"] == pytest.approx(areas["A"], rel=0.01)
    other = next(w for w, t in enumerate(session.tracks) if t.wound == "B")
    session.name_wound(f"{other}-0", "A")
    joined = {t.wound: t.stored[0].area_mm2 for t in session.tracks if t.stored[0].measured}
    assert joined == {"A": pytest.approx(areas["A"] + areas["B"], rel=0.01)}


def test_renaming_a_wound_after_a_split_keeps_the_split(tmp_path):
    """A rename dropped the name a split had placed on the kept part: the split was undone there (the renamed
    wound read 0 and 'closed?', the split-off part the whole area)."""
    from pathlib import Path

    d, truth = _two_wounds(tmp_path, 2)
    session = ReviewSession(d, db=tmp_path / "r.db")
    a = next(w for w, t in enumerate(session.tracks) if t.wound == "A")
    _, visit = session.visit(f"{a}-1")
    region = truth[Path(visit.image).stem]["A"]
    rows, cols = np.nonzero(region)
    left, right = (cols < np.percentile(cols, 30)), (cols > np.percentile(cols, 70))
    points = [[float(np.median(cols[side])), float(np.median(rows[side]))] for side in (left, right)]
    session.split_wound(f"{a}-1", points, "C")
    split = {t.wound: t.stored[-1].area_mm2 for t in session.tracks}
    assert split["A"] > 0 and split["C"] > 0
    first = next(w for w, t in enumerate(session.tracks) if t.wound == "A")
    session.name_wound(f"{first}-0", "dorsum")
    renamed = {t.wound: t.stored[-1].area_mm2 for t in session.tracks}
    assert "A" not in renamed and renamed["dorsum"] == pytest.approx(split["A"], rel=0.01)
    assert renamed["C"] == pytest.approx(split["C"], rel=0.01)
