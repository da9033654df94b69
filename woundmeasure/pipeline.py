"""The one entry point that the CLI, batch runs and scripts share: photo in, measurement out."""

from __future__ import annotations

import datetime as dt
import warnings as _warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from woundmeasure import __version__
from woundmeasure.calibration import Calibration, manual_calibration, ruler_points_calibration
from woundmeasure.errors import CalibrationError, InputError, MaskError, WoundMeasureError
from woundmeasure.io import DEFAULT_MAX_PIXELS, Photo, photo_from_array, read_image, read_mask
from woundmeasure.measurement import WoundMeasurement, measure_mask


class WoundMeasureWarning(UserWarning):
    """A measurement was made but may not be trusted (its result's ``warnings`` say why)."""


@dataclass(frozen=True)
class ImageResult:
    """Everything measured on one photo.

    Attributes
    ----------
    image : str
        The photo as given.
    measurement : WoundMeasurement
    calibration : Calibration
    segmentation_method : str
        ``"mask"``, ``"roi"`` or a segmenter name (``"model"``, ``"color"``).
    warnings : tuple of str
        All reasons to doubt this result (calibration, segmentation, measurement).
    sha256 : str
    captured : datetime or None
    width_px, height_px : int
        Size of the upright photo.
    mask : ndarray of bool
        The wound mask used (not part of ``to_dict``).
    """

    image: str
    measurement: WoundMeasurement
    calibration: Calibration
    segmentation_method: str
    warnings: tuple[str, ...]
    sha256: str
    captured: dt.datetime | None
    width_px: int
    height_px: int
    mask: np.ndarray = field(repr=False, compare=False, default=None)

    def to_dict(self) -> dict:
        m = self.measurement
        return {
            "image": self.image,
            "area_mm2": m.area_mm2,
            "area_cm2": m.area_cm2,
            "perimeter_mm": m.perimeter_mm,
            "perimeter_imagej_mm": m.perimeter_imagej_mm,
            "length_mm": m.length_mm,
            "width_mm": m.width_mm,
            "ellipse_area_mm2": m.ellipse_area_mm2,
            "num_pixels": m.num_pixels,
            "num_regions": m.num_regions,
            "touches_edge": m.touches_edge,
            "length_line": list(m.length_line) if m.length_line else None,
            "width_line": list(m.width_line) if m.width_line else None,
            "calibration": {k: v for k, v in self.calibration.to_dict().items() if k != "warnings"},
            "segmentation": {"method": self.segmentation_method},
            "warnings": list(self.warnings),
            "sha256": self.sha256,
            "captured": self.captured.isoformat() if self.captured else None,
            "width_px": self.width_px,
            "height_px": self.height_px,
            "woundmeasure_version": __version__,
        }


