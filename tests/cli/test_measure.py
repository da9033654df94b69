import json

import numpy as np
import pytest
import roifile
from click.testing import CliRunner

from woundmeasure.cli.main import cli
from woundmeasure.io import write_mask, write_rgb
from woundmeasure.synthetic import make_phantom


def run(*args):
    return CliRunner().invoke(cli, ["measure", *map(str, args)])


def test_json_contract_with_mask(phantom_files, phantom):
    img, mask = phantom_files
    r = run(img, "--px-per-mm", phantom.px_per_mm, "--mask", mask, "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 1
    row = rows[0]
    for key in ("image", "area_mm2", "area_cm2", "perimeter_mm", "length_mm", "width_mm", "num_pixels",
                "num_regions", "calibration", "segmentation", "warnings"):
        assert key in row
    assert row["image"] == str(img)
    assert set(row["calibration"]) >= {"method", "px_per_mm", "perspective_corrected", "uncertainty_pct"}
    assert row["calibration"]["method"] == "manual" and row["segmentation"]["method"] == "mask"
    assert row["area_mm2"] == pytest.approx(phantom.area_mm2, rel=0.005)
    assert row["num_pixels"] == phantom.mask.sum()


def test_table_output_and_outputs(tmp_path, phantom_files, phantom):
    img, mask = phantom_files
    out = tmp_path / "out"
    r = run(img, "--ruler", f"0,0,{phantom.px_per_mm * 30},0,30", "--mask", mask,
            "--mask-out", out / "m", "--roi-out", out / "r", "--overlay-out", out / "o")
    assert r.exit_code == 0, r.output
    assert "area mm2" in r.stdout and "wound.jpg" in r.stdout
    from woundmeasure.io import read_image

    written = read_image(out / "m" / "wound.png").rgb[..., 0]
    assert set(np.unique(written)) <= {0, 255} and np.array_equal(written > 0, phantom.mask)
    roi = roifile.ImagejRoi.fromfile(out / "r" / "wound.roi")
    assert roi.roitype == roifile.ROI_TYPE.TRACED
    ov = read_image(out / "o" / "wound.jpg").rgb
    assert ov.shape == phantom.rgb.shape and np.abs(ov.astype(int) - phantom.rgb).mean() > 0.5


def test_roi_input_and_mask_folder(tmp_path, phantom_files, phantom):
    img, mask = phantom_files
    from woundmeasure.roi import write_roi

    write_roi(tmp_path / "wound.roi", phantom.mask)
    a = json.loads(run(img, "--px-per-mm", 6, "--roi", tmp_path / "wound.roi", "--json").stdout)[0]
    folder = tmp_path / "masks"
    folder.mkdir()
    write_mask(folder / "wound.png", phantom.mask)
    b = json.loads(run(img, "--px-per-mm", 6, "--mask", folder, "--json").stdout)[0]
    assert a["segmentation"]["method"] == "roi" and b["segmentation"]["method"] == "mask"
    assert a["area_mm2"] == b["area_mm2"] == phantom.mask.sum() / 36


def test_one_bad_image_does_not_stop_the_others(tmp_path, phantom_files):
    img, mask = phantom_files
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(img.read_bytes()[:200])
    r = run(tmp_path / "missing.jpg", corrupt, img, "--px-per-mm", 6, "--mask", mask, "--json")
    assert r.exit_code == 1
    rows = json.loads(r.stdout)
    assert [row["image"] for row in rows] == [str(tmp_path / "missing.jpg"), str(corrupt), str(img)]
    assert "no such file" in rows[0]["error"] and "damaged or truncated" in rows[1]["error"]
    assert "area_mm2" in rows[2]
    assert r.stderr.count("\n") == 2 and "Traceback" not in r.stderr


def test_mask_of_wrong_size(tmp_path, phantom_files):
    img, _ = phantom_files
    write_mask(tmp_path / "small.png", np.ones((10, 10), bool))
    r = run(img, "--px-per-mm", 6, "--mask", tmp_path / "small.png")
    assert r.exit_code == 1
    assert "is 10 x 10 px but the photo is 1200 x 900 px" in r.stderr and "Traceback" not in r.output


@pytest.mark.parametrize("scale", ["0", "-2", "nan", "inf"])
def test_bad_scale_is_a_usage_error(phantom_files, scale):
    img, mask = phantom_files
    r = run(img, "--px-per-mm", scale, "--mask", mask)
    assert r.exit_code == 2 and "--px-per-mm" in r.output


@pytest.mark.parametrize("ruler,msg", [("1,2,3", "has 3 numbers"), ("a,b,c,d,e", "five numbers"),
                                       ("0,0,10,10,0", "MM must be > 0"), ("5,5,5,5,10", "coincide")])
def test_malformed_ruler_is_a_usage_error(phantom_files, ruler, msg):
    img, mask = phantom_files
    r = run(img, "--ruler", ruler, "--mask", mask)
    assert r.exit_code == 2 and msg in r.output


def test_no_scale_is_a_clear_error_naming_the_file(phantom_files):
    img, mask = phantom_files  # a marker, but no ruler
    r = run(img, "--mask", mask, "--calibration", "ruler")
    assert r.exit_code == 1
    assert str(img) in r.stderr and "scale" in r.stderr and "Traceback" not in r.output


def test_debug_shows_traceback(tmp_path):
    r = run(tmp_path / "missing.jpg", "--px-per-mm", 3, "--debug")
    assert r.exit_code == 1 and "Traceback" in r.stderr


def test_usage_errors(phantom_files):
    assert run().exit_code == 2
    no_scale = run(phantom_files[0], "--calibration", "manual")
    assert no_scale.exit_code == 2 and "--calibration manual needs a scale: --px-per-mm" in no_scale.output
    assert CliRunner().invoke(cli, ["--version"]).exit_code == 0


def test_hints_through_the_cli(phantom_files, phantom):
    img, _ = phantom_files
    rows, cols = np.nonzero(phantom.mask)
    x, y = int(np.median(cols)), int(np.median(rows))
    r = run(img, "--px-per-mm", 6, "--point", f"{x},{y}", "--box", f"{cols.min() - 5},{rows.min() - 5},"
            f"{cols.max() - cols.min() + 10},{rows.max() - rows.min() + 10}", "--json")
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)[0]
    assert row["segmentation"] == {"method": "model", "steered_by": "1 click inside the wound, a box"}
    assert row["area_mm2"] == pytest.approx(phantom.area_mm2, rel=0.15)
    bad = run(img, "--px-per-mm", 6, "--point", "12")
    assert bad.exit_code == 2 and "must be X,Y" in bad.output
    outside = run(img, "--px-per-mm", 6, "--point", "5000,10")
    assert outside.exit_code == 1 and "outside the 1200 x 900 px photo" in outside.stderr
    # a click is a place in one photo: not the same pixel of several photos, nor beside a given outline
    both = run(*phantom_files, "--px-per-mm", 6, "--point", f"{x},{y}")
    assert both.exit_code == 2 and "--point is a place in one photo" in both.output
    masked = run(img, "--px-per-mm", 6, "--box", "1,1,50,50", "--mask", img)
    assert masked.exit_code == 2 and "with --mask the outline is given" in masked.output
    marker = run(img, "--marker-mm", 0)
    assert marker.exit_code == 2 and "the marker's side in mm" in marker.output
    segmenter = run(img, "--segmenter", "foo")  # a usage error, before any photo is read
    assert segmenter.exit_code == 2 and "'model', 'color'" in segmenter.output


