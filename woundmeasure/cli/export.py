"""``woundmeasure export``: the SQLite record as CSV (ImageJ Results-like columns) or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

COLUMNS = ["Patient", "Wound", "Date", "Label", "Area", "Perim.", "Length", "Width", "PAR", "Unit", "Scale",
           "Calibration", "Outline", "Override", "SHA256", "Version", "Error"]


def rows_from_store(table: list[dict]) -> list[dict]:
    """One row per stored measurement; PAR against each wound's first measured visit."""
    out, baseline = [], {}
    for r in table:
        res = r["result"] or {}
        key = (r["name"], r["label"])
        area = r["area_mm2"]
        if area is not None and key not in baseline:
            baseline[key] = area
        a0 = baseline.get(key)
        out.append({
            "Patient": r["name"], "Wound": r["label"], "Date": r["date"], "Label": Path(r["image"]).name,
            "Area": area, "Perim.": r["perimeter_mm"], "Length": res.get("length_mm"), "Width": res.get("width_mm"),
            "PAR": None if area is None or not a0 else 100 * (a0 - area) / a0, "Unit": "mm",
            "Scale": (res.get("calibration") or {}).get("px_per_mm"),
            "Calibration": (res.get("calibration") or {}).get("method"), "Outline": r["outline"],
            "Override": r["override_path"], "SHA256": r["sha256"], "Version": r["version"], "Error": r["error"]})
    return out


@click.command()
@click.option("--db", type=click.Path(exists=True, dir_okay=False), required=True, help="The SQLite record.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file [default: stdout].")
def export(db, fmt, out):
    """Export every stored measurement (areas mm2, lengths mm, PAR %)."""
    from woundmeasure.store import Store

    with Store(db) as store:
        rows = rows_from_store(store.table())
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
