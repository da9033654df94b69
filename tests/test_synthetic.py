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


def test_a_real_photo_revisited_keeps_exact_truth_as_it_heals():
    """make_visit: a photo of a real wound, healed by a known share, laid on a drape and photographed again."""
    from woundmeasure.imageops import homography_area_scale
    from woundmeasure.synthetic import make_visit

    base = make_phantom(5, width=400, height=300, px_per_mm=4.0, marker=False, drape=False)
    areas = []
    for healed in (0.0, 0.5, 0.9):
        v = make_visit(base.rgb, base.mask, photo_width_mm=100.0, healed_fraction=healed, seed=1, width=1200,
                       height=900, px_per_mm=6.0, tilt_deg=15)
        kept = round((1 - healed) * base.mask.sum())
        assert v.area_mm2 == pytest.approx(kept * (100.0 / 400) ** 2, rel=1e-9)
        # the truth mask in the new photo covers the same plane area (each pixel at its own scale)
        rows, cols = np.nonzero(v.mask)
        per_px = 1 / homography_area_scale(v.plane_to_image, np.zeros((1, 2)))[0]  # mm2 per px near the wound
        assert v.mask.sum() * per_px == pytest.approx(v.area_mm2, rel=0.05)
        areas.append(v.area_mm2)
    assert areas[0] > areas[1] > areas[2]


def test_a_wound_can_close_and_several_wounds_heal_each_at_its_own_rate():
    from woundmeasure.imageops import homography_area_scale
    from woundmeasure.synthetic import heal_wound, make_wounds_visit

    base = make_phantom(6, width=400, height=300, px_per_mm=4.0, marker=False, drape=False)
    healed, remaining = heal_wound(base.rgb, base.mask, 1.0)
    assert not remaining.any()
    ring = base.mask
    assert np.abs(healed[ring].astype(int) - base.rgb[ring].astype(int)).mean() > 10  # repainted, not kept
    # two wounds: the phantom's, and a copy of it 300 px to its right on a wider photo
    rgb = np.hstack([base.rgb, base.rgb[:, 100:]])
    first = np.hstack([base.mask, np.zeros_like(base.mask[:, 100:])])
    second = np.roll(first, 300, axis=1)
    v, masks, areas = make_wounds_visit(rgb, [first, second], healed_fractions=(1.0, 0.4), photo_width_mm=175.0,
                                        seed=2, width=1600, height=1000, px_per_mm=5.0, tilt_deg=10)
    mm2_per_src_px = (175.0 / 700) ** 2
    assert areas[0] == 0 and not masks[0].any()
    assert areas[1] == pytest.approx(round(0.6 * second.sum()) * mm2_per_src_px, rel=1e-9)
    assert v.area_mm2 == pytest.approx(sum(areas), rel=1e-9)
    assert (masks[1] == v.mask).all()
    per_px = 1 / homography_area_scale(v.plane_to_image, np.zeros((1, 2)))[0]
    assert masks[1].sum() * per_px == pytest.approx(areas[1], rel=0.05)


def test_the_card_lies_beside_the_wound_when_all_the_skin_is_exposed():
    """exposed=None (no drape): the card slid out until it cleared the photo's edge, and lay over the wound
    while the truth still counted the hidden wound."""
    import cv2

    from woundmeasure.synthetic import make_phantom, make_visit

    p = make_phantom(66, width=800, height=600, px_per_mm=4.0, marker=False)
    for seed in range(3):
        v = make_visit(p.rgb, p.mask, healed_fraction=0.2, photo_width_mm=200.0, seed=seed)
        card = np.zeros(v.mask.shape, np.uint8)
        cv2.fillPoly(card, [np.round(v.card_corners).astype(np.int32)], 1)
        assert v.mask.any() and not (card.astype(bool) & v.mask).any()
