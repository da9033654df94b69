"""Measure a wound's photo series with a lasting record: the engine behind ``woundmeasure track``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from woundmeasure import __version__
from woundmeasure.errors import InputError
from woundmeasure.options import MeasureOptions
from woundmeasure.pipeline import measure_spec
from woundmeasure.sources import (NO_PHOTOS, PhotoSpec, date_warning, no_date_error, photo_specs,
                                  photo_subfolders, visit_date)
from woundmeasure.store import Store, StoredMeasurement, file_sha256, record_key
from woundmeasure.tracking import SeriesSummary, Visit, VisitMetrics, analyse_series, check_threshold


@dataclass(frozen=True)
class WoundTrack:
    """One wound's visits (in date order), their metrics and summary, and the record that holds them."""

    wound: str
    visits: list[VisitMetrics]
    summary: SeriesSummary
    stored: list[Visit]
    db: Path
    patient: str | None = None  # the patient the record holds it under

    def to_dict(self) -> dict:
        return {"wound": self.wound, "visits": [v.to_dict() for v in self.visits], "summary": self.summary.to_dict()}


def wound_view(result: dict, numbers) -> dict:
    """A photo's result as one of its wounds sees it: that wound's numbers (the result as it is when
    ``numbers`` is empty or all of them; a sum where a wound is several numbered regions)."""
    wounds = {w["number"]: w for w in result.get("wounds") or ()}
    numbers = tuple(numbers or ())
    if not numbers or set(numbers) >= set(wounds) and len(wounds) < 2:
        return result
    if set(numbers) >= set(wounds):  # every outlined region of the photo, as parts of this one wound
        return {**result, "wounds": [], "numbers": list(numbers)}
    parts = [wounds[n] for n in numbers]
    largest = max(parts, key=lambda w: w["area_mm2"])
    # its own length and width lines (the largest part's, whose length it reports); none from a record
    # made before wounds kept them, rather than the whole photo's lines across the other wounds. It is
    # one wound: no list of the photo's wounds (an overlay would draw each part as a wound of its own)
    out = {**result, "length_line": None, "width_line": None, **largest, "wounds": []}
    if len(parts) > 1:
        for k in ("area_mm2", "area_cm2", "num_pixels", "perimeter_mm", "ellipse_area_mm2"):
            out[k] = sum(w[k] for w in parts)
        # an older record kept no count for its wounds: one each
        out["num_regions"] = sum(w.get("num_regions", 1) for w in parts)
        for k in ("area_mm2_low", "area_mm2_high"):  # the ends of an interval add up (a bound, not a 95% figure)
            out[k] = sum(w[k] for w in parts) if all(k in w for w in parts) else None
        ij = [w["perimeter_imagej_mm"] for w in parts]
        out["perimeter_imagej_mm"] = None if None in ij else sum(ij)
        out["touches_edge"] = any(w["touches_edge"] for w in parts)
        out.update(_extent_of_parts(parts, result.get("calibration")))
    # the photo's own warnings, and this wound's: one of each kind where its parts say the same with other numbers
    own, kinds = [], set()
    for w in (w for p in parts for w in p["warnings"]):
        kind = re.sub(r"\d+(\.\d+)?", "#", w)
        if kind not in kinds:
            kinds.add(kind)
            own.append(w)
    shared = result.get("photo_warnings")
    if shared is None:  # a record made before photo warnings were kept apart
        shared = [w for w in result["warnings"] if not w.startswith("wound ")]
    out["warnings"] = list(dict.fromkeys(list(shared) + own))
    out["numbers"] = list(numbers)
    return out


