import json
from pathlib import Path

import numpy as np
import pytest

from woundmeasure.calibration.detect import detect_calibration
from woundmeasure.errors import CalibrationError
from woundmeasure.options import MeasureOptions
from woundmeasure.pipeline import calibrate, measure_image, parse_ruler
from woundmeasure.synthetic import make_phantom


def test_calibrate_prefers_manual_and_explains_missing_scale():
    import numpy as np

    rgb = np.zeros((50, 50, 3), np.uint8)
    assert calibrate(rgb, MeasureOptions(px_per_mm=3)).px_per_mm == 3
    assert calibrate(rgb, MeasureOptions(ruler=parse_ruler("0,0,30,40,10"))).px_per_mm == 5
    with pytest.raises(CalibrationError, match="either px_per_mm or ruler"):
        MeasureOptions(px_per_mm=3, ruler=(0, 0, 30, 40, 10))
    with pytest.raises(CalibrationError, match="manual calibration needs a scale"):
        calibrate(rgb, MeasureOptions(calibration="manual"))


def test_reference_is_never_wound():
    p = make_phantom(13, ruler=True)
    cal = detect_calibration(p.rgb)
    excl = cal.reference_mask(p.rgb.shape[:2])
    corners = np.round(p.marker_corners).astype(int)
    assert all(excl[y, x] for x, y in corners)
    # a wound-red stain on the marker's white margin: inside the reference, so never wound
    import cv2

    rgb = p.rgb.copy()
    centre = p.marker_corners.mean(0)
    spot = tuple(np.round(centre + (p.marker_corners[0] - centre) * 1.25).astype(int))
    cv2.circle(rgb, spot, 6, (190, 30, 40), -1)
    r = measure_image(rgb, calibration=cal, segmenter="color")
    assert not (r.mask & excl).any()
    assert r.mask.any()


def test_warnings_small_and_far_reference():
    p = make_phantom(14, width=2400, height=1800, px_per_mm=2.0, wound_radius_mm=30,
                     wound_offset_px=(0, 0))
    from woundmeasure import WoundMeasureWarning

    with pytest.warns(WoundMeasureWarning, match="only .* px wide"):
        r = measure_image(p.rgb, mask=p.mask)
    assert any("only" in w and "px wide" in w for w in r.warnings)
    far = np.zeros_like(p.mask)
    far[:40, :300] = far[:300, :40] = True  # an L-shaped "wound" in the far corner, the marker near the centre
    with pytest.warns(WoundMeasureWarning) as record:
        r = measure_image(p.rgb, mask=far)
    assert any("far from the wound" in str(w.message) for w in record)
    assert sum("far from the wound" in w for w in r.warnings) == 1  # said once, not again for its one wound


def test_edge_wound_is_flagged_and_empty_is_a_result():
    import woundmeasure as wm

    p = make_phantom(11, width=800, height=600, marker=False, wound_offset_px=(380, 0))
    with pytest.warns(wm.WoundMeasureWarning):
        r = wm.measure_image(p.rgb, px_per_mm=6.0)
    assert r.measurement.touches_edge and any("edge" in w for w in r.warnings)
    with pytest.warns(wm.WoundMeasureWarning, match="no wound"):
        e = wm.measure_image(np.full((200, 200, 3), (205, 160, 140), np.uint8), px_per_mm=6.0)  # bare skin
    assert e.measurement.area_mm2 == 0


def test_a_wounds_own_warning_names_it_by_its_letter_as_its_row_does():
    from woundmeasure.pipeline import WoundMeasureWarning

    rgb = np.full((300, 400, 3), 180, np.uint8)
    mask = np.zeros((300, 400), bool)
    mask[100:160, 40:120] = True
    mask[100:108, 300:308] = True  # 64 px, far to the right: the second wound, too small to measure well
    with pytest.warns(WoundMeasureWarning):
        r = measure_image(rgb, px_per_mm=4.0, mask=mask)
    assert len(r.wounds) == 2
    assert [w for w in r.warnings if "covers only" in w] == [
        "wound B: the wound covers only 64 px: area uncertainty is high; photograph it closer"]


