"""The lasting record: a SQLite database of patients, wounds, visits and measurements.

A measurement belongs to one photo (kept with its label image: each separate wound
numbered). When a photo shows several wounds, each labelled wound has its own visit of
that photo, and an ``instances`` row says which of the measurement's numbered wounds it is
(or that it was closed, or outside the photo), as ``track`` matched them.

A measurement is keyed by the photo's SHA-256 and the measurement parameters
(including the SHA-256 of any override outline), so a re-run finds what is already
measured and measures only new or changed photos. Each photo is written in its own
transaction: an interrupted run loses nothing that was already stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from woundmeasure.errors import InputError

if TYPE_CHECKING:
    import numpy as np

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
CREATE TABLE IF NOT EXISTS instances (
    id INTEGER PRIMARY KEY, visit_id INTEGER NOT NULL REFERENCES visits(id),
    measurement_id INTEGER NOT NULL REFERENCES measurements(id),
    status TEXT NOT NULL, numbers TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', unsure INTEGER NOT NULL DEFAULT 0,
    UNIQUE (visit_id, measurement_id));
"""


def params_key(params: dict) -> str:
    """A stable hash of the measurement parameters."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]


def file_sha256(path) -> str | None:
    """SHA-256 of a file's bytes, or None when there is no such file or it cannot be read
    (reading the photo then says why)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class RecordKey:
    """What decides a photo's result: its content, the options, and the given outline's content.

    The one skip rule of every record (this SQLite store and the batch's JSONL): a photo
    is measured again only when one of these changed, or when it failed before.
    """

    sha256: str | None  # None: no such file
    params_key: str
    override_sha256: str | None = None


def record_key(image, options) -> RecordKey:
    """The :class:`RecordKey` of photo file ``image`` measured with ``options`` (a MeasureOptions)."""
    override = options.outline
    override_sha = file_sha256(override) if override else None
    return RecordKey(file_sha256(image), params_key({**options.key(), "override_sha256": override_sha}), override_sha)


@dataclass(frozen=True)
class StoredMeasurement:
    """One measurement as the record keeps it: the result's fields (or the error) and the mask."""

    id: int
    result: dict | None
    error: str | None
    outline: str
    override_path: str | None

    @property
    def measured(self) -> bool:
        return self.error is None and self.result is not None


