"""woundmeasure: measure wounds from photographs with a scale reference.

Public API::

    from woundmeasure import measure_image, measure_mask, Calibration
"""

__version__ = "0.1.0"

from woundmeasure.calibration import Calibration, manual_calibration, ruler_points_calibration  # noqa: E402
from woundmeasure.errors import (  # noqa: E402
    CalibrationError,
    ImageReadError,
    InputError,
    MaskError,
    SegmentationError,
    WoundMeasureError,
)
from woundmeasure.measurement import WoundMeasurement, measure_mask  # noqa: E402
from woundmeasure.pipeline import ImageResult, WoundMeasureWarning, measure_image  # noqa: E402

__all__ = [
    "Calibration", "CalibrationError", "ImageReadError", "ImageResult", "InputError", "MaskError",
    "SegmentationError", "WoundMeasureError", "WoundMeasureWarning", "WoundMeasurement", "__version__",
    "manual_calibration", "measure_image", "measure_mask", "ruler_points_calibration",
]
