"""A classical colour segmenter that needs no model: the wound as the photo's reddest region.

It assumes that a wound bed is redder (granulation) than the skin around it, with any
yellow (slough) or black (eschar) patches inside the red bed. The segmenter works on a copy
whose long side is at most ``WORK_SIZE`` px and scores each pixel by its redness,
CIELAB a* (lightly blurred against texture and noise). Very dark and very bright
pixels (shadow, padding, glare) and the ``exclude`` hint (the scale reference) take no
part. The threshold is Otsu's over the box hint (the whole photo without one), but
never less than the photo's typical skin a* (the median) plus six robust spreads (the
median absolute deviation plus 1), so that a photo without a clearly redder region
does not have its skin split in two. An opening removes specks and thin red lines, hole
filling takes in slough and eschar islands enclosed by red bed, and what is kept is
the largest region, or, given point hints, the regions holding a point. The kept
region is blurred and upsampled smoothly, so the full-resolution outline is not a
blocky staircase.

Limits: it assumes the photo is mostly skin and the wound is its reddest region; it
takes periwound erythema, red drapes or blood for wound; it misses wounds that are
mostly slough or eschar with no red rim; on dark skin the contrast in a* is lower.
On real wound photos it is far less accurate than the model (README, "Measured";
``benchmarks/bench_segmentation.py``): use it as a model-free fallback, with a box or a
point, and check its outline.
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
    """Outline the photo's reddest region (CIELAB a*) as the wound (the module notes say how, and the limits).

    Parameters
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    hints : Hints
        ``box``: Otsu's threshold is taken over the box, and only the box can be wound;
        ``points``: the regions holding them are kept (instead of the largest region);
        ``background_points``: the regions holding them are dropped;
        ``exclude``: these pixels are never wound and do not count as skin.

    Returns
    -------
    mask : ndarray of bool, shape (M, N)
    warnings : tuple of str
        A warning, with an empty mask, when the pixels left to score are fewer than 16 or
        their a* spans less than one level.
    """
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
    cand = apply_hints(cand, hints, scale, cand.shape)
    if not hints.points:
        cand = largest_regions(cand, min_fraction=1.0)  # the dominant red region only
    score = cv2.GaussianBlur(cand.astype(np.float32), (0, 0), 1.0)
    return score_to_full_mask(score, rgb.shape[:2], 0.5), ()
