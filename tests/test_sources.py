import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import run_track as run
from woundmeasure.errors import InputError
from woundmeasure.io import write_rgb
from woundmeasure.sources import read_manifest
from woundmeasure.synthetic import make_phantom


def test_manifest_errors(tmp_path):
    (tmp_path / "m.csv").write_text("photo,when\na.jpg,2024-01-01\n")
    r = run(tmp_path / "m.csv")
    assert r.exit_code == 1 and "needs the columns image,date" in r.stderr
    (tmp_path / "n.csv").write_text("image,date\na.jpg,01/02/2024\n")
    r = run(tmp_path / "n.csv", "--db", tmp_path / "n.db")  # the row's photo failed, with the row's own error
    assert r.exit_code == 1 and "FAILED" in r.stdout and "line 2: date '01/02/2024' is not an ISO date" in r.stdout
    (tmp_path / "empty").mkdir()
    assert "holds no photos" in run(tmp_path / "empty").stderr


def test_a_bad_manifest_row_is_its_photos_error_and_the_others_are_measured(tmp_path):
    for i in range(3):
        write_rgb(tmp_path / f"p{i}.jpg", make_phantom(40 + i, width=480, height=360, px_per_mm=4.0).rgb)
    write_rgb(tmp_path / "p3.jpg", make_phantom(43, width=480, height=360, px_per_mm=4.0).rgb)
    write_rgb(tmp_path / "p4.jpg", make_phantom(44, width=480, height=360, px_per_mm=4.0).rgb)
    mask = make_phantom(43, width=480, height=360, px_per_mm=4.0).mask
    from woundmeasure.io import write_mask
    from woundmeasure.roi import write_roi

    write_mask(tmp_path / "m.png", mask)
    write_roi(tmp_path / "m.roi", mask)
    (tmp_path / "m.csv").write_text("image,date,px_per_mm,mask,roi,box\np0.jpg,2024-01-01,4,,,\n"
                                    "p1.jpg,2024-13-45,4,,,\np2.jpg,2024-02-01,abc,,,\n"
                                    "p3.jpg,2024-03-01,4,m.png,m.roi,\np4.jpg,2024-04-01,4,m.png,,\"1,1,50,50\"\n")
    r = run(tmp_path / "m.csv", "--json", "--db", tmp_path / "m.db")
    visits = {v["image"].split("/")[-1]: v for v in json.loads(r.stdout)["visits"]}
    assert visits["p0.jpg"]["area_mm2"] > 0 and not visits["p0.jpg"]["error"]
    assert "line 3: date '2024-13-45' is not an ISO date" in visits["p1.jpg"]["error"]
    assert "line 4: px_per_mm 'abc' is not a number" in visits["p2.jpg"]["error"]
    assert "line 5: gives both a mask and an ROI" in visits["p3.jpg"]["error"]  # not one of them, silently
    assert "line 6: gives a mask (the outline) and box" in visits["p4.jpg"]["error"]
    # a failed row keeps its good date: its error stands at its place in time, not as "undated"
    assert (visits["p2.jpg"]["date"], visits["p4.jpg"]["date"], visits["p1.jpg"]["date"]) == \
        ("2024-02-01", "2024-04-01", None)
    assert r.exit_code == 1  # some photos failed


# Property-based tests (hypothesis) of the manifest parser
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_manifest_parser_never_crashes(tmp_path, text):
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    try:
        specs = read_manifest(path)
    except InputError as exc:
        assert str(path) in str(exc)
    else:
        assert all(s.image.parent == tmp_path or tmp_path in s.image.parents for s in specs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.dates(), st.floats(0.01, 1e4, allow_nan=False), st.text("abc ", max_size=5)),
                min_size=1, max_size=6))
def test_manifest_round_trip(tmp_path, rows):
    lines = ["image,date,px_per_mm,wound"] + [f"img{i}.jpg,{d.isoformat()},{s!r},{w}" for i, (d, s, w) in
                                              enumerate(rows)]
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    specs = read_manifest(tmp_path / "m.csv")
    assert [s.date for s in specs] == [d for d, _, _ in rows]
    assert [s.px_per_mm for s in specs] == pytest.approx([s for _, s, _ in rows])
    assert [s.wound for s in specs] == [w.strip() or "wound" for _, _, w in rows]


