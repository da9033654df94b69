"""What decides how a photo is measured, and which files are written for it: two frozen records.

Each entry point (the command line, a manifest row, a script, the review page) builds one
:class:`MeasureOptions` and passes it down as it is; nothing below it takes loose keyword
options. This module imports nothing heavy, so the command line can build options before
NumPy loads.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from woundmeasure.errors import CalibrationError, InputError

CALIBRATIONS = ("auto", "marker", "ruler", "manual")
DEFAULT_MAX_PIXELS = 200_000_000


def _finite(values, what: str) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise InputError(f"{what} {values!r} must be numbers") from None
    if not all(math.isfinite(v) for v in out):
        raise InputError(f"{what} {values!r} must be finite numbers")
    return out


@dataclass(frozen=True)
class MeasureOptions:
    """How one photo is measured.

    Attributes
    ----------
    calibration : {"auto", "marker", "ruler", "manual"}
        Which scale reference to detect when no manual scale is given (``auto``: markers, then a ruler).
    px_per_mm : float, optional
        Manual scale, pixels per millimetre; wins over detection.
    ruler : (x1, y1, x2, y2, mm), optional
        Manual scale from two points on a ruler (pixels, x = column, y = row) and their distance in mm.
    marker_mm : float
        Side of the ArUco marker's black square, mm.
    segmenter : str
        Registered segmenter used when no outline is given.
    box : (x, y, w, h), optional
        The wound lies inside this box (pixels).
    points : tuple of (x, y)
        Clicks inside the wound (pixels).
    background_points : tuple of (x, y)
        Clicks on what is not wound (pixels).
    mask, roi : str, optional
        A given outline: a mask image (white = wound) or an ImageJ ``.roi`` / RoiSet ``.zip``,
        or a folder of ``<stem>.png`` / ``<stem>.roi``. Outlines are not part of :meth:`key`:
        the record keys them by their content hash instead.
    max_pixels : int
        Refuse larger photos before decoding them.
    wound_gap_mm : float
        Outline regions farther apart than this on the skin plane are separate wounds.
    names : tuple of (name, x, y)
        A person's names for the wounds: the wound under each point (pixels) has that name; two
        names on one wound split it between them, one name on two wounds joins them.
    looks : tuple of (x, y, radius, area)
        Places (pixels) where a wound is expected because an earlier visit had it there, ``area``
        px² large: where the automatic outline has nothing within ``radius`` px, the model looks
        again closer (``track`` sets them for a followed wound that was not found).

    Raises
    ------
    InputError, CalibrationError
        On construction, for values that cannot be used (named, with the fix).
    """

    calibration: str = "auto"
    px_per_mm: float | None = None
    ruler: tuple[float, float, float, float, float] | None = None
    marker_mm: float = 20.0
    segmenter: str = "model"
    box: tuple[float, float, float, float] | None = None
    points: tuple[tuple[float, float], ...] = ()
    background_points: tuple[tuple[float, float], ...] = ()
    mask: str | None = None
    roi: str | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    wound_gap_mm: float = 10.0
    names: tuple[tuple[str, float, float], ...] = ()
    looks: tuple[tuple[float, float, float, float], ...] = ()

    def __post_init__(self):
        if self.calibration not in CALIBRATIONS:
            raise CalibrationError(f"unknown calibration {self.calibration!r}; use one of {', '.join(CALIBRATIONS)}")
        if self.px_per_mm is not None:
            (scale,) = _finite([self.px_per_mm], "px_per_mm")
            if scale <= 0:
                raise CalibrationError(f"px_per_mm = {self.px_per_mm!r} is not a positive scale; give pixels per mm > 0")
            from woundmeasure.calibration.record import check_photo_scale

            check_photo_scale(scale, f"px_per_mm = {self.px_per_mm!r}")
            object.__setattr__(self, "px_per_mm", scale)
        if self.ruler is not None:
            ruler = _finite(self.ruler, "ruler")
            if len(ruler) != 5:
                raise InputError(f"ruler {self.ruler!r} has {len(ruler)} numbers; give five: X1,Y1,X2,Y2,MM")
            object.__setattr__(self, "ruler", ruler)
        if self.px_per_mm is not None and self.ruler is not None:
            raise CalibrationError("give either px_per_mm or ruler points, not both")
        if self.calibration in ("marker", "ruler") and (self.px_per_mm is not None or self.ruler is not None):
            raise CalibrationError(f"calibration {self.calibration!r} asks for the {self.calibration} in the photo, but "
                                   "a manual scale is given too: leave out one of them")
        (marker_mm,) = _finite([self.marker_mm], "marker_mm")
        if marker_mm <= 0:
            raise CalibrationError(f"marker size {self.marker_mm!r} mm is not a positive length")
        object.__setattr__(self, "marker_mm", marker_mm)
        if self.box is not None:
            box = _finite(self.box, "box")
            if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
                raise InputError(f"box {self.box!r} must be X,Y,W,H with W and H > 0 (pixels)")
            object.__setattr__(self, "box", box)
        for name in ("points", "background_points"):
            try:
                points = tuple(_finite(p, name) for p in getattr(self, name))
            except TypeError:
                raise InputError(f"{name} {getattr(self, name)!r} must be a list of X,Y pairs (pixels)") from None
            if any(len(p) != 2 for p in points):
                raise InputError(f"{name} {getattr(self, name)!r} must each be X,Y (pixels)")
            object.__setattr__(self, name, points)
        if self.mask is not None and self.roi is not None:
            raise InputError("give either a mask or an ROI, not both")
        for name in ("mask", "roi"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, str(value))
        if not (isinstance(self.max_pixels, int) and self.max_pixels > 0):
            raise InputError(f"max_pixels {self.max_pixels!r} must be a positive whole number")
        (gap,) = _finite([self.wound_gap_mm], "wound_gap_mm")
        if gap <= 0:
            raise InputError(f"wound gap {self.wound_gap_mm!r} mm must be a positive distance")
        object.__setattr__(self, "wound_gap_mm", gap)
        named = []
        for entry in self.names:
            try:
                name, x, y = entry
            except (TypeError, ValueError):
                raise InputError(f"wound name {entry!r} must be (name, x, y)") from None
            if not str(name).strip():
                raise InputError(f"wound name {entry!r}: the name is empty")
            named.append((str(name).strip(), *_finite((x, y), "wound name point")))
        object.__setattr__(self, "names", tuple(named))
        looks = tuple(_finite(look, "place to look again") for look in self.looks)
        if any(len(look) != 4 or min(look[2:]) <= 0 for look in looks):
            raise InputError(f"places to look again {self.looks!r} must each be X,Y,RADIUS,AREA with RADIUS and "
                             "AREA > 0 (pixels)")
        object.__setattr__(self, "looks", looks)

    @property
    def steered(self) -> bool:
        """Whether a person gave a box or clicks."""
        return self.box is not None or bool(self.points) or bool(self.background_points)

    @property
    def outline(self) -> str | None:
        """The given outline's path (mask or ROI), if any."""
        return self.roi or self.mask

    def with_outline(self, *, mask=None, roi=None) -> "MeasureOptions":
        """The same options with this outline instead of any other."""
        return replace(self, mask=str(mask) if mask else None, roi=str(roi) if roi else None)

    def with_hints(self, *, box=None, points=(), background_points=()) -> "MeasureOptions":
        """The same options with this box and these clicks instead of any others."""
        return replace(self, box=box, points=tuple(points), background_points=tuple(background_points))

    def with_scale(self, px_per_mm: float) -> "MeasureOptions":
        """The same options with a manual scale instead of any other."""
        calibration = "auto" if self.calibration in ("marker", "ruler") else self.calibration  # the scale wins
        return replace(self, px_per_mm=px_per_mm, ruler=None, calibration=calibration)

    def key(self) -> dict:
        """What decides the result besides the photo and its outline, as plain values (for hashing)."""
        params = asdict(self)
        del params["mask"], params["roi"]
        return params


