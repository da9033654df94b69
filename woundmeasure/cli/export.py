"""``woundmeasure export``: the SQLite record as CSV (ImageJ Results-like columns) or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import click

COLUMNS = ["Patient", "Wound", "Date", "Label", "Area", "Perim.", "Length", "Width", "PAR", "Closed", "Unit", "Scale",
           "Calibration", "Outline", "Override", "SHA256", "Version", "Error"]


def rows_from_store(table: list[dict]) -> list[dict]:
    """One row per visit (its latest measurement), with the PAR that ``tracking`` computes for its wound."""
    from woundmeasure.series import visit_from_record
    from woundmeasure.store import StoredMeasurement
    from woundmeasure.tracking import analyse_series

    by_wound: dict[tuple[str, str], list] = {}
    visits = []
    for r in table:
        stored = StoredMeasurement(r["id"], r["result"], r["error"], r["outline"] or "", r["override_path"])
        date = dt.date.fromisoformat(r["date"]) if r["date"] else None
        visit = visit_from_record(stored, date=date, image=r["image"], wound=r["label"], note=r["note"],
                                  sha256=r["sha256"], excluded=r["excluded"], remark=r["remark"] or "",
                                  instance=r["instance"])
        by_wound.setdefault((r["name"], r["label"]), []).append(visit)
        visits.append(visit)
    par = {}
    for key, wound_visits in by_wound.items():
        metrics, _ = analyse_series(wound_visits)
        par.update({(key, m.image): m.par_pct for m in metrics})
    out = []
    for r, v in zip(table, visits):
        res = v.result or {}
        cal = res.get("calibration") or {}
        out.append({
            "Patient": r["name"], "Wound": r["label"], "Date": r["date"], "Label": Path(r["image"]).name,
            "Area": v.area_mm2, "Perim.": v.perimeter_mm, "Length": res.get("length_mm"),
            "Width": res.get("width_mm"), "PAR": par.get(((r["name"], r["label"]), r["image"])),
            "Closed": v.closed, "Unit": "mm", "Scale": cal.get("px_per_mm"), "Calibration": cal.get("method"),
            "Outline": r["outline"], "Override": r["override_path"], "SHA256": r["sha256"], "Version": r["version"],
            "Error": v.error})
    return out


@click.command()
@click.option("--db", type=click.Path(exists=True, dir_okay=False), required=True, help="The SQLite record.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file [default: stdout].")
def export(db, fmt, out):
    """Export each visit's current measurement (areas mm2, lengths mm, PAR % against the first measured visit)."""
    from woundmeasure.store import Store

    with Store(db) as store:
        rows = rows_from_store(store.table(latest=True))
    if fmt == "json":
        text = json.dumps(rows, indent=2)
    else:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        text = buf.getvalue()
    if out:
        Path(out).write_text(text)
    else:
        click.echo(text, nl=False)
