"""woundmeasure: measure wounds from photographs with a scale reference.

Public API::

    from woundmeasure import measure_image, measure_mask, Calibration, MeasureOptions

The names below load on first use (PEP 562), so ``import woundmeasure`` and the command
line start without NumPy or OpenCV; ``woundmeasure batch`` uses that time to start its workers.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "woundmeasure.batch.runner": ("run_batch",),
    "woundmeasure.calibration": ("Calibration", "manual_calibration", "ruler_points_calibration"),
    "woundmeasure.errors": ("CalibrationError", "ImageReadError", "InputError", "MaskError", "SegmentationError",
                            "WoundMeasureError"),
    "woundmeasure.measurement": ("WoundMeasurement", "measure_mask"),
    "woundmeasure.options": ("MeasureOptions",),
    "woundmeasure.pipeline": ("ImageResult", "WoundMeasureWarning", "measure_image"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = [
    "Calibration", "CalibrationError", "ImageReadError", "ImageResult", "InputError", "MaskError", "MeasureOptions",
    "SegmentationError", "WoundMeasureError", "WoundMeasureWarning", "WoundMeasurement", "__version__",
    "manual_calibration", "measure_image", "measure_mask", "ruler_points_calibration", "run_batch",
]


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'woundmeasure' has no attribute {name!r}")
    value = getattr(import_module(_MODULE_OF[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
