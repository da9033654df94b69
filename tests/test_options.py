"""MeasureOptions: values that cannot be used are refused on construction, naming the value and the fix."""

import math

import pytest

from woundmeasure.errors import CalibrationError, InputError
from woundmeasure.options import MeasureOptions, Outputs


def test_defaults_and_plain_key():
    options = MeasureOptions()
    assert options.calibration == "auto" and options.segmenter == "model" and options.marker_mm == 20.0
    key = options.key()
    assert "mask" not in key and "roi" not in key  # outlines are keyed by their content, not their path
    assert key["points"] == () and key["max_pixels"] == 200_000_000


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(calibration="laser"), CalibrationError, "unknown calibration 'laser'"),
    (dict(px_per_mm=0), CalibrationError, "not a positive scale"),
    (dict(px_per_mm=math.nan), InputError, "must be finite"),
    (dict(px_per_mm=3, ruler=(0, 0, 30, 40, 10)), CalibrationError, "either px_per_mm or ruler"),
    (dict(ruler=(0, 0, 30)), InputError, "has 3 numbers"),
    (dict(marker_mm=-5), CalibrationError, "not a positive length"),
    (dict(box=(0, 0, 0, 10)), InputError, "W and H > 0"),
    (dict(points=((1, 2, 3),)), InputError, "must each be X,Y"),
    (dict(background_points=(("a", 2),)), InputError, "must be numbers"),
    (dict(mask="a.png", roi="a.roi"), InputError, "either a mask or an ROI"),
    (dict(max_pixels=0), InputError, "positive whole number"),
    (dict(looks=((10, 20, 30),)), InputError, "X,Y,RADIUS,AREA"),
    (dict(looks=((10, 20, 0, 5),)), InputError, "RADIUS and AREA > 0"),
])
def test_unusable_values_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        MeasureOptions(**kwargs)


def test_values_are_normalised_so_equal_options_hash_alike():
    a = MeasureOptions(px_per_mm=4, box=[1, 2, 3, 4], points=[[5, 6]])
    b = MeasureOptions(px_per_mm=4.0, box=(1.0, 2.0, 3.0, 4.0), points=((5.0, 6.0),))
    assert a == b and a.key() == b.key()


def test_replacing_scale_outline_and_hints():
    options = MeasureOptions(ruler=(0, 0, 30, 40, 10), mask="a.png", points=((1, 1),))
    assert options.with_scale(5.0).ruler is None and options.with_scale(5.0).px_per_mm == 5.0
    swapped = options.with_outline(roi="b.roi")
    assert swapped.roi == "b.roi" and swapped.mask is None and swapped.outline == "b.roi"
    hinted = options.with_hints(background_points=[(2, 3)])
    assert hinted.points == () and hinted.background_points == ((2.0, 3.0),)


def test_outputs_are_falsy_when_nothing_is_asked():
    assert not Outputs() and Outputs(masks="m")