def test_photo_without_reference_explains_how_to_give_a_scale(tmp_path):
    from woundmeasure.io import write_rgb
    from woundmeasure.synthetic import make_phantom

    write_rgb(tmp_path / "plain.jpg", make_phantom(5, width=640, height=480, marker=False).rgb)
    r = run(tmp_path / "plain.jpg")
    assert r.exit_code == 1
    line = r.stderr.strip()
    assert line.count("\n") == 0 and "plain.jpg" in line and "no scale found" in line and "give a scale" in line
    forced = run(tmp_path / "plain.jpg", "--calibration", "marker")
    assert "no readable ArUco marker" in forced.stderr and "no mm ruler with clear tick marks" not in forced.stderr


def test_roi_outside_and_mask_of_wrong_size_are_clear_errors(tmp_path):
    import roifile

    p = make_phantom(32, width=400, height=300, marker=False)
    write_rgb(tmp_path / "a.jpg", p.rgb)
    roifile.ImagejRoi.frompoints(np.array([[900, 900], [950, 900], [950, 950]])).tofile(tmp_path / "a.roi")
    r = CliRunner().invoke(cli, ["measure", str(tmp_path / "a.jpg"), "--px-per-mm", "4", "--roi",
                                 str(tmp_path / "a.roi")])
    assert r.exit_code == 1 and "lies outside the 400 x 300 px photo" in r.stderr


def test_photos_of_one_name_in_two_folders_keep_their_own_output_files(tmp_path):
    phantoms = {}
    for folder, seed in (("a", 70), ("b", 71)):
        p = make_phantom(seed, width=480, height=360, px_per_mm=4.0, marker=False)
        write_rgb(tmp_path / folder / "x.jpg", p.rgb, quality=95)
        phantoms[folder] = p
    out = tmp_path / "out"
    r = run(tmp_path / "a" / "x.jpg", tmp_path / "b" / "x.jpg", "--px-per-mm", 4, "--mask-out", out / "m",
            "--overlay-out", out / "o")
    assert r.exit_code == 0, r.output
    from woundmeasure.io import read_image

    masks = {f: read_image(out / "m" / f / "x.png").rgb[..., 0] > 0 for f in "ab"}
    assert sorted(p.name for p in (out / "m").rglob("*.png")) == ["x.png", "x.png"]
    for f, p in phantoms.items():  # each photo's own outline, not the other's written over it
        other = phantoms["b" if f == "a" else "a"]
        assert (masks[f] & p.mask).sum() > (masks[f] & other.mask).sum()
    assert (out / "o" / "a" / "x.jpg").is_file() and (out / "o" / "b" / "x.jpg").is_file()


