"""Measure many photos in parallel, resumably: the engine behind ``woundmeasure batch``.

Three parts: :mod:`~woundmeasure.batch.runner` hands photos to local workers or a Dask
cluster and keeps each result as it comes back; :mod:`~woundmeasure.batch.record` is the
JSONL record (and the CSV rebuilt from it) that makes a re-run skip what is done;
:mod:`~woundmeasure.batch.process` holds the settings of the processes the batch starts.
"""

from woundmeasure.batch.process import keep_freed_memory, worker_context
from woundmeasure.batch.record import read_done, write_csv
from woundmeasure.batch.runner import WORKER_DIED, measure_task, run_batch

__all__ = ["WORKER_DIED", "keep_freed_memory", "measure_task", "read_done", "run_batch", "worker_context",
           "write_csv"]