def test_dates_from_names_and_exif(tmp_path):
    import datetime as dt

    from PIL import Image

    from woundmeasure.sources import date_from_name, folder_photos

    assert date_from_name("visit-2024-03-05.png") == dt.date(2024, 3, 5)
    assert date_from_name("2024-02-30.jpg") is None and date_from_name("IMG_0305.jpg") is None
    # as phone cameras name their photos; a number that is not a date is none
    assert date_from_name("IMG_20240305_101112.jpg") == dt.date(2024, 3, 5)
    assert date_from_name("PXL_20231102_093000123.jpg") == dt.date(2023, 11, 2)
    assert date_from_name("20240305_101112.jpg") == dt.date(2024, 3, 5)
    assert date_from_name("IMG-20240305-WA0001.jpg") == dt.date(2024, 3, 5)  # WhatsApp, which strips EXIF
    assert date_from_name("scan_20241399.jpg") is None and date_from_name("id-123456789.jpg") is None
    assert date_from_name("MRN20110523_photo.jpg") is None  # a record number, not a camera's name
    p = make_phantom(60, width=640, height=480, px_per_mm=4.0, marker=False)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2023:11:02 09:30:00"
    Image.fromarray(p.rgb).save(tmp_path / "IMG_0001.jpg", exif=exif, quality=92)
    Image.fromarray(p.rgb).save(tmp_path / "undated.jpg", quality=92)
    (tmp_path / "IMG_0001.mask.png").write_bytes(b"")  # a sidecar is not a photo
    assert [s.image.name for s in folder_photos(tmp_path)] == ["IMG_0001.jpg", "undated.jpg"]
    out = json.loads(run(tmp_path, "--px-per-mm", 4, "--segmenter", "color", "--json").stdout)
    dated = [v for v in out["visits"] if v["image"].endswith("IMG_0001.jpg")][0]
    undated = [v for v in out["visits"] if v["image"].endswith("undated.jpg")][0]
    assert dated["date"] == "2023-11-02" and "no date" in undated["error"]


def test_hints_come_from_the_manifest_or_a_sidecar_and_reach_the_options(tmp_path):
    from woundmeasure.options import MeasureOptions
    from woundmeasure.sources import folder_photos, read_manifest, write_hints

    (tmp_path / "a.jpg").write_bytes(b"x")
    (tmp_path / "b.jpg").write_bytes(b"x")
    write_hints(tmp_path / "b.hints.json", box=(1, 2, 30, 40), points=[(5, 6)], background_points=[(7, 8)])
    (tmp_path / "m.csv").write_text('image,date,box,points,background_points\n'
                                    'a.jpg,2024-01-01,"1,2,3,4","5,6;7,8","9.5,10"\n'
                                    'b.jpg,2024-01-02,,,\n')
    a, b = read_manifest(tmp_path / "m.csv")
    assert a.box == (1.0, 2.0, 3.0, 4.0) and a.points == ((5.0, 6.0), (7.0, 8.0))
    assert b.box == (1.0, 2.0, 30.0, 40.0) and b.background_points == ((7.0, 8.0),)  # from its sidecar
    options = b.options_for(MeasureOptions(points=((99, 99),)))
    assert options.points == ((5.0, 6.0),) and options.box == (1.0, 2.0, 30.0, 40.0)  # the photo's own hints win
    assert {s.image.name: s.points for s in folder_photos(tmp_path)}["b.jpg"] == ((5.0, 6.0),)


def test_a_bad_hints_sidecar_is_that_photos_error_only(tmp_path):
    from woundmeasure.options import MeasureOptions
    from woundmeasure.pipeline import measure_spec
    from woundmeasure.sources import folder_photos

    for name in ("a", "b"):
        write_rgb(tmp_path / f"{name}.jpg", make_phantom(3, width=320, height=240).rgb)
    (tmp_path / "b.hints.json").write_text("{not json")
    specs = {s.image.name: s for s in folder_photos(tmp_path)}
    assert specs["a.jpg"].problem is None
    error = measure_spec(specs["b.jpg"], MeasureOptions(px_per_mm=3)).error
    assert "b.hints.json" in error and "not a hints file" in error


