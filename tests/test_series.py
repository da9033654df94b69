import csv
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.helpers import DATES, fresh
from tests.helpers import run_track as run
from woundmeasure.cli.main import cli
from woundmeasure.io import read_mask, write_mask, write_rgb
from woundmeasure.synthetic import make_phantom


def test_json_contract_and_truth(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    r = run(d, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [v["date"] for v in out["visits"]] == DATES
    for v in out["visits"]:
        for key in ("date", "image", "area_mm2", "perimeter_mm", "par_pct", "calibration", "warnings"):
            assert key in v
        assert v["calibration"]["method"] == "marker"
    s = out["summary"]
    for key in ("baseline_date", "baseline_area_mm2", "latest_date", "latest_area_mm2", "par_pct", "par_4wk_pct",
                "healing_rate_cm2_per_week", "gilman_mm_per_week", "projected_closure_date"):
        assert key in s
    truth = series_dir[1]
    true_par = 100 * (1 - truth[DATES[-1]][0] / truth[DATES[0]][0])
    assert s["par_pct"] == pytest.approx(true_par, abs=5)  # segmentation by the model, calibration by the marker
    assert s["baseline_date"] == DATES[0] and (d / "woundmeasure.db").is_file()
    for v in out["visits"]:  # each true area inside its 95% interval, the true PAR inside PAR's
        assert v["area_mm2_low"] <= truth[v["date"]][0] <= v["area_mm2_high"]
    assert s["par_pct_low"] <= true_par <= s["par_pct_high"]
    assert s["par_pct_low"] < s["par_pct"] < s["par_pct_high"]
    table = run(d).stdout  # the table shows the same intervals
    last = out["visits"][-1]
    assert f"{last['area_mm2_low']:.1f}-{last['area_mm2_high']:.1f}" in table
    assert f"95% interval {s['par_pct_low']:.1f} to {s['par_pct_high']:.1f}%" in table


def test_second_run_measures_nothing_new_and_report_is_identical(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    first = run(d, "--report", tmp_path / "r1")
    assert first.exit_code == 0 and first.stderr.count("measuring") == 4
    second = run(d, "--report", tmp_path / "r2")
    assert second.exit_code == 0 and "measuring" not in second.stderr
    assert (tmp_path / "r1" / "report.html").read_bytes() == (tmp_path / "r2" / "report.html").read_bytes()
    assert second.stdout == first.stdout
    # a changed photo is measured again, and only that one
    p = make_phantom(950, width=900, height=700, px_per_mm=5.5, wound_radius_mm=5.0, wound_seed=5)
    write_rgb(d / f"visit-{DATES[-1]}.jpg", p.rgb)
    third = run(d)
    assert third.stderr.count("measuring") == 1


def test_sidecar_roi_overrides_segmentation(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    from woundmeasure.roi import write_roi

    mask = series_dir[1][DATES[1]][1]
    write_roi(d / f"visit-{DATES[1]}.roi", mask)
    out = json.loads(run(d, "--json").stdout)
    v = out["visits"][1]
    assert v["outline"].startswith("roi") and "override" in v["outline"]
    rows = sqlite3.connect(d / "woundmeasure.db").execute(
        "SELECT override_path, override_sha256 FROM measurements WHERE override_path IS NOT NULL").fetchall()
    assert len(rows) == 1 and rows[0][0].endswith(".roi") and len(rows[0][1]) == 64


def test_a_hints_file_broken_after_a_run_is_the_photos_error_not_its_old_result(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    first = json.loads(run(d, "--json").stdout)["visits"][1]
    assert first["error"] is None
    (d / f"visit-{DATES[1]}.hints.json").write_text('{"points": [[400, 350]]')  # cut short
    again = run(d, "--json")
    assert again.exit_code == 1
    visit = json.loads(again.stdout)["visits"][1]
    assert visit["area_mm2"] is None and "hints" in visit["error"]  # not the earlier, unclicked area


def test_manifest_with_two_wounds_a_failed_photo_and_export(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    (d / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    lines = ["image,date,wound,px_per_mm,note"]
    lines += [f"visit-{day}.jpg,{day},left heel,,visit {i}" for i, day in enumerate(DATES)]
    lines += [f"visit-{DATES[0]}.jpg,2024-03-01,right toe,5.5,", "broken.jpg,2024-03-08,right toe,,",
              f"visit-{DATES[2]}.jpg,2024-03-29,right toe,5.5,"]
    (d / "manifest.csv").write_text("\n".join(lines) + "\n")
    r = run(d / "manifest.csv", "--json", "--db", tmp_path / "m.db")
    assert r.exit_code == 1  # a visit failed; the others were measured
    out = json.loads(r.stdout)
    wounds = {w["wound"]: w for w in out["wounds"]}
    assert set(wounds) == {"left heel", "right toe"}
    toe = wounds["right toe"]
    assert [v["image"].endswith("broken.jpg") for v in toe["visits"]] == [False, True, False]
    assert toe["visits"][1]["error"] and toe["summary"]["failed_visits"] == 1
    assert toe["visits"][0]["calibration"]["method"] == "manual"
    exp = CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "m.db")])
    assert exp.exit_code == 0
    header, *rows = exp.stdout.strip().splitlines()
    assert header.startswith("Patient,Wound,Date,Label,Area,Perim.")
    assert "Area low,Area high,PAR low,PAR high,Change beyond noise" in header
    assert len(rows) == 7
    js = json.loads(CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "m.db"), "--format", "json"]).stdout)
    assert {r["Wound"] for r in js} == {"left heel", "right toe"}


def test_interrupted_run_resumes_without_loss_or_duplicates(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    db = d / "woundmeasure.db"
    proc = subprocess.Popen([sys.executable, "-m", "woundmeasure", "track", str(d)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    count = 0
    while time.time() < deadline:
        if db.exists():
            try:
                count = sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM measurements").fetchone()[0]
            except sqlite3.OperationalError:
                count = 0
            if count >= 1:
                break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM measurements").fetchone()[0]
    assert 1 <= stored < 4, "the run was not caught mid-way"
    r = run(d)
    assert r.exit_code == 0
    assert r.stderr.count("measuring") == 4 - stored  # nothing stored is measured again
    con = sqlite3.connect(db)
    rows = con.execute("SELECT visit_id, COUNT(*) FROM measurements GROUP BY visit_id").fetchall()
    assert len(rows) == 4 and all(n == 1 for _, n in rows)


# ---- several wounds in one photo (examples/two-wounds: truth from the generator) ----

TWO = Path(__file__).parents[1] / "examples" / "two-wounds"


def two_wound_truth() -> dict:
    """{(date, wound): (true area mm2, true PAR %)} from the example's truth.csv."""
    with open(TWO / "truth.csv", newline="") as f:
        return {(r["date"], r["wound"]): (float(r["true_area_mm2"]), float(r["true_par_pct"]))
                for r in csv.DictReader(f)}


def two_wound_manifest(tmp_path, *, per_wound: bool, empty: bool = False) -> Path:
    """A manifest of the example's photos with their true masks: one mask of both wounds per photo,
    or (``per_wound``) one row per wound with its own mask (``empty``: a row with an empty mask for
    a wound that has closed, as a person who drew nothing gives it)."""
    lines = ["image,date,wound,mask"]
    for photo in sorted(TWO.glob("*.jpg")):
        date = photo.stem
        a, b = (read_mask(TWO / "truth" / f"{date}.{w}.png") for w in "AB")
        if per_wound:
            for w, m in (("A", a), ("B", b)):
                if m.any() or empty:
                    write_mask(tmp_path / f"{date}.{w}.png", m)
                    lines.append(f"{photo},{date},{w},{tmp_path / f'{date}.{w}.png'}")
        else:
            write_mask(tmp_path / f"{date}.png", a | b)
            lines.append(f"{photo},{date},,{tmp_path / f'{date}.png'}")
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    return tmp_path / "manifest.csv"


def test_two_wounds_in_every_photo_each_get_their_own_series(tmp_path):
    truth = two_wound_truth()
    manifest = two_wound_manifest(tmp_path, per_wound=False)
    out = json.loads(run(manifest, "--json", "--db", tmp_path / "w.db").stdout)
    wounds = {w["wound"]: w for w in out["wounds"]}
    assert set(wounds) == {"A", "B"}  # labelled at the first photo, followed through all six
    for label, w in wounds.items():
        assert len(w["visits"]) == 6
        for v in w["visits"]:
            area, par = truth[(v["date"], label)]
            if area == 0:
                assert v["closed"] and v["area_mm2"] == 0 and v["par_pct"] == 100
                # a closure no person confirmed: no interval, no claim that the change is beyond noise
                assert v["area_mm2_low"] is None and v["par_pct_low"] is None and v["change_beyond_noise"] is None
            else:
                assert not v["closed"] and v["area_mm2"] == pytest.approx(area, rel=0.03)
                assert v["par_pct"] == pytest.approx(par, abs=1.5)
                assert v["area_mm2_low"] <= area <= v["area_mm2_high"]  # true masks given: one pixel and the scale
    assert wounds["B"]["summary"]["closed_date"] == "2024-07-22"
    assert any("closed" in w and "confirm" in w for w in wounds["B"]["summary"]["warnings"])
    assert wounds["A"]["summary"]["closed_date"] is None
    # the record keeps each wound's visits; export shows them, the closure included
    rows = json.loads(CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "w.db"), "--format", "json"]).stdout)
    assert sorted((r["Wound"], r["Date"]) for r in rows) == sorted((w, d) for d, w in truth)
    closed = [r for r in rows if r["Closed"]]
    assert [(r["Wound"], r["Date"], r["Area"], r["PAR"], r["Closure confirmed"]) for r in closed] == \
        [("B", "2024-07-22", 0.0, 100.0, False)]


def test_a_wound_whose_given_outline_is_empty_has_closed_as_that_person_says(tmp_path):
    manifest = two_wound_manifest(tmp_path, per_wound=True, empty=True)
    out = json.loads(run(manifest, "--json", "--db", tmp_path / "w.db").stdout)
    b = next(w for w in out["wounds"] if w["wound"] == "B")
    last = b["visits"][-1]
    assert last["date"] == "2024-07-22" and last["area_mm2"] == 0 and last["par_pct"] == 100
    assert last["closed"] and last["closure_confirmed"]
    assert any("the outline given for it is empty" in w for w in last["warnings"])
    assert b["summary"]["closed_date"] == "2024-07-22" and b["summary"]["projected_closure_date_exponential"] is None
    rows = json.loads(CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "w.db"), "--format", "json"]).stdout)
    assert [(r["Wound"], r["Date"], r["Closure confirmed"]) for r in rows if r["Closed"]] == [("B", "2024-07-22", True)]


