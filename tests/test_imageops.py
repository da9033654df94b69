"""The small array operations shared by the stages, against independent references."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from woundmeasure.imageops import (
    apply_homography,
    homography_area_scale,
    label_regions,
    shrink,
)

homographies = st.builds(
    lambda a, b, c, d, e, f, g, h: np.array([[1 + a, b, c], [d, 1 + e, f], [g, h, 1.0]]),
    *[st.floats(-0.3, 0.3)] * 2, st.floats(-50, 50), *[st.floats(-0.3, 0.3)] * 2, st.floats(-50, 50),
    *[st.floats(-1e-4, 1e-4)] * 2)
points = arrays(np.float64, st.tuples(st.integers(1, 20), st.just(2)), elements=st.floats(0, 500))


@settings(max_examples=60, deadline=None)
@given(homographies, points)
def test_apply_homography_matches_opencv(H, xy):
    import cv2

    expected = cv2.perspectiveTransform(xy.reshape(-1, 1, 2), H).reshape(-1, 2)
    np.testing.assert_allclose(apply_homography(H, xy), expected, rtol=1e-9, atol=1e-7)


@settings(max_examples=60, deadline=None)
@given(homographies, points)
def test_area_scale_is_the_area_of_a_mapped_small_square(H, xy):
    h = 1e-3
    for x, y in xy:
        square = np.array([[x, y], [x + h, y], [x + h, y + h], [x, y + h]])
        q = apply_homography(H, square)
        area = 0.5 * abs(np.sum(q[:, 0] * np.roll(q[:, 1], -1) - np.roll(q[:, 0], -1) * q[:, 1]))
        np.testing.assert_allclose(homography_area_scale(H, [[x, y]])[0], area / h**2, rtol=1e-4)


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


@settings(max_examples=40, deadline=None)
@given(st.integers(8, 120), st.integers(8, 120), st.floats(0.05, 0.99))
def test_shrink_keeps_the_mean_and_reaches_the_asked_size(rows, cols, scale):
    rng = np.random.default_rng(rows * 1000 + cols)
    image = rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)
    small = shrink(image, scale)
    assert small.shape == (max(1, round(rows * scale)), max(1, round(cols * scale)), 3)
    np.testing.assert_allclose(small.mean(), image.mean(), atol=2.0)  # area averaging keeps the mean
