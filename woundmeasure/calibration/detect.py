"""Automatic calibration: find the scale reference in the photo."""

from __future__ import annotations

import numpy as np

from woundmeasure.calibration.record import Calibration
from woundmeasure.errors import CalibrationError

NO_SCALE_HELP = ("give a scale: pixels per mm (px_per_mm), two points on a ruler (X1,Y1,X2,Y2,MM), "
                 "or photograph the wound with an ArUco marker (DICT_4X4_50) or a printed mm ruler beside it")


def detect_calibration(rgb: np.ndarray, *, method: str = "auto", marker_mm: float = 20.0,
                       full_size: bool = True) -> Calibration:
    """Find a scale reference in the photo: ArUco markers first, then a printed mm ruler.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    method : {"auto", "marker", "ruler"}
        ``"auto"`` tries markers, then a ruler; the others use only that kind.
    marker_mm : float
        Side of the marker's black square in mm.
    full_size : bool
        Also look for a ruler's fine ticks at the photo's full size when it is larger than the working
        size (the slowest look; a check of a given scale leaves it out).

    Raises
    ------
    CalibrationError
        If no usable reference is found; the message says what was tried and how to
        give a scale instead.
    """
    from woundmeasure.calibration.marker import marker_calibration
    from woundmeasure.calibration.ruler import ruler_calibration

    if method not in ("auto", "marker", "ruler"):
        raise CalibrationError(f"unknown calibration method {method!r}; use auto, marker, ruler or manual")
    tried = []
    if method in ("auto", "marker"):
        try:
            return marker_calibration(rgb, marker_mm=marker_mm)
        except CalibrationError as exc:
            tried.append(str(exc))
    if method in ("auto", "ruler"):
        try:
            cal = ruler_calibration(rgb, full_size=full_size)
        except CalibrationError as exc:
            tried.append(str(exc))
        else:
            unused = [t for t in tried if "not used" in t]  # a marker was seen but rejected: say so
            if unused:
                from dataclasses import replace

                cal = replace(cal, warnings=cal.warnings + (f"scale from the ruler; {unused[0]}",))
            return cal
    only = "" if method == "auto" else f"; only a {method} was looked for: calibration auto looks for both"
    raise CalibrationError(f"no scale found ({'; '.join(tried)}{only}); {NO_SCALE_HELP}")
