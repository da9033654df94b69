"""Measure many photos in parallel, resumably: the engine behind ``woundmeasure batch``.

Each photo is one task (the same one on local worker processes or on a Dask cluster).
Results are appended to ``results.jsonl`` one line per photo, flushed and fsynced as
each arrives; ``results.csv`` is rebuilt from it. A re-run skips photos whose content
hash and parameters already have a row, so a killed run loses nothing and duplicates
nothing. A failed photo is a row with its error; the batch goes on.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import sys
import time
from pathlib import Path

from woundmeasure.sources import PhotoSpec
from woundmeasure.store import file_sha256

CSV_COLUMNS = ["image", "wound", "date", "area_mm2", "area_cm2", "perimeter_mm", "length_mm", "width_mm",
               "num_pixels", "num_regions", "calibration_method", "px_per_mm", "perspective_corrected",
               "uncertainty_pct", "segmentation_method", "warnings", "error", "sha256", "params_key"]


def _base_row(spec: PhotoSpec) -> dict:
    return {"image": str(spec.image), "wound": spec.wound, "date": spec.date.isoformat() if spec.date else None}


def measure_task(spec: PhotoSpec, options: dict, out_dir: str | None = None, masks: bool = False,
                 overlays: bool = False) -> dict:
    """Measure one photo; never raises for a bad photo (the row carries the error)."""
    from woundmeasure.errors import WoundMeasureError
    from woundmeasure.io import write_mask, write_rgb
    from woundmeasure.pipeline import measure_file

    base = _base_row(spec)
    try:
        photo, result = measure_file(spec.image, **spec.measure_options(options))
    except WoundMeasureError as exc:
        return {**base, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one photo's unexpected failure must not stop the batch
        return {**base, "error": f"{spec.image}: unexpected {type(exc).__name__}: {exc}"}
    row = {**base, **result.to_dict(), "image": str(spec.image)}
    if out_dir and (masks or overlays):
        stem = Path(spec.image).stem
        if masks:
            write_mask(Path(out_dir) / "masks" / f"{stem}.png", result.mask)
        if overlays:
            from woundmeasure.report.overlay import draw_overlay

            write_rgb(Path(out_dir) / "overlays" / f"{stem}.jpg", draw_overlay(photo.rgb, result))
    return row


REUSE_BELOW_BYTES = 256 << 20


def keep_freed_memory() -> bool:
    """Have glibc keep freed blocks of up to 256 MB for reuse instead of handing them back at once.

    By default glibc maps any block over 32 MB fresh from the kernel and unmaps it when it is
    freed, so each 12 MP photo's 36 MB arrays are faulted in page by page, photo after photo.
    A bare decode of the benchmark's 12 MP JPEG takes 0.087 s that way, 0.036 s with this
    (``benchmarks/bench_speed.py``). It changes the whole process, so only processes
    woundmeasure owns call it: the command line and batch workers, never the library. Returns
    whether the C library took the setting (glibc only).
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, REUSE_BELOW_BYTES)) and bool(mallopt(m_trim_threshold, REUSE_BELOW_BYTES))


def _start_worker() -> None:
    """A pool worker's set-up: memory kept for reuse, then :func:`_warm_worker`."""
    keep_freed_memory()
    _warm_worker()


def _warm_worker() -> None:
    """One core per worker (OpenCV and the BLAS single-threaded), and the model loaded once per worker process.

    Left at their defaults, each worker's BLAS threads compete with the other workers for the
    cores: on 2 cores that halved the speed of the measurement step with 2 workers.
    """
    import cv2
    from threadpoolctl import threadpool_limits

    cv2.setNumThreads(1)
    threadpool_limits(1)
    try:
        from woundmeasure.segmentation.model import load_model

        load_model()
    except Exception:  # noqa: BLE001 - a missing model is reported per photo, not at start-up
        pass


WORKER_MODULES = ["woundmeasure.batch", "woundmeasure.pipeline", "cv2", "PIL.Image"]
THREADED_MODULES = ("cv2", "numpy", "torch")  # they start thread pools on import, which forking would break