def test_a_wound_the_automatic_outline_misses_is_looked_for_again_where_it_was(tmp_path):
    # the example's wound B heals to a small, faint bed and closes; nothing is given but the photos
    truth = two_wound_truth()
    for photo in TWO.glob("*.jpg"):
        (tmp_path / photo.name).write_bytes(photo.read_bytes())
    first = run(tmp_path, "--json", "--db", tmp_path / "w.db")
    out = json.loads(first.stdout)
    b = next(w for w in out["wounds"] if w["wound"] == "B")
    for v in b["visits"]:
        area, par = truth[(v["date"], "B")]
        if area == 0:
            assert v["closed"] and v["par_pct"] == 100  # closed where it closed: no scar drawn as wound
        else:
            assert not v["closed"] and v["area_mm2_low"] <= area <= v["area_mm2_high"]
    assert abs(b["visits"][-2]["par_pct"] - truth[(b["visits"][-2]["date"], "B")][1]) < 8
    # what a look found is B's to check, not wound A's (the photo's other wound)
    a = next(w for w in out["wounds"] if w["wound"] == "A")
    assert any("closer look" in w for v in b["visits"] for w in v["warnings"])
    assert not any("closer look" in w for v in a["visits"] for w in v["warnings"])
    # the record keeps what each look found: a second run measures nothing and reads the same
    second = run(tmp_path, "--json", "--db", tmp_path / "w.db")
    assert "measuring" not in second.stderr and "looking again" not in second.stderr
    assert second.stdout == first.stdout


