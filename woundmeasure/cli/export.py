"""``woundmeasure export``: the SQLite record as CSV (ImageJ Results-like columns) or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from woundmeasure.cli.options import threshold_option

COLUMNS = ["Patient", "Wound", "Date", "Label", "Area", "Perim.", "Length", "Width", "PAR", "Area low", "Area high",
           "PAR low", "PAR high", "Change beyond noise", "Closed", "Closure confirmed", "Unit", "Scale", "Calibration", "Outline", "Override",
           "SHA256", "Version", "Error", "Excluded", "Remark", "Warnings"]


def _write(path, text: str, *, encoding: str = "utf-8") -> None:
    """Write the export, its folder made as ``track --db`` makes the record's."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding=encoding)


def rows_from_store(table: list[dict], *, db) -> list[dict]:
    """One row per visit of each wound (its latest measurement), with the PAR that ``tracking`` computes."""
    from woundmeasure.series import record_tracks

    tracks = record_tracks(table, db=db)
    out = []
    for (patient, wound), track in tracks.items():
        metrics = {(m.date, m.image): m for m in track.visits}
        rows = {(r["date"], r["image"]): r for r in table if (r["name"], r["label"]) == (patient, wound)}
        for v in track.stored:
            r = rows[(v.date.isoformat() if v.date else None, v.image)]
            res = v.result or {}
            cal = res.get("calibration") or {}
            m = metrics.get((r["date"], r["image"]))
            out.append({
                "Patient": patient, "Wound": wound, "Date": r["date"], "Label": Path(r["image"]).name,
                "Area": v.area_mm2, "Area low": v.area_mm2_low, "Area high": v.area_mm2_high,
                "Perim.": v.perimeter_mm, "Length": res.get("length_mm"), "Width": res.get("width_mm"),
                "PAR": m and m.par_pct, "PAR low": m and m.par_pct_low, "PAR high": m and m.par_pct_high,
                "Change beyond noise": m and m.change_beyond_noise, "Closed": v.closed,
                "Closure confirmed": v.closure_confirmed if v.closed else None,
                "Unit": "mm", "Scale": cal.get("px_per_mm"), "Calibration": cal.get("method"),
                "Outline": v.outline or r["outline"], "Override": r["override_path"], "SHA256": r["sha256"],
                "Version": r["version"], "Error": v.error, "Excluded": v.excluded, "Remark": r["remark"] or None,
                "Warnings": "; ".join(v.warnings) or None})
    return out


def fhir_bundles(table: list[dict], *, db, embed_photos: bool, threshold_pct: float = 50.0) -> list[dict]:
    """One FHIR Bundle per patient of the record (see :mod:`woundmeasure.report.fhir`); the 4-week PAR
    judged against ``threshold_pct``."""
    from woundmeasure.report.fhir import patient_bundle
    from woundmeasure.series import record_tracks

    by_patient: dict[str, list] = {}
    for (patient, _), track in record_tracks(table, db=db, threshold_pct=threshold_pct).items():
        by_patient.setdefault(patient, []).append(track)
    return [patient_bundle(patient, tracks, embed_photos=embed_photos) for patient, tracks in by_patient.items()]


@click.command()
@click.option("--db", type=click.Path(exists=True, dir_okay=False), required=True, help="The SQLite record.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "fhir"]), default="csv", show_default=True,
              help="fhir: a FHIR R4 Bundle per patient (needs the fhir extra).")
@click.option("--embed-photos", is_flag=True, help="fhir: put each photo's JPEG in the bundle (default: name and "
                                                     "SHA-256 only).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file [default: stdout].")
@threshold_option
def export(db, fmt, embed_photos, out, threshold):
    """Export each visit's current measurement (areas mm2, lengths mm, PAR % against the first measured visit)."""
    from woundmeasure.errors import WoundMeasureError
    from woundmeasure.store import Store

    try:
        with Store(db) as store:
            table = store.table(latest=True)
    except WoundMeasureError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "fhir":
        try:
            bundles = fhir_bundles(table, db=db, embed_photos=embed_photos, threshold_pct=threshold)
        except ImportError:
            raise click.ClickException('FHIR export needs the fhir extra: pip install -e ".[fhir]" from the '
                                       "clone") from None
        except OSError as exc:
            raise click.ClickException(f"{exc.filename}: {exc.strerror}; --embed-photos needs the photos where "
                                       "they were measured") from None
        text = json.dumps(bundles[0] if len(bundles) == 1 else bundles, indent=2) + "\n"
        if out:
            _write(out, text)
        else:
            click.echo(text, nl=False)
        return
    rows = rows_from_store(table, db=db)
    if fmt == "json":
        text = json.dumps(rows, indent=2)
    else:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        text = buf.getvalue()
    if out:  # a CSV file with a byte-order mark: Excel then reads its names as UTF-8 (Müller, not MÃ¼ller)
        _write(out, text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    else:
        click.echo(text, nl=False)