def worker_context(overlays: bool = False):
    """The multiprocessing context for local workers.

    On Linux, a caller that has no threads and has loaded none of ``THREADED_MODULES`` (as at
    the top of ``woundmeasure batch``) forks its workers directly: they start at once and import
    in parallel. Any other caller (a notebook or a test that ran OpenCV) gets a fork server, a
    clean process with ``WORKER_MODULES`` imported, started now, which forks the workers, so
    none inherits the caller's threads (forking a process that ran OpenCV can deadlock). Where
    the platform has neither, workers are spawned.
    """
    import multiprocessing as mp
    import threading

    loaded = any(name in sys.modules for name in THREADED_MODULES)
    if sys.platform.startswith("linux") and threading.active_count() == 1 and not loaded:
        return mp.get_context("fork")
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    from multiprocessing import forkserver

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES + ["woundmeasure.report.overlay"] * overlays)
    forkserver.ensure_running()
    return ctx


def read_done(jsonl: Path) -> dict[tuple[str, str], dict]:
    """Rows already stored, keyed by (sha256, params_key); a torn last line is ignored."""
    done = {}
    if jsonl.is_file():
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if row.get("sha256") and row.get("params_key"):
                done[(row["sha256"], row["params_key"])] = row
    return done


def _csv_row(row: dict) -> dict:
    cal = row.get("calibration") or {}
    out = {k: row.get(k) for k in CSV_COLUMNS}
    out.update(calibration_method=cal.get("method"), px_per_mm=cal.get("px_per_mm"),
               perspective_corrected=cal.get("perspective_corrected"), uncertainty_pct=cal.get("uncertainty_pct"),
               segmentation_method=(row.get("segmentation") or {}).get("method"),
               warnings="; ".join(row.get("warnings") or []))
    return out


def write_csv(jsonl: Path, csv_path: Path) -> None:
    """Rebuild the CSV from the JSONL (the record), atomically."""
    rows = list(read_done(jsonl).values())
    tmp = csv_path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(_csv_row(r) for r in rows)
    os.replace(tmp, csv_path)


class _Progress:
    """``done/total photos, rate, time left`` on one line; photos found already measured leave the total."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.t0 = total, 0, time.time()
        self.stream = stream or sys.stderr  # looked up now: a caller may have redirected it since import

    def skip(self) -> None:
        self.total -= 1
        if self.done:
            self._show()

    def step(self) -> None:
        self.done += 1
        self._show()

    def _show(self) -> None:
        elapsed = time.time() - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        self.stream.write(f"\r{self.done}/{self.total} photos, {rate:.2f}/s, {left:.0f} s left ")
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def _close_torn_line(jsonl: Path) -> None:
    """After a run killed mid-line, end that line so that the next row stands alone."""
    if jsonl.is_file() and jsonl.stat().st_size:
        with jsonl.open("rb") as f:
            f.seek(-1, os.SEEK_END)
            torn = f.read(1) != b"\n"
        if torn:
            with jsonl.open("a", encoding="utf-8") as f:
                f.write("\n")


def _run_on_dask(address: str, items, args: tuple, keep, *, task=measure_task) -> None:
    """On a Dask cluster; a task that fails there (a worker killed again and again) is a row with its error."""
    from dask.distributed import Client, as_completed

    with Client(address) as client:
        futures = {client.submit(task, item[0], *args, pure=False): item for item in items}
        for fut in as_completed(futures):
            spec, sha, key = futures[fut]
            try:
                row = fut.result()
            except Exception as exc:  # noqa: BLE001 - one photo's lost task must not stop the batch
                row = {**_base_row(spec), "error": f"{spec.image}: its Dask task failed ({type(exc).__name__}: {exc})"}
            keep(row, sha, key)


def _run_here(items, args: tuple, keep) -> None:
    """In this process, as one worker would (one thread), restoring the caller's thread counts."""
    import cv2
    from threadpoolctl import threadpool_limits

    threads = cv2.getNumThreads()
    with threadpool_limits():
        _warm_worker()
        try:
            for spec, sha, key in items:
                keep(measure_task(spec, *args), sha, key)
        finally:
            cv2.setNumThreads(threads)


