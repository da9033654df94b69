import math

import pytest

from woundmeasure.calibration import manual_calibration, ruler_points_calibration
from woundmeasure.errors import CalibrationError, InputError
from woundmeasure.options import MeasureOptions
from woundmeasure.pipeline import calibrate, parse_ruler


def test_manual_scale():
    c = manual_calibration(8.5)
    assert c.px_per_mm == 8.5 and c.method == "manual" and not c.perspective_corrected
    assert c.to_plane([[17.0, 8.5]]).tolist() == [[2.0, 1.0]]


@pytest.mark.parametrize("bad", [0, -3, float("inf"), float("nan"), "abc"])
def test_manual_scale_rejects(bad):
    with pytest.raises(CalibrationError, match="px_per_mm"):
        manual_calibration(bad)


def test_ruler_points_like_imagej_set_scale():
    c = ruler_points_calibration(10, 20, 310, 420, 50)
    assert c.px_per_mm == pytest.approx(500 / 50)
    assert c.uncertainty_pct == pytest.approx(100 * math.sqrt(2) * 0.5 / 500)
    assert c.to_dict()["details"]["points"] == [10, 20, 310, 420]
    short = ruler_points_calibration(0, 0, 30, 0, 3)
    assert short.warnings and "only 30 px" in short.warnings[0]


def test_ruler_points_errors():
    with pytest.raises(CalibrationError, match="coincide"):
        ruler_points_calibration(5, 5, 5, 5, 10)
    with pytest.raises(CalibrationError, match="distance in mm"):
        ruler_points_calibration(0, 0, 10, 0, 0)
    with pytest.raises(InputError, match="five numbers"):
        parse_ruler("1,2,x,4,5")
    with pytest.raises(InputError, match="has 3 numbers"):
        parse_ruler("1,2,3")


def test_calibrate_prefers_manual_and_explains_missing_scale():
    import numpy as np

    rgb = np.zeros((50, 50, 3), np.uint8)
    assert calibrate(rgb, MeasureOptions(px_per_mm=3)).px_per_mm == 3
    assert calibrate(rgb, MeasureOptions(ruler=parse_ruler("0,0,30,40,10"))).px_per_mm == 5
    with pytest.raises(CalibrationError, match="either px_per_mm or ruler"):
        MeasureOptions(px_per_mm=3, ruler=(0, 0, 30, 40, 10))
    with pytest.raises(CalibrationError, match="manual calibration needs a scale"):
        calibrate(rgb, MeasureOptions(calibration="manual"))
