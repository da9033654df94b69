"""Several wounds in one photo: split an outline into wound instances, and follow each across visits.

A photo's outline may hold more than one wound (the Mayo case had two scalp wounds). Regions
that lie farther apart on the skin plane than ``gap_mm`` are separate wounds; nearer
fragments, and islands of new skin inside a wound, belong to one. Across a series, each
visit's instances are matched to the wounds already labelled (A, B, ...) by their layout
on the plane: a rigid move of the whole layout (the camera and the reference move between
visits, the wounds do not move on the body) that brings the most wounds onto their last
known places. A labelled wound that is not found where it should be, inside the photo, is
*closed*; one found where no wound was is new.
"""

from __future__ import annotations

import itertools
import math
import string
from dataclasses import dataclass, field, replace

import numpy as np

from woundmeasure.calibration.record import Calibration
from woundmeasure.measurement import WoundMeasurement, measure_mask
from woundmeasure.outline import bounding_box

DEFAULT_GAP_MM = 10.0
MIN_MATCH_MM = 10.0  # a wound's centre may move this far between visits (more for large wounds)
ELONGATED = 1.5  # a wound this many times longer than wide has a long axis to turn the layout by
AMBIGUOUS = 0.25  # matches within this cost of the best are as good as it
MOVE_COST = 1e-4  # per mm of layout shift and per radian of turn: among equal matches, the least move


