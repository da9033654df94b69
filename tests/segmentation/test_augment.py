"""The training views: what each augmentation may change, and what it must leave alone."""

import cv2
import numpy as np
import pytest

from woundmeasure.segmentation import augment as aug
from woundmeasure.synthetic import make_phantom


def _photo(seed=3, size=384, radius_mm=8, offset=(0.0, 0.0)):
    p = make_phantom(seed, width=size + 64, height=size, px_per_mm=4.0, marker=False, wound_radius_mm=radius_mm,
                     wound_offset_px=offset)
    return p.rgb, p.mask.astype(np.uint8)


def _far_from(mask, px):
    return cv2.dilate(mask, np.ones((2 * px + 1,) * 2, np.uint8)) == 0


@pytest.mark.parametrize("seed", range(6))
def test_a_focus_view_centres_the_wound_and_enlarges_it_to_a_share_of_the_view(seed):
    rgb, mask = _photo(seed, radius_mm=3 + seed, offset=(90.0 * (-1) ** seed, -60.0))  # off the photo's centre
    rng = np.random.default_rng(seed)
    img, m = aug.crop_and_turn(rgb, mask, rng, crop=320, focus=True)
    assert img.shape == (320, 320, 3) and m.shape == (320, 320) and set(np.unique(m)) <= {0, 1}
    ys, xs = np.nonzero(m)
    extent = max(np.ptp(ys), np.ptp(xs)) + 1
    before = max(np.ptp(np.nonzero(mask)[0]), np.ptp(np.nonzero(mask)[1])) + 1
    # enlarged to at least FOCUS[0] of the view, or by MAX_FOCUS_SCALE (a turn shortens an extent by up to 1/sqrt 2)
    assert extent >= 0.7 * min(aug.FOCUS[0] * 320, aug.MAX_FOCUS_SCALE * before) and extent > before
    assert extent <= 320 * aug.FOCUS[1] * np.sqrt(2) + 2  # ... to a share of the view (a turned box is longer)
    # centred within the shift a focus view allows (crop / 8 each way)
    assert abs((ys.min() + ys.max()) / 2 - 160) <= 40 + 2 and abs((xs.min() + xs.max()) / 2 - 160) <= 40 + 2


def test_plain_views_keep_the_zoom_within_the_scales():
    rgb, mask = _photo()
    rng = np.random.default_rng(0)
    area = mask.sum()
    for _ in range(20):
        _, m = aug.crop_and_turn(rgb, mask, rng, crop=320)
        assert m.sum() <= area * aug.SCALES[1] ** 2 * 1.05  # never enlarged past the largest scale


def test_objects_pasted_beside_the_wound_stay_off_it():
    rgb, mask = _photo()
    rng = np.random.default_rng(1)
    out = aug.paste_references(rgb, mask, rng, count=6)
    inside = mask > 0
    # the wound keeps its colour (a pasted object's shadow may darken it by a few percent at most)
    assert np.abs(out[inside] - rgb[inside]).mean() < 0.05 * rgb[inside].mean()
    assert np.abs(out[~inside] - rgb[~inside]).max() > 60  # and something was pasted on the skin


def test_a_dark_wound_bed_is_painted_inside_the_wound_only():
    rgb, mask = _photo()
    out = aug.darken_wound_bed(rgb.astype(np.float32), mask, np.random.default_rng(2))
    assert np.array_equal(out[_far_from(mask, 3)], rgb[_far_from(mask, 3)].astype(np.float32))
    assert out[mask > 0].mean() < rgb[mask > 0].mean()  # the bed is darker


def test_another_skin_tone_leaves_the_wound_bed_as_it_was():
    rgb, mask = _photo()
    out = aug.tint_skin(rgb.astype(np.float32), mask, np.random.default_rng(4))
    core = cv2.erode(mask, np.ones((15, 15), np.uint8)) > 0
    assert np.allclose(out[core], rgb[core], atol=1.0)
    assert np.abs(out[_far_from(mask, 10)] - rgb[_far_from(mask, 10)]).mean() > 5  # the skin changed


def test_a_training_view_is_a_float_crop_with_its_mask():
    rgb, mask = _photo()
    img, m = aug.augment(rgb, mask, np.random.default_rng(5), crop=320, focus=0.5)
    assert img.dtype == np.float32 and img.shape == (320, 320, 3) and 0 <= img.min() and img.max() <= 255
    assert m.dtype == np.uint8 and m.shape == (320, 320)


