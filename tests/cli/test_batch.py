import importlib.util
import json
import os
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

from tests.helpers import write_series as _series
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
    bad["one.png"] = "too small to measure a wound in"
    Image.new("RGB", (2000, 3), (200, 50, 50)).save(d / "sliver.png")
    bad["sliver.png"] = "is 2000 x 3 px, too small"
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
    assert f"{len(ok)} measured, {len(bad)} failed, 0 already done" in r.stderr  # the failed are not "measured"
    said = r.stderr.splitlines()
    assert all(sum(rows[name]["error"] == line for line in said) == 1 for name in bad)  # each failure: one line
    assert "Traceback" not in r.stderr
    # every encoding and EXIF orientation of the same photo measures the same area
    ref = rows["orient1.png"]["area_mm2"]
    same = ["rgba.png", "rgb16.png", *(f"orient{o}.png" for o in range(2, 9)), "lossless.heic"]
    for n in (n for n in same if n in rows):
        assert rows[n]["area_mm2"] == pytest.approx(ref, rel=1e-9), n
    for n in ["good.jpg", "cmyk.jpg"]:  # lossy: close, not identical
        assert rows[n]["area_mm2"] == pytest.approx(ref, rel=0.15), n
    assert any("no wound" in w for w in rows["gray16.png"]["warnings"])  # no colour, no colour segmentation
    assert any("no colour" in w for w in rows["gray16.png"]["warnings"])  # and it says why
    assert not any("no colour" in w for n in ok if n != "gray16.png" for w in rows[n]["warnings"])
    csv_lines = (tmp_path / "o" / "results.csv").read_text().strip().splitlines()
    assert len(csv_lines) == len(photos) + 1


def test_photos_of_one_name_in_two_subfolders_keep_their_own_masks(tmp_path):
    src = tmp_path / "src"
    for folder, seed in (("a", 72), ("b", 73)):
        write_rgb(src / folder / "x.jpg", make_phantom(seed, width=480, height=360, px_per_mm=4.0, marker=False).rgb)
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", str(tmp_path / "o"), "--px-per-mm", "4", "--masks",
                                 "--overlays", "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    for kind, suffix in (("masks", "png"), ("overlays", "jpg")):
        assert sorted(p.relative_to(tmp_path / "o" / kind).as_posix() for p in (tmp_path / "o" / kind).rglob("*.*")) \
            == [f"a/x.{suffix}", f"b/x.{suffix}"]


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
        f.write('{"image": "torn')  # a line torn by the kill is cut off
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--px-per-mm", "6", "--workers", "1",
                                 "--quiet"])
    assert r.exit_code == 0, r.output
    from woundmeasure.batch import read_done

    rows = list(read_done(jsonl).values())
    assert sorted(os.path.basename(r["image"]) for r in rows) == [f"p{i:02d}.jpg" for i in range(8)]
    assert f"{8 - before} measured" in r.stderr
    assert len((out / "results.csv").read_text().strip().splitlines()) == 9
    assert all(json.loads(line) for line in jsonl.read_text().splitlines())  # each line a row (pandas reads it)


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
    assert "1 measured, 0 failed, 3 already done" in again.stderr