def test_manifest_hints_must_be_numbers(tmp_path):
    (tmp_path / "m.csv").write_text('image,date,points\na.jpg,2024-01-01,"5;6"\n')
    (spec,) = read_manifest(tmp_path / "m.csv")
    assert "line 2: points '5;6' must be X,Y" in spec.problem
    (tmp_path / "n.csv").write_text('image,date,box\na.jpg,2024-01-01,1,2,3,4\n')
    with pytest.raises(InputError, match="line 2: has more fields than the header"):
        read_manifest(tmp_path / "n.csv")


def test_the_newer_of_an_imagej_roi_and_a_corrected_mask_is_used(tmp_path):
    import os

    from woundmeasure.sources import folder_photos

    (tmp_path / "a.jpg").write_bytes(b"x")
    (tmp_path / "a.roi").write_bytes(b"r")
    (tmp_path / "a.mask.png").write_bytes(b"m")
    os.utime(tmp_path / "a.roi", ns=(1_000_000_000, 1_000_000_000))
    assert folder_photos(tmp_path)[0].mask == tmp_path / "a.mask.png"
    os.utime(tmp_path / "a.mask.png", ns=(500_000_000, 500_000_000))
    assert folder_photos(tmp_path)[0].roi == tmp_path / "a.roi"


def test_per_wound_sidecars_list_a_photo_once_per_wound(tmp_path):
    from woundmeasure.sources import folder_photos

    (tmp_path / "2024-01-02.jpg").write_bytes(b"x")
    (tmp_path / "2024-01-02.A.mask.png").write_bytes(b"x")
    (tmp_path / "2024-01-02.B.roi").write_bytes(b"x")
    (tmp_path / "2024-01-02.B.hints.json").write_text('{"points": [[10, 20]]}')
    (tmp_path / "2024-01-02.before-review.mask.png").write_bytes(b"x")  # the review page's, not a wound
    (tmp_path / "2024-01-09.jpg").write_bytes(b"x")
    specs = folder_photos(tmp_path)
    got = [(s.image.name, s.wound, s.mask and s.mask.name, s.roi and s.roi.name, s.points) for s in specs]
    assert got == [("2024-01-02.jpg", "A", "2024-01-02.A.mask.png", None, ()),
                   ("2024-01-02.jpg", "B", None, "2024-01-02.B.roi", ((10.0, 20.0),)),
                   ("2024-01-09.jpg", "wound", None, None, ())]


def test_another_photos_sidecar_is_not_a_wound_of_this_one(tmp_path):
    from woundmeasure.sources import folder_photos

    for name in ("2024-01-02.jpg", "2024-01-02.2.jpg", "2024-01-02.2.mask.png"):
        (tmp_path / name).write_bytes(b"x")
    got = [(s.image.name, s.wound, s.mask and s.mask.name) for s in folder_photos(tmp_path)]
    assert got == [("2024-01-02.2.jpg", "wound", "2024-01-02.2.mask.png"), ("2024-01-02.jpg", "wound", None)]


def test_a_misspelt_manifest_column_is_named_and_a_clinics_own_column_is_left_alone(tmp_path):
    write_rgb(tmp_path / "p.jpg", make_phantom(45, width=480, height=360, px_per_mm=4.0).rgb)
    (tmp_path / "m.csv").write_text("image,date,point,px_per_m\np.jpg,2024-01-01,\"10,10\",4\n")
    with pytest.raises(InputError, match="has a column 'point'; did you mean 'points'"):
        read_manifest(tmp_path / "m.csv")
    (tmp_path / "m.csv").write_text("image,date,px_per_mm,comment\np.jpg,2024-01-01,4,left heel\n")
    [spec] = read_manifest(tmp_path / "m.csv")
    assert spec.px_per_mm == 4.0


def test_a_manifest_saved_by_a_comma_decimal_excel_is_read(tmp_path):
    """Excel in a German or French locale saves "CSV" with ';' between columns, 7,5 for 7.5 and the Windows
    code page: it was refused with "save it as CSV with commas", which such an Excel cannot do."""
    (tmp_path / "m.csv").write_bytes("image;date;px_per_mm;note\r\nGröße.jpg;2024-01-01;7,5;Ferse\r\n"
                                     "b.jpg;2024-01-15;;\r\n".encode("cp1252"))
    first, second = read_manifest(tmp_path / "m.csv")
    assert first.image.name == "Größe.jpg" and first.px_per_mm == 7.5 and first.note == "Ferse"
    assert second.date.isoformat() == "2024-01-15" and second.px_per_mm is None
    (tmp_path / "m.csv").write_text("image,date,px_per_mm\np.jpg,2024-01-01,\"7,5\"\n")  # commas: no decimal comma
    [spec] = read_manifest(tmp_path / "m.csv")
    assert spec.problem and "is not a number" in spec.problem