def test_a_given_scale_that_a_marker_in_the_photo_contradicts_is_questioned():
    from woundmeasure.pipeline import WoundMeasureWarning

    p = make_phantom(12, width=1200, height=900, px_per_mm=6.0)  # a 20 mm marker beside the wound
    right = measure_image(p.rgb, px_per_mm=6.0, mask=p.mask)
    assert not any("marker in the photo gives" in w for w in right.warnings)
    with pytest.warns(WoundMeasureWarning, match=r"a 20 mm marker in the photo gives (5\.9|6\.0)\d px/mm at the "
                                                 r"wound, \+(99|100|101)% from the scale given \(3\.00 px/mm\)"):
        wrong = measure_image(p.rgb, px_per_mm=3.0, mask=p.mask)
    assert wrong.calibration.method == "manual"  # the person's scale still wins; the warning says so
    # tilted 20 degrees, the marker's own scale (10.0 px/mm) is not the wound's (9.0, the truth): compared at the
    # wound, the true scale passes and the marker's own is questioned
    single = Path(__file__).parents[1] / "examples" / "single"
    truth = json.loads((single / "truth.json").read_text())["px_per_mm"]
    true_scale = measure_image(single / "wound.jpg", px_per_mm=truth, mask=single / "wound.mask.png")
    assert not any("marker in the photo gives" in w for w in true_scale.warnings)
    with pytest.warns(WoundMeasureWarning, match=r"gives (8\.9|9\.0)\d px/mm at the wound"):
        measure_image(single / "wound.jpg", px_per_mm=10.05, mask=single / "wound.mask.png")
    assert wrong.measurement.area_mm2 == pytest.approx(4 * right.measurement.area_mm2, rel=1e-9)


def test_an_array_mask_of_the_wrong_shape_or_inverted_is_refused_with_what_to_give():
    from woundmeasure.errors import MaskError

    p = make_phantom(seed=4, marker=True)
    colour = np.repeat(p.mask[..., None], 3, axis=2)  # an RGB mask: right size, one axis too many
    with pytest.raises(MaskError, match=r"an array of shape \(\d+, \d+, 3\) but the photo is \d+ rows x \d+ columns; "
                                        "give a 2-D mask"):
        measure_image(p.rgb, mask=colour)
    with pytest.raises(MaskError, match="its whole border are wound.*invert it"):
        measure_image(p.rgb, mask=~p.mask)
    ones = measure_image(p.rgb, mask=p.mask.astype(np.uint8)).measurement  # values 0 and 1
    assert ones.area_mm2 > 0 and ones.area_mm2 == measure_image(p.rgb, mask=p.mask).measurement.area_mm2


def test_a_given_scale_that_a_ruler_in_the_photo_contradicts_is_questioned():
    from woundmeasure.pipeline import WoundMeasureWarning

    p = make_phantom(12, width=1600, height=1200, px_per_mm=8.0, marker=False, ruler="plain")
    assert not any("ruler in the photo gives" in w for w in measure_image(p.rgb, px_per_mm=8.0, mask=p.mask).warnings)
    with pytest.warns(WoundMeasureWarning, match=r"a ruler in the photo gives 8\.0\d px/mm at the wound, \+(59|60|61)% "
                                                 r"from the scale given \(5\.00 px/mm\)"):
        measure_image(p.rgb, px_per_mm=5.0, mask=p.mask)


def test_ruler_points_off_the_photo_and_scales_no_photo_has_are_refused():
    from woundmeasure.errors import InputError

    p = make_phantom(3, marker=False)
    with pytest.raises(InputError, match=r"ruler point \(5000, 5000\) lies outside the 1200 x 900 px photo"):
        measure_image(p.rgb, ruler=(5000, 5000, 6000, 5000, 10), mask=p.mask)
    with pytest.raises(CalibrationError, match=r"1e-09 px/mm is a scale no photo has"):
        MeasureOptions(px_per_mm=1e-9)
    with pytest.raises(CalibrationError, match=r"calibration 'ruler' asks for the ruler in the photo, but a manual "
                                               "scale is given too"):
        MeasureOptions(px_per_mm=6.0, calibration="ruler")
    # a manifest's scale wins over a series' --calibration ruler; the default keeps its key (records made before)
    assert MeasureOptions(calibration="ruler").with_scale(6.0).px_per_mm == 6.0
    assert MeasureOptions().with_scale(6.0).key() == MeasureOptions(px_per_mm=6.0).key()


def test_the_wound_gap_is_an_option_of_measure_image_as_of_the_command_line():
    import cv2

    p = make_phantom(5, marker=False)
    mask = np.zeros(p.rgb.shape[:2], np.uint8)
    cv2.circle(mask, (400, 450), 40, 1, -1)
    cv2.circle(mask, (400 + 80 + 90, 450), 40, 1, -1)  # 90 px = 15 mm apart at 6 px/mm
    assert len(measure_image(p.rgb, px_per_mm=6.0, mask=mask).wounds) == 2
    assert len(measure_image(p.rgb, px_per_mm=6.0, mask=mask, wound_gap_mm=20).wounds) == 1


