import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.draw import ellipse, polygon

from tests.helpers import disk_mask, masks
from woundmeasure.calibration import manual_calibration
from woundmeasure.errors import MaskError
from woundmeasure.measurement import measure_mask
from woundmeasure.synthetic import make_phantom


def ramanujan(a, b):
    return math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b)))


@pytest.mark.parametrize("radius", [50, 120, 400])
@pytest.mark.parametrize("scale", [2.5, 7.0, 19.3])
def test_disk_matches_analytic_values(radius, scale):
    n = 2 * radius + 30
    m = disk_mask((n, n), (n / 2 + 0.21, n / 2 - 0.37), radius)
    r = measure_mask(m, calibration=manual_calibration(scale))
    r_mm = radius / scale
    assert r.area_mm2 == pytest.approx(math.pi * r_mm**2, rel=0.005)
    assert r.perimeter_mm == pytest.approx(2 * math.pi * r_mm, rel=0.01)
    assert r.length_mm == pytest.approx(2 * r_mm, rel=0.01)
    assert r.width_mm == pytest.approx(2 * r_mm, rel=0.01)
    assert r.num_regions == 1 and not r.touches_edge and r.area_cm2 == pytest.approx(r.area_mm2 / 100)


@pytest.mark.parametrize("a,b,angle", [(200, 90, 0.0), (150, 60, 0.7), (300, 120, 2.1)])
@pytest.mark.parametrize("scale", [3.0, 11.0])
def test_ellipse_matches_analytic_values(a, b, angle, scale):
    m = np.zeros((700, 700), bool)
    rr, cc = ellipse(350.3, 349.6, a, b, rotation=angle, shape=m.shape)
    m[rr, cc] = True
    r = measure_mask(m, calibration=manual_calibration(scale))
    assert r.area_mm2 == pytest.approx(math.pi * a * b / scale**2, rel=0.005)
    assert r.perimeter_mm == pytest.approx(ramanujan(a, b) / scale, rel=0.01)
    assert r.length_mm == pytest.approx(2 * max(a, b) / scale, rel=0.01)
    assert r.width_mm == pytest.approx(2 * min(a, b) / scale, rel=0.01)
    assert r.ellipse_area_mm2 == pytest.approx(math.pi * a * b / scale**2, rel=0.02)


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_polygon_matches_analytic_values(scale):
    # a rotated rectangle 400 x 150 px: area, perimeter, length = diagonal, width = perpendicular extent
    w, h, t = 400.0, 150.0, math.radians(25)
    c, s = math.cos(t), math.sin(t)
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]]) @ np.array([[c, s], [-s, c]])
    pts += 350.4
    m = np.zeros((700, 700), bool)
    rr, cc = polygon(pts[:, 1], pts[:, 0], m.shape)
    m[rr, cc] = True
    r = measure_mask(m, calibration=manual_calibration(scale))
    assert r.area_mm2 == pytest.approx(w * h / scale**2, rel=0.005)
    # corners are rounded by the smoothing (sigma = 2 px): a small known loss
    assert r.perimeter_mm == pytest.approx(2 * (w + h) / scale, rel=0.01)
    diag = math.hypot(w, h)
    assert r.length_mm == pytest.approx(diag / scale, rel=0.01)
    assert r.width_mm == pytest.approx(w * h / diag * 2 / scale, rel=0.01)  # twice the corner-to-diagonal distance


def test_area_is_imagej_area_exactly():
    rng = np.random.default_rng(3)
    m = rng.random((200, 300)) > 0.7
    for scale in (0.37, 1.0, 8.25):
        assert measure_mask(m, calibration=manual_calibration(scale)).area_mm2 == m.sum() / scale**2


def test_perimeter_is_closer_to_truth_than_imagej():
    for radius in (50, 100, 300):
        m = disk_mask((2 * radius + 20,) * 2, (radius + 10.3, radius + 9.8), radius)
        r = measure_mask(m, calibration=manual_calibration(1.0))
        truth = 2 * math.pi * radius
        assert abs(r.perimeter_mm - truth) < abs(r.perimeter_imagej_mm - truth)


def test_regions_edges_and_empty():
    m = np.zeros((100, 100), bool)
    m[10:20, 10:20] = True
    m[50:70, 0:30] = True
    r = measure_mask(m, calibration=manual_calibration(2))
    assert r.num_regions == 2 and r.area_mm2 == pytest.approx((100 + 600) / 4)
    assert r.touches_edge and any("edge" in w for w in r.warnings)
    e = measure_mask(np.zeros((10, 10), bool), calibration=manual_calibration(2))
    assert e.area_mm2 == 0 and e.num_regions == 0 and e.warnings
    with pytest.raises(MaskError, match="two-dimensional"):
        measure_mask(np.zeros((3, 3, 3)), calibration=manual_calibration(1))


