"""Wound segmentation: segmenters registered by name.

A segmenter is a function ``f(rgb, *, hints) -> (mask, warnings)`` where ``rgb`` is an
(M, N, 3) uint8 photo and ``mask`` an (M, N) bool array. Register your own with
:func:`register_segmenter` and choose it by name (``--segmenter NAME``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from woundmeasure.errors import InputError, SegmentationError


@dataclass(frozen=True)
class Hints:
    """What a person says about where the wound is.

    Attributes
    ----------
    box : (x, y, w, h) or None
        The wound lies inside this rectangle (image pixels, x = column, y = row).
    points : tuple of (x, y)
        Clicks inside the wound.
    background_points : tuple of (x, y)
        Clicks on what is not wound (skin, a dressing, the reference).
    exclude : ndarray of bool or None
        Pixels that are never wound (e.g. the scale reference).
    """

    box: tuple[float, float, float, float] | None = None
    points: tuple[tuple[float, float], ...] = ()
    background_points: tuple[tuple[float, float], ...] = ()
    exclude: np.ndarray | None = None

    @property
    def steer(self) -> bool:
        """Whether a person gave any box or click."""
        return self.box is not None or bool(self.points) or bool(self.background_points)

    def check(self, shape: tuple[int, int]) -> None:
        """Raise :class:`InputError` for a box or click that lies outside a photo of ``shape``."""
        rows, cols = shape
        if self.box is not None:
            x, y, w, h = self.box
            if w <= 0 or h <= 0 or x >= cols or y >= rows or x + w <= 0 or y + h <= 0:
                raise InputError(f"box {self.box} (x, y, w, h) does not overlap the {cols} x {rows} px photo")
        for kind, points in (("point", self.points), ("background point", self.background_points)):
            for x, y in points:
                if not (0 <= x < cols and 0 <= y < rows):
                    raise InputError(f"{kind} ({x}, {y}) lies outside the {cols} x {rows} px photo")


Segmenter = Callable[..., "tuple[np.ndarray, tuple[str, ...]]"]
SEGMENTERS: dict[str, Segmenter] = {}


def register_segmenter(name: str, fn: Segmenter) -> None:
    """Make ``fn(rgb, *, hints)`` available as segmenter ``name``."""
    SEGMENTERS[name] = fn


def segment(rgb: np.ndarray, *, method: str = "model", hints: Hints | None = None
            ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Outline the wound in a photo.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    method : str
        A registered segmenter: ``"model"`` (the shipped CNN) or ``"color"`` (classical).
    hints : Hints, optional

    Returns
    -------
    mask : ndarray of bool, shape (M, N)
    warnings : tuple of str

    Raises
    ------
    SegmentationError
        If ``method`` is not registered.
    """
    _register_builtins()
    if method not in SEGMENTERS:
        raise SegmentationError(f"unknown segmenter {method!r}; choose one of {sorted(SEGMENTERS)}")
    hints = hints or Hints()
    hints.check(rgb.shape[:2])
    mask, warnings = SEGMENTERS[method](rgb, hints=hints)
    if hints.exclude is not None:
        mask = mask & ~hints.exclude
    warnings = tuple(warnings)
    if not mask.any():
        warnings += ("no wound found by the segmenter: area is 0; check the photo or give a box/point hint",)
    return mask, warnings


def _register_builtins() -> None:
    if {"model", "color"} <= SEGMENTERS.keys():
        return
    from woundmeasure.segmentation.color import segment_color
    from woundmeasure.segmentation.model import segment_model

    SEGMENTERS.setdefault("model", segment_model)
    SEGMENTERS.setdefault("color", segment_color)


__all__ = ["Hints", "SEGMENTERS", "register_segmenter", "segment"]
