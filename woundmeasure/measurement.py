"""Measure a wound mask under a calibration: area, perimeter, length, width.

All lengths are measured on the wound plane: when the calibration carries a
homography, outline points are mapped to the plane (mm) before any distance is
taken, and each pixel's area is its own plane area.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

from woundmeasure.calibration.record import Calibration
from woundmeasure.errors import MaskError
from woundmeasure.imageops import label_regions
from woundmeasure.outline import (
    bounding_box,
    imagej_traced_perimeter,
    pixel_edge_polygons,
    polygon_area,
    polygon_length,
    subpixel_contours,
)


@dataclass(frozen=True)
class WoundMeasurement:
    """Size of a wound on its plane.

    Attributes
    ----------
    area_mm2, area_cm2 : float
        Wound area; all regions count. Without perspective correction it is the
        pixel count divided by px_per_mm^2, exactly as ImageJ reports it.
    num_pixels : int
        Wound pixels in the photo.
    perimeter_mm : float
        Length of the sub-pixel outline (all regions and holes).
    perimeter_imagej_mm : float or None
        ImageJ's traced perimeter of the same mask (None with perspective correction).
    length_mm : float
        Maximum Feret diameter of the whole wound.
    width_mm : float
        Greatest extent perpendicular to the length.
    ellipse_area_mm2 : float
        length x width x pi / 4, the clinical ellipse estimate.
    num_regions : int
        Separate (8-connected) wound regions.
    touches_edge : bool
        Whether the wound touches the photo's border (the area may be cut off).
    length_line, width_line : tuple of 4 floats
        End points (x1, y1, x2, y2) in image pixels, for drawing.
    warnings : tuple of str
    area_mm2_low, area_mm2_high : float
        The 95% interval of the area: the outline's band (:class:`~woundmeasure.segmentation.Band`;
        one pixel either side of an outline given as it is) and the calibration's uncertainty,
        combined in log area (:func:`area_interval`).
    outline : tuple of (K, 2) arrays
        The measured sub-pixel outline (x, y) in image pixels, for drawing; not in ``to_dict``.
    band_mm2 : (inner, outer, stretch)
        The band's areas behind the interval (not in ``to_dict``): :meth:`with_length_uncertainty`.
    """

    area_mm2: float
    area_cm2: float
    num_pixels: int
    perimeter_mm: float
    perimeter_imagej_mm: float | None
    length_mm: float
    width_mm: float
    ellipse_area_mm2: float
    num_regions: int
    touches_edge: bool
    length_line: tuple[float, float, float, float] | None = None
    width_line: tuple[float, float, float, float] | None = None
    warnings: tuple[str, ...] = ()
    area_mm2_low: float = 0.0
    area_mm2_high: float = 0.0
    outline: tuple[np.ndarray, ...] = field(default=(), repr=False, compare=False)
    band_mm2: tuple[float, float, float] = field(default=(0.0, 0.0, 1.0), repr=False, compare=False)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("outline", "band_mm2")}
        d["warnings"] = list(self.warnings)
        for k in ("length_line", "width_line"):
            d[k] = list(d[k]) if d[k] is not None else None
        return d

    def with_length_uncertainty(self, length_pct: float) -> "WoundMeasurement":
        """The same measurement with its interval for a calibration of this length uncertainty (1 sigma, %),
        e.g. the calibration's at the wound rather than at the reference."""
        inner, outer, stretch = self.band_mm2
        low, high = area_interval(self.area_mm2, inner, outer, stretch=stretch, length_pct=length_pct)
        return replace(self, area_mm2_low=low, area_mm2_high=high)


