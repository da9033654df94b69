import numpy as np
import pytest

from woundmeasure.outline import polygon_area
from woundmeasure.synthetic import make_phantom, wound_polygon


def test_deterministic_for_a_seed():
    a, b = make_phantom(7, width=400, height=300), make_phantom(7, width=400, height=300)
    assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.mask, b.mask)
    assert not np.array_equal(a.rgb, make_phantom(8, width=400, height=300).rgb)


@pytest.mark.parametrize("radius", [5.0, 15.0])
def test_wound_polygon_has_the_asked_area(radius):
    poly = wound_polygon(np.random.default_rng(0), mean_radius_mm=radius)
    assert abs(polygon_area(poly)) == pytest.approx(np.pi * radius**2, rel=1e-9)


def test_truth_is_consistent_with_the_photo():
    p = make_phantom(2, tilt_deg=25, ruler=True)
    assert p.area_mm2 == pytest.approx(np.pi * 15.0**2, rel=1e-9)
    # the wound is redder than the skin next to it
    import cv2
    from scipy import ndimage as ndi

    a = cv2.cvtColor(p.rgb, cv2.COLOR_RGB2LAB)[..., 1].astype(float)
    ring = ndi.binary_dilation(p.mask, iterations=25) & ~ndi.binary_dilation(p.mask, iterations=10)
    assert a[p.mask].mean() > a[ring].mean() + 10
    # projected marker and ruler truth lie inside the photo
    assert p.marker_corners.shape == (4, 2) and p.ruler_ends.shape == (2, 2)
    assert np.all((p.marker_corners >= 0) & (p.marker_corners < [p.rgb.shape[1], p.rgb.shape[0]]))
    assert p.px_per_mm == pytest.approx(6.0, rel=1e-6)