def test_metamorphic_rotation_flip_resize():
    p = make_phantom(11, marker=False)
    cal = manual_calibration(p.px_per_mm)
    base = measure_mask(p.mask, calibration=cal).area_mm2
    for k in (1, 2, 3):
        assert measure_mask(np.rot90(p.mask, k), calibration=cal).area_mm2 == base
    assert measure_mask(p.mask[:, ::-1], calibration=cal).area_mm2 == base
    assert measure_mask(p.mask[::-1], calibration=cal).area_mm2 == base
    # the same scene photographed at other rolls and resolutions: same mm2 within 1%
    for roll, scale in ((17.0, 6.0), (131.0, 6.0), (64.0, 3.0), (200.0, 12.0)):
        q = make_phantom(11, marker=False, roll_deg=roll, px_per_mm=scale, width=int(200 * scale),
                         height=int(150 * scale))
        got = measure_mask(q.mask, calibration=manual_calibration(q.px_per_mm)).area_mm2
        assert got == pytest.approx(q.area_mm2, rel=0.01)
        assert got == pytest.approx(base, rel=0.01)


@pytest.mark.parametrize("tilt", [0, 15, 35])
def test_homography_measures_on_the_plane(tilt):
    p = make_phantom(5, tilt_deg=tilt, marker=False)
    r = measure_mask(p.mask, calibration=p.calibration)
    assert r.area_mm2 == pytest.approx(p.area_mm2, rel=0.005)
    assert r.perimeter_mm == pytest.approx(p.perimeter_mm, rel=0.015)
    assert r.perimeter_imagej_mm is None
    truth_length = max(np.hypot(*(p.wound_polygon_mm[:, None] - p.wound_polygon_mm[None]).T).ravel())
    assert r.length_mm == pytest.approx(truth_length, rel=0.01)


# Property-based tests (hypothesis) of the measurement
scales = st.floats(0.05, 50, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(masks, scales)
def test_measurement_invariants(mask, scale):
    r = measure_mask(mask, calibration=manual_calibration(scale))
    assert r.area_mm2 == pytest.approx(mask.sum() / scale**2)
    assert r.num_pixels == mask.sum() and r.num_regions <= mask.sum()
    assert r.perimeter_mm >= 0 and r.length_mm >= r.width_mm >= 0
    for t in (mask[::-1], mask[:, ::-1], mask.T, np.rot90(mask)):
        q = measure_mask(np.ascontiguousarray(t), calibration=manual_calibration(scale))
        assert q.area_mm2 == pytest.approx(r.area_mm2)
        assert q.perimeter_mm == pytest.approx(r.perimeter_mm, rel=1e-6, abs=1e-9)
        assert q.num_regions == r.num_regions
        assert q.length_mm == pytest.approx(r.length_mm, rel=1e-6, abs=1e-9)


def test_area_interval_combines_band_and_scale_in_log_area():
    from woundmeasure.measurement import area_interval

    assert area_interval(100.0, 80.0, 125.0) == pytest.approx((80.0, 125.0))
    assert area_interval(100.0, 80.0, 125.0, stretch=2.0) == pytest.approx((64.0, 156.25))
    # the scale alone: an area's relative 1-sigma is twice a length's; 1.96 sigma either side
    low, high = area_interval(100.0, 100.0, 100.0, length_pct=1.0)
    assert low == pytest.approx(100 * math.exp(-0.0392), rel=1e-4) and high == pytest.approx(100 * math.exp(0.0392), rel=1e-4)
    low, high = area_interval(100.0, 80.0, 125.0, length_pct=1.0)
    assert 80.0 > low > 64.0 and 125.0 < high < 156.25  # both widen it, less than adding them would
    assert area_interval(100.0, 0.0, 125.0)[0] == 0.0  # no inner band: it could be all edge
    assert area_interval(0.0, 0.0, 40.0) == (0.0, 40.0)


def test_a_drawn_outline_carries_one_pixel_and_the_scale():
    m = disk_mask((300, 300), (150.2, 149.7), 100)
    r = measure_mask(m, calibration=manual_calibration(4.0))
    ring = 2 * math.pi * 100 / (math.pi * 100**2)  # one pixel of boundary, relative to the area
    assert r.area_mm2_low / r.area_mm2 == pytest.approx(1 - ring, abs=0.004)
    assert r.area_mm2_high / r.area_mm2 == pytest.approx(1 + ring, abs=0.004)


@pytest.mark.parametrize("tilt", [0, 15, 30])
def test_true_mask_interval_holds_the_true_area_under_tilt(tilt):
    from woundmeasure.pipeline import measure_image

    p = make_phantom(40 + tilt, width=1600, height=1200, px_per_mm=6.0, tilt_deg=tilt)
    m = measure_image(p.rgb, mask=p.mask).measurement
    assert m.area_mm2_low <= p.area_mm2 <= m.area_mm2_high
    assert (m.area_mm2_high - m.area_mm2_low) / p.area_mm2 < 0.12  # a person's outline: narrow