class Store:
    """A woundmeasure SQLite database (created on first use)."""

    def __init__(self, path):
        self.path = Path(path)
        self.run_source = None  # the series a run is making visits of (begin_run), if any
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=30)
        try:
            tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "measurements" not in tables:
                raise sqlite3.DatabaseError("it holds another program's tables")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.executescript(SCHEMA)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise InputError(f"{self.path} is not a woundmeasure record ({exc}): give the record that woundmeasure "
                             "wrote (track --db), or a new file name to start one") from None

    def _migrate(self) -> None:
        """Bring a record made by an earlier version up to this schema, losing nothing."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(visits)")}
        with self.db:
            if "place" not in {row[1] for row in self.db.execute("PRAGMA table_info(instances)")}:
                self.db.execute("ALTER TABLE instances ADD COLUMN place TEXT")  # where a closed wound was looked for
            for name, kind in (("excluded", "TEXT"), ("remark", "TEXT"), ("current", "INTEGER"), ("source", "TEXT"),
                               ("retired", "INTEGER")):
                if name not in columns:  # review flags, the measurement the last run used, the series it came
                    # from and whether that series' latest run still had it
                    self.db.execute(f"ALTER TABLE visits ADD COLUMN {name} {kind}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def take_over_moved(self, patient: str, source, photos: dict[str, str | None], *, told: bool = True) -> str:
        """Give this series (``source``; ``photos``: its photos' paths as the run names them, and their
        SHA-256) what is its own from before. A series whose folder or manifest is gone, most of whose
        photos are among these by name and bytes, is this one moved or renamed: under this patient its
        visits take the photos' new paths (keeping measurements, exclusions and remarks); under another
        name (a renamed folder gives another default patient) they become this series' to retire, so that
        export does not show each visit twice. Visits of a record made before series were kept, whose
        photos lie in this series' folder, are this series'. Where the patient was not ``told`` (the
        default is the folder's name), this series is that of the one patient its record already holds
        it under (moved or renamed, or named with ``--patient`` before): returns the patient it is."""
        here = str(Path(source).resolve())
        folder = Path(here if Path(source).is_dir() else Path(here).parent)
        by_name = {Path(p).name: (str(p), sha) for p, sha in photos.items()}
        rows = self.db.execute(
            "SELECT v.id, v.image, v.source, v.wound_id, p.name, "
            "(SELECT group_concat(m.sha256) FROM measurements m WHERE m.visit_id = v.id), v.retired "
            "FROM visits v JOIN wounds w ON w.id = v.wound_id JOIN patients p ON p.id = w.patient_id").fetchall()
        taken = {(r[3], r[1]) for r in rows}

        def same_photo(image, shas):  # the same name, and bytes this visit was measured from
            new = by_name.get(Path(image).name)
            return new is not None and new[1] is not None and new[1] in (shas or "").split(",")

        gone = {r[2] for r in rows if r[2] and r[2] != here and not Path(r[2]).exists()}
        moved = [old for old in gone if 2 * sum(same_photo(r[1], r[5]) for r in rows if r[2] == old)
                 >= sum(r[2] == old for r in rows)]  # most of its photos are these: this series, moved
        if not told:
            held = {r[4] for r in rows if (r[2] in moved or r[2] == here) and r[6] is None}
            if len(held) == 1:
                patient = held.pop()
        with self.db:
            for old in moved:
                members = [r for r in rows if r[2] == old]
                for visit, image, _, wound, name, shas, _ in members:
                    new = by_name[Path(image).name][0] if same_photo(image, shas) else None
                    if name == patient and new and (wound, new) not in taken:
                        self.db.execute("UPDATE visits SET image = ? WHERE id = ?", (new, visit))
                        taken.add((wound, new))
                    self.db.execute("UPDATE visits SET source = ? WHERE id = ?", (here, visit))
            for visit, image, src, _, name, _, _ in rows:
                if src is None and name == patient and Path(image).resolve().is_relative_to(folder):
                    self.db.execute("UPDATE visits SET source = ? WHERE id = ?", (here, visit))
        return patient

    def begin_run(self, source) -> None:
        """Start a run of one series (a folder or manifest): the visits it makes are that series', and
        :meth:`end_run` retires the series' visits it did not make."""
        self.run_source = str(Path(source).resolve())
        with self.db:
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS touched (id INTEGER PRIMARY KEY)")
            self.db.execute("DELETE FROM touched")

    def other_sources(self, patient: str, source) -> list[str]:
        """The series other than ``source`` that ``patient``'s current visits came from."""
        rows = self.db.execute(
            "SELECT DISTINCT v.source FROM visits v JOIN wounds w ON w.id = v.wound_id JOIN patients p "
            "ON p.id = w.patient_id WHERE p.name = ? AND v.source IS NOT NULL AND v.source != ? "
            "AND v.retired IS NULL", (patient, str(Path(source).resolve()))).fetchall()
        return sorted(r[0] for r in rows)

    def end_run(self) -> list[str]:
        """Retire the visits of this run's series that it no longer made (a photo removed or renamed, a
        wound renamed, the series now under another patient's name): ``export`` leaves them out, as
        ``track`` does; their measurements stay. Returns the photos of the visits retired now whose file
        is gone (a photo deleted or renamed), for the run to say so."""
        gone = ("SELECT DISTINCT image FROM visits WHERE source = ? AND retired IS NULL "
                "AND id NOT IN (SELECT id FROM touched)")
        with self.db:
            images = [r[0] for r in self.db.execute(gone, (self.run_source,)).fetchall()]
            self.db.execute("UPDATE visits SET retired = 1 WHERE source = ? AND id NOT IN (SELECT id FROM touched)",
                            (self.run_source,))
        self.run_source = None
        return sorted(image for image in images if not Path(image).exists())

    def visit_id(self, patient: str, wound: str, image: str, date: str | None, note: str = "") -> int:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO patients(name) VALUES (?)", (patient,))
            pid = self.db.execute("SELECT id FROM patients WHERE name = ?", (patient,)).fetchone()[0]
            self.db.execute("INSERT OR IGNORE INTO wounds(patient_id, label) VALUES (?, ?)", (pid, wound))
            wid = self.db.execute("SELECT id FROM wounds WHERE patient_id = ? AND label = ?", (pid, wound)).fetchone()[0]
            self.db.execute("INSERT OR IGNORE INTO visits(wound_id, image) VALUES (?, ?)", (wid, image))
            self.db.execute("UPDATE visits SET date = ?, note = ?, retired = NULL WHERE wound_id = ? AND image = ?",
                            (date, note, wid, image))
            visit = self.db.execute("SELECT id FROM visits WHERE wound_id = ? AND image = ?", (wid, image)).fetchone()[0]
            if self.run_source is not None:
                self.db.execute("UPDATE visits SET source = ? WHERE id = ?", (self.run_source, visit))
                self.db.execute("INSERT OR IGNORE INTO touched(id) VALUES (?)", (visit,))
            return visit

    def find_visit(self, patient: str, wound: str, image: str) -> int | None:
        """The id of a visit already in the record, or None."""
        row = self.db.execute(
            "SELECT v.id FROM visits v JOIN wounds w ON w.id = v.wound_id JOIN patients p ON p.id = w.patient_id "
            "WHERE p.name = ? AND w.label = ? AND v.image = ?", (patient, wound, image)).fetchone()
        return row[0] if row else None

    def set_current(self, visit_id: int, measurement_id: int) -> None:
        """Mark the measurement that the latest run used for this visit (what ``export`` shows)."""
        with self.db:
            self.db.execute("UPDATE visits SET current = ? WHERE id = ?", (measurement_id, visit_id))

    def flags(self, visit_id: int) -> tuple[str | None, str]:
        """A visit's exclusion reason (None: included in the metrics) and a reviewer's remark."""
        row = self.db.execute("SELECT excluded, remark FROM visits WHERE id = ?", (visit_id,)).fetchone()
        return (row[0] or None, row[1] or "") if row else (None, "")

    def set_flags(self, visit_id: int, *, excluded: str | None = None, remark: str | None = None) -> None:
        """Exclude a visit from the metrics with a reason ("" includes it again), or set its remark."""
        with self.db:
            if excluded is not None:
                self.db.execute("UPDATE visits SET excluded = ? WHERE id = ?", (excluded or None, visit_id))
            if remark is not None:
                self.db.execute("UPDATE visits SET remark = ? WHERE id = ?", (remark, visit_id))

    def find(self, visit_id: int, key: RecordKey) -> StoredMeasurement | None:
        """The stored measurement of this visit under this key, if any."""
        return self._stored("visit_id = ? AND sha256 = ? AND params_key = ?", (visit_id, key.sha256, key.params_key))

    def stored(self, measurement_id: int) -> StoredMeasurement | None:
        """A stored measurement by its id."""
        return self._stored("id = ?", (measurement_id,))

    def _stored(self, where: str, args: tuple) -> StoredMeasurement | None:
        row = self.db.execute(f"SELECT id, result, error, outline, override_path FROM measurements WHERE {where}",
                              args).fetchone()
        if row is None:
            return None
        return StoredMeasurement(row[0], json.loads(row[1]) if row[1] else None, row[2], row[3] or "", row[4])

    def save(self, visit_id: int, outcome, *, version: str) -> StoredMeasurement:
        """Store one photo's :class:`~woundmeasure.pipeline.Outcome` (result or error) in one transaction."""
        from woundmeasure.io import encode_mask

        result = outcome.result
        info = result.to_dict() if result is not None else None
        override = outcome.options.outline
        key = outcome.key
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO measurements(visit_id, sha256, params_key, params, outline, override_path, "
                "override_sha256, area_mm2, perimeter_mm, result, mask_png, error, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (visit_id, key.sha256, key.params_key, json.dumps(outcome.options.key(), sort_keys=True, default=str),
                 result.segmentation_method if result else "", override, key.override_sha256,
                 info["area_mm2"] if info else None, info["perimeter_mm"] if info else None,
                 json.dumps(info) if info else None,
                 encode_mask(result.labels if result.labels is not None else result.mask) if result is not None else None,
                 outcome.error, version))
        return self.find(visit_id, key)

    def mask(self, measurement_id: int, numbers=()) -> np.ndarray | None:
        """The wound mask kept with a measurement (None for a failed one): all its wounds, or only the
        numbered ones (see :class:`~woundmeasure.wounds.WoundInstance`)."""
        from woundmeasure.io import wounds_of

        labels = self.labels(measurement_id)
        return None if labels is None else wounds_of(labels, numbers)

    def labels(self, measurement_id: int) -> np.ndarray | None:
        """The label image kept with a measurement (0 off the wound, 1..n its wounds; None for a failed one)."""
        from woundmeasure.io import decode_labels

        row = self.db.execute("SELECT mask_png FROM measurements WHERE id = ?", (measurement_id,)).fetchone()
        return decode_labels(row[0]) if row and row[0] else None

    def forget_labels(self, patient: str, images, *, keep) -> None:
        """Leave out of the current record the visits of these photos under labels the latest run no longer
        gives (a wound renamed or relabelled): their measurements and flags stay in the record."""
        images = list(images)
        if not images:
            return
        marks = ",".join("?" * len(images))
        labels = ",".join("?" * len(keep)) or "''"
        rows = self.db.execute(
            f"SELECT v.id FROM visits v JOIN wounds w ON w.id = v.wound_id JOIN patients p ON p.id = w.patient_id "
            f"WHERE p.name = ? AND v.image IN ({marks}) AND w.label NOT IN ({labels})",
            (patient, *images, *keep)).fetchall()
        with self.db:
            for (visit_id,) in rows:
                self.db.execute("UPDATE visits SET current = NULL WHERE id = ?", (visit_id,))
                self.db.execute("DELETE FROM instances WHERE visit_id = ?", (visit_id,))

    def set_instance(self, visit_id: int, measurement_id: int, *, status: str, numbers=(), note: str = "",
                     unsure: bool = False, place=()) -> None:
        """Keep what a labelled wound is in a photo's measurement: its numbered wounds, or closed / outside
        (``place``: where in the photo a closed wound was expected, [x, y, radius] px each)."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO instances(visit_id, measurement_id, status, numbers, note, unsure, "
                            "place) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (visit_id, measurement_id, status, json.dumps(list(numbers)), note, int(unsure),
                             json.dumps([list(p) for p in place])))

    def table(self, *, latest: bool = False) -> list[dict]:
        """Stored measurements with their patient, wound and visit, in date order.

        ``latest``: only each visit's current measurement, the one the latest run used (or, in
        a record made before that was kept, the newest). A labelled wound of a photo with several
        carries its ``instance`` (status, numbers, note, unsure); the photo's own visit, which
        only holds the measurement of all of them, is then left out.
        """
        newest = ("WHERE m.id = COALESCE(v.current, (SELECT MAX(id) FROM measurements WHERE visit_id = m.visit_id)) "
                  "AND v.retired IS NULL " if latest else "")
        cur = self.db.execute(
            "SELECT m.id, v.id AS visit_id, p.name, w.label, v.date, v.image, v.note, v.excluded, v.remark, m.sha256, "
            "m.params, m.outline, m.override_path, m.area_mm2, m.perimeter_mm, m.result, m.error, m.version "
            "FROM measurements m JOIN visits v ON v.id = m.visit_id JOIN wounds w ON w.id = v.wound_id "
            f"JOIN patients p ON p.id = w.patient_id {newest}ORDER BY p.name, w.label, v.date, v.image, m.id")
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, row)) for row in cur.fetchall()]
        if latest:  # the labelled wounds' visits point at a measurement made under another visit
            cur = self.db.execute(
                "SELECT m.id, v.id AS visit_id, p.name, w.label, v.date, v.image, v.note, v.excluded, v.remark, "
                "m.sha256, m.params, m.outline, m.override_path, m.area_mm2, m.perimeter_mm, m.result, m.error, "
                "m.version FROM visits v JOIN measurements m ON m.id = v.current "
                "JOIN wounds w ON w.id = v.wound_id JOIN patients p ON p.id = w.patient_id "
                "WHERE m.visit_id != v.id AND v.retired IS NULL")
            rows += [dict(zip(cols, row)) for row in cur.fetchall()]
        instances = {(r[0], r[1]): {"status": r[2], "numbers": json.loads(r[3]), "note": r[4], "unsure": bool(r[5]),
                                    "place": json.loads(r[6] or "[]")}
                     for r in self.db.execute("SELECT visit_id, measurement_id, status, numbers, note, unsure, place "
                                              "FROM instances")}
        # the photos' own visits whose measurements back labelled wounds (a closer look's among them)
        split = {r[0] for r in self.db.execute("SELECT DISTINCT m.visit_id FROM instances i "
                                               "JOIN measurements m ON m.id = i.measurement_id")}
        out = []
        for d in rows:
            d["instance"] = instances.get((d["visit_id"], d["id"]))
            if d["instance"] is None and d["visit_id"] in split and latest:
                continue  # a photo of several wounds: its labelled wounds' rows stand for it
            d["result"] = json.loads(d["result"]) if d["result"] else None
            out.append(d)
        out.sort(key=lambda d: (d["name"], d["label"], d["date"] or "", d["image"], d["id"]))
        return out
