"""Clicks as the promptable model sees them, and clicks as a person places them.

:func:`hint_maps` turns a person's hints (clicks inside the wound, clicks on what is not
wound, a box, the outline so far) into the model's extra input channels.
:func:`next_click` is the standard protocol of interactive segmentation benchmarks (as in
RITM, Sofiiuk et al. 2021): click at the most interior point of the largest error, inside
the wound where it is missed, on the background where it is over-drawn. Training
simulates clicks with it and ``benchmarks/bench_clicks.py`` measures with it.
"""

from __future__ import annotations

import numpy as np

CLICK_RADIUS = 5  # px at the model's working size, as RITM draws its click disks


def hint_maps(shape: tuple[int, int], *, points=(), background_points=(), box=None, previous=None,
              radius: int = CLICK_RADIUS) -> np.ndarray:
    """The model's hint channels, float32 (4, M, N): positive disks, negative disks, previous mask, box.

    Points are (x, y) and the box (x, y, w, h), all in the pixels of ``shape``'s frame.
    """
    import cv2

    maps = np.zeros((4, *shape), np.float32)
    for channel, clicks in ((0, points), (1, background_points)):
        for x, y in clicks:
            cv2.circle(maps[channel], (int(round(x)), int(round(y))), radius, 1.0, -1)
    if previous is not None:
        maps[2] = previous > 0.5
    if box is not None:
        x, y, w, h = box
        maps[3, max(int(y), 0):max(int(np.ceil(y + h)), 0), max(int(x), 0):max(int(np.ceil(x + w)), 0)] = 1.0
    return maps


def _interior(region: np.ndarray) -> tuple[float, tuple[int, int]]:
    """Distance to the region's edge (the photo's border counts as edge) and where it is largest."""
    import cv2

    padded = np.pad(region.astype(np.uint8), 1)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    r, c = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return float(dist[r, c]), (int(c), int(r))


def next_click(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float, bool] | None:
    """The next click (x, y, positive) on the largest error of ``pred`` against ``truth``; None if there is none."""
    missed, extra = truth & ~pred, pred & ~truth
    d_missed, at_missed = _interior(missed) if missed.any() else (0.0, None)
    d_extra, at_extra = _interior(extra) if extra.any() else (0.0, None)
    if d_missed == 0 and d_extra == 0:
        return None
    if d_missed >= d_extra:
        return (*at_missed, True)
    return (*at_extra, False)
