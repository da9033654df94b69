"""The Calibration record and the manual (ImageJ Set Scale) calibrations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from woundmeasure.errors import CalibrationError
from woundmeasure.imageops import apply_homography, homography_area_scale


# The scales a photo can have: from a metre across 100 px to 0.1 um a pixel. Outside them a scale is a
# typing error (1e-9 gave 4.6e22 mm2), never a photo's.
PHOTO_SCALES = (0.01, 10000.0)


def check_photo_scale(px_per_mm: float, what: str) -> None:
    """Raise :class:`CalibrationError` for a scale no photo has (:data:`PHOTO_SCALES`)."""
    low, high = PHOTO_SCALES
    if not low <= px_per_mm <= high:
        raise CalibrationError(f"{what}: {px_per_mm:.3g} px/mm is a scale no photo has ({low:g} to {high:g} px/mm); "
                               "check the numbers")


def _check_scale(px_per_mm: float, *, what: str = "px_per_mm") -> float:
    try:
        value = float(px_per_mm)
    except (TypeError, ValueError):
        raise CalibrationError(f"{what} = {px_per_mm!r} is not a number; give pixels per millimetre, e.g. 10.5") from None
    if not math.isfinite(value) or value <= 0:
        raise CalibrationError(f"{what} = {px_per_mm!r} is not a positive finite scale; give pixels per millimetre > 0")
    return value


@dataclass(frozen=True)
class ControlPoints:
    """The image / plane point pairs a homography was fitted to, and the image points' error.

    Attributes
    ----------
    image_px : ndarray of float, shape (K, 2)
        Image points (x, y), pixels.
    plane_mm : ndarray of float, shape (K, 2)
        The same points on the wound plane, mm.
    sigma_px : float
        1-sigma error of each image point, pixels.
    """

    image_px: np.ndarray = field(repr=False)
    plane_mm: np.ndarray = field(repr=False)
    sigma_px: float

    def uncertainty_pct(self, x: float, y: float, *, draws: int = 100, seed: int = 0) -> float:
        """1-sigma relative error (%) of a length at image point (x, y), by perturbing the image points.

        Each draw adds Gaussian noise of ``sigma_px`` to the image points, refits the
        homography and takes the local scale at (x, y); the spread of those scales,
        relative to the unperturbed one, is the uncertainty.
        """
        import cv2

        rng = np.random.default_rng(seed)
        at = np.array([[x, y]], float)

        def mm_per_px(H):
            return math.sqrt(homography_area_scale(H, at)[0])

        base = mm_per_px(cv2.findHomography(self.image_px, self.plane_mm, 0)[0])
        values = []
        for _ in range(draws):
            H, _ = cv2.findHomography(self.image_px + rng.normal(0, self.sigma_px, self.image_px.shape),
                                      self.plane_mm, 0)
            if H is not None:
                values.append(mm_per_px(H))
        return float(100 * np.std(values) / base) if values else float("nan")


@dataclass(frozen=True)
class Calibration:
    """How image pixels map to millimetres on the wound plane.

    Attributes
    ----------
    px_per_mm : float
        Pixels per millimetre (at ``point`` when a homography is present).
    method : str
        ``"manual"``, ``"marker"`` or ``"ruler"``.
    homography : tuple of 9 floats or None
        Row-major 3x3 matrix mapping image coordinates (x = column, y = row, the
        centre of pixel (row r, column c) at (c, r)) to plane coordinates in mm.
        ``None`` means one uniform scale (no perspective correction).
    uncertainty_pct : float
        Estimated relative uncertainty of a length (1 sigma, %) at ``point``; areas carry about twice it.
    warnings : tuple of str
        Reasons to doubt this calibration.
    details : tuple of (str, value) pairs
        Method-specific facts for the record (marker ids, tick period, ruler points, ...);
        nothing outside ``calibration/`` reads them.
    reference_outline : tuple of polygons
        Where the scale reference lies in the image, each polygon a tuple of (x, y)
        pixel points: never wound, and drawn on overlays.
    reference_centre : (x, y) or None
        The reference's centre in image pixels (to warn when it is far from the wound).
    control_points : ControlPoints or None
        What the homography was fitted to; lets :meth:`uncertainty_at` re-evaluate the
        uncertainty anywhere in the photo.
    point : (x, y) or None
        The image point at which ``px_per_mm`` and ``uncertainty_pct`` hold.
    """

    px_per_mm: float
    method: str = "manual"
    homography: tuple[float, ...] | None = None
    uncertainty_pct: float = 0.0
    warnings: tuple[str, ...] = ()
    details: tuple[tuple[str, object], ...] = field(default=())
    reference_outline: tuple[tuple[tuple[float, float], ...], ...] = ()
    reference_centre: tuple[float, float] | None = None
    control_points: ControlPoints | None = field(default=None, repr=False, compare=False)
    point: tuple[float, float] | None = None

    def __post_init__(self):
        object.__setattr__(self, "px_per_mm", _check_scale(self.px_per_mm))
        if self.homography is not None:
            h = np.asarray(self.homography, dtype=float).reshape(-1)
            if h.size != 9 or not np.all(np.isfinite(h)) or abs(np.linalg.det(h.reshape(3, 3))) < 1e-18:
                raise CalibrationError(f"homography {self.homography!r} is not an invertible 3x3 matrix")
            object.__setattr__(self, "homography", tuple(float(v) for v in h))

    @classmethod
    def of_record(cls, calibration: dict) -> Calibration:
        """The image-to-plane map a result's ``calibration`` dict (as the record keeps it) describes: its
        scale and homography, enough to map points between the photo and the plane."""
        return cls(calibration["px_per_mm"], homography=calibration.get("homography"))

    @property
    def perspective_corrected(self) -> bool:
        """A homography of the whole plane: not a straight ruler's, which carries the scale along it, or
        also across it from its ticks' convergence, but cannot know the foreshortening across it."""
        return self.homography is not None and not str(dict(self.details).get("perspective", "")).startswith("along")

    @property
    def matrix(self) -> np.ndarray:
        """The 3x3 image-to-plane matrix (a pure scale when there is no homography)."""
        if self.homography is None:
            s = 1.0 / self.px_per_mm
            return np.array([[s, 0, 0], [0, s, 0], [0, 0, 1.0]])
        return np.asarray(self.homography, dtype=float).reshape(3, 3)

    def to_plane(self, xy: np.ndarray) -> np.ndarray:
        """Map image points (x, y) in pixels, shape (K, 2), to plane points in mm."""
        if self.homography is None:
            return np.asarray(xy, dtype=float).reshape(-1, 2) / self.px_per_mm
        return apply_homography(self.matrix, xy)

    def to_image(self, xy: np.ndarray) -> np.ndarray:
        """Map plane points (x, y) in mm, shape (K, 2), to image points in pixels."""
        if self.homography is None:
            return np.asarray(xy, dtype=float).reshape(-1, 2) * self.px_per_mm
        return apply_homography(np.linalg.inv(self.matrix), xy)

    def area_per_pixel(self, xy: np.ndarray) -> np.ndarray:
        """Plane area in mm^2 covered by a unit pixel at image points (x, y)."""
        if self.homography is None:
            return np.full(len(np.asarray(xy).reshape(-1, 2)), 1.0 / self.px_per_mm**2)
        return homography_area_scale(self.matrix, xy)

    def local_px_per_mm(self, x: float, y: float) -> float:
        """Pixels per millimetre at image point (x, y) (geometric mean of the two axes)."""
        return float(1.0 / math.sqrt(self.area_per_pixel(np.array([[x, y]]))[0]))

    def uncertainty_at(self, x: float, y: float) -> float:
        """Relative length uncertainty (1 sigma, %) at image point (x, y)."""
        if self.control_points is None:
            return self.uncertainty_pct
        return self.control_points.uncertainty_pct(x, y)

    def at(self, x: float, y: float) -> "Calibration":
        """The same calibration with ``px_per_mm`` and ``uncertainty_pct`` at image point (x, y)."""
        if self.homography is None:
            return self
        return replace(self, px_per_mm=self.local_px_per_mm(x, y), uncertainty_pct=self.uncertainty_at(x, y),
                       point=(float(x), float(y)))

    def reference_mask(self, shape: tuple[int, int]) -> np.ndarray | None:
        """Pixels covered by the scale reference (never wound), or None when there is none."""
        if not self.reference_outline:
            return None
        import cv2

        out = np.zeros(shape, np.uint8)
        for poly in self.reference_outline:
            cv2.fillPoly(out, [np.round(np.asarray(poly, float) * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
        return out.astype(bool)

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "px_per_mm": self.px_per_mm,
            "perspective_corrected": self.perspective_corrected,
            "uncertainty_pct": self.uncertainty_pct,
            "homography": list(self.homography) if self.homography is not None else None,
            "reference_outline": [[list(p) for p in poly] for poly in self.reference_outline],
            "reference_centre": list(self.reference_centre) if self.reference_centre is not None else None,
            "point": list(self.point) if self.point is not None else None,
            "warnings": list(self.warnings),
            "details": {k: v for k, v in self.details},
        }


def polygons(polys) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Polygons as nested tuples of (x, y) floats, the form ``Calibration.reference_outline`` holds."""
    return tuple(tuple((float(x), float(y)) for x, y in np.asarray(poly, float)) for poly in polys)


def manual_calibration(px_per_mm: float) -> Calibration:
    """A uniform scale given by the user, in pixels per millimetre."""
    scale = _check_scale(px_per_mm)
    check_photo_scale(scale, f"px_per_mm = {px_per_mm!r}")
    return Calibration(scale, method="manual", details=(("source", "px_per_mm"),))


def ruler_points_calibration(x1: float, y1: float, x2: float, y2: float, mm: float) -> Calibration:
    """ImageJ's Set Scale: two points (x = column, y = row, pixels) a known distance apart.

    Parameters
    ----------
    x1, y1, x2, y2 : float
        The two points in image pixels.
    mm : float
        The distance between them in millimetres.

    Raises
    ------
    CalibrationError
        If the points coincide or the distance is not positive.
    """
    values = [x1, y1, x2, y2, mm]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        raise CalibrationError(f"ruler points {values!r} must be finite numbers X1,Y1,X2,Y2,MM")
    mm = _check_scale(mm, what="ruler distance in mm")
    px = math.hypot(x2 - x1, y2 - y1)
    if px <= 0:
        raise CalibrationError(f"ruler points ({x1}, {y1}) and ({x2}, {y2}) coincide; pick two distinct points")
    check_photo_scale(px / mm, f"ruler points ({x1:g}, {y1:g}) to ({x2:g}, {y2:g}) over {mm:g} mm")
    warnings = ()
    if px < 50:
        warnings = (f"ruler segment is only {px:.0f} px long: a 1 px click error is {100 / px:.1f}% of scale; "
                    "use points further apart",)
    # A click is good to about half a pixel at each end.
    unc = 100.0 * math.sqrt(2) * 0.5 / px
    return Calibration(px / mm, method="manual", uncertainty_pct=unc, warnings=warnings,
                       details=(("source", "ruler_points"), ("points", [x1, y1, x2, y2]), ("mm", mm)))