def test_a_photo_of_two_wounds_round_trips_through_imagej_as_a_roiset_of_named_wounds(tmp_path):
    """--roi-out writes one ROI per wound, under the name a person gave it, else as ImageJ names an
    unnamed ROI (this photo's letters would claim which wound of a series each is); given back, each
    wound keeps its pixels and its name."""
    from pathlib import Path

    from woundmeasure.io import read_mask
    from woundmeasure.roi import read_roi_set, write_roi_set

    two = Path(__file__).parents[2] / "examples" / "two-wounds"
    a, b = (read_mask(two / "truth" / f"2024-03-04.{w}.png") for w in "AB")
    photo = two / "2024-03-04.jpg"
    write_roi_set(tmp_path / "given.zip", [("ankle", a), (None, b)])  # one named in ImageJ, one not
    first = json.loads(run(photo, "--roi", tmp_path / "given.zip", "--roi-out", tmp_path / "r", "--json").stdout)[0]
    rois = dict(read_roi_set(tmp_path / "r" / "2024-03-04.zip", shape=a.shape))
    assert set(rois) == {"ankle", None}  # the unnamed one is unnamed again, not "B"
    assert np.array_equal(rois["ankle"], a) and np.array_equal(rois[None], b)
    again = json.loads(run(photo, "--roi", tmp_path / "r" / "2024-03-04.zip", "--json").stdout)[0]
    assert {w["name"]: w["area_mm2"] for w in again["wounds"]} == \
        pytest.approx({w["name"]: w["area_mm2"] for w in first["wounds"]})


def test_roi_out_leaves_no_earlier_outline_that_would_be_read_instead(tmp_path):
    """One wound, then two: the .zip replaces the .roi (given the folder, the .roi was read first)."""
    mask = np.zeros((480, 640), bool)
    mask[100:200, 100:200] = True
    phantom_rgb = make_phantom(63, width=640, height=480, marker=False).rgb
    write_rgb(tmp_path / "p.jpg", phantom_rgb)
    write_mask(tmp_path / "one.png", mask)
    assert run(tmp_path / "p.jpg", "--px-per-mm", 6, "--mask", tmp_path / "one.png", "--roi-out", tmp_path / "r")\
        .exit_code == 0
    mask[300:400, 400:500] = True  # a second wound, far from the first
    write_mask(tmp_path / "two.png", mask)
    assert run(tmp_path / "p.jpg", "--px-per-mm", 6, "--mask", tmp_path / "two.png", "--roi-out", tmp_path / "r")\
        .exit_code == 0
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["p.zip"]
    again = json.loads(run(tmp_path / "p.jpg", "--px-per-mm", 6, "--roi", tmp_path / "r", "--json").stdout)[0]
    assert again["num_pixels"] == mask.sum() and len(again["wounds"]) == 2


def test_json_gives_the_visit_date_its_warning_names(tmp_path, phantom):
    """The date read from the name (or EXIF) is a field, as the README's table says, not only inside date_warning."""
    write_rgb(tmp_path / "2024-03-18.jpg", phantom.rgb)
    write_rgb(tmp_path / "undated.jpg", phantom.rgb)
    r = run(tmp_path / "2024-03-18.jpg", tmp_path / "undated.jpg", "--px-per-mm", phantom.px_per_mm, "--json")
    dated, undated = json.loads(r.stdout)
    assert dated["date"] == "2024-03-18" and undated["date"] is None
    assert "wound" not in dated and "params_key" not in dated


def test_outputs_that_would_write_over_the_photo_are_refused_and_the_photo_kept(tmp_path):
    """--overlay-out set to the photos' own folder would draw the outline over the original photo (and a
    later track would measure the drawing): refused, naming the option, the photo untouched."""
    import hashlib

    p = make_phantom(72, width=480, height=360, px_per_mm=4.0, marker=False)
    write_rgb(tmp_path / "x.jpg", p.rgb, quality=95)
    write_rgb(tmp_path / "y.png", p.rgb)
    before = {n: hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("x.jpg", "y.png")}
    r = run(tmp_path / "x.jpg", "--px-per-mm", 4, "--overlay-out", tmp_path)
    assert r.exit_code == 1 and "--overlay-out" in r.stderr and "write over the photo" in r.stderr
    r = run(tmp_path / "y.png", "--px-per-mm", 4, "--mask-out", tmp_path)
    assert r.exit_code == 1 and "--mask-out" in r.stderr
    assert {n: hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in before} == before
    r = run(tmp_path / "x.jpg", "--px-per-mm", 4, "--mask-out", tmp_path)  # x.png beside x.jpg: not the photo
    assert r.exit_code == 0, r.output
    assert (tmp_path / "x.png").is_file()
    write_rgb(tmp_path / "z.jpeg", p.rgb, quality=95)  # its overlay, z.jpg, would be a second photo of the visit
    r = run(tmp_path / "z.jpeg", "--px-per-mm", 4, "--overlay-out", tmp_path)
    assert r.exit_code == 1 and "among the photos" in r.stderr and not (tmp_path / "z.jpg").exists()