def _feret(points: np.ndarray) -> tuple[float, np.ndarray, float, np.ndarray]:
    """Max Feret diameter and the greatest perpendicular extent of a point set (plane units).

    Returns (length, (p, q) end points, width, (a, b) end points of the width segment).
    """
    import cv2

    if len(points) < 3:
        return 0.0, np.zeros((2, 2)), 0.0, np.zeros((2, 2))
    hull = points[cv2.convexHull(points.astype(np.float32), returnPoints=False).ravel()]
    d2 = ((hull[:, None, :] - hull[None, :, :]) ** 2).sum(-1)
    i, j = np.unravel_index(np.argmax(d2), d2.shape)
    p, q = hull[i], hull[j]
    length = float(math.sqrt(d2[i, j]))
    if length == 0:
        return 0.0, np.array([p, q]), 0.0, np.array([p, q])
    u = (q - p) / length
    n = np.array([-u[1], u[0]])
    along = (hull - p) @ u
    across = (hull - p) @ n
    lo, hi = across.min(), across.max()
    mid = p + u * (along.min() + along.max()) / 2
    return length, np.array([p, q]), float(hi - lo), np.array([mid + n * lo, mid + n * hi])


Z95 = 1.959964  # two-sided 95% of a normal error


def area_interval(area: float, inner: float, outer: float, *, stretch: float = 1.0,
                  length_pct: float = 0.0) -> tuple[float, float]:
    """The 95% interval of an area (mm^2) from its outline's band and its calibration.

    ``inner`` and ``outer`` are the band's areas (``inner <= area <= outer``), ``stretch``
    the band's width in log area that covers 95% (:class:`~woundmeasure.segmentation.Band`),
    ``length_pct`` the calibration's 1-sigma relative error of a length (an area's is twice
    it). The two are independent, so their log half-widths add in quadrature. An area of 0
    (nothing drawn) has the interval [0, outer widened by the calibration].
    """
    scale = Z95 * 2 * length_pct / 100
    if area <= 0:
        return 0.0, float(outer * math.exp(scale))
    down = stretch * math.log(area / inner) if inner > 0 else math.inf
    up = stretch * math.log(outer / area)
    return float(area * math.exp(-math.hypot(down, scale))), float(area * math.exp(math.hypot(up, scale)))


def _plane_area(calibration: Calibration, rows: np.ndarray, cols: np.ndarray) -> float:
    """Plane area (mm^2) of the pixels at (rows, cols)."""
    if calibration.homography is None:
        return rows.size / calibration.px_per_mm**2
    return float(calibration.area_per_pixel(np.column_stack([cols, rows])).sum())


def _band_areas(mask: np.ndarray, band, calibration: Calibration, area_mm2: float) -> tuple[float, float, float]:
    """(inner, outer, stretch) of the mask's band, areas in mm^2 (only the band's pixels are mapped)."""
    if band is None:
        from woundmeasure.segmentation import Band

        band = Band.boundary(mask)
    box = bounding_box(band.outer | mask)
    if box is None:
        return 0.0, 0.0, band.stretch
    m = mask[box]
    lost = np.nonzero(m & ~band.inner[box])
    gained = np.nonzero(band.outer[box] & ~m)
    r0, c0 = box[0].start, box[1].start
    inner = area_mm2 - _plane_area(calibration, lost[0] + r0, lost[1] + c0)
    outer = area_mm2 + _plane_area(calibration, gained[0] + r0, gained[1] + c0)
    return max(inner, 0.0), outer, band.stretch


