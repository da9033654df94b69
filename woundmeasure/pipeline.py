"""Photo in, measurement out: the one path that the command line, series, batch runs and scripts share.

:func:`measure_image` is the API for one photo; :func:`measure_spec` is the step every
many-photo entry point runs per photo: it reads, measures, writes the files asked for,
and returns an :class:`Outcome` (the result, or the one-line error) whatever happens.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings as _warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from woundmeasure import __version__
from woundmeasure.calibration import (
    Calibration,
    manual_calibration,
    ruler_points_calibration,
)
from woundmeasure.calibration.record import polygons
from woundmeasure.color_correction import ColorCorrection, read_card
from woundmeasure.errors import (
    CalibrationError,
    ImageReadError,
    InputError,
    MaskError,
    WoundMeasureError,
)
from woundmeasure.io import Photo, check_not_inverted, photo_from_array, read_image, read_mask
from woundmeasure.measurement import WoundMeasurement, measure_mask
from woundmeasure.options import DEFAULT_MAX_PIXELS, MeasureOptions, Outputs
from woundmeasure.quality import Quality, assess
from woundmeasure.sources import PhotoSpec, date_warning, given_date
from woundmeasure.store import RecordKey, record_key
from woundmeasure.wounds import measure_wounds, name_wounds, split_wounds


class WoundMeasureWarning(UserWarning):
    """A measurement was made but may not be trusted (its result's ``warnings`` say why)."""


@dataclass(frozen=True)
class ImageResult:
    """Everything measured on one photo.

    Attributes
    ----------
    image : str
        The photo as given.
    measurement : WoundMeasurement
    calibration : Calibration
    segmentation_method : str
        ``"mask"``, ``"roi"`` or a segmenter name (``"model"``, ``"color"``).
    warnings : tuple of str
        All reasons to doubt this result (calibration, segmentation, measurement).
    sha256 : str
    captured : datetime or None
    width_px, height_px : int
        Size of the upright photo.
    mask : ndarray of bool
        The wound mask used (not part of ``to_dict``).
    wounds : tuple of WoundInstance
        Each separate wound of the outline, numbered left to right (:mod:`woundmeasure.wounds`);
        ``measurement`` is all of them together.
    labels : ndarray of uint16
        The wounds' numbers on the photo (0 off the wound; not part of ``to_dict``).
    frame_mm : tuple of (x, y)
        The photo's border on the plane, mm (where a wound that is not found should have been).
    quality : Quality
        Photo-quality measurements at the wound (:mod:`woundmeasure.quality`); past a limit, a warning.
    photo_warnings : tuple of str
        The warnings of the photo itself (calibration, segmentation, quality), which each of its
        wounds shares; ``warnings`` adds those of the outline as a whole.
    color : ColorCorrection or None
        The white balance and exposure read from the calibration card's patches
        (:mod:`woundmeasure.color_correction`): the segmenter saw the photo so corrected, and
        every picture of it shown to a person is (:meth:`shown`). None without the card's patches.
    steered_by : str
        The clicks and box a person gave the segmenter, in words ("" when none): the outline is
        the model's, as a person steered it.
    exif_orientation : int
        The EXIF orientation the photo was turned upright by (1: stored upright): ImageJ ROIs are
        exchanged in the stored frame, as ImageJ 1.x opens the file.
    """

    image: str
    measurement: WoundMeasurement
    calibration: Calibration
    segmentation_method: str
    warnings: tuple[str, ...]
    sha256: str
    captured: dt.datetime | None
    width_px: int
    height_px: int
    mask: np.ndarray = field(repr=False, compare=False, default=None)
    wounds: tuple = ()
    labels: np.ndarray = field(repr=False, compare=False, default=None)
    frame_mm: tuple = ()
    quality: Quality = field(default_factory=Quality)
    photo_warnings: tuple[str, ...] = ()
    color: ColorCorrection | None = None
    steered_by: str = ""
    exif_orientation: int = 1

    def shown(self, rgb: np.ndarray) -> np.ndarray:
        """The photo as a person is shown it: with the card's colour correction, when there was one."""
        return rgb if self.color is None else self.color.apply(rgb)

    def to_dict(self) -> dict:
        m = self.measurement
        return {
            "image": self.image,
            "area_mm2": m.area_mm2,
            "area_cm2": m.area_cm2,
            "area_mm2_low": m.area_mm2_low,
            "area_mm2_high": m.area_mm2_high,
            "perimeter_mm": m.perimeter_mm,
            "perimeter_imagej_mm": m.perimeter_imagej_mm,
            "length_mm": m.length_mm,
            "width_mm": m.width_mm,
            "ellipse_area_mm2": m.ellipse_area_mm2,
            "num_pixels": m.num_pixels,
            "num_regions": m.num_regions,
            "touches_edge": m.touches_edge,
            "length_line": list(m.length_line) if m.length_line else None,
            "width_line": list(m.width_line) if m.width_line else None,
            "calibration": {k: v for k, v in self.calibration.to_dict().items() if k != "warnings"},
            "segmentation": {"method": self.segmentation_method, "steered_by": self.steered_by or None},
            "warnings": list(self.warnings),
            "sha256": self.sha256,
            "captured": self.captured.isoformat() if self.captured else None,
            "width_px": self.width_px,
            "height_px": self.height_px,
            "wounds": [w.to_dict() for w in self.wounds],
            "frame_mm": [list(p) for p in self.frame_mm],
            "quality": self.quality.to_dict(),
            "photo_warnings": list(self.photo_warnings),
            "color": self.color.to_dict() if self.color is not None else None,
            "woundmeasure_version": __version__,
        }


def parse_ruler(text: str) -> tuple[float, float, float, float, float]:
    """Parse ``"X1,Y1,X2,Y2,MM"`` (ImageJ Set Scale: two points and their distance in mm)."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"ruler {text!r} must be five numbers X1,Y1,X2,Y2,MM") from None
    if len(values) != 5:
        raise InputError(f"ruler {text!r} has {len(values)} numbers; give five: X1,Y1,X2,Y2,MM")
    return values  # type: ignore[return-value]


def calibrate(rgb: np.ndarray, options: MeasureOptions = MeasureOptions()) -> Calibration:
    """Choose the photo's calibration.

    A manual scale (``options.px_per_mm`` or ``options.ruler`` points) always wins (with a
    warning where a marker or ruler in the photo disagrees); otherwise the reference in the photo is detected (``options.calibration`` = ``"auto"``, ``"marker"``
    or ``"ruler"``).

    Raises
    ------
    CalibrationError
        If no scale is given and none is found.
    """
    if options.px_per_mm is not None:
        return manual_calibration(options.px_per_mm)
    if options.ruler is not None:
        rows, cols = np.asarray(rgb).shape[:2]
        x1, y1, x2, y2, _ = options.ruler
        for x, y in ((x1, y1), (x2, y2)):
            if not (0 <= x <= cols and 0 <= y <= rows):
                raise InputError(f"ruler point ({x:g}, {y:g}) lies outside the {cols} x {rows} px photo; give two "
                                 "points on the photo's ruler (x = column, y = row)")
        return ruler_points_calibration(*options.ruler)
    if options.calibration == "manual":
        raise CalibrationError("manual calibration needs a scale: px_per_mm, or ruler points X1,Y1,X2,Y2,MM")
    from woundmeasure.calibration.detect import detect_calibration

    return detect_calibration(rgb, method=options.calibration, marker_mm=options.marker_mm)


REFERENCE_DISAGREES = 0.1  # a given scale this far (relative) from a marker's or ruler's in the same photo is questioned


def _against_reference(given: Calibration, rgb: np.ndarray, marker_mm: float, at) -> Calibration:
    """A person's scale, with a warning where a marker or ruler in the photo gives another at the wound
    (``at``, image px; where the reference lies when None): a scale typed wrong, or taken from another
    photo, would otherwise make every area silently wrong. Compared at the wound, as the measurement is:
    under perspective the reference's own scale differs from the wound's."""
    from woundmeasure.calibration.detect import detect_calibration

    try:
        found = detect_calibration(rgb, marker_mm=marker_mm, full_size=False)  # a check: the quicker looks
    except CalibrationError:
        return given
    there = found.at(*at) if at is not None else found
    off = there.px_per_mm / given.px_per_mm - 1
    if abs(off) <= REFERENCE_DISAGREES:
        return given
    what = f"a {marker_mm:g} mm marker" if found.method == "marker" else f"a {found.method}"
    return replace(given, warnings=given.warnings + (
        f"{what} in the photo gives {there.px_per_mm:.2f} px/mm at the wound, {100 * off:+.0f}% "
        f"from the scale given ({given.px_per_mm:.2f} px/mm): check the scale, or leave it out to use the {found.method}",))


def _given_mask(image: str, path, shape, orientation: int = 1) -> tuple[np.ndarray, tuple[str, ...]]:
    """A person's mask of the upright photo, and what to say of it. A photo stored sideways (EXIF orientation
    5-8) whose mask has the stored frame's size was drawn as ImageJ 1.x shows it (ignoring the orientation):
    it is turned upright, and said. A photo stored upside down or mirrored (2-4) cannot tell the frames
    apart by size: the mask is read as upright, and the doubt said."""
    from woundmeasure.io import upright_frame

    path = Path(path)
    if path.is_dir():
        candidate = path / (Path(image).stem + ".png")
        if not candidate.is_file():
            raise MaskError(f"mask folder {path}: has no {candidate.name} for {image}; "
                            "name masks <image stem>.png")
        path = candidate
    stored = (shape[1], shape[0]) if orientation in (5, 6, 7, 8) and shape[0] != shape[1] else None
    mask = read_mask(path, shape=shape, or_shape=stored)
    if mask.shape == stored:
        return upright_frame(mask, orientation), (
            f"mask {path.name} has the size of the photo as stored (EXIF orientation {orientation}, as ImageJ "
            "1.x shows it): turned upright with the photo",)
    if orientation in (2, 3, 4) or (orientation in (5, 6, 7, 8) and shape[0] == shape[1]):  # either frame fits
        how = "upside down" if orientation == 3 else "turned" if orientation > 4 else "mirrored"
        return mask, (f"the photo is stored {how} (EXIF orientation {orientation}): mask {path.name} is read as "
                      "drawn on the upright photo; one drawn in ImageJ 1.x (which shows it as stored) lies wrong: "
                      "check the outline, or give an ImageJ ROI",)
    return mask, ()


def _given_roi(image: str, path, shape, orientation: int = 1) -> tuple[np.ndarray, tuple | None]:
    """A person's ROI outline; a RoiSet of several ROIs also numbers its wounds, one per ROI, left to right.

    The ROI lies on the photo as ImageJ 1.x opens it, in the frame its pixels are stored in: a photo
    stored sideways with an EXIF orientation is turned upright here, ROI with it."""
    from woundmeasure.io import upright_frame
    from woundmeasure.roi import read_roi_set

    path = Path(path)
    if path.is_dir():
        found = [c for c in (path / (Path(image).stem + s) for s in (".roi", ".zip")) if c.is_file()]
        if not found:
            raise MaskError(f"ROI folder {path}: has no {Path(image).stem}.roi or .zip for {image}")
        path = max(found, key=lambda c: c.stat().st_mtime_ns)  # the newer, where an earlier run left the other
    stored = shape if orientation in (1, 2, 3, 4) else (shape[1], shape[0])
    rois = [(name, upright_frame(m, orientation)) for name, m in read_roi_set(path, shape=stored) if m.any()]
    rois.sort(key=lambda r: np.nonzero(r[1])[1].mean())  # numbered left to right, as split_wounds numbers
    mask = np.zeros(shape, bool)
    for _, m in rois:
        mask |= m
    if len(rois) < 2:  # one outline: its name (ImageJ's, or the photo's stem) is not a wound's
        return mask, None
    labels = np.zeros(shape, np.uint16)
    names = {}
    for n, (name, m) in enumerate(rois, start=1):  # where ROIs overlap, the later one takes the pixel
        labels[m] = n
        if name:
            names[n] = name
    return mask, (labels, names)


def _outline(photo: Photo, options: MeasureOptions, calibration: Calibration, mask):
    """The wound mask, how it was obtained, the segmenter's warnings, (labels, names) when a person
    numbered the wounds (a RoiSet with one ROI per wound) else None, and the segmenter's band (None
    for an outline a person gave: one pixel either side)."""
    shape = photo.shape
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != tuple(shape):
            raise MaskError(f"mask for {photo.path}: is an array of shape {mask.shape} but the photo is "
                            f"{shape[0]} rows x {shape[1]} columns; give a 2-D mask of the photo's size")
        mask = mask.astype(bool)
        check_not_inverted(mask, f"mask for {photo.path}")
        return mask, "mask", (), None, None
    if options.mask is not None:
        given, said = _given_mask(photo.path, options.mask, shape, photo.exif_orientation)
        return given, "mask", said, None, None
    if options.roi is not None:
        wound, numbered = _given_roi(photo.path, options.roi, shape, photo.exif_orientation)
        return wound, "roi", (), numbered, None
    from woundmeasure.segmentation import Hints, outline

    hints = Hints(box=options.box, points=options.points, background_points=options.background_points,
                  exclude=calibration.reference_mask(shape), looks=options.looks)
    found = outline(photo.rgb, method=options.segmenter, hints=hints)
    return found.mask, options.segmenter, found.warnings, None, found.band


MIN_SIDE_PX = 32  # a photo narrower than this holds no wound and reference that can be measured


def measure_photo(photo: Photo, options: MeasureOptions = MeasureOptions(), *,
                  calibration: Calibration | None = None, mask: np.ndarray | None = None) -> ImageResult:
    """Measure an already-read :class:`~woundmeasure.io.Photo`.

    ``calibration`` and ``mask`` (bool, the photo's shape), when given, are used as they are
    instead of what ``options`` would find. Every error names the photo; every reason to
    doubt the result is in its ``warnings`` and is also emitted as a :class:`WoundMeasureWarning`.
    """
    if min(photo.rgb.shape[:2]) < MIN_SIDE_PX:
        rows, cols = photo.rgb.shape[:2]
        raise ImageReadError(f"{photo.path}: is {cols} x {rows} px, too small to measure a wound in (at least "
                             f"{MIN_SIDE_PX} px a side); give the photo as the camera took it")
    person_scale = calibration is None and (options.px_per_mm is not None or options.ruler is not None)
    try:
        if calibration is None:
            calibration = calibrate(photo.rgb, options)
        color = read_card(photo.rgb, calibration)
        seen = photo
        if color is not None:  # the segmenter sees the corrected photo; nothing on the card is wound
            seen = replace(photo, rgb=color.apply(photo.rgb))
            calibration = replace(calibration, reference_outline=calibration.reference_outline
                                  + polygons([color.card_outline]))
        wound, method, seg_warnings, numbered, band = _outline(seen, options, calibration, mask)
        measurement = measure_mask(wound, calibration=calibration, band=band)
    except WoundMeasureError as exc:
        if photo.path in str(exc):
            raise
        raise type(exc)(f"{photo.path}: {exc}") from None
    centre = _wound_centre(measurement)
    if person_scale:
        calibration = _against_reference(calibration, photo.rgb, options.marker_mm, centre)
    if centre is not None:
        calibration = calibration.at(*centre)  # scale and uncertainty vary under perspective: report them here
        measurement = measurement.with_length_uncertainty(calibration.uncertainty_pct)
    labels, names = numbered or (split_wounds(wound, calibration=calibration, gap_mm=options.wound_gap_mm), {})
    name_warnings = ()
    if options.names:
        labels, given, name_warnings = name_wounds(labels, options.names)
        names = {**names, **given}
    wounds = measure_wounds(labels, calibration=calibration, whole=measurement, names=names, band=band)
    placed = _owners([x for x in seg_warnings if getattr(x, "at", None) is not None], wounds, labels)
    wounds = tuple(replace(w, warnings=tuple(dict.fromkeys(w.warnings + _distance_warning(
                       calibration, w.centre_px, photo.shape) + placed.get(w.number, ()))))
                   for w in wounds)
    quality = assess(photo.rgb, wound, calibration, centre=centre)
    owned = {x for said in placed.values() for x in said}
    photo_warnings = tuple(dict.fromkeys(calibration.warnings + tuple(str(x) for x in seg_warnings if x not in owned)
                                         + name_warnings + quality.problems()))  # of the photo, whichever wound is read
    all_warnings = tuple(dict.fromkeys(photo_warnings + measurement.warnings
                                       + _distance_warning(calibration, centre, photo.shape)))
    if len(wounds) == 1:
        all_warnings += tuple(x for x in placed.get(wounds[0].number, ()) if x not in all_warnings)
    if len(wounds) > 1:
        all_warnings += tuple(f"wound {w.label}: {x}" for w in wounds for x in w.warnings
                              if x not in all_warnings)  # named as the rows of the wounds are
    for w in all_warnings:
        _warnings.warn(f"{photo.path}: {w}", WoundMeasureWarning, stacklevel=2)
    h, w_ = photo.shape
    frame = calibration.to_plane(np.array([[0, 0], [w_, 0], [w_, h], [0, h]], float) - 0.5)
    return ImageResult(image=photo.path, measurement=measurement, calibration=calibration,
                       segmentation_method=method, warnings=all_warnings, sha256=photo.sha256,
                       captured=photo.captured, width_px=w_, height_px=h, mask=wound, wounds=wounds,
                       labels=labels, frame_mm=tuple(map(tuple, frame.tolist())), quality=quality,
                       photo_warnings=photo_warnings, color=color,
                       steered_by=_steering(options) if method not in ("mask", "roi") else "",
                       exif_orientation=photo.exif_orientation)


def _owners(placed, wounds, labels: np.ndarray) -> dict[int, tuple[str, ...]]:
    """Each warning about a place (:class:`~woundmeasure.segmentation.PlacedWarning`), as plain text,
    under the number of the wound there, else of the wound whose middle is nearest: what a closer look
    found there is that wound."""
    out: dict[int, tuple[str, ...]] = {}
    for x in placed:
        col, row = (int(round(v)) for v in x.at)
        inside = labels[row, col] if 0 <= row < labels.shape[0] and 0 <= col < labels.shape[1] else 0
        number = int(inside) or (min(wounds, key=lambda w: math.dist(w.centre_px, x.at)).number if wounds else 0)
        if number:
            out[number] = out.get(number, ()) + (str(x),)
    return out


def _steering(options: MeasureOptions) -> str:
    """What a person gave the segmenter, in words ("2 clicks inside the wound, a box"); "" for nothing."""
    def count(n, what):
        return f"{n} {what}" if n != 1 else f"1 {what.replace('clicks', 'click')}"

    said = [count(len(options.points), "clicks inside the wound")] * bool(options.points)
    said += [count(len(options.background_points), "clicks on what is not wound")] * bool(options.background_points)
    said += ["a box"] * (options.box is not None)
    return ", ".join(said)


def _wound_centre(measurement: WoundMeasurement) -> tuple[float, float] | None:
    """The middle of the wound's length line (image px), or None without a wound."""
    if not measurement.num_pixels or measurement.length_line is None:
        return None
    x1, y1, x2, y2 = measurement.length_line
    return (x1 + x2) / 2, (y1 + y2) / 2


def _distance_warning(calibration: Calibration, wound_centre, shape) -> tuple[str, ...]:
    centre = calibration.reference_centre
    if centre is None or wound_centre is None:
        return ()
    dist_px = float(np.hypot(wound_centre[0] - centre[0], wound_centre[1] - centre[1]))
    diag = float(np.hypot(*shape))
    if dist_px > 0.4 * diag:
        return (f"the scale reference is far from the wound ({dist_px:.0f} px, {100 * dist_px / diag:.0f}% of the "
                "photo's diagonal): if the skin curves, the scale at the wound differs; place it next to the wound",)
    return ()


def measure_image(image, *, calibration: Calibration | None = None, calibration_method: str = "auto",
                  px_per_mm: float | None = None, ruler=None, marker_mm: float = 20.0, mask=None, roi=None,
                  segmenter: str = "model", box=None, points=(), background_points=(),
                  wound_gap_mm: float = 10.0, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageResult:
    """Measure the wound in one photo.

    Parameters
    ----------
    image : str, Path or ndarray
        A photo file (JPEG, PNG, TIFF, HEIC) or an RGB array (``cv2.imread`` gives BGR: convert it with
        ``cv2.cvtColor(a, cv2.COLOR_BGR2RGB)``; red and blue swapped shift the outline, -28% in one trial).
    calibration : Calibration, optional
        Use this calibration as it is.
    calibration_method : {"auto", "marker", "ruler", "manual"}
        Which reference to detect when no manual scale is given.
    px_per_mm : float, optional
        Manual scale in pixels per millimetre.
    ruler : str or (x1, y1, x2, y2, mm), optional
        Manual scale from two points on a ruler (ImageJ's Set Scale).
    marker_mm : float
        Side of the ArUco marker's black square, mm (default 20).
    mask : path or ndarray, optional
        A given wound mask (white = wound), or a folder of ``<stem>.png`` masks.
    roi : path, optional
        An ImageJ ``.roi`` / RoiSet ``.zip``, or a folder of ``<stem>.roi``.
    segmenter : str
        Registered segmenter used when neither mask nor ROI is given (default ``"model"``).
    box : (x, y, w, h), optional
        The wound lies inside this box (pixels).
    points : sequence of (x, y), optional
        Clicks inside the wound (pixels).
    background_points : sequence of (x, y), optional
        Clicks on what is not wound (pixels).
    wound_gap_mm : float
        Outline regions farther apart than this on the skin are separate wounds (default 10 mm).
    max_pixels : int
        Refuse larger photos (default 200 MP).

    Returns
    -------
    ImageResult

    Raises
    ------
    WoundMeasureError
        ImageReadError, CalibrationError, MaskError, SegmentationError or InputError, each
        naming the input and the fix.

    Examples
    --------
    >>> from woundmeasure import measure_image
    >>> from woundmeasure.synthetic import make_phantom
    >>> phantom = make_phantom(1, width=640, height=480, px_per_mm=4.0, wound_radius_mm=10)
    >>> result = measure_image(phantom.rgb, mask=phantom.mask)  # found by its marker
    >>> abs(result.measurement.area_mm2 / phantom.area_mm2 - 1) < 0.03
    True
    """
    if isinstance(ruler, str):
        ruler = parse_ruler(ruler)
    given = mask if isinstance(mask, np.ndarray) else None
    options = MeasureOptions(calibration=calibration_method, px_per_mm=px_per_mm, ruler=ruler, marker_mm=marker_mm,
                             segmenter=segmenter, box=None if box is None else tuple(box),
                             points=() if points is None else tuple(map(tuple, points)),
                             background_points=() if background_points is None else tuple(map(tuple, background_points)),
                             mask=None if given is not None else mask, roi=roi, wound_gap_mm=wound_gap_mm,
                             max_pixels=max_pixels)
    photo = photo_from_array(image) if isinstance(image, np.ndarray) else read_image(image, max_pixels=max_pixels)
    return measure_photo(photo, options, calibration=calibration, mask=given)


@dataclass(frozen=True)
class Outcome:
    """What one step of a many-photo run produced for one photo: a result or a one-line error.

    Attributes
    ----------
    spec : PhotoSpec
        The photo and what was known of it beforehand (wound, date, note).
    options : MeasureOptions
        The options the photo was measured with (its own scale and outline applied).
    key : RecordKey
        Photo hash, options hash and outline hash: what the records skip on.
    result : ImageResult or None
    error : str or None
        One line naming the file and the fix.
    exception : BaseException or None
        The exception behind ``error``, for ``--debug`` tracebacks.
    """

    spec: PhotoSpec
    options: MeasureOptions
    key: RecordKey
    result: ImageResult | None = None
    error: str | None = None
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    def row(self) -> dict:
        """The record row: the photo, its wound and date, then the result's fields or the error, then the key."""
        spec = self.spec
        row = {"image": str(spec.image), "path": str(Path(spec.image).resolve()), "wound": spec.wound,
               "date": spec.date.isoformat() if spec.date else None}
        if self.result is not None:
            row = dated({**row, **self.result.to_dict()}, spec)
        else:
            row["error"] = self.error
        row.update(sha256=self.key.sha256 or f"missing:{spec.image}", params_key=self.key.params_key)
        return row


def dated(row: dict, spec: PhotoSpec) -> dict:
    """A measured photo's record row as ``spec`` now gives the photo (its path as typed, wound, visit
    date), with ``date_warning`` where the camera's capture date tells another day
    (:func:`~woundmeasure.sources.date_warning`): a date corrected in a manifest reaches the batch's
    CSVs without measuring the photo again. The capture date is the row's own (the file is not read again)."""
    captured = row.get("captured")
    date = given_date(spec) or (dt.datetime.fromisoformat(captured).date() if captured else None)
    return {**row, "image": str(spec.image), "wound": spec.wound, "date": date.isoformat() if date else None,
            "date_warning": date_warning(date, row.get("captured"), spec.image.name)}


def measure_spec(spec: PhotoSpec, options: MeasureOptions, *, outputs: Outputs = Outputs(),
                 key: RecordKey | None = None, strict: bool = False) -> Outcome:
    """Read, measure and write the outputs of one photo; never raises for a bad photo.

    The step that ``measure``, ``track``, ``batch`` and the review page run per photo. Python
    warnings are not emitted (they are in the result); a failure of any kind becomes the
    outcome's one-line error, so that one bad file never stops the others. ``strict``: a photo
    that fails a quality check (:mod:`woundmeasure.quality`) is refused, and none of its files
    is written.
    """
    options = spec.options_for(options)
    key = key or record_key(spec.image, options)  # a caller that checked its record already has it
    if spec.problem:
        return Outcome(spec, options, key, error=spec.problem)
    if outputs and (clash := outputs.overwrite_error(spec.image)):
        return Outcome(spec, options, key, error=clash)
    try:
        photo = read_image(spec.image, max_pixels=options.max_pixels)
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore", WoundMeasureWarning)
            result = measure_photo(photo, options)
        problems = result.quality.problems()
        if strict and problems:
            return Outcome(spec, options, key, error=f"{spec.image}: refused (--strict): {problems[0]}")
        if outputs:
            write_outputs(result, result.shown(photo.rgb), outputs)
    except WoundMeasureError as exc:
        return Outcome(spec, options, key, error=str(exc), exception=exc)
    except OSError as exc:
        return Outcome(spec, options, key, error=f"{spec.image}: {exc}", exception=exc)
    except Exception as exc:  # noqa: BLE001 - one photo's unexpected failure must not stop the others
        return Outcome(spec, options, key, error=f"{spec.image}: unexpected {type(exc).__name__}: {exc}", exception=exc)
    return Outcome(spec, options, key, result=result)


def write_outputs(result: ImageResult, rgb: np.ndarray, outputs: Outputs) -> None:
    """Write the mask, ImageJ ROI and overlay files asked for, named after the photo (:meth:`Outputs.name`)."""
    from woundmeasure.io import write_mask, write_rgb

    name = outputs.name(result.image)
    if outputs.masks:
        write_mask(Path(outputs.masks) / f"{name}.png", result.mask)
    if outputs.rois and result.mask.any():
        from woundmeasure.io import stored_frame
        from woundmeasure.roi import write_roi, write_roi_set

        # several: a RoiSet, each wound its own ROI under the name a person gave it; not under this photo's
        # letters, which read back would claim which wound of a series each is
        several = len(result.wounds) > 1
        (Path(outputs.rois) / f"{name}.{'roi' if several else 'zip'}").unlink(missing_ok=True)  # an earlier run's
        if several:
            write_roi_set(Path(outputs.rois) / f"{name}.zip",
                          [(w.name, stored_frame(result.labels == w.number, result.exif_orientation))
                           for w in result.wounds])
        else:  # in the frame ImageJ opens the photo in (the stored one: it ignores the EXIF orientation)
            write_roi(Path(outputs.rois) / f"{name}.roi", stored_frame(result.mask, result.exif_orientation),
                      name=name.name)
    if outputs.overlays:
        from woundmeasure.report.overlay import draw_overlay

        write_rgb(Path(outputs.overlays) / f"{name}.jpg", draw_overlay(rgb, result))
