import cv2
import numpy as np
import pytest

from woundmeasure.color_correction import as_shown, corrected_linear, delta_e, read_card
from woundmeasure.pipeline import calibrate, measure_image
from woundmeasure.synthetic import ILLUMINANTS, make_phantom, make_visit

BASE = make_phantom(5, width=400, height=300, px_per_mm=4.0, marker=False, drape=False)


def visit(illuminant="daylight", exposure=1.0, **kw):
    """The same scene (one seed) beside the card, under one light."""
    return make_visit(BASE.rgb, BASE.mask, photo_width_mm=100.0, healed_fraction=0.2, seed=3, width=1400, height=1000,
                      px_per_mm=6.0, tilt_deg=12, illuminant=illuminant, exposure=exposure, **kw)


@pytest.fixture(scope="module")
def lit():
    lights = [(name, 1.0) for name in ILLUMINANTS] + [("daylight", 0.6), ("daylight", 1.3)]
    out = {}
    for name, exposure in lights:
        v = visit(name, exposure)
        out[(name, exposure)] = v, read_card(v.rgb, calibrate(v.rgb))
    return out


def test_the_card_brings_every_light_to_the_same_wound_colours(lit):
    ref_v, ref_c = lit[("daylight", 1.0)]
    ref_raw, ref_cor = ref_v.rgb[ref_v.mask].mean(0), ref_c.apply(ref_v.rgb)[ref_v.mask].mean(0)
    for (name, exposure), (v, c) in lit.items():
        assert c is not None, (name, exposure)
        assert c.delta_e_after < 3.0 and c.delta_e_after < c.delta_e_before
        if (name, exposure) == ("daylight", 1.0):
            continue
        raw = delta_e(v.rgb[v.mask].mean(0), ref_raw)[0]
        cor = delta_e(c.apply(v.rgb)[v.mask].mean(0), ref_cor)[0]
        assert cor < 0.35 * raw, (name, exposure, raw, cor)  # the same scene: the wound looks the same again


def test_the_gains_undo_the_light(lit):
    day = np.array(lit[("daylight", 1.0)][1].gains)
    for name in ("tungsten", "shade", "fluorescent"):
        gains = np.array(lit[(name, 1.0)][1].gains) / day
        expected = 1 / np.array(ILLUMINANTS[name])
        np.testing.assert_allclose(gains / gains[1], expected / expected[1], rtol=0.08)  # white balance
    dim = np.array(lit[("daylight", 0.6)][1].gains) / day
    np.testing.assert_allclose(dim, 1 / 0.6, rtol=0.08)  # exposure


def test_without_the_card_s_patches_nothing_changes():
    plain = visit(card_patches=False)
    assert read_card(plain.rgb, calibrate(plain.rgb)) is None
    assert measure_image(plain.rgb).color is None
    sticker = make_phantom(8, width=1200, height=900, px_per_mm=6.0, marker_id=0)  # the card's id, but no card
    assert read_card(sticker.rgb, calibrate(sticker.rgb)) is None
    ruler = make_phantom(9, width=1200, height=900, px_per_mm=6.0, marker=False, ruler=True)
    assert read_card(ruler.rgb, calibrate(ruler.rgb)) is None


def test_the_card_is_never_wound_and_pictures_are_shown_corrected(lit):
    v, c = lit[("tungsten", 1.0)]
    r = measure_image(v.rgb)
    assert r.color is not None and r.color.gains == pytest.approx(c.gains)
    card = np.zeros(v.rgb.shape[:2], np.uint8)
    cv2.fillPoly(card, [np.round(np.array(r.color.card_outline)).astype(np.int32)], 1)
    assert card.sum() > 0.05 * card.size and not (r.mask & (card > 0)).any()
    assert (r.mask & v.mask).sum() > 0.8 * v.mask.sum()
    np.testing.assert_array_equal(r.shown(v.rgb), c.apply(v.rgb))
    np.testing.assert_array_equal(as_shown(v.rgb, r.to_dict()), c.apply(v.rgb))  # as reports and the page read it
    np.testing.assert_array_equal(as_shown(v.rgb, {"color": None}), v.rgb)


def test_a_darkening_gain_keeps_clipped_highlights_white():
    x = np.linspace(0, 1, 1001)
    for g in (0.4, 0.7, 1.0, 1.6):
        y = corrected_linear(x, g)
        assert np.all(np.diff(y) >= 0) and y[-1] == pytest.approx(1.0)
        assert y[400] == pytest.approx(g * 0.4)  # below the knee: the gain itself
        slopes = np.diff(y) / np.diff(x)
        assert slopes[800] == pytest.approx(slopes[799], rel=0.06)  # no kink at the knee (x = 0.8)