def _outline_missing_b(missed_dates, *, found_on_look: bool):
    """A stand-in for the shipped model that outlines the example's true wounds, but not wound B on
    ``missed_dates`` unless (``found_on_look``) a closer look is asked within reach of B's true place."""
    import cv2

    from woundmeasure.io import read_image

    def thumb(rgb):
        return cv2.resize(rgb, (32, 24), interpolation=cv2.INTER_AREA).astype(float)

    photos = {p.stem: thumb(read_image(p).rgb) for p in TWO.glob("*.jpg")}
    looked = []

    def segment(rgb, *, hints):
        date = min(photos, key=lambda d: np.abs(photos[d] - thumb(rgb)).sum())  # which photo (colours corrected)
        a, b = (read_mask(TWO / "truth" / f"{date}.{w}.png") > 0 for w in "AB")
        if date not in missed_dates or not b.any():
            return a | b, ()
        rows, cols = np.nonzero(b)
        near = [look for look in hints.looks if math.dist(look[:2], (cols.mean(), rows.mean())) <= look[2]]
        looked.append((date, bool(near)))
        return (a | b, ("found on a closer look",)) if near and found_on_look else (a, ())

    return segment, looked


@pytest.mark.parametrize("found_on_look", [True, False])
def test_a_followed_wound_not_found_is_looked_for_where_it_was_before_it_is_closed(tmp_path, monkeypatch,
                                                                                     found_on_look):
    from woundmeasure.segmentation import SEGMENTERS

    truth = two_wound_truth()
    missed = {"2024-05-27", "2024-06-24"}
    fake, looked = _outline_missing_b(missed, found_on_look=found_on_look)
    monkeypatch.setitem(SEGMENTERS, "model", fake)
    for photo in TWO.glob("*.jpg"):
        (tmp_path / photo.name).write_bytes(photo.read_bytes())
    first = run(tmp_path, "--db", tmp_path / "w.db")  # its progress lines: each photo measured once, looked at again
    assert sorted(line.split("/")[-1] for line in first.stderr.splitlines() if line.startswith("measuring")) \
        == sorted(p.name for p in TWO.glob("*.jpg"))
    assert sorted(line.split("/")[-1] for line in first.stderr.splitlines() if "looking again, closer" in line) \
        == sorted(f"{d}.jpg" for (d, w), (area, _) in truth.items() if w == "B" and (d in missed or area == 0))
    first = run(tmp_path, "--json", "--db", tmp_path / "w.db")
    b = next(w for w in json.loads(first.stdout)["wounds"] if w["wound"] == "B")
    assert sorted(d for d, near in looked if near) == sorted(missed)  # looked for where it was, at each
    for v in b["visits"]:
        area, par = truth[(v["date"], "B")]
        if v["date"] in missed and found_on_look:
            assert not v["closed"] and v["area_mm2"] == pytest.approx(area, rel=0.03)
            assert v["par_pct"] == pytest.approx(par, abs=1.5)
            assert any("found on a closer look where it was last seen" in w for w in v["warnings"])
        elif v["date"] in missed or area == 0:
            assert v["closed"] and v["par_pct"] == 100  # nothing there on the closer look either
        else:
            assert not v["closed"]
    a = next(w for w in json.loads(first.stdout)["wounds"] if w["wound"] == "A")
    assert not any("closer look" in w for v in a["visits"] for w in v["warnings"] if w.startswith("wound A"))
    # the record keeps each look (what it found, or that it found nothing): a second run measures nothing
    second = run(tmp_path, "--json", "--db", tmp_path / "w.db")
    assert "measuring" not in second.stderr and "looking again" not in second.stderr
    assert second.stdout == first.stdout
    # the export holds the two wounds' rows, one per photo each, and no row for the photos as a whole
    exp = CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "w.db")])
    assert exp.exit_code == 0, exp.output
    rows = list(csv.DictReader(exp.output.splitlines()))
    assert sorted({r["Wound"] for r in rows}) == ["A", "B"] and len(rows) == len(truth)