def _extent_of_parts(parts: list[dict], calibration: dict | None) -> dict:
    """Length and width (and their lines) of a wound in several parts, on the plane: the longest span
    between the ends of its parts' length and width lines, and its extent across that span. Those
    ends are each part's extreme points, so this is the whole wound's extent (at most a little short
    of it where a part's far edge lies off its lines), not one part's."""
    from woundmeasure.calibration import Calibration

    ends = np.array([line[i:i + 2] for w in parts for k in ("length_line", "width_line")
                     if (line := w.get(k)) for i in (0, 2)], float)
    if calibration is None or len(ends) < 2:  # a record made before wounds kept their lines
        return {"length_line": None, "width_line": None}
    cal = Calibration.of_record(calibration)
    plane = cal.to_plane(ends)
    gaps = np.linalg.norm(plane[:, None] - plane[None], axis=2)
    i, j = np.unravel_index(int(np.argmax(gaps)), gaps.shape)
    u = (plane[j] - plane[i]) / max(gaps[i, j], 1e-12)
    n = np.array([-u[1], u[0]])
    across = plane @ n
    mid = (plane[i] + plane[j]) / 2
    width_ends = mid + np.outer([across.min() - mid @ n, across.max() - mid @ n], n)
    image = cal.to_image(np.vstack([plane[[i, j]], width_ends]))
    return {"length_mm": float(gaps[i, j]), "width_mm": float(across.max() - across.min()),
            "length_line": [float(v) for v in image[:2].ravel()], "width_line": [float(v) for v in image[2:].ravel()]}


def called(wound: str) -> str:
    """How a message names a wound: "the wound" for a series' only, unnamed one, else "wound A"."""
    return "the wound" if wound == "wound" else f"wound {wound}"


def visit_from_record(stored: StoredMeasurement, *, date: dt.date | None, image: str, wound: str, note: str,
                      sha256: str, excluded: str | None = None, remark: str = "", instance: dict | None = None) -> Visit:
    """A visit as the record holds it (what every report and export reads); ``instance``: which of the
    photo's wounds this one is (:meth:`Store.set_instance`), when it shows several."""
    note = "; ".join(filter(None, (note, remark)))
    if not stored.measured:
        return Visit(date, image, error=stored.error, wound=wound, note=note, sha256=sha256,
                     measurement_id=stored.id, excluded=excluded)
    if instance and instance["status"] == "outside":
        return Visit(date, image, error=f"{image}: {called(wound)} lies outside this photo", wound=wound, note=note,
                     sha256=sha256, measurement_id=stored.id, excluded=excluded, outside=True)
    r = stored.result
    steered = (r.get("segmentation") or {}).get("steered_by")  # None in a record made before it was kept
    outline = stored.outline + (f" (steered by {steered})" if steered else "") \
        + (f" (override: {Path(stored.override_path).name})" if stored.override_path else "")
    numbers = tuple(instance["numbers"]) if instance else ()
    extra = (f"{called(wound)}: {instance['note']}",) if instance and instance["unsure"] \
        and instance["status"] == "found" else ()
    if instance and instance["status"] == "closed":
        # how it closed: not found where it was (a person should confirm it, or did), or drawn as nothing
        said = instance["note"] or ("not found where it was: closed? a person should confirm it" if instance["unsure"]
                                    else "closed, as a person confirmed")
        sure = 0.0 if not instance["unsure"] else None  # a closure no person confirmed has no interval to show
        closed = {**r, "area_mm2": 0.0, "area_cm2": 0.0, "area_mm2_low": sure, "area_mm2_high": sure,
                  "perimeter_mm": 0.0, "perimeter_imagej_mm": 0.0,
                  "num_pixels": 0, "num_regions": 0, "length_mm": 0.0, "width_mm": 0.0, "ellipse_area_mm2": 0.0,
                  "length_line": None, "width_line": None, "touches_edge": False, "numbers": [], "wounds": [],
                  "expected_px": instance.get("place") or [],  # where it was looked for (x, y, radius)
                  "warnings": [f"{called(wound)}: {said} (counted as area 0)"]}
        return Visit(date, image, area_mm2=0.0, perimeter_mm=0.0, calibration=r["calibration"],
                     warnings=tuple(closed["warnings"]), wound=wound, note=note, outline=outline, sha256=sha256,
                     result=closed, measurement_id=stored.id, excluded=excluded, numbers=(-1,), closed=True,
                     closure_confirmed=not instance["unsure"],
                     area_mm2_low=sure, area_mm2_high=sure)
    r = wound_view(r, numbers)
    extra += tuple(filter(None, [date_warning(date, r.get("captured"), Path(image).name)]))
    return Visit(date, image, area_mm2=r["area_mm2"], perimeter_mm=r["perimeter_mm"], calibration=r["calibration"],
                 warnings=tuple(r["warnings"]) + extra, wound=wound, note=note, outline=outline, sha256=sha256,
                 result=r, measurement_id=stored.id, excluded=excluded, numbers=numbers,
                 area_mm2_low=r.get("area_mm2_low"), area_mm2_high=r.get("area_mm2_high"))


