"""The batch's record: ``results.jsonl``, one row per photo, and ``results.csv`` rebuilt from it.

Rows are appended, flushed and fsynced one at a time, so a killed run loses nothing; a
row is keyed by the photo's path, its wound, its content hash and its parameters key (the
:class:`~woundmeasure.store.RecordKey` of the SQLite record), so a re-run skips it. Two
photos with the same bytes are two rows. The CSVs hold the photos of the latest run alone,
each once: its rows from earlier runs (other options, files since removed) stay in the JSONL.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

CSV_COLUMNS = ["image", "wound", "date", "area_mm2", "area_cm2", "area_mm2_low", "area_mm2_high", "perimeter_mm",
               "length_mm", "width_mm", "num_pixels", "num_regions", "num_wounds", "calibration_method", "px_per_mm",
               "perspective_corrected", "uncertainty_pct", "segmentation_method", "warnings", "error", "sha256",
               "params_key"]

WOUNDS_CSV = "wounds.csv"
WOUND_COLUMNS = ["image", "date", "wound", "instance", "area_mm2", "area_cm2", "area_mm2_low", "area_mm2_high",
                 "perimeter_mm", "length_mm", "width_mm", "centre_x_px", "centre_y_px", "centre_x_mm", "centre_y_mm",
                 "warnings", "sha256"]


def row_key(row: dict) -> tuple[str, str, str, str]:
    """What a row is the result of: (the photo's absolute path, wound, sha256, params_key); the path
    as typed may differ between runs (relative, absolute)."""
    path = row.get("path") or str(Path(row.get("image") or "").resolve())  # (a row written before paths were kept)
    return path, row.get("wound"), row.get("sha256"), row.get("params_key")


def read_rows(jsonl: Path) -> dict[tuple[str, str, str, str], dict]:
    """Every photo's latest row, keyed by :func:`row_key`; a torn last line is ignored."""
    done = {}
    if Path(jsonl).is_file():
        for line in Path(jsonl).read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if row.get("sha256") and row.get("params_key"):
                done[row_key(row)] = row
    return done


def read_done(jsonl: Path) -> dict[tuple[str, str, str, str], dict]:
    """The rows a re-run skips: measured photos (a failure is tried again, as ``track`` does)."""
    return {key: row for key, row in read_rows(jsonl).items() if "error" not in row}


def _csv_row(row: dict) -> dict:
    cal = row.get("calibration") or {}
    out = {k: row.get(k) for k in CSV_COLUMNS}
    out.update(calibration_method=cal.get("method"), px_per_mm=cal.get("px_per_mm"),
               perspective_corrected=cal.get("perspective_corrected"), uncertainty_pct=cal.get("uncertainty_pct"),
               segmentation_method=(row.get("segmentation") or {}).get("method"),
               num_wounds=len(row["wounds"]) if "wounds" in row else None,
               warnings="; ".join([*(row.get("warnings") or []), *filter(None, [row.get("date_warning")])]))
    return out


def _wound_rows(row: dict):
    """One row per wound of a measured photo (its letter, or the name a person gave it); a measured
    photo with no wound outlined is one row of area 0 (a closed wound stays in a pivot of the rows)."""
    from woundmeasure.wounds import wound_label

    measured = ("area_mm2", "area_cm2", "area_mm2_low", "area_mm2_high", "perimeter_mm", "length_mm", "width_mm")
    if "error" not in row and not row.get("wounds"):
        yield {"image": row.get("image"), "date": row.get("date"), "wound": row.get("wound"), "instance": None,
               **{k: row.get(k) for k in measured}, "warnings": "; ".join(row.get("warnings") or []),
               "sha256": row.get("sha256")}
    for w in row.get("wounds") or ():
        yield {"image": row.get("image"), "date": row.get("date"), "wound": row.get("wound"),
               "instance": wound_label(w), **{k: w.get(k) for k in measured},
               "centre_x_px": w["centre_px"][0], "centre_y_px": w["centre_px"][1],
               "centre_x_mm": w["centre_mm"][0], "centre_y_mm": w["centre_mm"][1],
               "warnings": "; ".join(w.get("warnings") or []), "sha256": row.get("sha256")}


def write_csv(jsonl: Path, csv_path: Path, rows=None) -> None:
    """Write the CSV, atomically: one row per photo, and beside it ``wounds.csv``, one row per wound of
    each photo (a photo may show several). ``rows``: the run's rows (default: every row the JSONL,
    the record, keeps)."""
    rows = list(read_rows(jsonl).values()) if rows is None else list(rows)
    _write_rows(csv_path, CSV_COLUMNS, (_csv_row(r) for r in rows))
    _write_rows(csv_path.with_name(WOUNDS_CSV), WOUND_COLUMNS, (w for r in rows for w in _wound_rows(r)))


def _write_rows(path: Path, columns: list[str], rows) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)


def drop_torn_line(jsonl: Path) -> None:
    """After a run killed mid-line, cut that line off (its photo is measured again): every line of the
    file stays a whole JSON row, as ``pandas.read_json(lines=True)`` needs."""
    if not (jsonl.is_file() and jsonl.stat().st_size):
        return
    with jsonl.open("rb+") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        start = max(0, size - (1 << 20))
        while True:  # back to the end of the last whole line
            f.seek(start)
            end = f.read(size - start).rfind(b"\n")
            if end >= 0 or start == 0:
                break
            start = max(0, start - (1 << 20))
        f.truncate(start + end + 1 if end >= 0 else 0)


class Sink:
    """Appends rows to the JSONL, each flushed and fsynced before the next."""

    def __init__(self, jsonl: Path):
        drop_torn_line(jsonl)
        self.file = jsonl.open("a", encoding="utf-8")

    def write(self, row: dict) -> None:
        self.file.write(json.dumps(row) + "\n")
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()