def test_a_photo_listed_once_per_wound_is_taken_as_given(tmp_path):
    truth = two_wound_truth()
    manifest = two_wound_manifest(tmp_path, per_wound=True)
    out = json.loads(run(manifest, "--json", "--db", tmp_path / "w.db").stdout)
    wounds = {w["wound"]: w for w in out["wounds"]}
    assert set(wounds) == {"A", "B"}
    for label, w in wounds.items():
        for v in w["visits"]:
            assert v["area_mm2"] == pytest.approx(truth[(v["date"], label)][0], rel=0.03)
    assert len(wounds["B"]["visits"]) == 5  # no mask for B at the last visit: it is not listed there


def test_a_roi_set_names_its_wounds(tmp_path):
    from roifile import roiwrite

    from woundmeasure.roi import mask_to_roi

    photo = TWO / "2024-03-04.jpg"
    rois = [mask_to_roi(read_mask(TWO / "truth" / f"2024-03-04.{w}.png"), name=n)
            for w, n in (("B", "ankle"), ("A", "dorsum"))]  # the right-hand wound first in the set
    roiwrite(tmp_path / "set.zip", rois)
    r = CliRunner().invoke(cli, ["measure", str(photo), "--roi", str(tmp_path / "set.zip"), "--json"])
    assert r.exit_code == 0, r.output
    (res,) = json.loads(r.stdout)
    truth = two_wound_truth()
    got = {w["name"]: w["area_mm2"] for w in res["wounds"]}
    by_number = sorted(res["wounds"], key=lambda w: w["number"])
    assert by_number == sorted(res["wounds"], key=lambda w: w["centre_px"][0])  # numbered left to right
    assert got == pytest.approx({"dorsum": truth[("2024-03-04", "A")][0], "ankle": truth[("2024-03-04", "B")][0]},
                                rel=0.03)
    table = CliRunner().invoke(cli, ["measure", str(photo), "--roi", str(tmp_path / "set.zip")]).stdout
    assert "(total)" in table and "wound dorsum" in table and "wound ankle" in table