def recall_or_measure(spec: PhotoSpec, store: Store, patient: str, options: MeasureOptions, *,
                      progress=None) -> Visit:
    """Measure one photo of a series into the record, or take its stored measurement (same photo, same key).

    A stored failure is not taken: the photo is measured again.
    """
    image = str(spec.image)
    date = visit_date(spec)
    if spec.problem and date is None:  # a manifest row that could not be read, its date perhaps
        return Visit(None, image, error=spec.problem, wound=spec.wound, note=spec.note)
    if date is None:
        return Visit(None, image, error=no_date_error(image), wound=spec.wound, note=spec.note)
    key = record_key(spec.image, spec.options_for(options))
    if key.sha256 is None:
        return Visit(date, image, error=f"{image}: no such file; check the path", wound=spec.wound, note=spec.note)
    visit_id = store.visit_id(patient, spec.wound, image, date.isoformat(), spec.note)
    if spec.problem:  # a sidecar that cannot be read: the photo's error now, not what it measured before
        return Visit(date, image, error=spec.problem, wound=spec.wound, note=spec.note)
    stored = store.find(visit_id, key)
    if stored is None or not stored.measured:  # a failure is tried again: its cause may be gone
        if progress:
            progress(f"measuring {image}")
        stored = store.save(visit_id, measure_spec(spec, options, key=key), version=__version__)
    store.set_current(visit_id, stored.id)
    # the photo's visit, before it is shared out among its wounds (``_as_instance``, which adds each one's
    # remark): its note is the given one alone, as the record keeps it, not doubled by a remark
    excluded, _ = store.flags(visit_id)
    return visit_from_record(stored, date=date, image=image, wound=spec.wound, note=spec.note, sha256=key.sha256,
                             excluded=excluded)


def default_patient(source) -> str:
    """The patient's name in the record unless told: the series folder's or manifest's name."""
    source = Path(source)
    return source.name if source.is_dir() else source.stem


def default_db(source) -> Path:
    """Where a series' record lives unless told: ``woundmeasure.db`` beside its photos."""
    source = Path(source)
    return (source if source.is_dir() else source.parent) / "woundmeasure.db"


def track(source, *, db=None, patient: str | None = None, options: MeasureOptions = MeasureOptions(),
          threshold_pct: float = 50.0, progress=None) -> list[WoundTrack]:
    """Measure (or recall) every photo of a series and analyse each wound.

    A photo that shows several wounds gives each its own series: they are labelled at the
    first photo and followed through the others (:func:`~woundmeasure.wounds.follow_wounds`);
    a wound whose photos are listed once per wound (manifest rows) is taken as it is given.

    Parameters
    ----------
    source : folder or .csv manifest
    db : path, optional
        The SQLite record (default :func:`default_db`).
    patient : str, optional
        Patient name in the record (default: the folder's or manifest's name).
    options : MeasureOptions
        Shared by all photos (a manifest row's scale and outline apply on top).
    threshold_pct : float
        4-week PAR threshold (50 for DFU, 40 for VLU).
    progress : callable, optional
        Called with a line of text before each photo is measured.
    """
    try:
        check_threshold(threshold_pct)  # before measuring every photo
    except ValueError as exc:
        raise InputError(str(exc)) from None
    source = Path(source)
    if not source.exists():
        raise InputError(f"{source}: no such folder or manifest")
    specs = photo_specs(source)
    if not specs:
        inside = photo_subfolders(source)
        raise InputError(f"{source}: {NO_PHOTOS}" + (f"; its subfolder {inside[0][0].name} holds {inside[0][1]}: "
                                                     "give that folder (a series is one folder)" if inside else ""))
    db = Path(db) if db else default_db(source)
    told, patient = patient is not None, patient or default_patient(source)
    wounds_of: dict[Path, set[str]] = {}
    for spec in specs:
        wounds_of.setdefault(spec.image, set()).add(spec.wound)
    groups: dict[str, list[tuple[PhotoSpec, Visit]]] = {}
    with Store(db) as store:
        kept = store.take_over_moved(patient, source, {str(spec.image): file_sha256(spec.image) for spec in specs},
                                     told=told)
        if kept != patient:  # the record's own name for this series: as good as told
            if progress:
                progress(f"{source}: continuing the record of patient {kept!r}, which holds this series "
                         "(moved, renamed, or named with --patient before); --patient names another")
            patient, told = kept, True
        others = store.other_sources(patient, source)
        if others and not told:  # a folder's name, e.g. smith/foot and jones/foot: one baseline for two patients
            raise InputError(f"{db} already holds patient {patient!r} from another series ({others[0]}): name this "
                             "series' patient with --patient (the same name adds these photos to that patient)")
        store.begin_run(source)
        for spec in specs:
            groups.setdefault(spec.wound, []).append((spec, recall_or_measure(spec, store, patient, options,
                                                                             progress=progress)))
        by_wound: dict[str, list[Visit]] = {}
        for group, members in groups.items():
            if any(len(wounds_of[spec.image]) > 1 for spec, _ in members):  # one row per wound: as given
                by_wound[group] = _as_given(store, patient, group, [v for _, v in members])
            else:
                by_wound.update(_follow(store, patient, group, members, options, progress))
        for image in store.end_run():
            if progress:
                progress(f"{image}: no longer in the series (deleted or renamed): its visit is left out; the record "
                         "keeps its measurement")
    return [analyse_wound(wound, visits, threshold_pct=threshold_pct, db=db, patient=patient)
            for wound, visits in by_wound.items()]