def parse_ruler(text: str) -> tuple[float, float, float, float, float]:
    """Parse ``"X1,Y1,X2,Y2,MM"`` (ImageJ Set Scale: two points and their distance in mm)."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"ruler {text!r} must be five numbers X1,Y1,X2,Y2,MM") from None
    if len(values) != 5:
        raise InputError(f"ruler {text!r} has {len(values)} numbers; give five: X1,Y1,X2,Y2,MM")
    return values  # type: ignore[return-value]


def calibrate(rgb: np.ndarray, *, method: str = "auto", px_per_mm: float | None = None,
              ruler: str | tuple | None = None, marker_mm: float = 20.0) -> Calibration:
    """Choose the photo's calibration.

    A manual scale (``px_per_mm`` or ``ruler`` points) always wins; otherwise the
    reference in the photo is detected (``method`` = ``"auto"``, ``"marker"`` or ``"ruler"``).

    Raises
    ------
    CalibrationError
        If no scale is given and none is found.
    """
    if px_per_mm is not None and ruler is not None:
        raise CalibrationError("give either px_per_mm or ruler points, not both")
    if px_per_mm is not None:
        return manual_calibration(px_per_mm)
    if ruler is not None:
        values = parse_ruler(ruler) if isinstance(ruler, str) else tuple(float(v) for v in ruler)
        if len(values) != 5:
            raise InputError(f"ruler {ruler!r} must be five numbers X1,Y1,X2,Y2,MM")
        return ruler_points_calibration(*values)
    if method == "manual":
        raise CalibrationError("manual calibration needs a scale: px_per_mm, or ruler points X1,Y1,X2,Y2,MM")
    from woundmeasure.calibration.detect import detect_calibration

    return detect_calibration(rgb, method=method, marker_mm=marker_mm)


def _mask_for(image: str, mask, shape) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        if mask.shape != tuple(shape):
            raise MaskError(f"mask for {image}: is {mask.shape[1]} x {mask.shape[0]} px but the photo is "
                            f"{shape[1]} x {shape[0]} px; use a mask of the photo's size")
        return mask.astype(bool)
    path = Path(mask)
    if path.is_dir():
        candidate = path / (Path(image).stem + ".png")
        if not candidate.is_file():
            raise MaskError(f"mask folder {path}: has no {candidate.name} for {image}; "
                            "name masks <image stem>.png")
        path = candidate
    return read_mask(path, shape=shape)


def _roi_for(image: str, roi, shape) -> np.ndarray:
    from woundmeasure.roi import read_roi

    path = Path(roi)
    if path.is_dir():
        for suffix in (".roi", ".zip"):
            candidate = path / (Path(image).stem + suffix)
            if candidate.is_file():
                return read_roi(candidate, shape=shape)
        raise MaskError(f"ROI folder {path}: has no {Path(image).stem}.roi or .zip for {image}")
    return read_roi(path, shape=shape)


def measure_photo(photo: Photo, **options) -> ImageResult:
    """Measure an already-read :class:`~woundmeasure.io.Photo` (options as :func:`measure_image`).

    Every error names the photo.
    """
    try:
        return _measure_photo(photo, **options)
    except WoundMeasureError as exc:
        if photo.path in str(exc):
            raise
        raise type(exc)(f"{photo.path}: {exc}") from None


def _measure_photo(photo: Photo, *, calibration: Calibration | None = None, calibration_method: str = "auto",
                   px_per_mm: float | None = None, ruler=None, marker_mm: float = 20.0, mask=None, roi=None,
                   segmenter: str = "model", box=None, points=()) -> ImageResult:
    from woundmeasure.segmentation import Hints, segment

    rgb = photo.rgb
    shape = rgb.shape[:2]
    if calibration is None:
        calibration = calibrate(rgb, method=calibration_method, px_per_mm=px_per_mm, ruler=ruler,
                                marker_mm=marker_mm)
    seg_warnings: tuple[str, ...] = ()
    if mask is not None and roi is not None:
        raise InputError("give either a mask or an ROI, not both")
    if mask is not None:
        wound, method = _mask_for(photo.path, mask, shape), "mask"
    elif roi is not None:
        wound, method = _roi_for(photo.path, roi, shape), "roi"
    else:
        exclude = calibration_exclusion(calibration, shape)
        hints = Hints(box=tuple(box) if box is not None else None,
                      points=tuple(tuple(p) for p in points or ()), exclude=exclude)
        wound, seg_warnings = segment(rgb, method=segmenter, hints=hints)
        method = segmenter
    measurement = measure_mask(wound, calibration=calibration)
    calibration = _at_wound(calibration, measurement)
    all_warnings = tuple(dict.fromkeys(calibration.warnings + seg_warnings + measurement.warnings
                                       + _distance_warning(calibration, measurement, shape)))
    for w in all_warnings:
        _warnings.warn(f"{photo.path}: {w}", WoundMeasureWarning, stacklevel=4)
    return ImageResult(image=photo.path, measurement=measurement, calibration=calibration,
                       segmentation_method=method, warnings=all_warnings, sha256=photo.sha256,
                       captured=photo.captured, width_px=shape[1], height_px=shape[0], mask=wound)


def calibration_exclusion(calibration: Calibration, shape) -> np.ndarray | None:
    """Pixels covered by the detected reference (never wound)."""
    region = dict(calibration.details).get("reference_polygons")
    if not region:
        return None
    import cv2

    out = np.zeros(shape, np.uint8)
    for poly in region:
        cv2.fillPoly(out, [np.round(np.asarray(poly, float) * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
    return out.astype(bool)


def _wound_centre(measurement: WoundMeasurement) -> tuple[float, float] | None:
    """The middle of the wound's length line (image px), or None without a wound."""
    if not measurement.num_pixels or measurement.length_line is None:
        return None
    x1, y1, x2, y2 = measurement.length_line
    return (x1 + x2) / 2, (y1 + y2) / 2