WORKER_DIED = ("the worker process measuring this photo died (a crash in a native library such as an image "
               "decoder, or out of memory); check that the file opens in an image viewer, or convert it to PNG")


def _run_on_pool(workers: int, items, args: tuple, keep, *, overlays: bool, task=measure_task) -> None:
    """On local worker processes, each result kept as it comes back.

    A worker that dies (a native crash, the kernel's out-of-memory killer) breaks the whole
    pool. The photos that were in flight are then measured again one at a time, each in a pool
    of its own; one that kills its worker again gets a row with that error. Then a new pool
    goes on with the rest.
    """
    items = iter(items)
    while lost := _pool_pass(workers, items, args, keep, overlays=overlays, task=task):
        for item in lost:
            if _pool_pass(1, iter([item]), args, keep, overlays=overlays, task=task):
                spec, sha, key = item
                keep({**_base_row(spec), "error": f"{spec.image}: {WORKER_DIED}"}, sha, key)


def _pool_pass(workers: int, items, args: tuple, keep, *, overlays: bool, task) -> list[tuple]:
    """Measure ``items`` on one pool, at most four photos per worker handed out at a time.

    Returns the photos it lost if a worker died (none when all went well); ``items`` then
    resumes after them.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    running, item = {}, None

    def keep_finished():
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in finished:
            row = fut.result()  # raises BrokenProcessPool if a worker died: the photo stays in `running`
            keep(row, *running.pop(fut)[1:])

    with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(overlays),
                             initializer=_start_worker) as pool:
        try:
            for item in items:
                if len(running) >= 4 * workers:
                    keep_finished()
                running[pool.submit(task, item[0], *args)] = item
                item = None
            while running:
                keep_finished()
            return []
        except BrokenProcessPool:
            lost = [item] if item is not None else []  # taken from `items` but not handed out
            for fut, held in running.items():
                if fut.done() and fut.exception() is None:  # finished before the crash
                    keep(fut.result(), *held[1:])
                else:
                    lost.append(held)
            return lost


def run_batch(specs: list[PhotoSpec], out_dir, *, options: dict, workers: int | None = None,
              dask_address: str | None = None, masks: bool = False, overlays: bool = False,
              progress: bool = True) -> dict:
    """Measure ``specs`` into ``out_dir/results.jsonl`` and ``results.csv``.

    Photos are hashed one at a time as they are handed out, so the workers start on the first
    photo at once however long the list; at most four photos per worker are handed out at a
    time, and each result is written as soon as it comes back.

    Returns
    -------
    dict with ``measured``, ``skipped``, ``failed`` counts.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jsonl, csv_path = out / "results.jsonl", out / "results.csv"
    done = read_done(jsonl)
    counts = {"measured": 0, "skipped": 0, "failed": 0}
    bar = _Progress(len(specs)) if progress and specs else None

    def todo():
        for spec in specs:
            sha = file_sha256(spec.image)
            key = spec.params_key(options)
            if sha is not None and (sha, key) in done:
                counts["skipped"] += 1
                if bar:
                    bar.skip()
                continue
            yield spec, sha, key

    args = (options, str(out), masks, overlays)
    _close_torn_line(jsonl)
    items = todo()
    first = next(items, None)
    if first is not None:  # something to measure: only now start workers
        items = itertools.chain([first], items)
        with jsonl.open("a", encoding="utf-8") as sink:
            def keep(row, sha, key):
                row = {**row, "sha256": row.get("sha256") or sha or "", "params_key": key}
                if sha is None:  # a missing file has no content hash: record it under its path
                    row["sha256"] = "missing:" + row["image"]
                sink.write(json.dumps(row) + "\n")
                sink.flush()
                os.fsync(sink.fileno())
                counts["measured"] += 1
                counts["failed"] += "error" in row
                if bar:
                    bar.step()

            workers = workers or os.cpu_count() or 1
            if dask_address:
                _run_on_dask(dask_address, items, args, keep)
            elif workers == 1 or len(specs) == 1:
                _run_here(items, args, keep)
            else:
                _run_on_pool(workers, items, args, keep, overlays=overlays)
    write_csv(jsonl, csv_path)
    return counts
