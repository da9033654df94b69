"""White balance and exposure from the calibration card's colour patches.

When the markers found are the card's (ids 0 and 1 of DICT_4X4_50, laid out as
:mod:`woundmeasure.calibration.card`), the card's patches are read through them: three
neutral patches (white, mid-grey, black) and six colours. Per-channel gains in linear light
(a von Kries correction: what a change of light or exposure does to a photo; highlights kept,
:func:`corrected_linear`) are fitted so that the grey and black patches take their printed values;
the white and colour patches only check the fit.
The corrected photo is what the segmenter sees and what every picture shown to a person
shows, so that one wound looks and segments the same under different lights.

A photo without the card's patches (a marker sticker, a ruler, the card printed before
the patches) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from woundmeasure.calibration import card as CARD

MIN_PATCH_PX = 36  # pixels a patch's inner part must cover to be read
MAX_SPREAD = 0.25  # a patch whose pixels vary more than this (median absolute deviation / median) is not flat paper
MAX_NEUTRAL_DE = 10.0  # the neutral patches, corrected, must be this close (CIE 1976 ΔE) to their printed values
MAX_COLOUR_DE = 25.0  # ... and the colour patches' median (a printer is not a colour standard)
GAIN_RANGE = (0.25, 4.0)


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    """sRGB values 0-255 to linear light 0-1."""
    v = np.clip(np.asarray(v, float) / 255.0, 0, 1)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    """Linear light to sRGB values (float; 0-1 to 0-255, and beyond 255 above 1: clip where it is stored)."""
    v = np.maximum(np.asarray(v, float), 0)
    return 255.0 * np.where(v <= 0.0031308, 12.92 * v, 1.055 * v ** (1 / 2.4) - 0.055)


def delta_e(a_srgb: np.ndarray, b_srgb: np.ndarray) -> np.ndarray:
    """CIE 1976 colour difference between sRGB colours (0-255), row by row."""
    from skimage.color import rgb2lab

    a = rgb2lab(np.asarray(a_srgb, float).reshape(-1, 1, 3) / 255.0).reshape(-1, 3)
    b = rgb2lab(np.asarray(b_srgb, float).reshape(-1, 1, 3) / 255.0).reshape(-1, 3)
    return np.sqrt(((a - b) ** 2).sum(1))


@dataclass(frozen=True)
class ColorCorrection:
    """The card's white balance and exposure correction of one photo.

    Attributes
    ----------
    gains : (r, g, b)
        Linear-light gains that bring the card's grey and black patches to their printed values.
    delta_e_before, delta_e_after : float
        Median CIE 1976 ΔE of all patches from their printed colours, before and after.
    patches : int
        Patches read (flat and not clipped); the correction is fitted on the grey and black ones.
    card_outline : tuple of (x, y)
        The card's corners in the photo (px): nothing on it is wound.
    """

    gains: tuple[float, float, float]
    delta_e_before: float
    delta_e_after: float
    patches: int
    card_outline: tuple[tuple[float, float], ...] = field(default=(), repr=False)

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """The photo corrected (uint8 RGB): one lookup table per channel."""
        return apply_gains(rgb, self.gains)

    def to_dict(self) -> dict:
        return {"gains": list(self.gains), "delta_e_before": self.delta_e_before,
                "delta_e_after": self.delta_e_after, "patches": self.patches,
                "card_outline": [list(p) for p in self.card_outline]}


KNEE = 0.8  # linear light (sRGB 231) above which a gain below 1 rolls off to full scale


def corrected_linear(linear: np.ndarray, gains) -> np.ndarray:
    """Each channel's linear light times its gain; a gain below 1 keeps the top at the top.

    Up to ``KNEE`` it is the gain itself. Above it, a channel that is darkened rolls off
    smoothly (same slope at the knee, a quadratic) to full scale at full scale, so that a
    highlight the camera clipped stays white instead of turning grey. A gain above 1 is the
    gain, clipped at full scale (an under-exposed photo has no clipped highlight to keep).
    """
    x, g = np.broadcast_arrays(np.asarray(linear, float), np.asarray(gains, float))
    y = np.minimum(g * x, 1.0)
    dim = (g < 1) & (x > KNEE)
    if dim.any():
        gd, u = g[dim], (x[dim] - KNEE) / (1 - KNEE)
        slope = gd * (1 - KNEE) / (1 - gd * KNEE)
        y[dim] = gd * KNEE + (1 - gd * KNEE) * (slope * u + (1 - slope) * u**2)
    return y


def apply_gains(rgb: np.ndarray, gains) -> np.ndarray:
    """The photo corrected by :func:`corrected_linear` (uint8 RGB in and out, one lookup table per channel)."""
    import cv2

    levels = srgb_to_linear(np.arange(256))[:, None]
    lut = np.clip(np.round(linear_to_srgb(corrected_linear(levels, gains))), 0, 255)
    return cv2.LUT(np.ascontiguousarray(rgb), lut.astype(np.uint8).reshape(256, 1, 3))


def as_shown(rgb: np.ndarray, result: dict | None) -> np.ndarray:
    """A photo as a person is shown it: with its recorded card correction (``result["color"]``), if any."""
    color = (result or {}).get("color")
    return apply_gains(rgb, color["gains"]) if color else rgb


def _card_homography(calibration) -> np.ndarray | None:
    """Card mm -> image px from the card's markers among the calibration's, or None (no card marker)."""
    import cv2

    points = calibration.control_points
    ids = dict(calibration.details).get("marker_ids") or []
    if calibration.method != "marker" or points is None or len(points.image_px) != 4 * len(ids):
        return None
    card_pts, image_pts = [], []
    for k, marker_id in enumerate(ids):
        square = CARD.marker_square(marker_id)
        if square is not None:
            card_pts += square
            image_pts += list(points.image_px[4 * k: 4 * k + 4])
    if not card_pts:
        return None
    card_pts, image_pts = np.array(card_pts, float), np.array(image_pts, float)
    H, _ = cv2.findHomography(card_pts, image_pts, 0)
    if H is None:
        return None
    if len(card_pts) > 4:  # two markers: they must lie where the card has them
        from woundmeasure.imageops import apply_homography

        side = float(np.median(np.hypot(*np.diff(image_pts[:4], axis=0).T)))
        if np.max(np.hypot(*(apply_homography(H, card_pts) - image_pts).T)) > 0.05 * side:
            return None
    return H


def _patch_colours(rgb: np.ndarray, H: np.ndarray):
    """Median colour and relative spread of the inner half of each patch, or None where unreadable."""
    import cv2

    from woundmeasure.imageops import apply_homography

    out = []
    rows, cols = rgb.shape[:2]
    for i in range(len(CARD.PATCHES)):
        x0, y0, x1, y1 = CARD.patch_box(i)
        mx, my = (x1 - x0) / 4, (y1 - y0) / 4
        quad = apply_homography(H, np.array([[x0 + mx, y0 + my], [x1 - mx, y0 + my], [x1 - mx, y1 - my],
                                             [x0 + mx, y1 - my]]))
        bx0, by0 = np.floor(quad.min(0)).astype(int)
        bx1, by1 = np.ceil(quad.max(0)).astype(int) + 1
        if bx0 < 0 or by0 < 0 or bx1 > cols or by1 > rows:
            out.append(None)
            continue
        inside = np.zeros((by1 - by0, bx1 - bx0), np.uint8)
        cv2.fillConvexPoly(inside, np.round(quad - [bx0, by0]).astype(np.int32), 1)
        pixels = rgb[by0:by1, bx0:bx1][inside > 0].astype(float)
        if len(pixels) < MIN_PATCH_PX:
            out.append(None)
            continue
        median = np.median(pixels, axis=0)
        spread = float(np.max(np.median(np.abs(pixels - median), axis=0) / np.maximum(median, 8.0)))
        out.append((median, spread))
    return out


def _fit_gains(seen: np.ndarray, printed: np.ndarray) -> np.ndarray:
    """Per-channel gains through the origin (least squares) that take ``seen`` to ``printed`` (linear light)."""
    return (seen * printed).sum(0) / np.maximum((seen * seen).sum(0), 1e-12)


def read_card(rgb: np.ndarray, calibration) -> ColorCorrection | None:
    """The card's colour correction of ``rgb``, or None where the card's patches are not there to read.

    The patches are found through the card's markers (the calibration's), read in the inner
    half of each square (median colour), and accepted only as the card's: flat, the neutrals
    ordered white > grey > black, and, once corrected, close to their printed colours.
    """
    H = _card_homography(calibration)
    if H is None:
        return None
    read = _patch_colours(rgb, H)
    names = [name for name, _ in CARD.PATCHES]
    printed = np.array([c for _, c in CARD.PATCHES], float)
    flat = [i for i, r in enumerate(read) if r is not None and r[1] <= MAX_SPREAD]
    neutral = [names.index(n) for n in CARD.NEUTRAL]
    if not set(neutral) <= set(flat):
        return None
    seen = {i: read[i][0] for i in flat}
    luma = [float(np.mean(seen[i])) for i in neutral]
    if not (luma[0] > luma[1] > luma[2] and luma[0] > 2.0 * luma[2]):
        return None
    ok = [i for i in flat if np.max(seen[i]) < 250]  # a clipped patch says nothing of its light
    use = [i for i in neutral[1:] if i in ok]  # grey and black: printed far below the knee, where the gain is exact
    if neutral[1] not in use:
        return None
    o = srgb_to_linear(np.array([seen[i] for i in use]))
    t = srgb_to_linear(printed[use])
    gains = _fit_gains(o, t)
    if not np.all((gains > GAIN_RANGE[0]) & (gains < GAIN_RANGE[1])):
        return None
    before = np.array([seen[i] for i in ok])
    de_after = delta_e(linear_to_srgb(corrected_linear(srgb_to_linear(before), gains)), printed[ok])
    is_neutral = np.isin(ok, neutral)
    if de_after[is_neutral].max() > MAX_NEUTRAL_DE or (
            (~is_neutral).any() and np.median(de_after[~is_neutral]) > MAX_COLOUR_DE):
        return None
    from woundmeasure.imageops import apply_homography

    w, h = CARD.CARD_MM
    outline = apply_homography(H, np.array([[0, 0], [w, 0], [w, h], [0, h]], float))
    return ColorCorrection(tuple(float(g) for g in gains), float(np.median(delta_e(before, printed[ok]))),
                           float(np.median(de_after)), len(ok), tuple(map(tuple, outline.tolist())))
