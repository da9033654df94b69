"""Small array operations shared by the stages."""

from __future__ import annotations

import numpy as np


def shrink(image: np.ndarray, scale: float) -> np.ndarray:
    """Area-averaged copy of ``image`` (M, N[, C]) scaled by ``scale`` (< 1; 1 or more returns it unchanged).

    OpenCV's area resampling is much faster for whole-number factors, so the image is
    first averaged over k x k blocks (k the largest whole factor that keeps it at least the
    target size), then area-resampled the rest of the way (``benchmarks/bench_speed.py``).
    """
    import cv2

    if scale >= 1.0:
        return image
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    k = int(min(w // size[0], h // size[1]))
    if k >= 2:
        image = cv2.resize(image, (w // k, h // k), interpolation=cv2.INTER_AREA)
        if image.shape[1] == size[0] and image.shape[0] == size[1]:
            return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def label_regions(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected regions of a boolean mask: (labels, count); 0 is background.

    OpenCV's connected components: the same partition as ``skimage.measure.label(mask,
    connectivity=2)``.
    """
    import cv2

    count, labels = cv2.connectedComponents(np.ascontiguousarray(mask, dtype=np.uint8), connectivity=8)
    return labels, count - 1


def apply_homography(H: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Map points (x, y), shape (K, 2), through the 3x3 homography ``H``."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    p = xy @ H[:2, :2].T + H[:2, 2]
    w = xy @ H[2, :2] + H[2, 2]
    return p / w[:, None]


def homography_area_scale(H: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """How much ``H`` scales a small area at each point (x, y): the Jacobian determinant |det H| / |w|^3."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    w = xy @ H[2, :2] + H[2, 2]
    return np.abs(np.linalg.det(H)) / np.abs(w) ** 3
