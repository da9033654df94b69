"""What the review page works on: a series, its record, and the corrections a person makes.

No web code here: :class:`ReviewSession` measures and recalls the series (as ``track``
does), re-segments a visit from clicks and a box, keeps an accepted outline as the photo's
``<stem>.mask.png`` sidecar with its hints in ``<stem>.hints.json`` (so ``track``,
``export`` and the HTML report read the same correction), and records exclusions and
remarks in the SQLite record.
"""

from __future__ import annotations

import base64
import math
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from woundmeasure.errors import InputError, MaskError, WoundMeasureError
from woundmeasure.io import check_not_inverted
from woundmeasure.options import MeasureOptions
from woundmeasure.outline import interior_point
from woundmeasure.segmentation import Hints
from woundmeasure.series import WoundTrack, called, default_db, default_patient, track
from woundmeasure.sources import (REVIEW_MARK, PhotoSpec, hints_path, mask_path, photo_specs, write_hints,
                                  written_by_review)
from woundmeasure.store import Store
from woundmeasure.tracking import Visit


PLACE = r"0|[1-9][0-9]*"
"""A place in a list as the page writes it in a visit id (``wound-visit``): no sign, no leading zero, ASCII digits."""


class UnknownVisit(InputError):
    """A visit id the page asked for is not in the series."""


@dataclass(frozen=True)
class VisitRef:
    """Where a visit sits in the series: its wound's index and its own index."""

    wound: int
    index: int

    @property
    def id(self) -> str:
        return f"{self.wound}-{self.index}"


def _png_bytes(data_b64: str) -> bytes:
    try:
        data = base64.b64decode(data_b64, validate=True)
    except (ValueError, TypeError):
        raise MaskError("the outline is not base64-encoded PNG data") from None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise MaskError("the outline is not a PNG image")
    return data


def decode_outline(data_b64: str, shape: tuple[int, int]) -> np.ndarray:
    """A person's outline (base64 PNG, white = wound) as a bool mask of the photo's ``shape``.

    Raises
    ------
    MaskError
        If it is not a PNG, cannot be decoded, is not the photo's size, or is wound all round the
        photo's border (:func:`~woundmeasure.io.check_not_inverted`).
    """
    import cv2

    data = _png_bytes(data_b64)
    header_w, header_h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if (header_h, header_w) != tuple(shape):  # checked before decoding: no oversized allocation
        raise MaskError(f"the outline is {header_w} x {header_h} px but the photo is {shape[1]} x {shape[0]} px")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise MaskError("the outline PNG cannot be decoded")
    mask = image > 127
    check_not_inverted(mask, "the outline")
    return mask


def kept_aside(image) -> Path:
    """Where a person's own mask waits while the page's correction is in use (never read as a sidecar)."""
    image = Path(image)
    return image.with_name(image.stem + ".before-review.mask.png")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _drop_page_outline(image) -> None:
    """Remove the outline sidecars the page wrote for a photo (its mask and hints), bringing back a mask
    a person had put there before; sidecars a person wrote stay."""
    if written_by_review(image):
        mask_path(image).unlink(missing_ok=True)
        hints_path(image).unlink(missing_ok=True)
        if kept_aside(image).exists():
            os.replace(kept_aside(image), mask_path(image))


def _notes(image) -> dict:
    """A photo's ``<stem>.wounds.json`` (:func:`~woundmeasure.sources.read_wound_notes`), or none said yet."""
    from woundmeasure.sources import NO_NOTES, read_wound_notes, wounds_path

    path = wounds_path(image)
    return read_wound_notes(path) if path.exists() else NO_NOTES


def _hints_dict(box, points, background_points) -> dict:
    """Clicks and a box as the page sends and is sent them (JSON lists)."""
    return {"box": list(box) if box else None, "points": [list(p) for p in points],
            "background_points": [list(p) for p in background_points]}


def _inside(region: np.ndarray, x: float, y: float) -> bool:
    col, row = int(round(x)), int(round(y))
    return 0 <= row < region.shape[0] and 0 <= col < region.shape[1] and bool(region[row, col])


