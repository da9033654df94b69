import numpy as np
import pytest

from woundmeasure.calibration.ruler import ruler_calibration
from woundmeasure.errors import CalibrationError
from woundmeasure.synthetic import make_phantom


@pytest.mark.parametrize("seed,tilt,roll", [(201, 0, 0.0), (204, 0, 77.0), (202, 4, None), (208, 0, 200.0)])
def test_ruler_scale(seed, tilt, roll):
    p = make_phantom(seed, ruler=True, marker=False, tilt_deg=tilt, roll_deg=roll, width=1600, height=1200,
                     px_per_mm=8)
    cal = ruler_calibration(p.rgb)
    assert cal.method == "ruler" and not cal.perspective_corrected
    assert cal.px_per_mm == pytest.approx(p.px_per_mm, rel=0.02)
    assert dict(cal.details)["ticks"] >= 15


def test_a_strip_without_ticks_is_not_a_ruler():
    import cv2

    p = make_phantom(4, marker=False)
    rgb = p.rgb.copy()
    cv2.rectangle(rgb, (100, 700), (700, 800), (240, 240, 235), -1)  # a blank label, no ticks
    rng = np.random.default_rng(0)
    rgb[720:780, 120:680] = np.clip(rgb[720:780, 120:680] + rng.normal(0, 20, (60, 560, 1)), 0, 255).astype(np.uint8)
    with pytest.raises(CalibrationError):
        ruler_calibration(rgb)
