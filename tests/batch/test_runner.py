import os
import signal
import sys

import pytest
from click.testing import CliRunner

from tests.helpers import write_series as _series
from woundmeasure.cli.main import cli


def crash_on_photos_named_crash(spec, *args):
    """A pool task that dies as a native crash would, on photos whose name says so."""
    if "crash" in os.path.basename(spec.image):
        os.kill(os.getpid(), signal.SIGSEGV)
    return {"image": str(spec.image)}


@pytest.mark.skipif(not hasattr(signal, "SIGSEGV") or sys.platform == "win32", reason="POSIX signals")
def test_a_worker_that_dies_costs_only_its_own_photo(tmp_path):
    from woundmeasure.batch.runner import WORKER_DIED, _run_on_pool
    from woundmeasure.options import MeasureOptions, Outputs
    from woundmeasure.sources import PhotoSpec
    from woundmeasure.store import RecordKey

    names = ["a.jpg", "b.jpg", "crash1.jpg", "c.jpg", "d.jpg", "e.jpg", "crash2.jpg", "f.jpg", "g.jpg"]
    rows = []
    _run_on_pool(2, [(PhotoSpec(tmp_path / n), RecordKey(f"sha-{n}", "key")) for n in names], MeasureOptions(),
                 Outputs(), rows.append, task=crash_on_photos_named_crash)
    assert sorted(os.path.basename(row["image"]) for row in rows) == sorted(names)  # one row per photo
    errors = {os.path.basename(row["image"]): row.get("error") for row in rows}
    assert all(errors.pop(n).endswith(WORKER_DIED) for n in ("crash1.jpg", "crash2.jpg"))
    assert set(errors.values()) == {None}
    crashed = [row for row in rows if "crash" in row["image"]]
    assert {row["sha256"] for row in crashed} == {"sha-crash1.jpg", "sha-crash2.jpg"}  # kept under their keys


