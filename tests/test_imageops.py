"""The measuring path's own small image operations give the numbers of the SciPy / scikit-image
functions they replace (whose imports cost 0.3-0.6 s per process)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from woundmeasure.imageops import (
    bilinear_sample,
    gaussian_smooth_1d,
    label_regions,
    otsu_threshold,
)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e3, 1e3)), st.floats(0.3, 40))
def test_gaussian_smooth_matches_scipy(values, sigma):
    from scipy.ndimage import gaussian_filter1d

    np.testing.assert_allclose(gaussian_smooth_1d(values, sigma), gaussian_filter1d(values, sigma),
                               rtol=0, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(arrays(np.uint8, st.integers(1, 2000), elements=st.integers(0, 255)))
def test_otsu_threshold_matches_scikit_image(values):
    from skimage.filters import threshold_otsu

    assert otsu_threshold(values) == threshold_otsu(values)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 20), st.integers(1, 20)), elements=st.floats(0, 255, width=32)),
       st.lists(st.tuples(st.floats(-3, 25), st.floats(-3, 25)), min_size=1, max_size=30))
def test_bilinear_sample_matches_map_coordinates(image, points):
    from scipy.ndimage import map_coordinates

    rows, cols = np.array(points).T
    np.testing.assert_allclose(bilinear_sample(image, rows, cols),
                               map_coordinates(image.astype(np.float64), [rows, cols], order=1, mode="nearest"),
                               atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 30), st.integers(1, 30))))
def test_label_regions_matches_scikit_image(mask):
    from skimage.measure import label

    labels, count = label_regions(mask)
    reference = label(mask, connectivity=2)
    assert count == reference.max()
    # the same partition: each of our regions is exactly one of theirs
    pairs = set(zip(labels[mask].tolist(), reference[mask].tolist()))
    assert len(pairs) == count