def _layout(v: Visit) -> tuple[list, np.ndarray | None]:
    """A measured photo's wound instances and its border, as :func:`~woundmeasure.wounds.follow_wounds` takes them."""
    from woundmeasure.wounds import Footprint

    prints = [Footprint(w["number"], tuple(w["centre_mm"]), w["area_mm2"], w["length_mm"], w.get("name"),
                        w["width_mm"], w.get("axis_deg")) for w in v.result.get("wounds") or ()]
    frame = np.array(v.result.get("frame_mm") or [], float).reshape(-1, 2)
    return prints, frame if len(frame) >= 3 else None


def _expected(v: Visit, a) -> tuple[tuple[float, float, float, float], ...]:
    """Where in the photo (x, y, radius px) wound ``a`` (an Assignment), followed but not found in it,
    should be, and how large it was when last found (px²); whole pixels, so that the record's key holds."""
    from woundmeasure.calibration import Calibration

    if a.status != "closed" or not a.expected_mm or not v.measured:
        return ()
    cal = Calibration.of_record(v.result["calibration"])
    out = []
    for x, y in cal.to_image(np.array(a.expected_mm)):
        if 0 <= x < v.result["width_px"] and 0 <= y < v.result["height_px"]:
            scale = cal.local_px_per_mm(x, y)
            out.append(tuple(float(round(n)) for n in (x, y, a.reach_mm * scale, a.last_area_mm2 * scale ** 2)))
    return tuple(out)


def _looks(v: Visit, photo, labels) -> tuple[tuple[float, float, float, float], ...]:
    """Where in the photo to look again for each of these wounds (:func:`_expected`)."""
    return tuple(look for a in photo if a.label in labels for look in _expected(v, a))


def _measured_closer(store: Store, patient: str, measured, sought, options: MeasureOptions, progress):
    """The photos, each measured again with a closer look at the places ``sought`` (:func:`_looks`),
    where its outline is the model's (no outline a person gave; clicks on one wound say nothing of
    another, and a place a person clicked as not wound is not looked at): a wound near closure is
    small and faint, and the first pass may miss what a closer look sees."""
    def said(msg):  # a second measurement's progress line says why
        progress(msg.replace("measuring", "looking again, closer, where a wound was, in", 1))

    out = []
    for (spec, v), looks in zip(measured, sought):
        own = spec.options_for(options)
        if looks and own.segmenter == "model" and own.outline is None:
            again = recall_or_measure(spec, store, patient, replace(options, looks=looks),
                                      progress=said if progress else None)
            if again.measured:
                v = again
            else:  # the photo's first outline stays current
                _make_current(store, patient, spec, v)
        out.append((spec, v))
    return out


