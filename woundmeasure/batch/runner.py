"""Hand photos to workers (local processes or a Dask cluster) and keep each row as it comes back.

Each photo is one task, :func:`measure_task`, the same on local worker processes and on a
Dask cluster. A failed photo is a row with its error and the batch goes on; a worker that
dies costs only the photo it was measuring.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from woundmeasure.batch.process import (
    load_model_once,
    one_thread,
    start_worker,
    worker_context,
)
from woundmeasure.batch.record import Sink, read_done, read_rows, row_key, write_csv
from woundmeasure.options import MeasureOptions, Outputs
from woundmeasure.sources import PhotoSpec, batch_specs
from woundmeasure.store import RecordKey, record_key


def measure_task(spec: PhotoSpec, options: MeasureOptions, outputs: Outputs = Outputs()) -> dict:
    """Measure one photo into its record row; never raises for a bad photo (the row carries the error)."""
    from woundmeasure.pipeline import measure_spec

    return measure_spec(spec, options, outputs=outputs).row()


def error_row(spec: PhotoSpec, options: MeasureOptions, key: RecordKey, error: str) -> dict:
    """The row of a photo whose task itself was lost (its worker died, its Dask task failed)."""
    from woundmeasure.pipeline import Outcome

    return Outcome(spec, spec.options_for(options), key, error=error).row()


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


def _run_on_dask(address: str, items, options: MeasureOptions, outputs: Outputs, keep, *, task=measure_task) -> None:
    """On a Dask cluster; a task that fails there (a worker killed again and again) is a row with its error."""
    from dask.distributed import Client, as_completed

    with Client(address) as client:  # workers may run in another folder: they get every path absolute
        futures = {client.submit(task, absolute(item[0]), options, outputs, pure=False): item for item in items}
        for fut in as_completed(futures):
            spec, key = futures[fut]
            try:
                row = fut.result()
            except Exception as exc:  # noqa: BLE001 - one photo's lost task must not stop the batch
                row = error_row(spec, options, key,
                                f"{spec.image}: its Dask task failed ({type(exc).__name__}: {exc})")
            keep(row)


def absolute(spec: PhotoSpec) -> PhotoSpec:
    """The spec with its photo's and outline's paths absolute (the row keeps the photo's path as typed)."""
    def full(path):  # links kept, as the outputs' names are made (Outputs.below)
        return path and Path(os.path.abspath(path))

    return replace(spec, image=full(spec.image), mask=full(spec.mask), roi=full(spec.roi))


def _run_here(items, options: MeasureOptions, outputs: Outputs, keep) -> None:
    """In this process, as one worker would (one thread), restoring the caller's thread counts."""
    with one_thread():
        load_model_once()
        for spec, _ in items:
            keep(measure_task(spec, options, outputs))


WORKER_DIED = ("the worker process measuring this photo died (a crash in a native library such as an image "
               "decoder, or out of memory); check that the file opens in an image viewer, or convert it to PNG")


def _run_on_pool(workers: int, items, options: MeasureOptions, outputs: Outputs, keep, *, task=measure_task) -> None:
    """On local worker processes, each result kept as it comes back.

    A worker that dies (a native crash, the kernel's out-of-memory killer) breaks the whole
    pool. The photos that were in flight are then measured again one at a time, each in a pool
    of its own; one that kills its worker again gets a row with that error. Then a new pool
    goes on with the rest.
    """
    items = iter(items)
    args = (options, outputs)
    while lost := _pool_pass(workers, items, args, keep, task=task):
        for item in lost:
            if _pool_pass(1, iter([item]), args, keep, task=task):
                spec, key = item
                keep(error_row(spec, options, key, f"{spec.image}: {WORKER_DIED}"))


def _pool_pass(workers: int, items, args: tuple, keep, *, task) -> list[tuple]:
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
            running.pop(fut)
            keep(row)

    overlays = bool(args[1].overlays)
    with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(overlays),
                             initializer=start_worker) as pool:
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
                    keep(fut.result())
                else:
                    lost.append(held)
            return lost


