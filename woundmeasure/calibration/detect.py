"""Automatic calibration: find the scale reference in the photo."""

from __future__ import annotations

import numpy as np

from woundmeasure.calibration.record import Calibration
from woundmeasure.errors import CalibrationError

NO_SCALE_HELP = ("give a scale: pixels per mm (px_per_mm), two points on a ruler (ruler=X1,Y1,X2,Y2,MM), "
                 "or photograph the wound with an ArUco marker or a printed mm ruler beside it")


def detect_calibration(rgb: np.ndarray, *, method: str = "auto", marker_mm: float = 20.0) -> Calibration:
    """Find a scale reference (ArUco marker, then printed ruler) in the photo.

    Raises
    ------
    CalibrationError
        If no usable reference is found.
    """
    if method not in ("auto", "marker", "ruler"):
        raise CalibrationError(f"unknown calibration method {method!r}; use auto, marker, ruler or manual")
    raise CalibrationError(f"no scale reference detection is available yet; {NO_SCALE_HELP}")
