"""Measure a wound's photo series with a lasting record: the engine behind ``woundmeasure track``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from woundmeasure import __version__
from woundmeasure.errors import InputError
from woundmeasure.io import read_capture_date
from woundmeasure.options import MeasureOptions
from woundmeasure.pipeline import measure_spec
from woundmeasure.sources import PhotoSpec, date_from_name, photo_specs
from woundmeasure.store import Store, StoredMeasurement, record_key
from woundmeasure.tracking import SeriesSummary, Visit, VisitMetrics, analyse_series


@dataclass(frozen=True)
class WoundTrack:
    """One wound's visits (in date order), their metrics and summary, and the record that holds them."""

    wound: str
    visits: list[VisitMetrics]
    summary: SeriesSummary
    stored: list[Visit]
    db: Path

    def to_dict(self) -> dict:
        return {"wound": self.wound, "visits": [v.to_dict() for v in self.visits], "summary": self.summary.to_dict()}


def _visit_date(spec: PhotoSpec) -> dt.date | None:
    if spec.date:
        return spec.date
    named = date_from_name(spec.image.name)
    if named:
        return named
    captured = read_capture_date(spec.image)
    return captured.date() if captured else None


def visit_from_record(stored: StoredMeasurement, *, date: dt.date | None, image: str, wound: str, note: str,
                      sha256: str, excluded: str | None = None, remark: str = "") -> Visit:
    """A visit as the record holds it (what every report and export reads)."""
    note = "; ".join(filter(None, (note, remark)))
    if not stored.measured:
        return Visit(date, image, error=stored.error, wound=wound, note=note, sha256=sha256,
                     measurement_id=stored.id, excluded=excluded)
    r = stored.result
    outline = stored.outline + (f" (override: {Path(stored.override_path).name})" if stored.override_path else "")
    return Visit(date, image, area_mm2=r["area_mm2"], perimeter_mm=r["perimeter_mm"], calibration=r["calibration"],
                 warnings=tuple(r["warnings"]), wound=wound, note=note, outline=outline, sha256=sha256, result=r,
                 measurement_id=stored.id, excluded=excluded)


def recall_or_measure(spec: PhotoSpec, store: Store, patient: str, options: MeasureOptions, *,
                      progress=None) -> Visit:
    """Measure one photo of a series into the record, or take its stored measurement (same photo, same key).

    A stored failure is not taken: the photo is measured again.
    """
    image = str(spec.image)
    date = _visit_date(spec)
    if date is None:
        return Visit(None, image, error=f"{image}: no date: put an ISO date (YYYY-MM-DD) in the file name, "
                     "a date column in the manifest, or keep the photo's EXIF date", wound=spec.wound, note=spec.note)
    key = record_key(spec.image, spec.options_for(options))
    if key.sha256 is None:
        return Visit(date, image, error=f"{image}: no such file; check the path", wound=spec.wound, note=spec.note)
    visit_id = store.visit_id(patient, spec.wound, image, date.isoformat(), spec.note)
    stored = store.find(visit_id, key)
    if stored is None or not stored.measured:  # a failure is tried again: its cause may be gone
        if progress:
            progress(f"measuring {image}")
        stored = store.save(visit_id, measure_spec(spec, options, key=key), version=__version__)
    store.set_current(visit_id, stored.id)
    excluded, remark = store.flags(visit_id)
    return visit_from_record(stored, date=date, image=image, wound=spec.wound, note=spec.note, sha256=key.sha256,
                             excluded=excluded, remark=remark)


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
    source = Path(source)
    if not source.exists():
        raise InputError(f"{source}: no such folder or manifest")
    specs = photo_specs(source)
    if not specs:
        raise InputError(f"{source}: holds no photos (.jpg, .png, .tif, .heic)")
    db = Path(db) if db else default_db(source)
    patient = patient or default_patient(source)
    by_wound: dict[str, list[Visit]] = {}
    with Store(db) as store:
        for spec in specs:
            visit = recall_or_measure(spec, store, patient, options, progress=progress)
            by_wound.setdefault(spec.wound, []).append(visit)
    return [analyse_wound(wound, visits, threshold_pct=threshold_pct, db=db) for wound, visits in by_wound.items()]


def analyse_wound(wound: str, visits: list[Visit], *, threshold_pct: float, db: Path) -> WoundTrack:
    """One wound's visits, metrics and summary (:func:`~woundmeasure.tracking.analyse_series`)."""
    rows, summary = analyse_series(visits, threshold_pct=threshold_pct)
    return WoundTrack(wound, rows, summary, sorted(visits, key=Visit.order), Path(db))
