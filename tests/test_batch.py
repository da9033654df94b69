import importlib.util
import json
import os
import platform
import signal
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from woundmeasure.cli.main import cli
from woundmeasure.io import write_rgb
from woundmeasure.synthetic import make_phantom


def _png_header_only(path, width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Good photos in several encodings plus every kind of bad file; returns (folder, expectations)."""
    d = tmp_path_factory.mktemp("corpus")
    p = make_phantom(31, width=640, height=480, px_per_mm=4.0, marker=False, wound_radius_mm=14)
    rgb = p.rgb
    good = {}
    write_rgb(d / "good.jpg", rgb, quality=95)
    good["good.jpg"] = None
    Image.fromarray(rgb).convert("CMYK").save(d / "cmyk.jpg", quality=95)
    Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])).save(d / "rgba.png")
    Image.fromarray((rgb.astype(np.uint16) * 257)[..., 1]).save(d / "gray16.png")
    import cv2

    cv2.imwrite(str(d / "rgb16.png"), (rgb.astype(np.uint16) * 257)[:, :, ::-1])
    for o in range(1, 9):  # the raw pixels stored so that the EXIF tag makes them upright again
        raw = {1: rgb, 2: rgb[:, ::-1], 3: rgb[::-1, ::-1], 4: rgb[::-1], 5: rgb.transpose(1, 0, 2),
               6: np.rot90(rgb, 1), 7: rgb[::-1, ::-1].transpose(1, 0, 2),
               8: np.rot90(rgb, -1)}[o]
        exif = Image.Exif()
        exif[274] = o
        Image.fromarray(np.ascontiguousarray(raw)).save(d / f"orient{o}.png", exif=exif)
    bad = {}
    if importlib.util.find_spec("pillow_heif"):  # the heic extra (in the test extra)
        import pillow_heif

        pillow_heif.register_heif_opener()
        Image.fromarray(rgb).save(d / "lossless.heic", quality=-1, chroma=444, matrix_coefficients=0)
        heic = (d / "lossless.heic").read_bytes()
        (d / "trunc.heic").write_bytes(heic[: len(heic) // 3])
        bad["trunc.heic"] = "damaged or truncated"
    (d / "empty.jpg").write_bytes(b"")
    bad["empty.jpg"] = "file is empty"
    data = (d / "good.jpg").read_bytes()
    (d / "trunc.jpg").write_bytes(data[: len(data) // 3])
    bad["trunc.jpg"] = "damaged or truncated"
    png = (d / "rgba.png").read_bytes()
    (d / "trunc.png").write_bytes(png[: len(png) // 3])
    bad["trunc.png"] = "damaged or truncated"
    (d / "text.jpg").write_text("this is a text file")
    bad["text.jpg"] = "not a readable image"
    Image.new("RGB", (1, 1), (200, 50, 50)).save(d / "one.png")
    good["one.png"] = None
    _png_header_only(d / "bomb.png", 100_000, 100_000)
    bad["bomb.png"] = "exceeds the limit"
    return d, p, good, bad


def test_hard_inputs_each_give_a_row_and_never_stop_the_batch(corpus, tmp_path):
    d, p, good, bad = corpus
    r = CliRunner().invoke(cli, ["batch", str(d), "--out", str(tmp_path / "o"), "--px-per-mm", "4",
                                 "--segmenter", "color", "--workers", "1", "--quiet"])
    assert r.exit_code == 1, r.output
    rows = {os.path.basename(json.loads(line)["image"]): json.loads(line)
            for line in (tmp_path / "o" / "results.jsonl").read_text().splitlines()}
    photos = {f.name for f in d.iterdir()}
    assert set(rows) == photos
    for name, msg in bad.items():
        assert msg in rows[name]["error"] and name in rows[name]["error"] and "\n" not in rows[name]["error"]
    ok = [n for n in rows if n not in bad]
    assert all("error" not in rows[n] for n in ok)
    # every encoding and EXIF orientation of the same photo measures the same area
    ref = rows["orient1.png"]["area_mm2"]
    same = ["rgba.png", "rgb16.png", *(f"orient{o}.png" for o in range(2, 9)), "lossless.heic"]
    for n in (n for n in same if n in rows):
        assert rows[n]["area_mm2"] == pytest.approx(ref, rel=1e-9), n
    for n in ["good.jpg", "cmyk.jpg"]:  # lossy: close, not identical
        assert rows[n]["area_mm2"] == pytest.approx(ref, rel=0.15), n
    assert any("no wound" in w for w in rows["gray16.png"]["warnings"])  # no colour, no colour segmentation
    csv_lines = (tmp_path / "o" / "results.csv").read_text().strip().splitlines()
    assert len(csv_lines) == len(photos) + 1


def test_roi_outside_and_mask_of_wrong_size_are_clear_errors(tmp_path):
    import roifile

    p = make_phantom(32, width=400, height=300, marker=False)
    write_rgb(tmp_path / "a.jpg", p.rgb)
    roifile.ImagejRoi.frompoints(np.array([[900, 900], [950, 900], [950, 950]])).tofile(tmp_path / "a.roi")
    r = CliRunner().invoke(cli, ["measure", str(tmp_path / "a.jpg"), "--px-per-mm", "4", "--roi",
                                 str(tmp_path / "a.roi")])
    assert r.exit_code == 1 and "lies outside the 400 x 300 px photo" in r.stderr


def test_a_sidecar_mask_of_the_wrong_size_is_its_photos_error_and_the_batch_goes_on(tmp_path):
    from woundmeasure.io import write_mask

    src = tmp_path / "in"
    src.mkdir()
    for name, seed in (("a", 34), ("b", 35)):
        p = make_phantom(seed, width=400, height=300, marker=False)
        write_rgb(src / f"{name}.jpg", p.rgb)
        write_mask(src / f"{name}.mask.png", p.mask if name == "a" else p.mask[:200, :350])
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", str(tmp_path / "o"), "--px-per-mm", "4", "--quiet"])
    assert r.exit_code == 1, r.output
    rows = {os.path.basename(json.loads(line)["image"]): json.loads(line)
            for line in (tmp_path / "o" / "results.jsonl").read_text().splitlines()}
    error = rows["b.jpg"]["error"]
    assert "b.mask.png" in error and "350 x 200 px but the photo is 400 x 300 px" in error and "\n" not in error
    assert "error" not in rows["a.jpg"] and rows["a.jpg"]["segmentation"]["method"] == "mask"
    truth = make_phantom(34, width=400, height=300, marker=False).mask.sum() / 16  # 4 px/mm
    assert rows["a.jpg"]["area_mm2"] == pytest.approx(truth)


def test_marker_cut_by_the_edge_is_not_used():
    p = make_phantom(33, width=900, height=700, wound_offset_px=(0, 0))
    c = p.marker_corners
    # crop the photo through the marker
    x_cut = int((c[:, 0].min() + c[:, 0].max()) / 2)
    keep = slice(x_cut, None) if c[:, 0].mean() < 450 else slice(0, x_cut)
    from woundmeasure.calibration.marker import detect_markers

    assert detect_markers(p.rgb)[0]
    assert detect_markers(np.ascontiguousarray(p.rgb[:, keep]))[0] == []


def _series(d, n):
    for i in range(n):
        write_rgb(d / f"p{i:02d}.jpg", make_phantom(40 + i, width=640, height=480, marker=False).rgb)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_killed_batch_resumes_with_exactly_one_row_per_photo(tmp_path, workers):
    src = tmp_path / "in"
    src.mkdir()
    _series(src, 8)
    out = tmp_path / "out"
    jsonl = out / "results.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "woundmeasure", "batch", str(src), "--out", str(out),
                             "--px-per-mm", "6", "--workers", workers, "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (jsonl.exists() and len(jsonl.read_text().splitlines()) >= 2):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len([line for line in jsonl.read_text().splitlines() if line.strip()])
    assert 2 <= before < 8, "the batch was not caught mid-way"
    with jsonl.open("a") as f:
        f.write('{"image": "torn')  # a line torn by the kill is ignored
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--px-per-mm", "6", "--workers", "1",
                                 "--quiet"])
    assert r.exit_code == 0, r.output
    from woundmeasure.batch import read_done

    rows = list(read_done(jsonl).values())
    assert sorted(os.path.basename(r["image"]) for r in rows) == [f"p{i:02d}.jpg" for i in range(8)]
    assert f"{8 - before} measured" in r.stderr
    assert len((out / "results.csv").read_text().strip().splitlines()) == 9


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


def test_progress_counts_only_the_photos_left_to_measure(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _series(src, 3)
    out = tmp_path / "out"
    args = ["batch", str(src), "--out", str(out), "--px-per-mm", "6", "--workers", "1"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and "3/3 photos" in first.stderr
    write_rgb(src / "p09.jpg", make_phantom(49, width=640, height=480, marker=False).rgb)
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    shown = [part.split(" photos,")[0] for part in again.stderr.split("\r") if " photos," in part]
    assert shown == ["1/1"]  # the three photos already measured are neither counted nor shown
    assert "1 measured (0 failed), 3 already done" in again.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is chosen on Linux only")
def test_workers_fork_only_from_a_caller_without_threaded_libraries():
    from woundmeasure.batch.process import worker_context

    assert worker_context().get_start_method() == "forkserver"  # this test process has run OpenCV
    clean = subprocess.run([sys.executable, "-c", "from woundmeasure.batch.process import worker_context; "
                            "print(worker_context().get_start_method())"], capture_output=True, text=True)
    assert clean.stdout.strip() == "fork", clean.stderr
    loaded = subprocess.run([sys.executable, "-c", "import numpy; from woundmeasure.batch.process import worker_context; "
                             "print(worker_context().get_start_method())"], capture_output=True, text=True)
    assert loaded.stdout.strip() == "forkserver", loaded.stderr


def test_the_command_line_starts_without_numpy():
    """What lets ``woundmeasure batch`` fork its workers before any thread pool exists."""
    code = ("import sys; from woundmeasure.cli.main import cli; import woundmeasure.batch, woundmeasure.sources; "
            "print(sorted(m for m in ('numpy', 'cv2', 'onnxruntime') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stderr


FAULTS_OF_REUSED_BLOCK = """
import ctypes, resource, sys
from woundmeasure.batch.process import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
size = 40 << 20  # a 12 MP photo's RGB array is 36 MB
ctypes.memset(block := libc.malloc(size), 1, size)
libc.free(ctypes.c_void_p(block))
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
ctypes.memset(block := libc.malloc(size), 1, size)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_kept_memory_is_reused_without_page_faults():
    """A photo-sized block freed and allocated again is not faulted in from the kernel a second time."""
    faults = {how: int(subprocess.run([sys.executable, "-c", FAULTS_OF_REUSED_BLOCK, how], capture_output=True,
                                      text=True, check=True).stdout) for how in ("default", "keep")}
    assert faults["default"] > 5000  # 40 MB in 4 KiB pages: glibc unmapped it and maps it afresh
    assert faults["keep"] < 500


def test_every_public_name_loads_on_first_use():
    """``__all__`` (kept literal for static tools) and the lazy-loading table name the same things."""
    import woundmeasure

    assert set(woundmeasure.__all__) == set(woundmeasure._MODULE_OF) | {"__version__"}
    assert all(getattr(woundmeasure, name) is not None for name in woundmeasure.__all__)
