"""Settings of the processes woundmeasure owns (the command line, batch workers), never of the library's callers.

Like rasterio's ``Env``: a library call leaves the process as it found it; only an entry
point that owns its process changes it, or a context that restores it on exit.
"""

from __future__ import annotations

import contextlib
import sys

REUSE_BELOW_BYTES = 256 << 20


def keep_freed_memory() -> bool:
    """Have glibc keep freed blocks of up to 256 MB for reuse instead of handing them back at once.

    By default glibc maps any block over 32 MB fresh from the kernel and unmaps it when it is
    freed, so each 12 MP photo's 36 MB arrays are faulted in page by page, photo after photo
    (``benchmarks/bench_speed.py`` times the difference). It changes the whole process, so only
    processes woundmeasure owns call it: the command line and batch workers, never the library.
    Returns whether the C library took the setting (glibc only).
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


@contextlib.contextmanager
def one_thread():
    """OpenCV, ONNX Runtime and the BLAS on one thread inside the block; the caller's counts come back after it.

    A batch worker owns one core: left at their defaults, each worker's thread pools compete
    with the other workers for the cores.
    """
    import cv2
    from threadpoolctl import threadpool_limits

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # the shipped model's session follows OpenCV's count
    try:
        with threadpool_limits(1):
            yield
    finally:
        cv2.setNumThreads(threads)


def load_model_once() -> None:
    """Load the shipped model now, so that every photo of the worker finds it loaded."""
    try:
        from woundmeasure.segmentation.model import load_model

        load_model()
    except Exception:  # noqa: BLE001 - a missing model is reported per photo, not at start-up
        pass


_WORKER_SETTINGS = contextlib.ExitStack()


def start_worker() -> None:
    """A pool worker's set-up, for the worker's whole life: memory kept for reuse, one thread, the model loaded."""
    keep_freed_memory()
    _WORKER_SETTINGS.enter_context(one_thread())
    load_model_once()


WORKER_MODULES = ["woundmeasure.batch.runner", "woundmeasure.pipeline", "cv2", "PIL.Image"]
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