def test_a_record_made_before_wounds_were_split_opens_and_exports(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    run(d)
    db = sqlite3.connect(d / "woundmeasure.db")
    db.execute("DROP TABLE instances")  # as an earlier version left it
    db.commit()
    db.close()
    exp = CliRunner().invoke(cli, ["export", "--db", str(d / "woundmeasure.db"), "--format", "json"])
    assert exp.exit_code == 0, exp.output
    rows = json.loads(exp.stdout)
    assert len(rows) == len(DATES) and all(r["Area"] > 0 for r in rows)
    again = run(d)  # and a run on it measures nothing new: every photo is recalled from the record
    assert again.exit_code == 0 and "measuring" not in again.stderr
    assert again.stdout.count("marker") == len(DATES)


def test_a_photo_with_nothing_outlined_stays_a_visit_of_area_0(series_dir, tmp_path):
    import numpy as np

    d = fresh(series_dir, tmp_path)
    first = sorted(d.glob("*.jpg"))[0]
    from woundmeasure.io import read_image

    write_mask(d / f"{first.stem}.mask.png", np.zeros(read_image(first).shape, bool))
    out = json.loads(run(d, "--json").stdout)
    assert len(out["visits"]) == len(DATES) and out["visits"][0]["area_mm2"] == 0


def test_each_wound_carries_its_own_warnings_not_the_other_wounds():
    from woundmeasure.series import wound_view

    result = {"warnings": ["marker small", "the wound touches the photo's edge"], "photo_warnings": ["marker small"],
              "area_mm2": 30.0, "wounds": [
                  {"number": 1, "area_mm2": 10.0, "warnings": []},
                  {"number": 2, "area_mm2": 20.0, "warnings": ["the wound touches the photo's edge"]}]}
    assert wound_view(result, (1,))["warnings"] == ["marker small"]
    assert wound_view(result, (2,))["warnings"] == ["marker small", "the wound touches the photo's edge"]


def test_a_wound_shows_its_own_length_and_width_lines_not_the_photos():
    from woundmeasure.series import wound_view

    result = {"warnings": [], "photo_warnings": [], "length_line": [0, 0, 900, 0], "width_line": [450, -5, 450, 5],
              "wounds": [{"number": 1, "area_mm2": 10.0, "warnings": [], "length_line": [0, 0, 100, 0],
                          "width_line": [50, -5, 50, 5]},
                         {"number": 2, "area_mm2": 20.0, "warnings": []}]}  # as a record made before wounds kept lines
    a = wound_view(result, (1,))
    assert a["length_line"] == [0, 0, 100, 0] and a["width_line"] == [50, -5, 50, 5]
    assert a["wounds"] == []  # one wound: the overlay draws it, not a list of the photo's wounds
    b = wound_view(result, (2,))
    assert b["length_line"] is None and b["width_line"] is None  # not the line across both wounds
    whole = wound_view(result, (1, 2))  # every region of the photo is this one wound's (the other closed)
    assert whole["wounds"] == [] and whole["length_line"] == [0, 0, 900, 0]  # its parts are not lettered as wounds


def test_a_wound_in_fragments_beside_another_adds_up_its_parts():
    from woundmeasure.series import wound_view

    def part(n, area, **kw):
        return {"number": n, "area_mm2": area, "area_cm2": area / 100, "num_pixels": int(area * 10),
                "perimeter_mm": area / 2, "ellipse_area_mm2": area, "perimeter_imagej_mm": area / 2,
                "touches_edge": False, "warnings": [], **kw}

    result = {"warnings": [], "photo_warnings": [], "area_mm2": 60.0, "num_regions": 3,
              "wounds": [part(1, 10.0, num_regions=1), part(2, 20.0, num_regions=2), part(3, 30.0, num_regions=1)]}
    a = wound_view(result, (1, 2))  # one wound in two fragments, beside wound 3
    assert a["area_mm2"] == 30.0 and a["num_pixels"] == 300 and a["num_regions"] == 3
    assert wound_view(result, (3,))["num_regions"] == 1  # its own count, not the photo's
    for w in result["wounds"]:  # a record made before instances kept a count: one each
        del w["num_regions"]
    assert wound_view(result, (1, 2))["num_regions"] == 2


def test_a_wound_in_two_parts_is_as_long_and_wide_as_both_together():
    from woundmeasure.series import wound_view

    def part(n, area, length_line, width_line):
        return {"number": n, "area_mm2": area, "area_cm2": area / 100, "num_pixels": int(area * 4),
                "perimeter_mm": 50.0, "ellipse_area_mm2": area, "perimeter_imagej_mm": 50.0, "touches_edge": False,
                "warnings": [], "length_mm": 50.0, "width_mm": 10.0, "length_line": length_line,
                "width_line": width_line}

    result = {"warnings": [], "photo_warnings": [], "calibration": {"px_per_mm": 2.0, "homography": None},
              "wounds": [part(1, 400.0, [0, 0, 100, 0], [50, -10, 50, 10]),
                         part(2, 300.0, [200, 0, 300, 0], [250, -20, 250, 20]), part(3, 5.0, None, None)]}
    both = wound_view(result, (1, 2))
    assert both["length_mm"] == pytest.approx(150.0) and both["width_mm"] == pytest.approx(20.0)
    assert both["length_line"] == pytest.approx([0, 0, 300, 0]) or both["length_line"] == pytest.approx([300, 0, 0, 0])
    assert sorted(both["width_line"][1::2]) == pytest.approx([-20, 20])
    assert wound_view(result, (1,))["length_mm"] == 50.0  # one part: its own, as measured


def test_a_wound_in_two_parts_says_a_warning_both_parts_give_once():
    from woundmeasure.series import wound_view

    far = "the scale reference is far from the wound ({} px, {}% of the photo's diagonal): place it next to the wound"
    result = {"warnings": [], "photo_warnings": [], "area_mm2": 30.0, "wounds": [
        {"number": 1, "area_mm2": 10.0, "warnings": [far.format(974, 43), "the wound touches the photo's edge"]},
        {"number": 2, "area_mm2": 20.0, "warnings": [far.format(915, 41)]},
        {"number": 3, "area_mm2": 5.0, "warnings": []}]}  # the photo's other wound
    for w in result["wounds"]:
        w.update(area_cm2=w["area_mm2"] / 100, num_pixels=100, perimeter_mm=9.0, ellipse_area_mm2=w["area_mm2"],
                 perimeter_imagej_mm=9.0, touches_edge=False)
    assert wound_view(result, (1, 2))["warnings"] == [far.format(974, 43), "the wound touches the photo's edge"]


def test_an_outline_steered_by_clicks_says_so_in_the_series(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    mask = series_dir[1][DATES[1]][1]
    ys, xs = np.nonzero(mask)
    (d / "m.csv").write_text(f"image,date,points\nvisit-{DATES[0]}.jpg,{DATES[0]},\n"
                             f"visit-{DATES[1]}.jpg,{DATES[1]},\"{int(np.median(xs))},{int(np.median(ys))}\"\n")
    visits = json.loads(run(d / "m.csv", "--json").stdout)["visits"]
    assert [v["outline"] for v in visits] == ["model", "model (steered by 1 click inside the wound)"]
    exported = json.loads(CliRunner().invoke(cli, ["export", "--db", str(d / "woundmeasure.db"), "--format",
                                                   "json"]).stdout)  # the export says so too
    assert [r["Outline"] for r in exported] == ["model", "model (steered by 1 click inside the wound)"]


def test_a_wound_named_at_a_later_visit_keeps_what_a_person_said_of_its_visits(tmp_path):
    """B's visit left out of the metrics stays left out once a person names B at a later visit."""
    import shutil

    import cv2
    import numpy as np

    from woundmeasure.store import Store

    for photo in sorted(TWO.glob("*.jpg")):
        shutil.copy(photo, tmp_path / photo.name)
        a, b = (read_mask(TWO / "truth" / f"{photo.stem}.{w}.png") for w in "AB")
        write_mask(tmp_path / f"{photo.stem}.mask.png", a | b)
    db = tmp_path / "w.db"
    assert run(tmp_path, "--db", db).exit_code == 0
    second = str(tmp_path / "2024-04-01.jpg")
    with Store(db) as store:
        store.set_flags(store.find_visit(tmp_path.name, "B", second), excluded="blurred")
    b = read_mask(TWO / "truth" / "2024-04-29.B.png")
    inside = cv2.distanceTransform(b.astype(np.uint8), cv2.DIST_L2, 5)
    y, x = np.unravel_index(inside.argmax(), inside.shape)
    (tmp_path / "2024-04-29.wounds.json").write_text(json.dumps({"names": [{"name": "dorsum", "at": [int(x), int(y)]}]}))
    out = json.loads(run(tmp_path, "--db", db, "--json").stdout)
    dorsum = next(w for w in out["wounds"] if w["wound"] == "dorsum")
    assert len(dorsum["visits"]) == 6 and {w["wound"] for w in out["wounds"]} == {"A", "dorsum"}
    assert [v["excluded"] for v in dorsum["visits"]][1] == "blurred"


def _most_interior(region: np.ndarray) -> tuple[float, float]:
    import cv2

    depth = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 3)
    row, col = np.unravel_index(int(np.argmax(depth)), depth.shape)
    return float(col), float(row)


def test_a_wound_a_person_split_stays_two_while_the_parts_touch_and_not_once_one_has_healed(tmp_path):
    import shutil

    from woundmeasure.sources import write_wound_notes, wounds_path
    from woundmeasure.store import Store

    photos = sorted(TWO.glob("*.jpg"))

    def series(d, masks):
        d.mkdir()
        for photo in photos:
            shutil.copy(photo, d / photo.name)
            write_mask(d / f"{photo.stem}.mask.png", masks[photo.stem])
        a = read_mask(TWO / "truth" / f"{photos[1].stem}.A.png")  # a person splits A in two at the second visit
        left = a & (np.arange(a.shape[1]) < np.median(np.nonzero(a)[1]))[None, :]
        write_wound_notes(wounds_path(d / photos[1].name), names=[("A", *_most_interior(left)),
                                                               ("C", *_most_interior(a & ~left))], split=[("A", "C")])
        # and confirms B closed at the last photo: there A's halves, close together, turn the layout so far
        # that B's last place falls off the photo ("outside"); a person's word stands
        write_wound_notes(wounds_path(d / photos[-1].name), closed=["B"])
        out = json.loads(run(d, "--json", "--db", d / "w.db").stdout)
        return {w["wound"]: {v["date"]: v for v in w["visits"]} for w in out["wounds"]}

    truth_masks = {p.stem: read_mask(TWO / "truth" / f"{p.stem}.A.png") | read_mask(TWO / "truth" / f"{p.stem}.B.png")
                   for p in photos}
    touching = series(tmp_path / "touching", truth_masks)
    truth = two_wound_truth()
    assert set(touching) == {"A", "B", "C"}
    for date in (p.stem for p in photos[1:]):
        parts = [touching[w][date] for w in "AC"]
        assert not any(v["closed"] for v in parts), date  # both halves followed, neither "closed"
        assert all(v["area_mm2"] > 0.1 * truth[(date, "A")][0] for v in parts), date
        assert sum(v["area_mm2"] for v in parts) == pytest.approx(truth[(date, "A")][0], rel=0.03)
    for date, v in touching["B"].items():  # the other wound, as without the split
        true_b, _ = truth[(date, "B")]
        assert v["closed"] and v["closure_confirmed"] if true_b == 0 else \
            v["area_mm2"] == pytest.approx(true_b, rel=0.03), date
    healed = dict(truth_masks)  # the same photos, but the part split off as C heals from the third visit on
    with Store(tmp_path / "touching" / "w.db") as store:
        rows = {(r["label"], Path(r["image"]).stem): r for r in store.table(latest=True)}
        for photo in photos[2:]:
            c = rows[("C", photo.stem)]
            assert c["instance"]["status"] == "found"
            healed[photo.stem] = truth_masks[photo.stem] & ~np.isin(store.labels(c["id"]), c["instance"]["numbers"])
    left = series(tmp_path / "healed", healed)
    for photo in photos[2:]:
        date = photo.stem
        assert left["C"][date]["closed"], date  # healed, not handed half of what is left of A
        assert left["A"][date]["area_mm2"] == pytest.approx(touching["A"][date]["area_mm2"]), date  # A as it was


def test_clicks_on_one_wound_leave_the_closer_look_for_another_it_missed(tmp_path):
    """At the fourth visit the first pass misses wound B (faded, 86 mm²); clicks on wound A there steer the
    photo's outline, and B is still looked for where it was, not read as closed."""
    import shutil

    for photo in sorted(TWO.glob("*.jpg"))[:5]:
        shutil.copy(photo, tmp_path / photo.name)
    a = read_mask(TWO / "truth" / "2024-05-27.A.png")
    ys, xs = np.nonzero(a)
    (tmp_path / "2024-05-27.hints.json").write_text(json.dumps({"points": [[float(np.median(xs)),
                                                                             float(np.median(ys))]]}))
    out = json.loads(run(tmp_path, "--json", "--db", tmp_path / "w.db").stdout)
    b = {v["date"]: v for w in out["wounds"] if w["wound"] == "B" for v in w["visits"]}
    truth = two_wound_truth()
    for date in ("2024-05-27", "2024-06-24"):
        assert not b[date]["closed"], date
        assert b[date]["area_mm2"] == pytest.approx(truth[(date, "B")][0], rel=0.35), date  # the model's outline
