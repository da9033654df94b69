"""The Calibration record and the manual (ImageJ Set Scale) calibrations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from woundmeasure.errors import CalibrationError


def _check_scale(px_per_mm: float, *, what: str = "px_per_mm") -> float:
    try:
        value = float(px_per_mm)
    except (TypeError, ValueError):
        raise CalibrationError(f"{what} = {px_per_mm!r} is not a number; give pixels per millimetre, e.g. 10.5") from None
    if not math.isfinite(value) or value <= 0:
        raise CalibrationError(f"{what} = {px_per_mm!r} is not a positive finite scale; give pixels per millimetre > 0")
    return value


@dataclass(frozen=True)
class Calibration:
    """How image pixels map to millimetres on the wound plane.

    Attributes
    ----------
    px_per_mm : float
        Pixels per millimetre (at the wound when a homography is present).
    method : str
        ``"manual"``, ``"marker"`` or ``"ruler"``.
    homography : tuple of 9 floats or None
        Row-major 3x3 matrix mapping image coordinates (x = column, y = row, the
        centre of pixel (row r, column c) at (c, r)) to plane coordinates in mm.
        ``None`` means one uniform scale (no perspective correction).
    uncertainty_pct : float
        Estimated relative uncertainty of a length (1 sigma, %); areas carry about twice it.
    warnings : tuple of str
        Reasons to doubt this calibration.
    details : tuple of (str, value) pairs
        Method-specific facts (marker ids, tick period, ruler points, ...).
    """

    px_per_mm: float
    method: str = "manual"
    homography: tuple[float, ...] | None = None
    uncertainty_pct: float = 0.0
    warnings: tuple[str, ...] = ()
    details: tuple[tuple[str, object], ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "px_per_mm", _check_scale(self.px_per_mm))
        if self.homography is not None:
            h = np.asarray(self.homography, dtype=float).reshape(-1)
            if h.size != 9 or not np.all(np.isfinite(h)) or abs(np.linalg.det(h.reshape(3, 3))) < 1e-18:
                raise CalibrationError(f"homography {self.homography!r} is not an invertible 3x3 matrix")
            object.__setattr__(self, "homography", tuple(float(v) for v in h))

    @property
    def perspective_corrected(self) -> bool:
        return self.homography is not None

    @property
    def matrix(self) -> np.ndarray:
        """The 3x3 image-to-plane matrix (a pure scale when there is no homography)."""
        if self.homography is None:
            s = 1.0 / self.px_per_mm
            return np.array([[s, 0, 0], [0, s, 0], [0, 0, 1.0]])
        return np.asarray(self.homography, dtype=float).reshape(3, 3)

    def to_plane(self, xy: np.ndarray) -> np.ndarray:
        """Map image points (x, y) in pixels, shape (K, 2), to plane points in mm."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if self.homography is None:
            return xy / self.px_per_mm
        H = self.matrix
        p = xy @ H[:, :2].T + H[:, 2]
        return p[:, :2] / p[:, 2:3]

    def area_per_pixel(self, xy: np.ndarray) -> np.ndarray:
        """Plane area in mm^2 covered by a unit pixel at image points (x, y)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if self.homography is None:
            return np.full(len(xy), 1.0 / self.px_per_mm**2)
        H = self.matrix
        w = xy @ H[2, :2] + H[2, 2]
        return np.abs(np.linalg.det(H)) / np.abs(w) ** 3

    def local_px_per_mm(self, x: float, y: float) -> float:
        """Pixels per millimetre at image point (x, y) (geometric mean of the two axes)."""
        return float(1.0 / math.sqrt(self.area_per_pixel(np.array([[x, y]]))[0]))

    def at(self, x: float, y: float) -> "Calibration":
        """The same calibration with ``px_per_mm`` reported at image point (x, y)."""
        if self.homography is None:
            return self
        return Calibration(self.local_px_per_mm(x, y), self.method, self.homography, self.uncertainty_pct,
                           self.warnings, self.details)

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "px_per_mm": self.px_per_mm,
            "perspective_corrected": self.perspective_corrected,
            "uncertainty_pct": self.uncertainty_pct,
            "homography": list(self.homography) if self.homography is not None else None,
            "warnings": list(self.warnings),
            "details": {k: v for k, v in self.details},
        }


def manual_calibration(px_per_mm: float) -> Calibration:
    """A uniform scale given by the user, in pixels per millimetre."""
    return Calibration(_check_scale(px_per_mm), method="manual", details=(("source", "px_per_mm"),))


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
    warnings = ()
    if px < 50:
        warnings = (f"ruler segment is only {px:.0f} px long: a 1 px click error is {100 / px:.1f}% of scale; "
                    "use points further apart",)
    # A click is good to about half a pixel at each end.
    unc = 100.0 * math.sqrt(2) * 0.5 / px
    return Calibration(px / mm, method="manual", uncertainty_pct=unc, warnings=warnings,
                       details=(("source", "ruler_points"), ("points", [x1, y1, x2, y2]), ("mm", mm)))
