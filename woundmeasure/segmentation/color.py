"""A classical colour segmenter that needs no model.

Wound beds are redder (granulation), yellower (slough) or darker (eschar) than the
skin around them. The segmenter works in CIELAB at a reduced size: it scores each
pixel by its redness (a*) relative to the photo's typical skin, splits the score
with Otsu's threshold, fills holes (slough and eschar islands inside a red bed) and
keeps the dominant regions.

Limits: it assumes the photo is mostly skin and the wound is its reddest region;
it takes periwound erythema, red drapes or blood for wound; it misses wounds that
are mostly slough or eschar with no red rim; on dark skin the contrast in a* is
lower. On real foot-ulcer photos (the FUSeg held-out split) it reaches a pooled Dice
of only about 0.2, against about 0.9 on the synthetic phantoms: use it as a
model-free fallback, with a box or a point, not as a measurement to trust unchecked.
"""

from __future__ import annotations

import numpy as np

from woundmeasure.imageops import shrink
from woundmeasure.segmentation.refine import (
    apply_hints,
    box_at_scale,
    largest_regions,
    score_to_full_mask,
    work_scale,
)

WORK_SIZE = 512


def segment_color(rgb: np.ndarray, *, hints) -> tuple[np.ndarray, tuple[str, ...]]:
    """Segment by redness in CIELAB (see module notes for the limits)."""
    import cv2
    from scipy import ndimage as ndi
    from skimage.filters import threshold_otsu

    scale = work_scale(rgb.shape[:2], WORK_SIZE)
    small = shrink(rgb, scale)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    a = cv2.GaussianBlur(lab[..., 1], (0, 0), 1.5)
    valid = (lab[..., 0] > 40) & (lab[..., 0] < 245)  # not padding, shadow or glare
    if hints.exclude is not None:
        ex = cv2.resize(hints.exclude.astype(np.uint8), (a.shape[1], a.shape[0]), interpolation=cv2.INTER_NEAREST)
        valid &= ex == 0
    region = valid & (box_at_scale(hints.box, scale, a.shape) if hints.box is not None else True)
    values = a[region]
    if values.size < 16 or np.ptp(values) < 1:
        return np.zeros(rgb.shape[:2], bool), ("the colour segmenter found no contrast",)
    skin = float(np.median(a[valid]))
    spread = float(np.median(np.abs(a[valid] - skin))) + 1.0
    t = max(threshold_otsu(values), skin + 6 * spread)
    cand = (a > t) & region
    cand = ndi.binary_opening(cand, iterations=2)
    cand = ndi.binary_fill_holes(cand)
    if hints.points:
        cand = apply_hints(cand, hints, scale, cand.shape)
    else:
        cand = largest_regions(cand, min_fraction=1.0)  # the dominant red region only
    score = cv2.GaussianBlur(cand.astype(np.float32), (0, 0), 1.0)
    return score_to_full_mask(score, rgb.shape[:2], 0.5), ()
