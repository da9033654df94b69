import numpy as np
import pytest

from woundmeasure.errors import InputError, SegmentationError
from woundmeasure.segmentation import SEGMENTERS, Hints, register_segmenter, segment


@pytest.mark.parametrize("method", ["model", "color"])
@pytest.mark.parametrize("rgb", [np.zeros((300, 400, 3), np.uint8), np.full((300, 400, 3), 255, np.uint8),
                                 np.full((1, 1, 3), 128, np.uint8), np.zeros((5, 7, 3), np.uint8)],
                         ids=["black", "white", "1x1", "5x7"])
def test_degenerate_images_do_not_crash(method, rgb):
    mask, warnings = segment(rgb, method=method)
    assert mask.shape == rgb.shape[:2] and mask.dtype == bool
    if not mask.any():
        assert any("no wound found" in w for w in warnings)


def test_registry_and_errors():
    with pytest.raises(SegmentationError, match="unknown segmenter 'nope'"):
        segment(np.zeros((10, 10, 3), np.uint8), method="nope")
    register_segmenter("everything", lambda rgb, *, hints: (np.ones(rgb.shape[:2], bool), ("all of it",)))
    try:
        mask, warnings = segment(np.zeros((10, 10, 3), np.uint8), method="everything")
        assert mask.all() and warnings == ("all of it",)
    finally:
        SEGMENTERS.pop("everything")
    with pytest.raises(InputError, match="does not overlap"):
        segment(np.zeros((10, 10, 3), np.uint8), method="color", hints=Hints(box=(20, 20, 5, 5)))
    with pytest.raises(InputError, match="outside the 10 x 10 px photo"):
        segment(np.zeros((10, 10, 3), np.uint8), method="color", hints=Hints(points=((11, 3),)))
    with pytest.raises(InputError, match=r"point \(8, 8\) inside the wound lies outside the box"):
        segment(np.zeros((10, 10, 3), np.uint8), method="color", hints=Hints(box=(0, 0, 5, 5), points=((8, 8),)))
    segment(np.zeros((10, 10, 3), np.uint8), method="color",  # a "not wound" click may lie anywhere
            hints=Hints(box=(0, 0, 5, 5), points=((2, 2),), background_points=((8, 8),)))
