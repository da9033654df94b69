"""Exceptions raised by woundmeasure.

Every error names the input, the offending value and the fix. Library errors never
mention CLI flags; the CLI turns them into one-line messages at its edge.
"""


class WoundMeasureError(Exception):
    """Base class of all woundmeasure errors."""


class ImageReadError(WoundMeasureError):
    """An image file is missing, empty, truncated, too large or not an image."""


class CalibrationError(WoundMeasureError):
    """No usable scale: a bad manual scale or no reference found in the photo."""


class MaskError(WoundMeasureError):
    """A given mask or ROI cannot be used (wrong size, unreadable, empty file)."""


class SegmentationError(WoundMeasureError):
    """A segmenter is unknown, or its model cannot be loaded."""


class InputError(WoundMeasureError):
    """A malformed argument (hint, manifest row, option value)."""
