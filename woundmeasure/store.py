"""The lasting record: a SQLite database of patients, wounds, visits and measurements.

A measurement is keyed by the photo's SHA-256 and the measurement parameters
(including the SHA-256 of any override outline), so a re-run finds what is already
measured and measures only new or changed photos. Each photo is written in its own
transaction: an interrupted run loses nothing that was already stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS patients (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS wounds (
    id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES patients(id), label TEXT NOT NULL,
    UNIQUE (patient_id, label));
CREATE TABLE IF NOT EXISTS visits (
    id INTEGER PRIMARY KEY, wound_id INTEGER NOT NULL REFERENCES wounds(id), date TEXT, image TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', UNIQUE (wound_id, image));
CREATE TABLE IF NOT EXISTS measurements (
    id INTEGER PRIMARY KEY, visit_id INTEGER NOT NULL REFERENCES visits(id),
    sha256 TEXT NOT NULL, params_key TEXT NOT NULL, params TEXT NOT NULL,
    outline TEXT, override_path TEXT, override_sha256 TEXT,
    area_mm2 REAL, perimeter_mm REAL, result TEXT, mask_png BLOB, error TEXT, version TEXT NOT NULL,
    UNIQUE (visit_id, sha256, params_key));
"""


def params_key(params: dict) -> str:
    """A stable hash of the measurement parameters."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]


def file_sha256(path) -> str | None:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None


class Store:
    """A woundmeasure SQLite database (created on first use)."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=30)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def visit_id(self, patient: str, wound: str, image: str, date: str | None, note: str = "") -> int:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO patients(name) VALUES (?)", (patient,))
            pid = self.db.execute("SELECT id FROM patients WHERE name = ?", (patient,)).fetchone()[0]
            self.db.execute("INSERT OR IGNORE INTO wounds(patient_id, label) VALUES (?, ?)", (pid, wound))
            wid = self.db.execute("SELECT id FROM wounds WHERE patient_id = ? AND label = ?", (pid, wound)).fetchone()[0]
            self.db.execute("INSERT OR IGNORE INTO visits(wound_id, image) VALUES (?, ?)", (wid, image))
            self.db.execute("UPDATE visits SET date = ?, note = ? WHERE wound_id = ? AND image = ?",
                            (date, note, wid, image))
            return self.db.execute("SELECT id FROM visits WHERE wound_id = ? AND image = ?", (wid, image)).fetchone()[0]

    def find(self, visit_id: int, sha256: str, key: str) -> dict | None:
        row = self.db.execute(
            "SELECT result, mask_png, error, outline, override_path, override_sha256 FROM measurements "
            "WHERE visit_id = ? AND sha256 = ? AND params_key = ?", (visit_id, sha256, key)).fetchone()
        if row is None:
            return None
        return {"result": json.loads(row[0]) if row[0] else None, "mask_png": row[1], "error": row[2],
                "outline": row[3], "override_path": row[4], "override_sha256": row[5]}

    def save(self, visit_id: int, sha256: str, key: str, params: dict, *, result: dict | None, mask_png: bytes | None,
             error: str | None, outline: str, override_path: str | None, override_sha256: str | None,
             version: str) -> None:
        """Store one measurement (or its failure) in one transaction."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO measurements(visit_id, sha256, params_key, params, outline, override_path, "
                "override_sha256, area_mm2, perimeter_mm, result, mask_png, error, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (visit_id, sha256, key, json.dumps(params, sort_keys=True, default=str), outline, override_path,
                 override_sha256, result["area_mm2"] if result else None, result["perimeter_mm"] if result else None,
                 json.dumps(result) if result else None, mask_png, error, version))

    def table(self) -> list[dict]:
        """Every stored measurement with its patient, wound and visit, in date order."""
        cur = self.db.execute(
            "SELECT p.name, w.label, v.date, v.image, v.note, m.sha256, m.params, m.outline, m.override_path, "
            "m.area_mm2, m.perimeter_mm, m.result, m.error, m.version FROM measurements m "
            "JOIN visits v ON v.id = m.visit_id JOIN wounds w ON w.id = v.wound_id JOIN patients p ON p.id = w.patient_id "
            "ORDER BY p.name, w.label, v.date, v.image, m.id")
        cols = [d[0] for d in cur.description]
        out = []
        for row in cur.fetchall():
            d = dict(zip(cols, row))
            d["result"] = json.loads(d["result"]) if d["result"] else None
            out.append(d)
        return out
