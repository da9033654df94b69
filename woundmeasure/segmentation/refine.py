"""Shared steps of the segmenters: work size, hints, restoring full resolution."""

from __future__ import annotations

import numpy as np

from woundmeasure.imageops import label_regions


def work_scale(shape: tuple[int, int], long_side: int) -> float:
    """Factor that brings the photo's long side to ``long_side`` (never enlarges)."""
    return min(1.0, long_side / max(shape))


def score_to_full_mask(score: np.ndarray, shape: tuple[int, int], threshold: float) -> np.ndarray:
    """Threshold a low-resolution score map after smooth (bilinear) upsampling.

    Upsampling the continuous score rather than a binary mask gives a smooth,
    sub-pixel-accurate boundary at full resolution. Only the box around candidate
    pixels is upsampled, which keeps 12 MP photos fast.
    """
    return score_to_full_masks(score, shape, (threshold,))[0]


def score_to_full_masks(score: np.ndarray, shape: tuple[int, int], thresholds) -> list[np.ndarray]:
    """:func:`score_to_full_mask` at several thresholds, from one upsampling."""
    import cv2

    h, w = shape
    sh, sw = score.shape
    outs = [np.zeros(shape, bool) for _ in thresholds]
    cand = score > min(thresholds)
    if not cand.any():
        return outs
    rows = np.flatnonzero(cand.any(1))
    cols = np.flatnonzero(cand.any(0))
    r0, r1 = max(rows[0] - 2, 0), min(rows[-1] + 3, sh)
    c0, c1 = max(cols[0] - 2, 0), min(cols[-1] + 3, sw)
    fy, fx = h / sh, w / sw
    R0, R1 = int(np.floor(r0 * fy)), int(np.ceil(r1 * fy))
    C0, C1 = int(np.floor(c0 * fx)), int(np.ceil(c1 * fx))
    R1, C1 = min(R1, h), min(C1, w)
    # map each full-resolution pixel centre to the score grid (pixel centres aligned)
    ys = (np.arange(R0, R1) + 0.5) / fy - 0.5
    xs = (np.arange(C0, C1) + 0.5) / fx - 0.5
    map_x, map_y = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
    up = cv2.remap(score.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    for out, t in zip(outs, thresholds):
        out[R0:R1, C0:C1] = up > t
    return outs


def box_at_scale(box, scale: float, shape_small) -> np.ndarray:
    """The hint box (x, y, w, h in photo pixels) as a mask on a copy scaled by ``scale``."""
    x, y, w, h = box
    keep = np.zeros(shape_small, bool)
    keep[max(int(y * scale), 0):max(int(np.ceil((y + h) * scale)), 0),
         max(int(x * scale), 0):max(int(np.ceil((x + w) * scale)), 0)] = True
    return keep


def apply_hints(mask_small: np.ndarray, hints, scale: float, shape_small) -> np.ndarray:
    """Restrict a low-resolution mask to the box, to the regions holding the points, and without
    the regions holding background points."""
    if hints.box is not None:
        mask_small = mask_small & box_at_scale(hints.box, scale, shape_small)
    if hints.points or hints.background_points:
        lab, _ = label_regions(mask_small)

        def regions(points):
            ids = {int(lab[min(int(py * scale), shape_small[0] - 1), min(int(px * scale), shape_small[1] - 1)])
                   for px, py in points}
            ids.discard(0)
            return ids

        keep = regions(hints.points) if hints.points else set(np.unique(lab[lab > 0]).tolist())
        mask_small = np.isin(lab, list(keep - regions(hints.background_points)))
    return mask_small


def without_small_regions(mask: np.ndarray, *, min_px: float) -> np.ndarray:
    """The mask without its regions smaller than ``min_px`` pixels, in place.

    An outline upsampled from a network's probability and thresholded can hold a region
    smaller than one of the network's own pixels: a peak of the interpolation that barely
    passes the threshold, not a wound (it would be measured as a wound of its own).
    """
    from woundmeasure.outline import bounding_box

    box = bounding_box(mask)
    if box is None or min_px <= 1:
        return mask
    lab, _ = label_regions(mask[box])
    sizes = np.bincount(lab.ravel())
    small = np.flatnonzero(sizes < min_px)
    small = small[small > 0]
    if small.size:
        mask[box][np.isin(lab, small)] = False
    return mask


def largest_regions(mask: np.ndarray, *, min_fraction: float = 0.1) -> np.ndarray:
    """Keep regions at least ``min_fraction`` of the largest one (drops specks)."""
    lab, count = label_regions(mask)
    if count <= 1:
        return mask
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    return np.isin(lab, np.flatnonzero(sizes >= min_fraction * sizes.max()))