def test_a_given_date_far_from_the_cameras_is_used_with_a_warning(tmp_path):
    """A date in the name 29 days from the EXIF date shifts every day count: it is used, and said."""
    import datetime as dt

    from PIL import Image

    from woundmeasure.sources import PhotoSpec, date_warning, no_date_error, visit_date

    p = make_phantom(61, width=640, height=480, px_per_mm=4.0, marker=False)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2024:05:01 10:00:00"
    for name in ("2024-04-02.jpg", "2024-05-02.jpg", "DSC0001.jpg"):
        Image.fromarray(p.rgb).save(tmp_path / name, exif=exif, quality=92)
    assert visit_date(PhotoSpec(tmp_path / "2024-04-02.jpg")) == dt.date(2024, 4, 2)  # the name's date is used
    assert visit_date(PhotoSpec(tmp_path / "DSC0001.jpg")) == dt.date(2024, 5, 1)
    assert visit_date(PhotoSpec(tmp_path / "DSC0001.jpg", dt.date(2024, 6, 1))) == dt.date(2024, 6, 1)
    said = date_warning(dt.date(2024, 4, 2), "2024-05-01T10:00:00")
    assert "29 days" in said and "2024-05-01" in said
    assert date_warning(dt.date(2024, 5, 2), "2024-05-01T10:00:00") is None  # a day: time zones
    assert "2024-02-30 in its name is not a date" in no_date_error(tmp_path / "wound 2024-02-30.jpg")
    assert "20241399 in its name is not a date" in no_date_error(tmp_path / "IMG_20241399_101112.jpg")
    out = json.loads(run(tmp_path, "--px-per-mm", 4, "--segmenter", "color", "--json").stdout)
    [far] = [v for v in out["visits"] if v["image"].endswith("2024-04-02.jpg")]
    assert any("29 days" in w for w in far["warnings"])


def test_a_row_of_empty_cells_is_a_blank_line(tmp_path):
    """A spreadsheet leaves ",," where cells were cleared: the other rows are read, not refused."""
    write_rgb(tmp_path / "a.jpg", make_phantom(62, width=320, height=240, marker=False).rgb)
    (tmp_path / "m.csv").write_text("image,date,wound\na.jpg,2024-01-08,\n,,\n , , \n")
    assert [s.image.name for s in read_manifest(tmp_path / "m.csv")] == ["a.jpg"]
    (tmp_path / "m.csv").write_text("image,date,wound\na.jpg,2024-01-08,\n,2024-01-09,\n")
    with pytest.raises(InputError, match="line 3: the image column is empty"):
        read_manifest(tmp_path / "m.csv")


def test_a_roiset_beside_a_photo_is_its_outline(tmp_path):
    import os

    from woundmeasure.sources import PhotoSpec

    write_rgb(tmp_path / "2024-01-08.jpg", make_phantom(64, width=320, height=240, marker=False).rgb)
    (tmp_path / "2024-01-08.roi").write_bytes(b"")
    (tmp_path / "2024-01-08.zip").write_bytes(b"")
    os.utime(tmp_path / "2024-01-08.roi", (1, 1))  # the RoiSet saved after the single ROI: the newer wins
    assert PhotoSpec(tmp_path / "2024-01-08.jpg").with_sidecars().roi == tmp_path / "2024-01-08.zip"


def test_a_folder_lists_webp_jfif_and_bmp_photos_as_visits(tmp_path):
    """Photos saved by a messenger or an old camera (.webp, .jfif, .bmp) are visits, as measure reads them:
    left out of a folder's listing, a series lost its visits near day 28 and its 4-week PAR, silently."""
    import cv2

    for i, (day, ext) in enumerate((("2024-01-01", ".jpg"), ("2024-01-15", ".webp"), ("2024-01-29", ".jfif"),
                                    ("2024-02-12", ".bmp"))):
        rgb = make_phantom(40 + i, width=480, height=360, px_per_mm=4.0).rgb
        params = [cv2.IMWRITE_WEBP_QUALITY, 100] if ext == ".webp" else []
        ok, data = cv2.imencode(".jpg" if ext == ".jfif" else ext, rgb[..., ::-1].copy(), params)
        (tmp_path / f"{day}{ext}").write_bytes(data.tobytes())
    r = run(tmp_path, "--px-per-mm", 4, "--json", "--db", tmp_path / "r.db")
    assert r.exit_code == 0, r.output
    assert [v["date"] for v in json.loads(r.stdout)["visits"]] == ["2024-01-01", "2024-01-15", "2024-01-29",
                                                                   "2024-02-12"]


