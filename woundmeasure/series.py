"""Measure a wound's photo series with a lasting record: the engine behind ``woundmeasure track``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from woundmeasure import __version__
from woundmeasure.errors import InputError, WoundMeasureError
from woundmeasure.io import read_capture_date
from woundmeasure.pipeline import measure_file
from woundmeasure.sources import PhotoSpec, date_from_name, photo_specs
from woundmeasure.store import Store, file_sha256
from woundmeasure.tracking import SeriesSummary, Visit, VisitMetrics, analyse_series


@dataclass(frozen=True)
class WoundTrack:
    """One wound's visits (in date order) and summary."""

    wound: str
    visits: list[VisitMetrics]
    summary: SeriesSummary
    stored: list[Visit]

    def to_dict(self) -> dict:
        return {"wound": self.wound, "visits": [v.to_dict() for v in self.visits], "summary": self.summary.to_dict()}


def _encode_mask(mask: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", mask.astype(np.uint8) * 255)
    return buf.tobytes()


def decode_mask(data: bytes) -> np.ndarray:
    import cv2

    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE) > 0


def _visit_date(spec: PhotoSpec) -> dt.date | None:
    if spec.date:
        return spec.date
    named = date_from_name(spec.image.name)
    if named:
        return named
    captured = read_capture_date(spec.image)
    return captured.date() if captured else None


def measure_spec(spec: PhotoSpec, store: Store, patient: str, options: dict, *, progress=None) -> Visit:
    """Measure one photo of a series, or take its stored measurement (same photo, same parameters)."""
    image = str(spec.image)
    date = _visit_date(spec)
    sha = file_sha256(spec.image)
    if date is None:
        return Visit(dt.date.min, image, error=f"{image}: no date: put an ISO date (YYYY-MM-DD) in the file name, "
                     "a date column in the manifest, or keep the photo's EXIF date", wound=spec.wound, note=spec.note)
    if sha is None:
        return Visit(date, image, error=f"{image}: no such file; check the path", wound=spec.wound, note=spec.note)
    override = spec.roi or spec.mask
    kw = spec.measure_options(options)
    key = spec.params_key(options)
    params = {k: v for k, v in kw.items() if k not in ("mask", "roi")}
    override_sha = file_sha256(override) if override else None
    visit_id = store.visit_id(patient, spec.wound, image, date.isoformat(), spec.note)
    found = store.find(visit_id, sha, key)
    if found is None:
        if progress:
            progress(f"measuring {image}")
        try:
            _, result = measure_file(spec.image, **kw)
            found = {"result": result.to_dict(), "mask_png": _encode_mask(result.mask), "error": None,
                     "outline": result.segmentation_method}
        except WoundMeasureError as exc:
            found = {"result": None, "mask_png": None, "error": str(exc), "outline": ""}
        store.save(visit_id, sha, key, params, result=found["result"], mask_png=found["mask_png"],
                   error=found["error"], outline=found["outline"], override_path=str(override) if override else None,
                   override_sha256=override_sha, version=__version__)
    r = found["result"]
    if found["error"] or r is None:
        return Visit(date, image, error=found["error"], wound=spec.wound, note=spec.note, sha256=sha)
    outline = found["outline"] + (f" (override: {Path(override).name})" if override else "")
    return Visit(date, image, area_mm2=r["area_mm2"], perimeter_mm=r["perimeter_mm"], calibration=r["calibration"],
                 warnings=tuple(r["warnings"]), wound=spec.wound, note=spec.note, outline=outline, sha256=sha,
                 result={**r, "mask_png": found["mask_png"]})


def track(source, *, db=None, patient: str | None = None, options: dict | None = None,
          threshold_pct: float = 50.0, progress=None) -> list[WoundTrack]:
    """Measure (or recall) every photo of a series and analyse each wound.

    Parameters
    ----------
    source : folder or .csv manifest
    db : path, optional
        The SQLite record (default ``woundmeasure.db`` beside the series).
    patient : str, optional
        Patient name in the record (default: the folder's or manifest's name).
    options : dict
        Keyword arguments of :func:`woundmeasure.measure_image` shared by all photos.
    threshold_pct : float
        4-week PAR threshold (50 for DFU, 40 for VLU).
    """
    source = Path(source)
    if not source.exists():
        raise InputError(f"{source}: no such folder or manifest")
    specs = photo_specs(source)
    if not specs:
        raise InputError(f"{source}: holds no photos (.jpg, .png, .tif, .heic)")
    home = source if source.is_dir() else source.parent
    db = Path(db) if db else home / "woundmeasure.db"
    patient = patient or (source.name if source.is_dir() else source.stem)
    by_wound: dict[str, list[Visit]] = {}
    with Store(db) as store:
        for spec in specs:
            visit = measure_spec(spec, store, patient, options or {}, progress=progress)
            by_wound.setdefault(spec.wound, []).append(visit)
    out = []
    for wound, visits in by_wound.items():
        rows, summary = analyse_series(visits, threshold_pct=threshold_pct)
        out.append(WoundTrack(wound, rows, summary, sorted(visits, key=lambda v: (v.date, v.image))))
    return out