class ReviewSession:
    """A series under review.

    Parameters
    ----------
    source : folder or .csv manifest
        As for ``track``.
    db : path, optional
        The SQLite record (default: as ``track``).
    options : MeasureOptions
    patient : str, optional
    threshold_pct : float
    """

    def __init__(self, source, *, db=None, options: MeasureOptions = MeasureOptions(), patient: str | None = None,
                 threshold_pct: float = 50.0, progress=None):
        self.source = Path(source)
        self.db = Path(db) if db else default_db(self.source)
        self.options = options
        self.given_patient = patient  # None: the series' default, which must not be another series' patient
        self.patient = patient or default_patient(self.source)
        self.threshold_pct = threshold_pct
        self.lock = threading.RLock()  # one change at a time: the record and the sidecars stay consistent
        self._editing = None  # (photo file's identity, Photo, Calibration) of the photo being clicked on
        self._editing_lock = threading.Lock()
        self.tracks: list[WoundTrack] = []
        self._specs: dict[tuple[str, str], PhotoSpec] = {}
        self.refresh(progress=progress)

    def refresh(self, *, progress=None) -> None:
        """Measure what is new or changed and recall the rest (``track``)."""
        with self.lock:
            self.tracks = track(self.source, db=self.db, patient=self.given_patient, options=self.options,
                                threshold_pct=self.threshold_pct, progress=progress)
            # the patient the record holds the series under (it may continue one an earlier run named)
            self.patient = next((t.patient for t in self.tracks if t.patient), self.patient)
            try:
                specs = photo_specs(self.source)
            except WoundMeasureError:
                specs = []  # track listed the source a moment ago: a manifest changed since is read next time
            self._specs = {(str(spec.image), spec.wound): spec for spec in specs}
            self._specs.update({(str(spec.image), ""): spec for spec in reversed(specs)})  # a photo's first row

    def _spec(self, visit) -> PhotoSpec:
        """What the listing says of the visit's photo: its row of the manifest (scale, hints) with the
        sidecars beside it; a photo's own row where it is listed once per wound."""
        image = str(visit.image)
        return self._specs.get((image, visit.wound)) or self._specs.get((image, "")) or PhotoSpec(Path(image))

    def hints(self, visit_id: str) -> dict:
        """The clicks and box the visit's outline was steered by (from the manifest or ``<stem>.hints.json``):
        where the page's next click adds to them."""
        spec = self._spec(self.visit(visit_id)[1])
        return _hints_dict(spec.box, spec.points, spec.background_points)

    def _check_one_outline(self, visit) -> None:
        """Refuse to edit a photo whose wounds are each given their own outline or hints (manifest rows, or
        ``<stem>.<wound>.mask.png`` / ``.roi`` / ``.hints.json``): the page keeps one outline per photo,
        which would stand for every wound of it."""
        image = str(visit.image)
        if sum(1 for (path, wound) in self._specs if path == image and wound) > 1:
            raise InputError(f"{visit.image}: its wounds are outlined one by one (a manifest row or a "
                             "<stem>.<wound> mask, ROI or hints file each); correct that wound's own file (in "
                             "ImageJ, say): the page corrects a photo's one outline")

    def _options(self, visit) -> MeasureOptions:
        """The options the visit was measured with, but for its outline and hints: with its row's scale."""
        spec = self._spec(visit)
        return self.options.with_scale(spec.px_per_mm) if spec.px_per_mm else self.options

    def visit(self, visit_id: str) -> tuple[VisitRef, Visit]:
        """The visit with this id; :class:`UnknownVisit` if there is none."""
        found = re.fullmatch(f"({PLACE})-({PLACE})", str(visit_id), re.ASCII)  # as the page names it
        try:
            if not found:
                raise ValueError
            wound, index = int(found[1]), int(found[2])
            return VisitRef(wound, index), self.tracks[wound].stored[index]
        except (ValueError, IndexError):
            raise UnknownVisit(f"no visit {visit_id!r} in this series") from None

    def photo(self, visit_id: str):
        """The visit's upright photo (a :class:`~woundmeasure.io.Photo`)."""
        from woundmeasure.io import read_image

        _, visit = self.visit(visit_id)
        return read_image(visit.image, max_pixels=self.options.max_pixels)

    def shown(self, visit_id: str) -> np.ndarray:
        """The visit's photo as the page shows it: with the card's colour correction it was measured with."""
        from woundmeasure.color_correction import as_shown

        return as_shown(self.photo(visit_id).rgb, self.visit(visit_id)[1].result)

    def outline(self, visit_id: str) -> np.ndarray | None:
        """The outline the record keeps for the visit's photo, all its wounds: what a person corrects and
        accepts is the photo's outline. A photo that failed (no scale, say) has none in the record: its
        outline is the one the page kept for it (a mask, or the model steered by its clicks), else None."""
        from woundmeasure.io import read_mask

        _, visit = self.visit(visit_id)
        if visit.measurement_id is not None:
            with Store(self.db) as store:
                mask = store.mask(visit.measurement_id)
            if mask is not None:
                return mask
        if not written_by_review(visit.image):
            return None
        if mask_path(visit.image).is_file():
            return read_mask(mask_path(visit.image), shape=self.photo(visit_id).shape)
        hints = self.hints(visit_id)
        return self.segment(visit_id, points=hints["points"], background_points=hints["background_points"],
                            box=hints["box"])[0]

    def name_wound(self, visit_id: str, name: str) -> None:
        """Name the visit's wound (kept in ``<stem>.wounds.json`` sidecars, which ``track`` follows).

        A new name renames the wound at all its visits. The name of another wound of the series
        says that from this visit on this is that wound: it merges the two, or puts a wrong
        match right.
        """
        from woundmeasure.sources import read_wound_notes, wounds_path, write_wound_notes

        name = name.strip()
        if not name or len(name) > 40:
            raise InputError("a wound's name must be 1 to 40 characters")
        with self.lock:
            ref, visit = self.visit(visit_id)
            if not visit.measured or visit.closed:
                raise InputError(f"{visit.image}: {called(visit.wound)} is not in this photo's outline; nothing to name")
            if name == visit.wound:
                return
            renamed = name not in {t.wound for t in self.tracks}
            if renamed:  # a rename: from the wound's first visit on
                visit = next(v for v in self.tracks[ref.wound].stored if v.measured and not v.closed)
                for other in self.tracks[ref.wound].stored:  # a name a person gave before is renamed where it is
                    path = wounds_path(other.image)  # (a split's point stays: the split with it)
                    if path.exists():
                        notes = read_wound_notes(path)
                        write_wound_notes(path, names=[(name if n == other.wound else n, x, y)
                                                       for n, x, y in notes["names"]],
                                          closed=[c for c in notes["closed"] if c != other.wound] +
                                          ([name] if other.wound in notes["closed"] else []),
                                          split=[tuple(name if n == other.wound else n for n in pair)
                                                 for pair in notes["split"]])
            flags = self._flags_of(self.tracks[ref.wound]) if renamed else {}
            self._write_name(visit, name)
            self.refresh()
            if flags:  # a renamed wound keeps its exclusions and remarks
                with Store(self.db) as store:
                    for image, (excluded, remark) in flags.items():
                        row = store.find_visit(self.patient, name, image)
                        if row is not None:
                            store.set_flags(row, excluded=excluded or "", remark=remark)
                self.refresh()

    def _flags_of(self, track) -> dict:
        with Store(self.db) as store:
            out = {}
            for v in track.stored:
                row = store.find_visit(self.patient, v.wound, v.image)
                if row is not None and any(store.flags(row)):
                    out[v.image] = store.flags(row)
            return out

    def _write_name(self, visit, name: str) -> None:
        """Put ``name`` on the visit's wound in its photo's ``<stem>.wounds.json``: at the most interior
        point of each of its parts (a wound in fragments is named whole, not one fragment of it)."""
        from woundmeasure.sources import wounds_path, write_wound_notes

        from woundmeasure.io import wounds_of

        with Store(self.db) as store:
            labels = store.labels(visit.measurement_id)  # decoded once for the wound and each of its parts
        region = wounds_of(labels, visit.numbers)
        parts = [labels == n for n in visit.numbers] if len(visit.numbers) > 1 else [region]
        path = wounds_path(visit.image)
        notes = _notes(visit.image)
        names = [(n, nx, ny) for n, nx, ny in notes["names"] if not _inside(region, nx, ny)]
        names += [(name, *interior_point(part)) for part in parts if part is not None and part.any()]
        write_wound_notes(path, names=names, closed=notes["closed"], split=notes["split"])

    def split_wound(self, visit_id: str, points, name: str | None = None) -> None:
        """Split the visit's wound in two: the part around the first point keeps its name, the part around
        the second is ``name`` (default: the next free letter); each pixel goes to the nearer point."""
        from woundmeasure.sources import wounds_path, write_wound_notes
        from woundmeasure.wounds import letter

        try:
            (x1, y1), (x2, y2) = ((float(x), float(y)) for x, y in points)
        except (TypeError, ValueError):
            raise InputError("a split needs two points [[x, y], [x, y]] inside the wound") from None
        if name is not None and not isinstance(name, str):
            raise InputError("a split's name must be text")
        with self.lock:
            ref, visit = self.visit(visit_id)
            if not visit.measured or visit.closed:
                raise InputError(f"{visit.image}: {called(visit.wound)} is not in this photo's outline; nothing to split")
            with Store(self.db) as store:
                region = store.mask(visit.measurement_id, visit.numbers)
            if not (_inside(region, x1, y1) and _inside(region, x2, y2)):
                raise InputError(f"click both points inside {called(visit.wound)}'s outline to split it")
            if math.hypot(x2 - x1, y2 - y1) < 5:
                raise InputError("the two points of a split must be apart: click the middle of each wound")
            taken = {t.wound for t in self.tracks}
            name = (name or "").strip() or next(letter(n) for n in range(1, 1000) if letter(n) not in taken)
            if name == visit.wound or len(name) > 40:
                raise InputError("the new wound needs a name of 1 to 40 characters other than this one's")
            first = next(v for v in self.tracks[ref.wound].stored if v.measured and not v.closed)
            if first.image != visit.image:  # the kept part keeps its history: its name where it was first seen
                self._write_name(first, visit.wound)
            path = wounds_path(visit.image)
            notes = _notes(visit.image)
            names = [(n, x, y) for n, x, y in notes["names"] if not _inside(region, x, y)]
            write_wound_notes(path, names=names + [(visit.wound, x1, y1), (name, x2, y2)], closed=notes["closed"],
                              split=notes["split"] + ((visit.wound, name),))
            self.refresh()

    def confirm_closed(self, visit_id: str, confirmed: bool = True) -> None:
        """Confirm (or take back) that the visit's wound closed: it was not found where it was (or the layout
        puts it off the photo, where two wounds close together tell its turn poorly)."""
        from woundmeasure.sources import wounds_path, write_wound_notes

        with self.lock:
            _, visit = self.visit(visit_id)
            if not (visit.closed or visit.outside):
                raise InputError(f"{visit.image}: {called(visit.wound)} was found in this photo; it is not closed here")
            path = wounds_path(visit.image)
            notes = _notes(visit.image)
            closed = set(notes["closed"]) - {visit.wound} | ({visit.wound} if confirmed else set())
            write_wound_notes(path, names=notes["names"], closed=closed, split=notes["split"])
            self.refresh()

    def segment(self, visit_id: str, *, points=(), background_points=(), box=None
                ) -> tuple[np.ndarray, float | None]:
        """Re-segment the visit's photo from a person's clicks and box; returns (mask, area in mm^2).

        The area uses the visit's calibration (its manifest row's scale where it gives one), so the
        page can show it before accepting. It is the visit's wound's: where the photo shows several,
        the new outline's wounds that overlap this wound's saved outline or hold a click inside the
        wound (what accepting would measure for it); 0 when the clicks took this wound away. Where no
        scale is found the outline is still drawn (a person can correct it and keep it while a scale
        is sought), and the area is None.
        """
        import warnings

        from woundmeasure.calibration.record import manual_calibration
        from woundmeasure.pipeline import measure_photo

        _, visit = self.visit(visit_id)
        self._check_one_outline(visit)
        photo, calibration = self._being_edited(visit_id)
        options = self._options(visit).with_hints(box=tuple(box) if box else None, points=points,
                                                  background_points=background_points)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = measure_photo(photo, options, calibration=calibration or manual_calibration(1.0))
        return result.mask, self._wound_area(visit_id, result, points) if calibration else None

    def _wound_area(self, visit_id: str, result, points) -> float:
        _, visit = self.visit(visit_id)
        if not visit.numbers or visit.measurement_id is None:  # the photo's one wound: the outline's whole area
            return result.measurement.area_mm2
        before = None
        if not visit.closed:  # a closed wound has no saved outline here: only the clicks tell which is it
            with Store(self.db) as store:
                before = store.mask(visit.measurement_id, visit.numbers)
        labels = result.labels
        h, w = labels.shape
        ours = set(np.unique(labels[before & (labels > 0)]).tolist()) \
            if before is not None and before.shape == labels.shape else set()
        ours |= {int(labels[int(y), int(x)]) for x, y in points if 0 <= int(y) < h and 0 <= int(x) < w} - {0}
        if not ours and before is not None and before.any():
            return 0.0  # the clicks took this wound away: none of the new outline's wounds is where it was
        if not ours:  # nothing tells which of the new outline's wounds is this one (a box alone): all of them
            return result.measurement.area_mm2
        return float(sum(wd.measurement.area_mm2 for wd in result.wounds if wd.number in ours))

    def _being_edited(self, visit_id: str):
        """The photo and its calibration (None where no scale is found), read and found once for the
        clicks on one photo (the last one asked for)."""
        from woundmeasure.errors import CalibrationError
        from woundmeasure.pipeline import calibrate

        _, visit = self.visit(visit_id)
        options = self._options(visit)
        try:
            stat = os.stat(visit.image)
            key = (str(visit.image), stat.st_mtime_ns, stat.st_size, options.px_per_mm)
        except OSError:
            key = None  # gone or unreadable: read_image says so, naming the photo
        with self._editing_lock:  # not the record's lock: a click need not wait for a re-measure
            if key is None or self._editing is None or self._editing[0] != key:
                photo = self.photo(visit_id)
                try:
                    calibration = calibrate(photo.rgb, options)
                except CalibrationError:
                    calibration = None  # the outline can be corrected; its area waits for a scale
                except WoundMeasureError as exc:
                    raise type(exc)(f"{photo.path}: {exc}") from None
                self._editing = key, photo, calibration
            return self._editing[1:]

    def accept(self, visit_id: str, outline_png_b64: str, *, points=(), background_points=(), box=None) -> None:
        """Keep a person's outline as the photo's sidecar (with the hints that made it) and re-measure.

        An outline that is the model's own, as the hints steer it (no stroke of a brush changed it),
        is kept as the hints alone: re-measuring replays them, and the outline keeps the model's
        band of uncertainty rather than the one pixel of an outline a person drew. The saved outline
        accepted as it is, with its own hints, changes nothing (a closer look's outline, which the
        clicks' path does not redraw, is not turned into a drawn one).
        """
        from woundmeasure.io import encode_mask

        with self.lock:
            _, visit = self.visit(visit_id)
            self._check_one_outline(visit)
            photo = self.photo(visit_id)
            mask = decode_outline(outline_png_b64, photo.shape)
            Hints(box=box, points=tuple(points), background_points=tuple(background_points)).check(photo.shape)
            saved = self.outline(visit_id)
            given = _hints_dict(box, points, background_points)
            if saved is not None and np.array_equal(mask, saved) and given == self.hints(visit_id):
                return  # the saved outline, accepted as it is (marked as reviewed): nothing to change
            own = mask_path(visit.image)
            persons = (own.exists() and not written_by_review(visit.image)) or kept_aside(visit.image).exists()
            if not persons and np.array_equal(mask, self.segment(visit_id, points=points,
                                                                   background_points=background_points, box=box)[0]):
                _drop_page_outline(visit.image)  # the page's earlier correction goes
                if points or background_points or box:
                    write_hints(hints_path(visit.image), box=box, points=points, background_points=background_points,
                                written_by=REVIEW_MARK)
                self.refresh()
                return
            if own.exists() and not written_by_review(visit.image):  # a mask a person put there: keep it aside
                os.replace(own, kept_aside(visit.image))
            _write_atomic(own, encode_mask(mask))
            write_hints(hints_path(visit.image), box=box, points=points, background_points=background_points,
                        written_by=REVIEW_MARK)
            self.refresh()

    def reset(self, visit_id: str) -> None:
        """Put the visit's photo back to its automatic outline: remove the outline sidecars the page wrote
        (bringing back a mask a person had put there before), and re-measure. The outline is the
        photo's, so every wound of the photo gets its automatic outline back; names, splits and
        confirmed closures are decisions of their own and stay (rename, or take a closure back)."""
        with self.lock:
            _, visit = self.visit(visit_id)
            _drop_page_outline(visit.image)
            self.refresh()

    def _set_flags(self, visit_id: str, **flags) -> None:
        with self.lock:
            _, visit = self.visit(visit_id)
            with Store(self.db) as store:
                row = store.find_visit(self.patient, visit.wound, visit.image)
                if row is None:
                    raise InputError(f"{visit.image}: not in the record (an undated or missing photo); "
                                     "date it in its name or the manifest")
                store.set_flags(row, **flags)
            self.refresh()

    def exclude(self, visit_id: str, reason: str) -> None:
        """Leave a visit out of the metrics with a reason ("" includes it again)."""
        self._set_flags(visit_id, excluded=reason.strip())

    def remark(self, visit_id: str, text: str) -> None:
        """Keep a reviewer's remark with the visit."""
        self._set_flags(visit_id, remark=text.strip())