def _parts_of(region: np.ndarray, p, q) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The most interior pixel (x, y) of each part of ``region`` (bool) when each pixel goes to the nearer
    of points ``p`` and ``q`` (x, y); None when either part is empty."""
    from woundmeasure.outline import bounding_box, interior_point

    box = bounding_box(region, pad=1)
    rows, cols = np.mgrid[box[0], box[1]]
    nearer_p = (cols - p[0]) ** 2 + (rows - p[1]) ** 2 <= (cols - q[0]) ** 2 + (rows - q[1]) ** 2
    out = []
    for part in (region[box] & nearer_p, region[box] & ~nearer_p):
        if not part.any():
            return None
        col, row = interior_point(part)
        out.append((col + box[1].start, row + box[0].start))
    return out[0], out[1]


def _merged(store: Store, v: Visit, photo, wanted, pairs) -> tuple[tuple[str, float, float], ...]:
    """Names that split again an outline region holding two wounds a person split at an earlier photo
    (``pairs``): where one of a pair is found and the other is not (and no person confirmed it closed,
    ``wanted``), the region of the one found is shared between them, each pixel to the nearer of their
    last places, and each part named at its most interior pixel (two names on one wound split it so).
    Only where the region is larger than the one found was at its last visit: a wound alone shrinks as
    it heals, so a region no larger is that one, the other healed, and is not split. The two places are
    moved together so that their middle is the region's: the layout's shift is what the match is
    least sure of, the line between them what a split keeps. Empty where there is none."""
    from woundmeasure.calibration import Calibration

    by_label = {a.label: a for a in photo}
    area = {w["number"]: w["area_mm2"] for w in v.result.get("wounds") or ()}
    to_image = Calibration.of_record(v.result["calibration"]).to_image
    labels, names = None, {}
    for x, y in pairs:
        if {x, y} & names.keys() or x not in by_label or y not in by_label:
            continue
        for kept, lost in ((by_label[x], by_label[y]), (by_label[y], by_label[x])):
            if not (kept.status == "found" and kept.expected_mm and lost.status == "closed"
                    and lost.label in wanted and lost.expected_mm):
                continue
            if sum(area.get(n, 0.0) for n in kept.numbers) < kept.last_area_mm2:
                break  # no larger than the one found was: the other has healed, not merged into it
            if labels is None:
                labels = store.labels(v.measurement_id)
            region = np.isin(labels, kept.numbers)
            p, q = to_image(np.array([kept.expected_mm[0], lost.expected_mm[0]], float))
            rows, cols = np.nonzero(region)
            shift = np.array([cols.mean(), rows.mean()]) - (p + q) / 2
            parts = _parts_of(region, p + shift, q + shift)
            if parts is not None:
                names[kept.label], names[lost.label] = (kept.label, *parts[0]), (lost.label, *parts[1])
            break
    return tuple(names.values())


def _split_again(store: Store, patient: str, group: str, measured, options: MeasureOptions, progress):
    """The photos, in date order, each measured again with :func:`_merged`'s names (for the pairs a person
    split at an earlier photo, and the wounds not found in it that no person confirmed closed) where it
    has some and a person named none of its wounds; the wounds are followed anew after each photo split,
    so that the next one starts from the parts' own last places and sizes. Returns the photos (a split
    one with its names in its spec, so that a closer look keeps them) and the labels split in each."""
    from woundmeasure.wounds import follow_wounds

    def said(msg):
        progress(msg.replace("measuring", "splitting two wounds that touch, as before, in", 1))

    measured, split, pairs = list(measured), [set() for _ in measured], set()
    layouts = [_layout(v) for _, v in measured]
    assigned = follow_wounds(layouts)
    for i, (spec, v) in enumerate(measured):
        photo = assigned[i]
        wanted = _unconfirmed([(spec, v)], [photo], _names(group, assigned, layouts)[1])[0]
        confirmed = {a.label for a in photo if a.status == "closed" and a.label not in wanted}
        pairs = {pair for pair in pairs if not set(pair) & confirmed}  # a part a person saw closed stays closed
        names = () if spec.names else _merged(store, v, photo, wanted, sorted(pairs))
        pairs |= set(spec.split)
        if not names:
            continue
        named = replace(spec, names=names)
        again = recall_or_measure(named, store, patient, options, progress=said if progress else None)
        if not again.measured:
            _make_current(store, patient, spec, v)
            continue
        measured[i], split[i], layouts[i] = (named, again), {n for n, _, _ in names}, _layout(again)
        assigned = follow_wounds(layouts)
    return measured, split


def _make_current(store: Store, patient: str, spec: PhotoSpec, v: Visit) -> None:
    """Make ``v``'s measurement the current one of its photo's visit in the record."""
    store.set_current(store.visit_id(patient, spec.wound, v.image, v.date.isoformat(), spec.note), v.measurement_id)


def _follow(store: Store, patient: str, group: str, members, options: MeasureOptions,
            progress=None) -> dict[str, list[Visit]]:
    """Split each photo of a group into its wounds and label them across the group's photos; where a
    wound was not found, look again closer where it should be, and label them anew."""
    from woundmeasure.wounds import follow_wounds

    members = sorted(members, key=lambda m: m[1].order())
    measured = [(spec, v) for spec, v in members if v.measured]
    # wounds a person split apart are split again where they touch, before the layout places what is missed
    measured, split = _split_again(store, patient, group, measured, options, progress)
    layouts = [_layout(v) for _, v in measured]
    assigned = follow_wounds(layouts)
    labels, rename = _names(group, assigned, layouts)
    missing = _unconfirmed(measured, assigned, rename)
    looks = [_looks(v, photo, wanted) for (_, v), photo, wanted in zip(measured, assigned, missing)]
    looked = _measured_closer(store, patient, measured, looks, options, progress)
    found_again = [set() for _ in measured]
    if any(a is not b for (_, a), (_, b) in zip(looked, measured)):
        again = follow_wounds([_layout(v) for _, v in looked])
        for i, ((spec, v), photo) in enumerate(zip(looked, again)):
            # a closer look stands where it found a wound looked for, and made no new one
            found_again[i] = {a.label for a in photo if a.status == "found" and a.label in missing[i]}
            if v is not measured[i][1] and found_again[i] and {a.label for a in photo} <= set(labels):
                measured[i] = (spec, v)
            elif v is not measured[i][1]:
                _make_current(store, patient, spec, measured[i][1])
                found_again[i] = set()
        layouts = [_layout(v) for _, v in measured]
        assigned = follow_wounds(layouts)
        labels, rename = _names(group, assigned, layouts)
    out: dict[str, list[Visit]] = {rename[label]: [] for label in labels} or {group: []}
    for (spec, v), photo, closer, parted in zip(measured, assigned, found_again, split):
        if not photo:  # nothing outlined in it, before any wound was: a visit of area 0, as measured
            for label in out:
                out[label].append(_as_instance(store, patient, v, None, label))
        for a in photo:
            label = rename[a.label]
            if a.status == "found" and a.label in closer:
                a = replace(a, note=f"{a.note}; found on a closer look where it was last seen: check its outline",
                            unsure=True)
            if a.status == "found" and a.label in parted:
                a = replace(a, note=f"split from {' and '.join(sorted(rename[n] for n in parted - {a.label}))} where "
                                    "they touch, each part to the nearer of their last places, as they were split "
                                    "before: check the split", unsure=True)
            if a.status in ("closed", "outside") and ({label} | {n for f in a.formerly for n in (f, f"{group} {f}")}) \
                    & set(spec.closed):  # a person's word stands, also where the layout puts it off the photo
                a = replace(a, status="closed", note="not found where it was: closed, as a person confirmed",
                            unsure=False)
            formerly = [n for f in a.formerly for n in (f, f"{group} {f}", group) if n != label]
            out[label].append(_as_instance(store, patient, v, a, label, formerly=formerly))
    for spec, v in members:
        if not v.measured:  # a photo that failed (or has no date) is a failed visit of every wound
            for label in out:
                out[label].append(_as_instance(store, patient, v, None, label))
    store.forget_labels(patient, [v.image for _, v in members], keep=set(out))
    return out


def _unconfirmed(measured, assigned, rename) -> list[set[str]]:
    """For each photo, the labels of the wounds not found in it that no person confirmed closed there."""
    return [{a.label for a in photo if a.status == "closed" and rename[a.label] not in spec.closed}
            for (spec, _), photo in zip(measured, assigned)]


def _as_given(store: Store, patient: str, wound: str, visits: list[Visit]) -> list[Visit]:
    """A wound whose photos are listed once per wound, each visit as given; where the outline a person
    gave for it is empty after a visit that had it, it has closed (as that person says), and the record
    keeps it so (an instance of status closed), for ``export`` as for ``track``."""
    from woundmeasure.wounds import Assignment

    out, had = [], False
    for v in sorted(visits, key=Visit.order):
        given = v.outline.split(" (")[0] in ("mask", "roi")
        closed = had and given and v.counted and v.area_mm2 == 0
        empty = Assignment(wound, "closed", note="the outline given for it is empty: closed, as that person drew it")
        out.append(_as_instance(store, patient, v, empty if closed else None, wound))
        had |= v.counted and (v.area_mm2 or 0) > 0
    return out


def _names(group: str, assigned, layouts) -> tuple[list[str], dict[str, str]]:
    """The labels :func:`~woundmeasure.wounds.follow_wounds` gave, in order, and the name each
    goes by in the record: a person's name as it is, others under the group's name."""
    labels = list(dict.fromkeys(a.label for photo in assigned for a in photo))
    given = {f.name for prints, _ in layouts for f in prints if f.name}
    if len(labels) <= 1:
        return labels, {label: label if label in given else group for label in labels}
    return labels, {label: label if group == "wound" or label in given else f"{group} {label}" for label in labels}


def _as_instance(store: Store, patient: str, photo: Visit, assignment, label: str, *, formerly=()) -> Visit:
    """One labelled wound's visit of a photo, kept in the record (its visit row and instance row);
    ``formerly``: the names it was kept under before a person named it, whose exclusion and remark it takes."""
    visit_id = store.visit_id(patient, label, photo.image, photo.date.isoformat() if photo.date else None,
                              photo.note)
    if store.flags(visit_id) == (None, ""):
        for old in formerly:
            found = store.find_visit(patient, old, photo.image)
            if found is not None and store.flags(found) != (None, ""):
                excluded, remark = store.flags(found)
                store.set_flags(visit_id, excluded=excluded or "", remark=remark)
                break
    stored = store.stored(photo.measurement_id) if photo.measurement_id is not None else None
    if stored is None:  # never measured (no date, no file): nothing in the record to point at
        return replace(photo, wound=label)
    instance = None
    if assignment is not None and stored.measured:
        instance = {"status": assignment.status, "numbers": list(assignment.numbers), "note": assignment.note,
                    "unsure": assignment.unsure, "place": [list(p[:3]) for p in _expected(photo, assignment)]}
        store.set_instance(visit_id, stored.id, **instance)
    store.set_current(visit_id, stored.id)
    excluded, remark = store.flags(visit_id)
    return visit_from_record(stored, date=photo.date, image=photo.image, wound=label, note=photo.note,
                             sha256=photo.sha256, excluded=excluded, remark=remark, instance=instance)


def record_tracks(table: list[dict], *, db, threshold_pct: float = 50.0) -> dict[tuple[str, str], WoundTrack]:
    """Each (patient, wound) of a record's table (:meth:`Store.table`, ``latest=True``) as a WoundTrack,
    its visits as the record holds them: what ``export`` and the FHIR bundle read."""
    by_wound: dict[tuple[str, str], list[Visit]] = {}
    for r in table:
        stored = StoredMeasurement(r["id"], r["result"], r["error"], r["outline"] or "", r["override_path"])
        date = dt.date.fromisoformat(r["date"]) if r["date"] else None
        by_wound.setdefault((r["name"], r["label"]), []).append(
            visit_from_record(stored, date=date, image=r["image"], wound=r["label"], note=r["note"],
                              sha256=r["sha256"], excluded=r["excluded"], remark=r["remark"] or "",
                              instance=r["instance"]))
    return {key: analyse_wound(key[1], visits, threshold_pct=threshold_pct, db=Path(db))
            for key, visits in by_wound.items()}


def analyse_wound(wound: str, visits: list[Visit], *, threshold_pct: float, db: Path,
                  patient: str | None = None) -> WoundTrack:
    """One wound's visits, metrics and summary (:func:`~woundmeasure.tracking.analyse_series`)."""
    rows, summary = analyse_series(visits, threshold_pct=threshold_pct)
    return WoundTrack(wound, rows, summary, sorted(visits, key=Visit.order), Path(db), patient)