@pytest.mark.parametrize("seed", range(4))
def test_a_healed_view_keeps_the_wound_s_inner_part_as_it_was(seed):
    rgb, mask = _photo(seed, radius_mm=10)
    before = rgb.copy(), mask.copy()
    img, m = aug.heal_partly(rgb, mask, np.random.default_rng(seed))
    assert np.array_equal(rgb, before[0]) and np.array_equal(mask, before[1])  # the training arrays are kept
    assert m.dtype == np.uint8 and m.shape == mask.shape
    assert m.sum() < mask.sum() and not (m > mask).any()  # smaller, and never outside the wound it was
    assert np.array_equal(img[m > 0], rgb[m > 0])  # the remaining wound keeps its own pixels
    ring = (mask > 0) & (m == 0)
    assert np.abs(img[ring].astype(float) - rgb[ring]).mean() > 10  # the healed ring was repainted as skin


def _l_shaped_donor(h=200, w=240):
    """Plain skin with a red L-shaped wound: any turn or shift of the pasted patch against its mask shows."""
    donor = np.full((h, w, 3), (205, 160, 140), np.uint8)
    wound = np.zeros((h, w), np.uint8)
    wound[60:140, 80:100] = 1
    wound[120:140, 80:150] = 1
    donor[wound > 0] = (170, 30, 40)
    return donor, wound


@pytest.mark.parametrize("seed", range(8))
def test_a_pasted_wound_is_the_donor_s_wound_where_its_mask_says_on_skin_apart_from_the_wound(seed):
    rgb, mask = _photo(3, radius_mm=6, offset=(-80.0, 0.0))
    donor, donor_mask = _l_shaped_donor()
    before = rgb.copy(), mask.copy(), donor.copy(), donor_mask.copy()
    img, m = aug.paste_wound(rgb, mask, donor, donor_mask, np.random.default_rng(seed), margin=6)
    for given, kept in zip((rgb, mask, donor, donor_mask), before):
        assert np.array_equal(given, kept)  # the training arrays are never changed
    added = (m > 0) & (mask == 0)
    if not added.any():
        pytest.skip("no free place on the skin for this seed")
    assert np.array_equal(m[mask > 0], mask[mask > 0])  # the first wound keeps its outline
    gap = cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, 3)[added].min()
    assert gap > 6  # apart from it by the margin
    def red(x):  # the donor's wound colour (its skin is 45 levels less red)
        return x[..., 0].astype(int) - x[..., 1] > 90

    core = cv2.erode(added.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert red(img)[core].all()  # inside the added mask the pixels are the donor's wound ...
    assert not (red(img) & ~red(rgb) & _far_from(added.astype(np.uint8), 1)).any()  # ... and none outside it
    assert np.array_equal(img[_far_from(added.astype(np.uint8), 40)], rgb[_far_from(added.astype(np.uint8), 40)])


def test_a_pasted_wound_fits_a_photo_whichever_way_it_is_turned():
    rgb = np.full((120, 700, 3), (205, 160, 140), np.uint8)
    mask = np.zeros((120, 700), np.uint8)
    mask[50:70, 330:370] = 1
    donor = np.full((100, 400, 3), (205, 160, 140), np.uint8)
    donor_mask = np.zeros((100, 400), np.uint8)
    donor_mask[40:60, 20:380] = 1  # long: taller than the photo when turned
    for seed in range(30):
        img, m = aug.paste_wound(rgb, mask, donor, donor_mask, np.random.default_rng(seed))
        assert img.shape == rgb.shape and m.shape == mask.shape


def test_a_donor_wound_cut_by_its_photo_s_edge_is_not_pasted():
    rgb, mask = _photo(3, radius_mm=6, offset=(-80.0, 0.0))
    donor, donor_mask = _l_shaped_donor()
    donor_mask[:, :3] = 1  # a second wound region running off the donor photo's edge
    img, m = aug.paste_wound(rgb, mask, donor, donor_mask, np.random.default_rng(0))
    assert img is rgb and m is mask


def test_a_wound_is_pasted_only_beside_a_wound():
    rgb, mask = _photo(3)
    donor, donor_mask = _photo(8)
    img, m = aug.paste_wound(rgb, np.zeros_like(mask), donor, donor_mask, np.random.default_rng(0))
    assert img is rgb and not m.any()
