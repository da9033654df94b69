"""Wound segmentation: segmenters registered by name.

A segmenter is a function ``f(rgb, *, hints) -> (mask, warnings)`` or ``(mask, warnings, band)``
where ``rgb`` is an (M, N, 3) uint8 photo, ``mask`` an (M, N) bool array and ``band`` a
:class:`Band`, how far the outline could be off. Register your own with
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
    looks : tuple of (x, y, radius, area)
        Places where a wound is expected (it was there at an earlier visit, ``area`` px² large):
        where nothing is outlined within ``radius`` px of one, the automatic model looks again,
        closer. Not a person's hint: the outline stays automatic.
    """

    box: tuple[float, float, float, float] | None = None
    points: tuple[tuple[float, float], ...] = ()
    background_points: tuple[tuple[float, float], ...] = ()
    exclude: np.ndarray | None = None
    looks: tuple[tuple[float, float, float, float], ...] = ()

    @property
    def steer(self) -> bool:
        """Whether a person gave any box or click."""
        return self.box is not None or bool(self.points) or bool(self.background_points)

    def check(self, shape: tuple[int, int]) -> None:
        """Raise :class:`InputError` for a box or click that lies outside a photo of ``shape``, or a
        point inside the wound that lies outside the box."""
        rows, cols = shape
        if self.box is not None:
            x, y, w, h = self.box
            if w <= 0 or h <= 0 or x >= cols or y >= rows or x + w <= 0 or y + h <= 0:
                raise InputError(f"box {self.box} (x, y, w, h) does not overlap the {cols} x {rows} px photo")
        looks = tuple((x, y) for x, y, *_ in self.looks)
        for kind, points in (("point", self.points), ("background point", self.background_points),
                             ("place to look again", looks)):
            for x, y in points:
                if not (0 <= x < cols and 0 <= y < rows):
                    raise InputError(f"{kind} ({x}, {y}) lies outside the {cols} x {rows} px photo")
        if self.box is not None:  # nothing outside the box is wound: a point inside the wound must lie in it
            x0, y0, w, h = self.box
            for x, y in self.points:
                if not (x0 <= x < x0 + w and y0 <= y < y0 + h):
                    raise InputError(f"point ({x}, {y}) inside the wound lies outside the box {self.box} (x, y, w, h): "
                                     "move the point or grow the box")


@dataclass(frozen=True)
class Band:
    """How far an outline could be off: ``inner`` <= the outline <= ``outer`` (bool masks of the photo).

    ``stretch`` widens the band's relative area range (in log area) to what the segmenter's
    errors measured on held-out photos need for a 95% interval (``benchmarks/bench_uncertainty.py``):
    the true area lies in ``[A (A_inner / A) ** stretch, A (A_outer / A) ** stretch]`` about 95%
    of the time. :meth:`boundary` is the band of an outline a person drew: one pixel either side.
    """

    inner: np.ndarray
    outer: np.ndarray
    stretch: float = 1.0
    source: str = "boundary pixel"

    @classmethod
    def boundary(cls, mask: np.ndarray) -> "Band":
        """One pixel inside and outside the outline (4-neighbours): a drawn outline's own resolution."""
        import cv2

        from woundmeasure.outline import bounding_box

        inner, outer = np.zeros(mask.shape, bool), np.zeros(mask.shape, bool)
        box = bounding_box(mask, pad=1)  # the wound and the ring around it only
        if box is None:
            return cls(inner, outer)
        cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
        m = mask[box].astype(np.uint8)
        inner[box], outer[box] = cv2.erode(m, cross, borderValue=0) > 0, cv2.dilate(m, cross) > 0
        return cls(inner, outer)

    def without(self, exclude: np.ndarray | None) -> "Band":
        """The band with ``exclude`` (the reference: never wound) taken out."""
        if exclude is None:
            return self
        return Band(self.inner & ~exclude, self.outer & ~exclude, self.stretch, self.source)


class PlacedWarning(str):
    """A segmenter's warning about one place of the photo, ``at`` (x, y px): it belongs to the wound
    there, not to every wound of the photo (``measure_photo`` gives it to the nearest one)."""

    at: tuple[float, float]

    def __new__(cls, text: str, at: tuple[float, float]):
        out = super().__new__(cls, text)
        out.at = (float(at[0]), float(at[1]))
        return out

    def __reduce__(self):  # pickled (to and from batch workers) and copied with its place
        return PlacedWarning, (str(self), self.at)


@dataclass(frozen=True)
class Outline:
    """A segmenter's answer: the mask, its warnings and its band."""

    mask: np.ndarray
    warnings: tuple[str, ...]
    band: Band


Segmenter = Callable[..., "tuple[np.ndarray, tuple[str, ...]]"]
SEGMENTERS: dict[str, Segmenter] = {}


def register_segmenter(name: str, fn: Segmenter) -> None:
    """Make ``fn(rgb, *, hints)`` available as segmenter ``name``."""
    SEGMENTERS[name] = fn


def segment(rgb: np.ndarray, *, method: str = "model", hints: Hints | None = None
            ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Outline the wound in a photo: (mask, warnings) of :func:`outline`."""
    found = outline(rgb, method=method, hints=hints)
    return found.mask, found.warnings


def outline(rgb: np.ndarray, *, method: str = "model", hints: Hints | None = None) -> Outline:
    """Outline the wound in a photo, with the band of where its edge could lie.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    method : str
        A registered segmenter: ``"model"`` (the shipped CNN) or ``"color"`` (classical).
    hints : Hints, optional

    Returns
    -------
    Outline
        ``mask`` (bool, M x N), ``warnings``, and ``band``: the segmenter's own, or one pixel
        either side of the mask for a segmenter that gives none.

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
    mask, warnings, *band = SEGMENTERS[method](rgb, hints=hints)
    if hints.exclude is not None:
        mask = mask & ~hints.exclude
    band = (band[0] if band else Band.boundary(mask)).without(hints.exclude)
    warnings = tuple(warnings)
    if method in ("model", "color") and _without_colour(rgb):  # the shipped segmenters tell wound by colour
        warnings += ("the photo has no colour (greyscale): the outline cannot be trusted; photograph in colour, "
                     "or give a mask or an ROI",)
    if not mask.any():
        warnings += ("no wound found by the segmenter: area is 0; check the photo or give a box/point hint",)
    return Outline(mask, warnings, band)


def _without_colour(rgb: np.ndarray) -> bool:
    """Whether a photo is grey (its channels equal but for JPEG's rounding), judged on every 8th pixel."""
    few = rgb[::8, ::8].astype(np.int16)
    return bool(np.abs(few[..., 0] - few[..., 1]).max() <= 2 and np.abs(few[..., 1] - few[..., 2]).max() <= 2)


def _register_builtins() -> None:
    if {"model", "color"} <= SEGMENTERS.keys():
        return
    from woundmeasure.segmentation.color import segment_color
    from woundmeasure.segmentation.model import segment_model

    SEGMENTERS.setdefault("model", segment_model)
    SEGMENTERS.setdefault("color", segment_color)


__all__ = ["Band", "Hints", "Outline", "PlacedWarning", "SEGMENTERS", "outline", "register_segmenter", "segment"]