def run_batch(source, out_dir, *, options: MeasureOptions = MeasureOptions(),
              workers: int | None = None, dask_address: str | None = None, masks: bool = False,
              overlays: bool = False, progress: bool = True) -> dict:
    """Measure the photos of ``source`` into ``out_dir/results.jsonl``, ``results.csv`` (one row per
    photo) and ``wounds.csv`` (one row per wound of each photo).

    Photos are hashed one at a time as they are handed out, so the workers start on the first
    photo at once however long the list; at most four photos per worker are handed out at a
    time, and each result is written as soon as it comes back. ``masks`` and ``overlays``
    write ``out_dir/masks/<stem>.png`` and ``out_dir/overlays/<stem>.jpg``, in the photos' own
    subfolders below the folder that holds them all.

    Parameters
    ----------
    source : str, Path, or list of str, Path or PhotoSpec
        A folder of photos (searched recursively), a manifest, or a list of photos, each with its
        sidecars as a folder would list it (:func:`~woundmeasure.sources.batch_specs`).
    out_dir : str or Path
    options : MeasureOptions
    workers : int, optional
        Local worker processes (default: one per core). Where processes start by importing the
        main script (macOS, Windows), call this under ``if __name__ == "__main__":``.
    dask_address : str, optional
        Run on this Dask cluster instead.
    masks, overlays : bool
    progress : bool
        A progress line on stderr.

    Returns
    -------
    dict with ``measured``, ``skipped``, ``failed`` counts, and ``errors``: each of this run's failures
    in one line (the photo and the fix).

    Raises
    ------
    InputError
        If ``source`` holds no photo or cannot be read.
    """
    from woundmeasure.pipeline import Outcome, dated

    specs = batch_specs(source)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jsonl, csv_path = out / "results.jsonl", out / "results.csv"
    outputs = Outputs(masks=out / "masks" if masks else None,
                      overlays=out / "overlays" if overlays else None).below(s.image for s in specs)
    done = read_done(jsonl)
    counts = {"measured": 0, "skipped": 0, "failed": 0, "errors": []}
    bar = _Progress(len(specs)) if progress and specs else None
    current = {}  # each photo's row key and spec, in the run's order: the CSVs list these
    fresh = {}  # (path, wound, params_key) -> the row this run wrote: its key may differ from the one handed out (a file
    #             changed or removed while the batch ran, so hashed anew)

    def todo():
        for spec in specs:
            key = record_key(spec.image, spec.options_for(options))
            k = row_key(Outcome(spec, options, key).row())
            current.setdefault(k, spec)
            if key.sha256 is not None and k in done:
                counts["skipped"] += 1
                if bar:
                    bar.skip()
                continue
            yield spec, key

    items = todo()
    first = next(items, None)
    if first is not None:  # something to measure: only now start workers
        items = itertools.chain([first], items)
        sink = Sink(jsonl)

        def keep(row):
            sink.write(row)
            path, wound, _, params = row_key(row)
            fresh[path, wound, params] = row
            counts["measured"] += 1
            if "error" in row:
                counts["failed"] += 1
                counts["errors"].append(row["error"])
            if bar:
                bar.step()

        try:
            workers = workers or os.cpu_count() or 1
            if dask_address:
                _run_on_dask(dask_address, items, options, outputs, keep)
            elif workers == 1 or len(specs) == 1:
                _run_here(items, options, outputs, keep)
            else:
                _run_on_pool(workers, items, options, outputs, keep)
        finally:
            sink.close()
    kept = read_rows(jsonl)
    rows = ((fresh.get((k[0], k[1], k[3])) or kept.get(k), spec) for k, spec in current.items())
    write_csv(jsonl, csv_path, (dated(row, spec) for row, spec in rows if row is not None))
    return counts