def test_parallel_and_dask_give_the_same_rows(tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    src = tmp_path / "in"
    src.mkdir()
    _series(src, 4)
    args = ["--px-per-mm", "6", "--quiet"]
    local = CliRunner().invoke(cli, ["batch", str(src), "--out", str(tmp_path / "local"), "--workers", "2", *args])
    assert local.exit_code == 0, local.output
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        r = CliRunner().invoke(cli, ["batch", str(src), "--out", str(tmp_path / "dask"), "--dask",
                                     cluster.scheduler_address, *args])
    assert r.exit_code == 0, r.output
    from woundmeasure.batch import read_done

    def by_image(p):
        return {os.path.basename(r["image"]): r for r in read_done(p / "results.jsonl").values()}

    a, b = by_image(tmp_path / "local"), by_image(tmp_path / "dask")
    assert set(a) == set(b) and len(a) == 4
    for k in a:
        assert a[k]["area_mm2"] == b[k]["area_mm2"] and a[k]["sha256"] == b[k]["sha256"]


def fail_on_photos_named_fail(spec, *args):
    """A task that fails on the cluster itself (as after its worker was killed) for photos whose name says so."""
    if "fail" in spec.image.name:
        raise RuntimeError("worker lost")
    return {"image": str(spec.image)}


def test_a_failed_dask_task_is_a_row_and_the_batch_goes_on(tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    from woundmeasure.batch.runner import _run_on_dask
    from woundmeasure.options import MeasureOptions, Outputs
    from woundmeasure.sources import PhotoSpec
    from woundmeasure.store import RecordKey

    names = ["a.jpg", "fail.jpg", "b.jpg"]
    rows = []
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        _run_on_dask(cluster.scheduler_address, [(PhotoSpec(tmp_path / n), RecordKey(n, "key")) for n in names],
                     MeasureOptions(), Outputs(), rows.append, task=fail_on_photos_named_fail)
    errors = {os.path.basename(row["image"]): row.get("error") for row in rows}
    assert sorted(errors) == sorted(names)
    assert "RuntimeError: worker lost" in errors.pop("fail.jpg")
    assert set(errors.values()) == {None}


def test_the_python_batch_takes_a_folder_or_a_list_and_writes_a_row_per_wound(tmp_path):
    import csv
    import shutil
    from pathlib import Path

    import woundmeasure as wm
    from woundmeasure.errors import InputError

    photo = Path(__file__).parents[2] / "examples" / "two-wounds" / "2024-03-04.jpg"
    (tmp_path / "in" / "sub").mkdir(parents=True)
    shutil.copy(photo, tmp_path / "in" / "sub" / photo.name)
    counts = wm.run_batch(tmp_path / "in", tmp_path / "out", workers=1, progress=False)  # a folder, searched down
    assert counts == {"measured": 1, "skipped": 0, "failed": 0, "errors": []}
    [row] = csv.DictReader((tmp_path / "out" / "results.csv").read_text().splitlines())
    assert int(row["num_wounds"]) == 2
    assert float(row["area_mm2_low"]) < float(row["area_mm2"]) < float(row["area_mm2_high"])
    wounds = list(csv.DictReader((tmp_path / "out" / "wounds.csv").read_text().splitlines()))
    assert [w["instance"] for w in wounds] == ["A", "B"]
    assert sum(float(w["area_mm2"]) for w in wounds) == pytest.approx(float(row["area_mm2"]), rel=1e-6)
    assert all(float(w["area_mm2_low"]) < float(w["area_mm2"]) < float(w["area_mm2_high"]) for w in wounds)
    # a list of photos, into the same folder: the photo is already done; a copy elsewhere is a photo of its own
    assert wm.run_batch([tmp_path / "in" / "sub" / photo.name], tmp_path / "out", workers=1,
                        progress=False)["skipped"] == 1
    assert wm.run_batch([photo], tmp_path / "out", workers=1, progress=False)["measured"] == 1
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no photos"):
        wm.run_batch(tmp_path / "empty", tmp_path / "out2", progress=False)
    with pytest.raises(InputError, match="no such folder"):
        wm.run_batch(tmp_path / "nowhere", tmp_path / "out2", progress=False)
    # a photo in a list is taken as a folder lists it: with its sidecar mask (wound A alone) and its date
    from woundmeasure.io import read_mask, write_mask

    shutil.copy(photo, tmp_path / "in" / "2024-03-04.jpg")
    write_mask(tmp_path / "in" / "2024-03-04.mask.png", read_mask(photo.parent / "truth" / "2024-03-04.A.png"))
    wm.run_batch([str(tmp_path / "in" / "2024-03-04.jpg")], tmp_path / "out3", workers=1, progress=False)
    [row] = csv.DictReader((tmp_path / "out3" / "results.csv").read_text().splitlines())
    assert (row["segmentation_method"], row["num_wounds"], row["date"]) == ("mask", "1", "2024-03-04")


def where_the_task_looks(spec, *args):
    return {"image": str(spec.image), "mask": str(spec.mask)}


def test_dask_workers_get_absolute_paths_whatever_folder_they_run_in(tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    from pathlib import Path

    from dask.distributed import LocalCluster

    from woundmeasure.batch.runner import _run_on_dask
    from woundmeasure.options import MeasureOptions, Outputs
    from woundmeasure.sources import PhotoSpec
    from woundmeasure.store import RecordKey

    monkeypatch.chdir(tmp_path)
    rows = []
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        _run_on_dask(cluster.scheduler_address, [(PhotoSpec(Path("in/a.jpg"), mask=Path("in/a.mask.png")),
                                                  RecordKey("a", "key"))],
                     MeasureOptions(), Outputs(), rows.append, task=where_the_task_looks)
    assert rows == [{"image": str(tmp_path / "in" / "a.jpg"), "mask": str(tmp_path / "in" / "a.mask.png")}]


def test_a_photo_changed_while_the_batch_runs_keeps_its_row_in_the_csv(tmp_path, monkeypatch):
    import csv
    import dataclasses

    import woundmeasure.batch.runner as runner
    from woundmeasure.batch import run_batch

    src = tmp_path / "in"
    src.mkdir()
    _series(src, 3)
    real = runner.record_key

    def hashed_before_a_change(image, options):  # p01 is overwritten after it was handed out
        key = real(image, options)
        return dataclasses.replace(key, sha256="0" * 64) if image.name == "p01.jpg" else key

    monkeypatch.setattr(runner, "record_key", hashed_before_a_change)
    from woundmeasure.options import MeasureOptions

    counts = run_batch(src, tmp_path / "out", options=MeasureOptions(px_per_mm=6.0), workers=1, progress=False)
    assert counts["measured"] == 3
    with open(tmp_path / "out" / "results.csv", newline="") as f:
        images = sorted(os.path.basename(row["image"]) for row in csv.DictReader(f))
    assert images == ["p00.jpg", "p01.jpg", "p02.jpg"]