def test_imagej_rois_of_a_photo_stored_sideways_lie_where_imagej_shows_its_wound(tmp_path):
    """ImageJ 1.x opens a JPEG as stored, ignoring its EXIF orientation: ROIs go both ways in that frame."""
    import roifile
    from PIL import Image

    from woundmeasure.options import Outputs
    from woundmeasure.pipeline import measure_spec
    from woundmeasure.roi import write_roi
    from woundmeasure.sources import PhotoSpec

    p = make_phantom(3, px_per_mm=6.0)  # upright: 1200 x 900
    stored_rgb, stored_truth = np.rot90(p.rgb), np.rot90(p.mask)  # stored 900 x 1200, shown turned 90 degrees clockwise
    photo = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[274] = 6  # "rotate 90 CW to show"
    Image.fromarray(np.ascontiguousarray(stored_rgb)).save(photo, quality=95, exif=exif)
    rois = tmp_path / "rois"
    rois.mkdir()
    outcome = measure_spec(PhotoSpec(photo), MeasureOptions(px_per_mm=6.0), outputs=Outputs(rois=rois))
    assert outcome.error is None
    roi = roifile.ImagejRoi.fromfile(rois / "sideways.roi")
    rows, cols = np.nonzero(stored_truth)
    assert abs(roi.left - cols.min()) < 25 and abs(roi.top - rows.min()) < 25  # on the wound ImageJ shows
    assert abs(roi.right - cols.max()) < 25 and abs(roi.bottom - rows.max()) < 25
    # an ROI drawn in ImageJ on the stored frame: measured on the wound of the upright photo
    drawn = tmp_path / "drawn.roi"
    write_roi(drawn, np.ascontiguousarray(stored_truth))
    r = measure_image(photo, px_per_mm=6.0, roi=drawn)
    assert r.mask.shape == p.mask.shape and np.array_equal(r.mask, p.mask)
    assert r.measurement.area_mm2 == pytest.approx(p.mask.sum() / 36.0)


def test_a_mask_of_a_photo_stored_turned_is_read_in_the_frame_its_size_tells_or_doubted(tmp_path):
    """A mask drawn as ImageJ 1.x shows a sideways photo (stored frame) was refused with "export it at the
    photo's size", though it was; on an upside-down photo it was read the wrong way round (385 mm² for
    560), unsaid."""
    from PIL import Image

    from woundmeasure.io import write_mask
    from woundmeasure.pipeline import WoundMeasureWarning

    p = make_phantom(3, px_per_mm=6.0)  # upright: 1200 x 900
    for orientation, stored_rgb, stored_truth in ((6, np.rot90(p.rgb), np.rot90(p.mask)),
                                                  (3, np.rot90(p.rgb, 2), np.rot90(p.mask, 2))):
        photo = tmp_path / f"o{orientation}.jpg"
        exif = Image.Exif()
        exif[274] = orientation
        Image.fromarray(np.ascontiguousarray(stored_rgb)).save(photo, quality=95, exif=exif)
        write_mask(tmp_path / f"o{orientation}.png", np.ascontiguousarray(stored_truth))
        with pytest.warns(WoundMeasureWarning):
            r = measure_image(photo, px_per_mm=6.0, mask=tmp_path / f"o{orientation}.png")
        if orientation == 6:  # the size tells the stored frame: turned upright, and said
            assert np.array_equal(r.mask, p.mask) and any("turned upright" in w for w in r.warnings)
        else:  # the same size either way: read as upright, and doubted
            assert any("upside down" in w and "check the outline" in w for w in r.warnings)
    square = make_phantom(4, width=900, height=900, px_per_mm=6.0)  # turned, a square photo: either frame fits
    exif = Image.Exif()
    exif[274] = 6
    Image.fromarray(np.ascontiguousarray(np.rot90(square.rgb))).save(tmp_path / "sq.jpg", quality=95, exif=exif)
    write_mask(tmp_path / "sq.png", square.mask)
    with pytest.warns(WoundMeasureWarning):
        r = measure_image(tmp_path / "sq.jpg", px_per_mm=6.0, mask=tmp_path / "sq.png")
    assert any("stored turned" in w and "check the outline" in w for w in r.warnings)