def _at_wound(calibration: Calibration, measurement: WoundMeasurement) -> Calibration:
    """Report scale and uncertainty at the wound's centre (they vary under perspective)."""
    centre = _wound_centre(measurement)
    if calibration.homography is None or centre is None:
        return calibration
    from dataclasses import replace

    from woundmeasure.calibration.marker import uncertainty_at

    x, y = centre
    return replace(calibration.at(x, y), uncertainty_pct=uncertainty_at(calibration, x, y))


def _distance_warning(calibration: Calibration, measurement: WoundMeasurement, shape) -> tuple[str, ...]:
    centre = dict(calibration.details).get("reference_centre_px")
    wc = _wound_centre(measurement)
    if centre is None or wc is None:
        return ()
    dist_px = float(np.hypot(wc[0] - centre[0], wc[1] - centre[1]))
    diag = float(np.hypot(*shape))
    if dist_px > 0.4 * diag:
        return (f"the scale reference is far from the wound ({dist_px:.0f} px, {100 * dist_px / diag:.0f}% of the "
                "photo's diagonal): if the skin curves, the scale at the wound differs; place it next to the wound",)
    return ()


def measure_file(path, *, max_pixels: int | None = None, **options) -> tuple[Photo, ImageResult]:
    """Read and measure one photo file, without emitting Python warnings (they are in the result).

    The shared step of the CLI, series and batch runs; returns the photo too, for outputs.
    """
    photo = read_image(path, max_pixels=max_pixels or DEFAULT_MAX_PIXELS)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", WoundMeasureWarning)
        return photo, measure_photo(photo, **options)


def measure_image(image, *, max_pixels: int = DEFAULT_MAX_PIXELS, **options) -> ImageResult:
    """Measure the wound in one photo.

    Parameters
    ----------
    image : str, Path or ndarray
        A photo file (JPEG, PNG, TIFF) or an RGB array.
    calibration : Calibration, optional
        Use this calibration as it is.
    calibration_method : {"auto", "marker", "ruler", "manual"}
        Which reference to detect when no manual scale is given.
    px_per_mm : float, optional
        Manual scale in pixels per millimetre.
    ruler : str or (x1, y1, x2, y2, mm), optional
        Manual scale from two points on a ruler (ImageJ's Set Scale).
    marker_mm : float
        Side of the ArUco marker's black square, mm (default 20).
    mask : path or ndarray, optional
        A given wound mask (white = wound), or a folder of ``<stem>.png`` masks.
    roi : path, optional
        An ImageJ ``.roi`` / RoiSet ``.zip``, or a folder of ``<stem>.roi``.
    segmenter : str
        Registered segmenter used when neither mask nor ROI is given (default ``"model"``).
    box : (x, y, w, h), optional
        The wound lies inside this box (pixels).
    points : sequence of (x, y), optional
        Points inside the wound.
    max_pixels : int
        Refuse larger photos (default 200 MP).

    Returns
    -------
    ImageResult

    Raises
    ------
    WoundMeasureError
        ImageReadError, CalibrationError, MaskError, SegmentationError or InputError, each
        naming the input and the fix.
    """
    if isinstance(image, np.ndarray):
        photo = photo_from_array(image)
    else:
        photo = read_image(image, max_pixels=max_pixels)
    return measure_photo(photo, **options)
