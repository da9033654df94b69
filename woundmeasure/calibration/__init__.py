"""Scale calibration: the Calibration record, manual scales and automatic detectors."""

from woundmeasure.calibration.record import (
    Calibration,
    manual_calibration,
    ruler_points_calibration,
)

__all__ = ["Calibration", "manual_calibration", "ruler_points_calibration"]