def test_a_photo_whose_row_is_a_failure_is_measured_again(tmp_path):
    """A failure (a worker that died, a lost Dask task) may not happen again: a re-run tries it again."""
    import json

    from woundmeasure.batch import read_done

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    _series(src, 2)
    args = ["batch", str(src), "--out", str(out), "--px-per-mm", "6", "--workers", "1", "--quiet"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    jsonl = out / "results.jsonl"
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    failed = {k: rows[1][k] for k in ("image", "wound", "date", "sha256", "params_key")} | {"error": "worker died"}
    jsonl.write_text("\n".join(json.dumps(r) for r in (rows[0], failed)) + "\n")  # the same photo and key, failed
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and "1 measured, 0 failed, 1 already done" in again.stderr
    key = (failed["image"], failed["wound"], failed["sha256"], failed["params_key"])
    assert len(read_done(jsonl)) == 2 and "error" not in read_done(jsonl)[key]


def _csv_images(path):
    import csv

    with path.open(newline="") as f:
        return [os.path.relpath(r["image"], path.parents[1]) for r in csv.DictReader(f)]


def test_photos_with_the_same_bytes_are_each_a_row_at_every_run(tmp_path):
    """Two patients' folders may hold the same file: each copy is a photo of its own, now and on a re-run."""
    import shutil

    src, out = tmp_path / "in", tmp_path / "out"
    _series(src / "a", 1)
    (src / "b").mkdir()
    shutil.copy(src / "a" / "p00.jpg", src / "b" / "p00.jpg")
    args = ["batch", str(src), "--out", str(out), "--px-per-mm", "6", "--workers", "1", "--quiet"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert sorted(_csv_images(out / "results.csv")) == ["in/a/p00.jpg", "in/b/p00.jpg"]
    (src / "c").mkdir()
    shutil.copy(src / "a" / "p00.jpg", src / "c" / "p00.jpg")
    again = CliRunner().invoke(cli, args)
    assert "1 measured, 0 failed, 2 already done" in again.stderr
    assert sorted(_csv_images(out / "results.csv")) == ["in/a/p00.jpg", "in/b/p00.jpg", "in/c/p00.jpg"]
    assert sorted(_csv_images(out / "wounds.csv")) == ["in/a/p00.jpg", "in/b/p00.jpg", "in/c/p00.jpg"]


def test_the_csvs_hold_the_latest_run_alone(tmp_path):
    """A re-run with other options, or after a photo was removed, lists each photo once, with this run's result."""
    import csv

    src, out = tmp_path / "in", tmp_path / "out"
    _series(src, 2)
    base = ["batch", str(src), "--out", str(out), "--workers", "1", "--quiet"]
    assert CliRunner().invoke(cli, base + ["--px-per-mm", "6"]).exit_code == 0
    (src / "p01.jpg").unlink()
    assert CliRunner().invoke(cli, base + ["--px-per-mm", "12"]).exit_code == 0
    with (out / "results.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [os.path.basename(r["image"]) for r in rows] == ["p00.jpg"]
    assert float(rows[0]["px_per_mm"]) == 12
    assert len((out / "results.jsonl").read_text().splitlines()) == 3  # the record keeps every earlier row


def test_batch_dates_a_photo_as_track_does(tmp_path):
    """The EXIF date where the name has none; a name's date far from the camera's is warned of."""
    import csv

    from PIL import Image

    from woundmeasure.synthetic import make_phantom

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2024:05:14 09:00:00"
    rgb = make_phantom(45, width=640, height=480, marker=False).rgb
    for name in ("DSC0001.jpg", "2024-04-02.jpg"):
        Image.fromarray(rgb).save(src / name, exif=exif, quality=92)
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--px-per-mm", "6", "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    with (out / "results.csv").open(newline="") as f:
        rows = {os.path.basename(row["image"]): row for row in csv.DictReader(f)}
    assert rows["DSC0001.jpg"]["date"] == "2024-05-14"
    assert rows["2024-04-02.jpg"]["date"] == "2024-04-02" and "42 days" in rows["2024-04-02.jpg"]["warnings"]


def test_a_photo_with_no_wound_outlined_is_a_row_of_area_0_in_wounds_csv(tmp_path):
    import csv

    import numpy as np

    from woundmeasure.io import write_mask

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    _series(src, 2)
    write_mask(src / "p01.mask.png", np.zeros((480, 640), bool))  # a person drew no wound: it has closed
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--px-per-mm", "6", "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    with (out / "wounds.csv").open(newline="") as f:
        rows = {os.path.basename(w["image"]): w for w in csv.DictReader(f)}
    assert set(rows) == {"p00.jpg", "p01.jpg"} and float(rows["p01.jpg"]["area_mm2"]) == 0


def test_batch_takes_one_photo_and_refuses_a_file_that_is_neither_photo_nor_csv(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    _series(src, 1)
    r = CliRunner().invoke(cli, ["batch", str(src / "p00.jpg"), "--out", str(out), "--px-per-mm", "6", "--quiet"])
    assert r.exit_code == 0 and "1 measured, 0 failed" in r.stderr
    (tmp_path / "notes.txt").write_text("image,date\n")
    r = CliRunner().invoke(cli, ["batch", str(tmp_path / "notes.txt"), "--out", str(out)])
    assert r.exit_code == 1 and "give a folder of photos or a .csv manifest" in r.output


def test_the_one_photo_options_are_not_offered_by_the_many_photo_commands():
    import re

    for command in ("batch", "track", "review"):
        shown = CliRunner().invoke(cli, [command, "--help"]).output
        assert "--px-per-mm" in shown and not re.search(r"--(mask|roi|point|box|background-point)\b", shown)
    assert all(f in CliRunner().invoke(cli, ["measure", "--help"]).output for f in ("--mask", "--roi", "--point"))
    r = CliRunner().invoke(cli, ["measure", "x.jpg", "--wound-gap", "-1"])
    assert r.exit_code == 2 and "Invalid value for '--wound-gap'" in r.output


def test_a_rerun_from_elsewhere_resumes_and_takes_a_corrected_date(tmp_path, monkeypatch):
    """The same photos named by a relative path, then by an absolute one, are done; a date corrected in
    the manifest reaches results.csv without measuring again."""
    import csv

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    _series(src, 1)
    (src / "m.csv").write_text("image,date\np00.jpg,2024-01-08\n")
    monkeypatch.chdir(tmp_path)
    args = ["--out", str(out), "--px-per-mm", "6", "--workers", "1", "--quiet"]
    assert CliRunner().invoke(cli, ["batch", "in/m.csv", *args]).exit_code == 0
    (src / "m.csv").write_text("image,date\np00.jpg,2024-01-09\n")
    monkeypatch.chdir(src)  # from another folder: the record keeps where each photo is, not how it was named
    again = CliRunner().invoke(cli, ["batch", str(src / "m.csv"), *args])
    assert "0 measured, 0 failed, 1 already done" in again.stderr
    with (out / "results.csv").open(newline="") as f:
        [row] = list(csv.DictReader(f))
    assert row["date"] == "2024-01-09"


def test_masks_written_beside_the_photos_are_not_measured_and_are_named(tmp_path):
    from woundmeasure.io import write_mask, write_rgb
    from woundmeasure.synthetic import make_phantom

    src = tmp_path / "photos" / "patient"
    src.mkdir(parents=True)
    p = make_phantom(67, width=640, height=480, marker=False)
    write_rgb(src / "2024-01-08.jpg", p.rgb)
    write_mask(src / "2024-01-08.png", p.mask)  # measure --mask-out into the photos' own folder
    r = CliRunner().invoke(cli, ["batch", str(tmp_path / "photos"), "--out", str(tmp_path / "o"), "--px-per-mm", "6",
                                 "--quiet"])
    assert r.exit_code == 0, r.output
    assert "1 measured, 0 failed" in r.stderr and "2024-01-08.png is a black-and-white mask" in r.stderr
    assert "2024-01-08.png" not in (tmp_path / "o" / "results.csv").read_text()
