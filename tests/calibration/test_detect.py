import pytest

from woundmeasure.calibration.detect import detect_calibration
from woundmeasure.calibration.marker import detect_markers
from woundmeasure.calibration.ruler import ruler_calibration
from woundmeasure.errors import CalibrationError
from woundmeasure.pipeline import WoundMeasureWarning, measure_image
from woundmeasure.synthetic import make_phantom


def test_hidden_marker_falls_back_to_ruler_with_a_warning():
    for seed in range(30, 40):
        p = make_phantom(seed, occlude_marker=0.1, ruler=True)
        _, rejected = detect_markers(p.rgb)
        if rejected:
            break
    else:
        pytest.fail("no seed produced a rejected (seen but hidden) marker")
    cal = detect_calibration(p.rgb)
    assert cal.method == "ruler"
    assert any("not used" in w for w in cal.warnings)


def test_no_reference_is_a_clear_error():
    p = make_phantom(3, marker=False, ruler=False)
    with pytest.raises(CalibrationError, match="no scale found.*give a scale"):
        detect_calibration(p.rgb)
    with pytest.raises(CalibrationError, match="no mm ruler"):
        ruler_calibration(p.rgb)
    with pytest.raises(CalibrationError, match="unknown calibration method"):
        detect_calibration(p.rgb, method="laser")
    ruler_only = make_phantom(3, marker=False, ruler="plain")
    with pytest.raises(CalibrationError, match="only a marker was looked for: calibration auto looks for both"):
        detect_calibration(ruler_only.rgb, method="marker")


def test_forced_method_and_manual_override():
    p = make_phantom(12, ruler=True, marker=True, width=1600, height=1200, px_per_mm=8)
    assert detect_calibration(p.rgb).method == "marker"
    assert detect_calibration(p.rgb, method="ruler").method == "ruler"
    with pytest.warns(WoundMeasureWarning,
                      match=r"marker in the photo gives (7\.9|8\.0)\d px/mm at the wound, \+60% from the scale given"):
        r = measure_image(p.rgb, mask=p.mask, px_per_mm=5.0)
    assert r.calibration.method == "manual" and r.calibration.px_per_mm == 5.0
