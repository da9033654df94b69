"""Post-processing of an upsampled outline."""

import numpy as np

from woundmeasure.segmentation.refine import without_small_regions


def test_a_speck_smaller_than_one_network_pixel_is_not_kept_as_a_wound():
    mask = np.zeros((200, 300), bool)
    mask[50:90, 60:120] = True  # a wound
    mask[150, 250] = True  # a one-pixel peak of the upsampled probability
    mask[20:24, 200:204] = True  # 16 px: one pixel of a network that saw the photo at a quarter
    kept = without_small_regions(mask.copy(), min_px=16.0)
    assert kept[50:90, 60:120].all() and kept[20:24, 200:204].all() and not kept[150, 250]
    assert kept.sum() == 40 * 60 + 16
    assert np.array_equal(without_small_regions(mask.copy(), min_px=1.0), mask)  # at full resolution nothing is a speck
