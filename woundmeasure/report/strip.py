"""The same-scale strip: each visit's wound rectified to the skin plane at one mm scale, side by side.

Photos of a series are taken from other distances and angles, so wounds cannot be compared
by eye in the photos themselves. Mapped to the skin plane through each visit's calibration
(its homography, or its uniform scale) and drawn at one common scale, in one common
window, the wound's shrinking is seen at a glance.
"""

from __future__ import annotations

import numpy as np

from woundmeasure.outline import subpixel_contours

MARGIN_MM = 5.0


def image_to_plane(calibration: dict) -> np.ndarray:
    """The 3x3 image px -> plane mm matrix of a calibration's ``to_dict()`` (as the record keeps it)."""
    from woundmeasure.calibration import Calibration

    return Calibration.of_record(calibration).matrix


def visit_tiles(track, store, read_rgb) -> list[tuple[str, np.ndarray, np.ndarray, dict]]:
    """The strip's tiles of a wound's measured visits, its own part of each photo's outline from the
    record (a closed visit has none to show); ``read_rgb(index, visit)`` gives the photo, or None to
    leave it out (a photo that moved)."""
    tiles = []
    for i, visit in enumerate(track.stored):
        if visit.measured and not visit.closed:
            rgb = read_rgb(i, visit)
            if rgb is not None:
                tiles.append((visit.date.isoformat(), rgb, store.mask(visit.measurement_id, visit.numbers),
                              visit.calibration))
    return tiles


def same_scale_strip(tiles: list[tuple[str, np.ndarray, np.ndarray, dict]], *, height_px: int = 240) -> np.ndarray:
    """An RGB strip of wound views at one scale.

    Parameters
    ----------
    tiles : list of (label, rgb, mask, calibration)
        Per visit, in date order: a caption, the upright photo, its bool wound mask and its
        calibration's ``to_dict()``.
    height_px : int
        Height of each view; the scale (px per mm) is the one at which the largest wound,
        with a margin, fits it.

    Returns
    -------
    ndarray of uint8, shape (height_px + caption, width, 3)
    """
    import cv2

    from woundmeasure.imageops import apply_homography, shrink

    boxes = []
    for _, _, mask, cal in tiles:
        rows, cols = np.nonzero(mask)
        if not len(rows):
            boxes.append(None)
            continue
        corners = np.array([[cols.min(), rows.min()], [cols.max() + 1, rows.min()], [cols.max() + 1, rows.max() + 1],
                            [cols.min(), rows.max() + 1]], float) - 0.5
        plane = apply_homography(image_to_plane(cal), corners)
        boxes.append((plane.min(0) - MARGIN_MM, plane.max(0) + MARGIN_MM))
    extents = [hi - lo for b in boxes if b is not None for lo, hi in [b]]
    span = np.max(extents, axis=0) if extents else np.array([40.0, 40.0])
    scale = height_px / span[1] if span[1] * 1.6 >= span[0] else height_px * 1.6 / span[0]  # px per mm
    size = (int(np.ceil(span[0] * scale)), height_px)
    caption = 28
    views = []
    for (label, rgb, mask, cal), box in zip(tiles, boxes):
        view = np.full((size[1] + caption, size[0], 3), 245, np.uint8)
        if box is not None:
            centre = (box[0] + box[1]) / 2
            to_view = np.array([[scale, 0, size[0] / 2 - scale * centre[0]], [0, scale, size[1] / 2 - scale * centre[1]],
                                [0, 0, 1.0]]) @ image_to_plane(cal)
            f = min(1.0, 2 * scale / cal["px_per_mm"])  # shrink first: warping resamples, it does not average
            small = shrink(rgb, f)
            f_rows, f_cols = small.shape[0] / rgb.shape[0], small.shape[1] / rgb.shape[1]
            view[:size[1]] = cv2.warpPerspective(small, to_view @ np.diag([1 / f_cols, 1 / f_rows, 1.0]), size,
                                                 flags=cv2.INTER_LINEAR, borderValue=(245, 245, 245))
            outline = [apply_homography(to_view, c) for c in subpixel_contours(mask)]
            cv2.polylines(view, [np.round(c * 16).astype(np.int32) for c in outline], True, (40, 230, 80), 2,
                          cv2.LINE_AA, shift=4)
        cv2.putText(view, label, (6, size[1] + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (30, 30, 30), 1, cv2.LINE_AA)
        views.append(view)
        views.append(np.full((size[1] + caption, 4, 3), 255, np.uint8))
    bar = int(round(10 * scale))  # a 10 mm scale bar on the first view
    if views and bar < size[0] - 12:
        cv2.line(views[0], (6, size[1] - 8), (6 + bar, size[1] - 8), (20, 20, 20), 3)
        cv2.putText(views[0], "10 mm", (6, size[1] - 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (20, 20, 20), 1, cv2.LINE_AA)
    return np.concatenate(views[:-1], axis=1) if views else np.full((height_px + caption, 10, 3), 245, np.uint8)