def test_a_manifest_date_that_is_not_the_names_is_used_with_a_warning_and_a_name_of_two_dates_gives_the_latest(
        tmp_path):
    """A manifest date with day and month swapped (2024-07-02 for a photo named 2024-02-07) moved the visit
    to day 176 and the PAR from 77% to 39% without a word; a birth date before the visit date in a name
    dated every visit 1956."""
    import datetime as dt

    from woundmeasure.sources import date_from_name

    assert date_from_name("Mueller_1956-07-21_2024-03-04.jpg") == dt.date(2024, 3, 4)
    assert date_from_name("2024-03-04_Mueller_1956-07-21.jpg") == dt.date(2024, 3, 4)
    for i, name in enumerate(("Mueller_1956-07-21_2024-01-08.jpg", "2024-02-07.jpg")):
        write_rgb(tmp_path / name, make_phantom(50 + i, width=480, height=360, px_per_mm=4.0, marker=False).rgb)
    (tmp_path / "m.csv").write_text("image,date\nMueller_1956-07-21_2024-01-08.jpg,2024-01-08\n"
                                    "2024-02-07.jpg,2024-07-02\n")
    out = json.loads(run(tmp_path / "m.csv", "--px-per-mm", 4, "--segmenter", "color", "--json",
                         "--db", tmp_path / "m.db").stdout)
    first, swapped = out["visits"]
    assert swapped["date"] == "2024-07-02"  # the manifest's date is used, as a person gave it ...
    assert any("not the date in its file name (2024-02-07)" in w for w in swapped["warnings"])  # ... and doubted
    assert any("holds 2 dates (1956-07-21, 2024-01-08)" in w for w in first["warnings"])
    out = json.loads(run(tmp_path, "--px-per-mm", 4, "--segmenter", "color", "--json",
                         "--db", tmp_path / "f.db").stdout)
    assert [v["date"] for v in out["visits"]] == ["2024-01-08", "2024-02-07"]
    assert not any("not the date" in w for v in out["visits"] for w in v["warnings"])


def test_a_day_first_date_with_dots_dates_a_photo():
    """18.06.2024.jpg (Europe's way, never month-first with dots) was told it had no date."""
    import datetime as dt

    from woundmeasure.sources import date_from_name

    assert date_from_name("18.06.2024.jpg") == dt.date(2024, 6, 18)
    assert date_from_name("Wunde 4.3.2024.jpg") == dt.date(2024, 3, 4)
    assert date_from_name("31.02.2024.jpg") is None and date_from_name("3-4-24.jpg") is None


def test_a_manifest_written_on_windows_names_its_photos_with_backslashes(tmp_path):
    (tmp_path / "photos").mkdir()
    write_rgb(tmp_path / "photos" / "a.jpg", make_phantom(63, width=320, height=240, marker=False).rgb)
    (tmp_path / "m.csv").write_text("image,date\nphotos\\a.jpg,2024-01-08\n")
    [spec] = read_manifest(tmp_path / "m.csv")
    assert spec.image == tmp_path / "photos" / "a.jpg" and spec.image.is_file()


def test_photos_in_a_subfolder_are_named_not_passed_over_silently(tmp_path):
    (tmp_path / "old").mkdir()
    write_rgb(tmp_path / "old" / "2024-01-08.jpg", make_phantom(64, width=320, height=240, marker=False).rgb)
    r = run(tmp_path, "--px-per-mm", 4, "--db", tmp_path / "a.db")
    assert r.exit_code == 1 and "its subfolder old holds 1: give that folder" in r.stderr
    write_rgb(tmp_path / "2024-02-08.jpg", make_phantom(65, width=320, height=240, marker=False).rgb)
    r = run(tmp_path, "--px-per-mm", 4, "--segmenter", "color", "--db", tmp_path / "b.db")
    assert f"warning: {tmp_path / 'old'} holds 1 image(s), not measured" in r.stderr