@dataclass(frozen=True)
class Outputs:
    """Which files to write for each measured photo: ``<dir>/<stem>.png`` masks, ``.roi`` outlines, ``.jpg`` overlays.

    With ``root``, a photo's files keep its folders below ``root`` (``<dir>/a/x.png`` for
    ``root/a/x.jpg``), so that photos of one name in two folders do not overwrite each other.
    """

    masks: Path | None = None
    rois: Path | None = None
    overlays: Path | None = None
    root: Path | None = None

    def __bool__(self) -> bool:
        return any((self.masks, self.rois, self.overlays))

    def below(self, images) -> Outputs:
        """These outputs for photos ``images``, their files named below the folder that holds them all."""
        folders = [os.path.dirname(os.path.abspath(p)) for p in images]
        return replace(self, root=Path(os.path.commonpath(folders))) if folders else self

    def name(self, image) -> Path:
        """The name (folders and stem, no suffix) of ``image``'s files."""
        path = Path(os.path.abspath(image))
        path = path.relative_to(self.root) if self.root is not None and path.is_relative_to(self.root) \
            else Path(path.name)
        return path.parent / path.stem

    def files(self, image) -> list[tuple[str, Path]]:
        """The files written for ``image``, each with the option that asks for it."""
        name = self.name(image)
        return [(option, Path(folder) / f"{name}{suffix}") for option, folder, suffixes in (
            ("--mask-out", self.masks, (".png",)), ("--roi-out", self.rois, (".roi", ".zip")),
            ("--overlay-out", self.overlays, (".jpg",))) if folder for suffix in suffixes]

    def overwrite_error(self, image) -> str | None:
        """Why these outputs must not be written for ``image``: one of them is the photo itself
        (``--overlay-out`` set to the photos' own folder would draw over the originals), or an overlay
        would lie among the photos (``x.jpg`` beside ``x.jpeg``: a drawing a later ``track`` measures as a
        second photo of the visit)."""
        if not Path(image).exists():
            return None
        for option, path in self.files(image):
            if path.exists() and os.path.samefile(path, image):
                return (f"{image}: {option} {path.parent} would write over the photo itself; "
                        f"give {option} another folder")
            if option == "--overlay-out" and path.parent.is_dir() and os.path.samefile(path.parent, Path(image).parent):
                return (f"{image}: {option} {path.parent} would put a drawing among the photos, measured later as "
                        f"one; give {option} another folder")
        return None