def split_wounds(mask: np.ndarray, *, calibration: Calibration, gap_mm: float = DEFAULT_GAP_MM) -> np.ndarray:
    """Number the separate wounds of an outline.

    Parameters
    ----------
    mask : ndarray of bool, shape (M, N)
    calibration : Calibration
        Gives the gap in pixels (at the outline's centre: under perspective the scale varies).
    gap_mm : float
        Regions nearer than this on the plane (edge to edge) are one wound.

    Returns
    -------
    ndarray of uint16, shape (M, N)
        0 off the wound, 1..n on each wound, numbered left to right by centre.
    """
    import cv2

    mask = np.asarray(mask, bool)
    labels = np.zeros(mask.shape, np.uint16)
    box = bounding_box(mask)
    if box is None:
        return labels
    centre = ((box[1].start + box[1].stop) / 2, (box[0].start + box[0].stop) / 2)
    reach_px = 0.5 * gap_mm * calibration.local_px_per_mm(*centre)
    box = bounding_box(mask, pad=int(math.ceil(reach_px)) + 1)
    crop = mask[box]
    near = cv2.distanceTransform((~crop).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= reach_px
    count, groups = cv2.connectedComponents(near.astype(np.uint8), connectivity=8)
    labels[box] = _left_to_right(np.where(crop, groups, 0))[0]
    return labels


def _left_to_right(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber the non-zero groups of an integer image 1..n by their pixels' mean column; returns the
    uint16 image and the old -> new table."""
    counts = np.bincount(groups.ravel())
    present = np.flatnonzero(counts)
    present = present[present > 0]
    cols = np.bincount(groups.ravel(), np.broadcast_to(np.arange(groups.shape[1]), groups.shape).ravel(),
                       minlength=len(counts))
    renumber = np.zeros(len(counts), np.uint16)
    renumber[present[np.argsort(cols[present] / counts[present], kind="stable")]] = np.arange(1, len(present) + 1)
    return renumber[groups], renumber


def name_wounds(labels: np.ndarray, names) -> tuple[np.ndarray, dict[int, str], tuple[str, ...]]:
    """Apply a person's wound names to a label image.

    Parameters
    ----------
    labels : ndarray of uint16
        From :func:`split_wounds`.
    names : sequence of (name, x, y)
        The wound under each point (pixels) has that name. Two names on one wound split it
        between them (each pixel goes to the nearest named point); one name on two wounds
        joins them (both are that wound).

    Returns
    -------
    (labels, names, warnings)
        The label image (renumbered left to right when a wound was split), ``{number: name}``,
        and a warning for each name that lies on no wound.
    """
    labels = labels.copy()
    by_number: dict[int, list[tuple[str, float, float]]] = {}
    warnings = []
    for name, x, y in names:
        col, row = int(round(x)), int(round(y))
        inside = 0 <= row < labels.shape[0] and 0 <= col < labels.shape[1]
        number = int(labels[row, col]) if inside else 0
        if not number:
            warnings.append(f"the wound name {name!r} at ({x:.0f}, {y:.0f}) is on no wound of the outline; ignored")
            continue
        by_number.setdefault(number, []).append((name, x, y))
    split = False
    for number, entries in list(by_number.items()):
        distinct = list(dict.fromkeys(n for n, _, _ in entries))
        if len(distinct) < 2:
            continue
        split = True
        rows, cols = np.nonzero(labels == number)
        points = np.array([[x, y] for _, x, y in entries])
        nearest = np.argmin((cols[:, None] - points[None, :, 0]) ** 2 + (rows[:, None] - points[None, :, 1]) ** 2, 1)
        first = True
        for name in distinct:
            part = np.isin(nearest, [i for i, (n, _, _) in enumerate(entries) if n == name])
            if not part.any():  # its point shares a place with another name's: it gets no pixel
                warnings.append(f"the wound name {name!r} lies where another name is; ignored")
                continue
            target = number if first else int(labels.max()) + 1
            labels[rows[part], cols[part]] = target
            by_number[target] = [(name, 0.0, 0.0)]
            first = False
    given = {number: entries[0][0] for number, entries in by_number.items()}
    if split:  # numbers left to right again, names following their wounds
        labels, renumber = _left_to_right(labels)
        given = {int(renumber[n]): name for n, name in given.items()}
    return labels, given, tuple(warnings)


@dataclass(frozen=True)
class WoundInstance:
    """One wound of a photo: its number in the photo's label image, size, and place.

    Attributes
    ----------
    number : int
        Its value in the label image (1..n, left to right).
    measurement : WoundMeasurement
        Measured on its own pixels.
    centre_px : (x, y)
        Centroid of its pixels, image px.
    centre_mm : (x, y)
        The same point on the plane, mm (the reference's frame when perspective is corrected).
    name : str or None
        Given by a person (an ImageJ RoiSet's ROI name), else None.
    warnings : tuple of str
    axis_deg : float or None
        Direction of its length on the plane (degrees in [0, 180), x toward y), a cue for
        telling wounds apart when the layout turns between visits.
    """

    number: int
    measurement: WoundMeasurement
    centre_px: tuple[float, float]
    centre_mm: tuple[float, float]
    name: str | None = None
    warnings: tuple[str, ...] = field(default=())
    axis_deg: float | None = None

    @property
    def label(self) -> str:
        """The name a person gave it, else its letter (:func:`wound_label` of its dict)."""
        return self.name or letter(self.number)

    def to_dict(self) -> dict:
        m = self.measurement.to_dict()
        m.pop("warnings")
        return {"number": self.number, "name": self.name, "centre_px": list(self.centre_px),
                "centre_mm": list(self.centre_mm), "axis_deg": self.axis_deg, **m, "warnings": list(self.warnings)}


def measure_wounds(labels: np.ndarray, *, calibration: Calibration, whole: WoundMeasurement,
                   names: dict[int, str] | None = None, band=None) -> tuple[WoundInstance, ...]:
    """Measure each numbered wound of a label image on its own (one wound: ``whole`` as it is).

    ``band``, the whole outline's (:class:`~woundmeasure.segmentation.Band`), is shared out:
    each wound keeps its own pixels of the inner band and the pixels of the outer band nearest to it.
    """
    box = bounding_box(labels > 0)
    counts = np.bincount(labels[box].ravel()) if box is not None else np.zeros(1, int)
    numbers = [n for n in np.flatnonzero(counts).tolist() if n > 0]  # counted on the wounds' pixels only
    zones = _nearest_wound(labels, band.outer) if band is not None and len(numbers) > 1 else None
    out = []
    for n in numbers:
        if len(numbers) == 1:
            m = whole
        else:
            own = labels == n
            own_band = None if zones is None else replace(band, inner=band.inner & own, outer=(zones == n) | own)
            m = measure_mask(own, calibration=calibration, band=own_band)
        rows, cols = np.nonzero(labels[box] == n)  # within the wounds' box: a photo is mostly not wound
        centre = (float(cols.mean() + box[1].start), float(rows.mean() + box[0].start))
        plane = calibration.to_plane(np.array([centre]))[0]
        axis = None
        if m.length_line is not None and m.length_mm > 0:
            (x1, y1), (x2, y2) = calibration.to_plane(np.reshape(m.length_line, (2, 2)))
            axis = math.degrees(math.atan2(y2 - y1, x2 - x1)) % 180.0
        out.append(WoundInstance(n, m, centre, (float(plane[0]), float(plane[1])), (names or {}).get(n),
                                 m.warnings, axis))
    return tuple(out)


def _nearest_wound(labels: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """For each pixel of ``outer``, the number of the nearest wound of ``labels`` (0 elsewhere)."""
    from scipy import ndimage

    out = np.zeros(labels.shape, labels.dtype)
    box = bounding_box(outer | (labels > 0))
    if box is None:
        return out
    lab = labels[box]
    _, (rows, cols) = ndimage.distance_transform_edt(lab == 0, return_indices=True)
    out[box] = np.where(outer[box], lab[rows, cols], 0)
    return out


# ---- following wounds across visits ----

@dataclass(frozen=True)
class Footprint:
    """A wound instance as matching sees it: where it is on the plane (mm) and how big."""

    number: int
    centre_mm: tuple[float, float]
    area_mm2: float
    length_mm: float
    name: str | None = None
    width_mm: float | None = None
    axis_deg: float | None = None

    @property
    def elongation(self) -> float | None:
        """Length over width (1: round), or None when unknown."""
        return self.length_mm / self.width_mm if self.width_mm and self.length_mm else None


@dataclass(frozen=True)
class Assignment:
    """What one labelled wound is in one photo.

    ``status``: ``"found"`` (its instance ``numbers``), ``"closed"`` (not found where it should be,
    inside the photo), or ``"outside"`` (where it should be lies outside the photo: not measured).
    ``note`` says how the match was made, and why it is unsure when ``unsure``. A closed wound's
    ``expected_mm`` are where it should be on this photo's plane (mm; more than one where layouts
    that match as well put it elsewhere; none where nothing in the photo tells how the layout
    turned), within ``reach_mm``: where to look for it again; its ``last_area_mm2`` is how large
    it was when last found. A found wound's ``expected_mm`` is where its last place lies on this
    photo's plane (none at its first visit), and its ``last_area_mm2`` its area there.
    """

    label: str
    status: str
    numbers: tuple[int, ...] = ()
    note: str = ""
    unsure: bool = False
    expected_mm: tuple[tuple[float, float], ...] = ()
    reach_mm: float = 0.0
    last_area_mm2: float = 0.0
    formerly: tuple[str, ...] = ()  # the letters it went by before a person named it at a later visit


@dataclass
class _Known:
    label: str
    centre: np.ndarray  # series frame, mm
    length_mm: float
    area_mm2: float
    elongation: float | None = None
    axis_deg: float | None = None  # series frame
    formerly: tuple[str, ...] = ()
    parts: np.ndarray | None = None  # where its parts were when last found (series frame, mm; None: one part)

    @property
    def reach(self) -> float:
        return max(MIN_MATCH_MM, 0.6 * self.length_mm)


def _rigid(theta: float, t: np.ndarray):
    c, s = math.cos(theta), math.sin(theta)
    R = np.array([[c, -s], [s, c]])
    return lambda p: np.asarray(p, float) @ R.T + t


def _candidates(known: list[_Known], found: list[Footprint]):
    """Rigid moves (theta, t) of this photo's layout into the series frame worth trying: each known
    wound onto each instance or the middle of two (a wound that split), an elongated known wound
    also turned so that its long axis lies along the line through the two or (when the photo
    shows one instance, so that no pair tells the turn) along the instance's own axis, either
    way round, and each pair of known wounds onto each pair of instances (of the largest few)."""
    F = sorted(found, key=lambda f: -f.area_mm2)[:6]
    C = [np.asarray(f.centre_mm, float) for f in F]
    A = [f.area_mm2 for f in F]
    P = [k.centre for k in known]
    yield 0.0, np.zeros(2)
    for k, p in zip(known, P):
        axis = k.axis_deg if k.axis_deg is not None and (k.elongation or 1) > ELONGATED else None
        for a, c in enumerate(C):
            yield 0.0, p - c
            if axis is not None and len(F) == 1 and F[a].axis_deg is not None and (F[a].elongation or 1) > ELONGATED:
                yield from _turned_onto(p, axis, c, F[a].axis_deg)
            for b in range(a + 1, len(C)):
                middle = (A[a] * c + A[b] * C[b]) / max(A[a] + A[b], 1e-9)
                yield 0.0, p - middle
                if axis is not None:
                    yield from _turned_onto(p, axis, middle, math.degrees(math.atan2(*(C[b] - c)[::-1])))
    for i, p1 in enumerate(P):
        for j, p2 in enumerate(P):
            for a, c1 in enumerate(C):
                for b, c2 in enumerate(C):
                    if i != j and a != b:
                        theta = math.atan2(*(p2 - p1)[::-1]) - math.atan2(*(c2 - c1)[::-1])
                        theta = (theta + math.pi) % (2 * math.pi) - math.pi
                        yield theta, p1 - _rigid(theta, np.zeros(2))(c1)


def _turned_onto(p: np.ndarray, axis_deg: float, c: np.ndarray, along_deg: float):
    """The two moves that bring photo point ``c`` onto series point ``p`` and direction ``along_deg``
    onto the axis ``axis_deg`` (either way round)."""
    for turn in (0.0, 180.0):
        theta = (math.radians(axis_deg - along_deg + turn) + math.pi) % (2 * math.pi) - math.pi
        yield theta, p - _rigid(theta, np.zeros(2))(c)


@dataclass(frozen=True)
class _Match:
    cost: float
    groups: dict  # known index -> (instance indices, distance of their middle from the known place, mm)
    new: tuple  # instance indices of new wounds
    move: object
    theta: float = 0.0

    def same_labels(self, other: "_Match") -> bool:
        def parts(m: "_Match") -> dict:
            return {k: frozenset(g[0]) for k, g in m.groups.items()}

        return parts(self) == parts(other)


def _score(known: list[_Known], found: list[Footprint], theta: float, t: np.ndarray) -> _Match:
    """Match this photo's instances to the known wounds under one move of its layout.

    Hungarian matching of instances to known wounds within each wound's reach (on distance
    over reach, half the log of the size change, and the change of shape: ``_shape_cost``);
    an unmatched instance within a matched wound's reach, or where one of its parts was, is a
    fragment of it. Cost: per matched wound, the distance of its parts'
    middle (area-weighted) from its last place over its reach, plus half the log of its size
    change and (when it is in one piece) its change of shape, plus 0.2 per fragment; 1 per known
    wound not found (closed) and per new wound. The layout's turn and shift cost very little:
    among equal matches, the smallest move wins.
    """
    from scipy.optimize import linear_sum_assignment

    move = _rigid(theta, t)
    raw = np.array([f.centre_mm for f in found], float).reshape(-1, 2)
    C = move(raw)
    areas = np.maximum([f.area_mm2 for f in found], 1e-3)
    P = np.array([k.centre for k in known], float).reshape(-1, 2)
    D = np.linalg.norm(P[:, None, :] - C[None, :, :], axis=2)
    reach = np.array([k.reach for k in known], float)
    before = np.maximum(np.array([k.area_mm2 for k in known], float), 1e-3)
    shape = _shape_cost(known, found, theta)
    cost = np.where(D <= reach[:, None],
                    D / reach[:, None] + 0.5 * np.abs(np.log(areas[None, :] / before[:, None])) + shape, 10.0)
    rows, cols = linear_sum_assignment(cost)
    parts = {int(r): [int(c)] for r, c in zip(rows, cols) if D[r, c] <= reach[r]}
    new = []
    for c in range(len(found)):
        if any(c in v for v in parts.values()):
            continue
        hosts = [r for r in parts if D[r, c] <= reach[r] or _near_a_part(known[r], C[c])]
        if hosts:
            parts[min(hosts, key=lambda r: D[r, c])].append(c)
        else:
            new.append(c)
    total = float(len(known) - len(parts) + len(new))
    groups = {}
    for r, cs in parts.items():
        w = areas[cs]
        middle = (C[cs] * w[:, None]).sum(0) / w.sum()
        d = float(np.hypot(*(middle - P[r])))
        total += d / reach[r] + 0.5 * abs(math.log(w.sum() / before[r])) + 0.2 * (len(cs) - 1) \
            + (shape[r, cs[0]] if len(cs) == 1 else 0.0)  # a wound in fragments has no one shape to go by
        groups[r] = (tuple(cs), d)
    moved = float(np.mean(np.linalg.norm(C - raw, axis=1))) if len(raw) else 0.0
    return _Match(total + MOVE_COST * (abs(theta) + moved), groups, tuple(new), move, theta)


def _near_a_part(k: _Known, c: np.ndarray) -> bool:
    """Whether a point (series frame) lies where one of a wound's parts was when last found: a fragment seen
    again, however far from the wound's middle."""
    return k.parts is not None and float(np.min(np.linalg.norm(k.parts - c, axis=1))) <= MIN_MATCH_MM


def _shape_cost(known: list[_Known], found: list[Footprint], theta: float) -> np.ndarray:
    """How unlike each known wound each instance is in shape: a third of the log of the change in
    elongation, and up to half for the turn of its long axis (after the layout's turn), weighed by
    how elongated both are (a round wound has no axis to go by)."""
    out = np.zeros((len(known), len(found)))
    for r, k in enumerate(known):
        for c, f in enumerate(found):
            e = f.elongation
            if k.elongation is None or e is None:
                continue
            out[r, c] = abs(math.log(e / k.elongation)) / 3
            if k.axis_deg is not None and f.axis_deg is not None:
                turn = abs((f.axis_deg + math.degrees(theta) - k.axis_deg + 90) % 180 - 90) / 90
                out[r, c] += 0.5 * turn * min(1.0, max(0.0, (min(e, k.elongation) - 1.0) / 0.5))
    return out


def _inside(point: np.ndarray, polygon: np.ndarray | None) -> bool:
    if polygon is None or len(polygon) < 3:
        return True
    import cv2

    return cv2.pointPolygonTest(np.asarray(polygon, np.float32).reshape(-1, 1, 2),
                                (float(point[0]), float(point[1])), False) >= 0


def _letters():
    """A, B, ..., Z, AA, AB, ...: labels of wounds in order of appearance."""
    for n in itertools.count(1):
        for combo in itertools.product(string.ascii_uppercase, repeat=n):
            yield "".join(combo)


def _renames(k: _Known, given: set[str], renamed: set[str], *, sure: bool) -> bool:
    """Whether a person's new name ``given`` (one word) at a later visit names known wound ``k``: only a
    wound the tool lettered (a person's own name stands), with one name, not yet given to another
    wound at this visit, on a sure match (the layout pinned by two wounds or more, near its last place,
    no rival layout): one lone wound can be moved onto any place."""
    return sure and _is_letter_label(k.label) and len(given) == 1 and not given & renamed


def _is_letter_label(name: str) -> bool:
    """Whether ``name`` is one of the labels :func:`letter` gives (A, B, ..., AA, ...)."""
    return name.isascii() and name.isalpha() and name.isupper()


def letter(number: int) -> str:
    """The label of a photo's ``number``-th wound (1: A, 2: B, ...)."""
    return next(itertools.islice(_letters(), number - 1, None))


def wound_label(wound: dict) -> str:
    """What a photo's wound (a :meth:`WoundInstance.to_dict`) is called: the name a person gave it, else its letter."""
    return wound.get("name") or letter(wound["number"])  # the same rule as WoundInstance.label


def follow_wounds(photos: list[tuple[list[Footprint], np.ndarray | None]]) -> list[list[Assignment]]:
    """Label the wounds of a series' photos (in date order) so that each label is one wound throughout.

    Parameters
    ----------
    photos : list of (footprints, frame)
        Each photo's wound instances, and its border on the plane (a (K, 2) polygon, mm; None
        when unknown). A footprint with a ``name`` (given by a person) is that wound.

    Returns
    -------
    list (one per photo) of list of Assignment
        Every wound labelled so far: found, closed or outside. Labels are A, B, ... in order of
        appearance (left to right at the first photo), or the given names.

    Notes
    -----
    The layout's frame (the reference's, on the plane) turns and shifts between visits: the
    card is laid down anew, at any angle. For each photo, the rigid moves that bring one known
    wound onto one instance (or onto the middle of two), or a pair onto a pair, are tried; the
    move whose matching costs least wins (see ``_score``). A match is unsure when its parts'
    middle lies more than half its reach from the wound's last place, or when another move
    labels differently at nearly the same cost (two wounds alike in size, placed symmetrically).
    A known wound that is not found is closed when its place lies inside the photo, and
    outside (not measured) when it does not.
    """
    letters = _letters()
    known: list[_Known] = []
    reopened: set[str] = set()
    out: list[list[Assignment]] = []
    for footprints, frame in photos:
        by_label: dict[str, Assignment] = {}
        names = {k.label for k in known}

        def decides(f):  # a person's name for a wound already known, or a letter, decides; a new word names
            return f.name and (f.name in names or _is_letter_label(f.name))  # the wound it is found to be
        for f in footprints:
            if decides(f):
                prev = by_label.get(f.name)
                by_label[f.name] = Assignment(f.name, "found", (prev.numbers if prev else ()) + (f.number,),
                                              "named by a person")
        free = [f for f in footprints if not decides(f)]
        pool = [k for k in known if k.label not in by_label]
        pins = _pins(known, [f for f in footprints if decides(f)])  # named wounds: where they are tells the move
        if pool and free:
            matches = sorted((_score(pool, free, th, t) for th, t in _candidates(pool, free)), key=lambda m: m.cost)
            best = _refitted(matches[0], pins, pool, free)
            rival = next((m for m in matches[1:] if not m.same_labels(best)), None)
            ambiguous = rival is not None and rival.cost - best.cost < AMBIGUOUS
            near = [best] + [_refitted(m, pins, pool, free) for m in matches[1:] if m.cost - best.cost < AMBIGUOUS]
            alike = [m for m in near if m.same_labels(best)]
        else:
            theta, t = _fitted_move(pins) or (0.0, np.zeros(2))
            best = _score(pool, free, theta, t) if free else _Match(0.0, {}, (), _rigid(theta, t), theta)
            ambiguous, alike, near = False, [best], [best]
        named_new = []  # footprints a person named with a new word that name no wound already known
        renamed = set()
        for r, (cs, d) in best.groups.items():
            k = pool[r]
            given = {free[c].name for c in cs if free[c].name}
            if given and _renames(k, given, renamed, sure=len(free) >= 2 and not ambiguous and d <= 0.5 * k.reach):
                # a wound the tool lettered, named at a later visit than its first: that name, at every visit
                name = given.pop()
                out = [[replace(a, label=name, formerly=a.formerly + (k.label,)) if a.label == k.label else a
                        for a in photo] for photo in out]
                reopened = {name if label == k.label else label for label in reopened}
                k.formerly, k.label = k.formerly + (k.label,), name
                renamed.add(name)
            elif given:  # not sure it is this wound: each named part is a wound of its own, as a name decides
                named_new += [free[c] for c in cs if free[c].name]
                cs = tuple(c for c in cs if not free[c].name)
                if not cs:
                    continue
            far = d > 0.5 * k.reach
            notes = [f"matched {d:.1f} mm from its last place" + (" (with a fragment)" if len(cs) > 1 else "")]
            if ambiguous:
                notes.append("another layout matches nearly as well: check the labels")
            if far:
                notes.append("far from its last place: check the label")
            if k.label in reopened:
                notes.append("it was closed before: reopened?")
                reopened.discard(k.label)
            by_label[k.label] = Assignment(k.label, "found", tuple(free[c].number for c in cs), "; ".join(notes),
                                           ambiguous or far or len(notes) > 1 and "reopened?" in notes[-1],
                                           (tuple(map(float, _inverse(best.move, k.centre))),),
                                           last_area_mm2=k.area_mm2, formerly=k.formerly)
        # new wounds, in the photo's order: each takes the next letter not in use (one named by a person
        # with a word uses up a letter, and one named by a letter holds that letter, so that naming one
        # wound leaves the others' letters as they were)
        seen = {k.label for k in known}
        arrivals = sorted([free[c] for c in best.new] + named_new
                          + [f for f in footprints if decides(f) and f.name not in seen], key=lambda f: f.number)
        for f in arrivals:
            if f.name and _is_letter_label(f.name):
                label = f.name
            else:
                label = next(letters)
                while label in seen | set(by_label):
                    label = next(letters)
            if f.name:
                label = f.name
                if not decides(f):  # a new wound a person named at this visit
                    prev = by_label.get(label)
                    by_label[label] = Assignment(label, "found", (prev.numbers if prev else ()) + (f.number,),
                                                 "named by a person")
            else:
                by_label[label] = Assignment(label, "found", (f.number,), "new" if out else "first seen")
            if label not in seen:
                seen.add(label)
                known.append(_Known(label, best.move(np.array([f.centre_mm]))[0], f.length_mm, f.area_mm2,
                                    f.elongation, _turned(f.axis_deg, best.theta)))
        prints = {f.number: f for f in footprints}
        # where a missed wound should be is known only when the layout's turn is: from two wounds,
        # or from one elongated wound's long axis (one round wound, or none, cannot tell it)
        turn_told = len(free) + len(pins) > 1 or len(free) == 1 and (free[0].elongation or 1) > ELONGATED
        for k in known:  # where each wound is now (the series frame), and which were not found
            a = by_label.get(k.label)
            if a is not None and a.status == "found":
                parts = [prints[n] for n in a.numbers]
                w = np.array([max(p.area_mm2, 1e-9) for p in parts])
                placed = best.move(np.array([p.centre_mm for p in parts]))
                k.centre = (placed * w[:, None]).sum(0) / w.sum()
                k.parts = placed if len(parts) > 1 else None
                k.length_mm = max(np.hypot(*np.subtract(p.centre_mm, q.centre_mm)) + (p.length_mm + q.length_mm) / 2
                                  for p in parts for q in parts)  # the extent of all its parts
                k.area_mm2 = float(w.sum())
                if len(parts) == 1:  # a wound in fragments has no one shape to go by
                    k.elongation, k.axis_deg = parts[0].elongation, _turned(parts[0].axis_deg, best.theta)
            elif seen_in := [m for m in near if _inside(_inverse(m.move, k.centre), frame)
                             and (m is best or not (k in pool and pool.index(k) in m.groups))]:
                # inside the photo by the likeliest layout, or by one that matches nearly as well and finds it
                # no more: a wound that should be in it was not found (closed?); only where every such layout
                # puts it off the photo is it "outside"
                places = _places(alike if seen_in[0] is best else seen_in, k) if turn_told else ()
                by_label[k.label] = Assignment(k.label, "closed", (), "not found where it was: closed? a person "
                                               "should confirm it", True, places, k.reach, k.area_mm2,
                                               formerly=k.formerly)
                reopened.add(k.label)
            else:
                by_label[k.label] = Assignment(k.label, "outside", (), "where it was lies outside this photo")
        out.append([by_label[k.label] for k in known])
    return out


def _pins(known: list[_Known], named: list[Footprint]) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each known wound a person named in a photo: (its last place in the series frame, its named
    parts' middle in the photo's, area-weighted)."""
    by_label = {k.label: k for k in known}
    parts: dict[str, list[Footprint]] = {}
    for f in named:
        if f.name in by_label:
            parts.setdefault(f.name, []).append(f)
    return [(by_label[label].centre,
             np.average([f.centre_mm for f in fs], axis=0, weights=[max(f.area_mm2, 1e-9) for f in fs]))
            for label, fs in parts.items()]


def _fitted_move(pins) -> tuple[float, np.ndarray] | None:
    """The rigid move (theta, t) that brings the named wounds' places in the photo onto their last places
    (least squares; a turn only from two or more). None without any."""
    if not pins:
        return None
    P = np.array([p for p, _ in pins], float)
    C = np.array([c for _, c in pins], float)
    theta = 0.0
    if len(pins) > 1:
        a, b = C - C.mean(0), P - P.mean(0)
        theta = math.atan2(float(np.sum(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])), float(np.sum(a * b)))
    return theta, P.mean(0) - _rigid(theta, np.zeros(2))(C.mean(0))


def _refitted(match: _Match, pins, pool: list[_Known], free: list[Footprint]) -> _Match:
    """The match with its move fitted anew to every wound it knows where it is, the named ones
    (``pins``) with the matched: a match of one round wound alone cannot tell the layout's turn, and
    the named wounds' places would otherwise be carried into the series frame unturned. Unchanged
    without named wounds."""
    if not pins:
        return match
    pairs = list(pins)
    for r, (cs, _) in match.groups.items():
        w = [max(free[c].area_mm2, 1e-9) for c in cs]
        pairs.append((pool[r].centre, np.average([free[c].centre_mm for c in cs], axis=0, weights=w)))
    theta, t = _fitted_move(pairs)
    return replace(match, move=_rigid(theta, t), theta=theta)


def _places(matches: list[_Match], k: _Known) -> tuple[tuple[float, float], ...]:
    """Where known wound ``k`` lies on a photo's plane under the first three of these moves that put it
    apart (the best first)."""
    out: list[np.ndarray] = []
    for m in matches:
        p = _inverse(m.move, k.centre)
        if all(np.hypot(*(p - q)) > 0.5 * k.reach for q in out):
            out.append(p)
        if len(out) == 3:
            break
    return tuple((float(x), float(y)) for x, y in out)


def _turned(axis_deg: float | None, theta: float) -> float | None:
    return None if axis_deg is None else (axis_deg + math.degrees(theta)) % 180.0


def _inverse(move, p: np.ndarray) -> np.ndarray:
    """The photo-frame point that ``move`` (a rigid map) sends to ``p``."""
    o = move(np.zeros((1, 2)))[0]
    R = np.column_stack([move(np.array([[1.0, 0.0]]))[0] - o, move(np.array([[0.0, 1.0]]))[0] - o])
    return np.linalg.solve(R, np.asarray(p, float) - o)