def measure_mask(mask: np.ndarray, *, calibration: Calibration, band=None) -> WoundMeasurement:
    """Measure a binary wound mask.

    Parameters
    ----------
    mask : ndarray of bool, shape (M, N)
        True on wound pixels, in the photo's (upright) frame.
    calibration : Calibration
        The scale (and optional plane homography) of the photo.
    band : Band, optional
        Where the outline's edge could lie (a segmenter's); default one pixel either side.

    Returns
    -------
    WoundMeasurement
        Areas in mm^2 (and cm^2), lengths in mm.

    Raises
    ------
    MaskError
        If the mask is not two-dimensional.

    Notes
    -----
    Area is the pixel count times each pixel's plane area (a constant
    1 / px_per_mm^2 without a homography: ImageJ's value). Perimeter, length and
    width come from sub-pixel outlines (see :mod:`woundmeasure.outline`) mapped to
    the plane: the perimeter from the smoothed outline (no pixel staircase), length
    and width from the unsmoothed iso-line (no rounded corners). Length is the
    maximum Feret diameter and width the greatest extent perpendicular to it.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise MaskError(f"mask must be two-dimensional (rows, cols), got shape {mask.shape}")
    mask = mask.astype(bool, copy=False)
    box = bounding_box(mask)
    if box is not None:  # index the wound's box only: 12 MP masks are mostly background
        rows, cols = np.nonzero(mask[box])
        rows, cols = rows + box[0].start, cols + box[1].start
    else:
        rows = cols = np.zeros(0, int)
    num_pixels = int(rows.size)
    if num_pixels == 0:
        _, outer, _ = _band_areas(mask, band, calibration, 0.0)
        high = area_interval(0.0, 0.0, outer, length_pct=calibration.uncertainty_pct)[1]
        return WoundMeasurement(0.0, 0.0, 0, 0.0, 0.0 if calibration.homography is None else None, 0.0, 0.0, 0.0,
                                0, False, warnings=("no wound pixels: the area is 0",), area_mm2_high=high,
                                band_mm2=(0.0, outer, 1.0))
    area_mm2 = _plane_area(calibration, rows, cols)
    inner, outer, stretch = _band_areas(mask, band, calibration, area_mm2)
    low, high = area_interval(area_mm2, inner, outer, stretch=stretch, length_pct=calibration.uncertainty_pct)
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    num_regions = label_regions(mask[r0:r1, c0:c1])[1]
    touches_edge = bool(r0 == 0 or c0 == 0 or r1 == mask.shape[0] or c1 == mask.shape[1])

    raw_contours = subpixel_contours(mask, sigma=0)
    contours = subpixel_contours(mask)
    if abs(sum(polygon_area(c) for c in contours)) < 0.9 * num_pixels:
        contours = raw_contours  # smoothing erased small regions (a few px wide): use the unsmoothed outline
    plane = [calibration.to_plane(c) for c in contours]
    perimeter_mm = float(sum(polygon_length(p[:-1]) for p in plane))
    if calibration.homography is None:
        ij_px = sum(imagej_traced_perimeter(p) for p in pixel_edge_polygons(mask))
        perimeter_ij = float(ij_px / calibration.px_per_mm)
    else:
        perimeter_ij = None
    # extremes from the unsmoothed iso-line (within half a pixel of the edge; smoothing would round corners)
    raw = [calibration.to_plane(c) for c in raw_contours]
    all_pts = np.vstack(raw) if raw else np.zeros((0, 2))
    length, lpts, width, wpts = _feret(all_pts)
    width = min(width, length)
    length_line = tuple(float(v) for v in calibration.to_image(lpts).ravel())
    width_line = tuple(float(v) for v in calibration.to_image(wpts).ravel())
    warnings = []
    if touches_edge:
        warnings.append("the wound touches the photo's edge: part of it may be outside the photo")
    if num_pixels < 100:
        warnings.append(f"the wound covers only {num_pixels} px: area uncertainty is high; photograph it closer")
    return WoundMeasurement(
        area_mm2=float(area_mm2), area_cm2=float(area_mm2) / 100.0, num_pixels=num_pixels,
        perimeter_mm=perimeter_mm, perimeter_imagej_mm=perimeter_ij,
        length_mm=length, width_mm=width, ellipse_area_mm2=math.pi / 4 * length * width,
        num_regions=num_regions, touches_edge=touches_edge,
        length_line=length_line, width_line=width_line, warnings=tuple(warnings),
        area_mm2_low=low, area_mm2_high=high, outline=tuple(contours), band_mm2=(inner, outer, stretch))
