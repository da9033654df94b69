import math

import pytest

from woundmeasure.calibration import (
    Calibration,
    manual_calibration,
    ruler_points_calibration,
)
from woundmeasure.errors import CalibrationError, InputError
from woundmeasure.pipeline import parse_ruler


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


def test_calibration_record_validates():
    from woundmeasure.errors import CalibrationError

    with pytest.raises(CalibrationError, match="not a positive finite scale"):
        Calibration(0.0)
    with pytest.raises(CalibrationError, match="not a positive finite scale"):
        Calibration(float("nan"))
    with pytest.raises(CalibrationError, match="not an invertible"):
        Calibration(1.0, homography=(0,) * 9)
