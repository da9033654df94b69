"""Speed of the whole path on one 12 MP photo, batch throughput, and peak memory per worker.

    python benchmarks/bench_speed.py [--photos 20] [--repeats 3]

Prints, measured in one run on the same 12 MP (4000 x 3000) synthetic JPEG with a marker:
the time of a bare JPEG decode (OpenCV, which ``read_image`` uses for JPEGs, and Pillow), of
the whole ``measure`` path (decode, marker calibration, model segmentation, measurement,
overlay) with the default segmenter, and their ratio (target <= 3), once with glibc's
default memory settings (as in a library user's process) and once, in a fresh process, with
freed memory kept for reuse (``keep_freed_memory``, as the command line and the batch
workers run: both the decode and the path get faster); a per-stage profile; the time of a
click (the promptable model's pass and the outline at full resolution); photos per second
with 1 and 2 workers on a folder of N such photos,
each run repeated and the medians compared (target: 2 workers >= 1.8 x one), with start-up
included and once the workers are running; the peak resident memory of a worker (target
<= 1.5 GB).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

LAUNCHER = """
import json, resource, subprocess, sys, time
folder, out, workers = sys.argv[1:4]
t0 = time.perf_counter()
proc = subprocess.Popen([sys.executable, "-m", "woundmeasure", "batch", folder, "--out", out, "--workers", workers],
                        stderr=subprocess.PIPE)
stamps = []  # when each progress update (one per finished photo) arrived
while chunk := proc.stderr.read1(4096):
    stamps += [time.perf_counter() - t0] * chunk.count(b"\\r")
rc = proc.wait()
print(json.dumps({"rc": rc, "stamps": stamps, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _median_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def time_path(photo_path: Path, label: str) -> None:
    """Print the bare decode of ``photo_path`` and the whole measure path with each model segmenter."""
    import warnings

    from PIL import Image

    from woundmeasure.io import read_image
    from woundmeasure.options import MeasureOptions
    from woundmeasure.pipeline import measure_photo
    from woundmeasure.report.overlay import draw_overlay

    data = photo_path.read_bytes()

    def decode_pillow():
        np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    def decode():  # the decoder read_image uses for JPEGs: the stricter baseline
        cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)

    def whole(segmenter="model"):
        photo = read_image(photo_path)
        r = measure_photo(photo, MeasureOptions(segmenter=segmenter))
        draw_overlay(photo.rgb, r)

    warnings.simplefilter("ignore")
    whole()  # warm-up (model load)
    t_decode, t_pillow = _median_time(decode, 5), _median_time(decode_pillow, 5)
    print(f"12 MP photo, {label}: bare JPEG decode {t_decode:.3f} s with OpenCV "
          f"(Pillow to a NumPy array {t_pillow:.3f} s)")
    t_whole = _median_time(whole, 5)
    print(f"  whole measure path (default segmenter) {t_whole:.3f} s: ratio "
          f"{t_whole / t_decode:.2f} to OpenCV's decode, {t_whole / t_pillow:.2f} to Pillow's (target <= 3)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3, help="batch runs per worker count (medians are reported)")
    ap.add_argument("--path-only", type=Path, help=argparse.SUPPRESS)  # time_path alone, in a fresh process
    args = ap.parse_args(argv)
    if args.path_only:
        from woundmeasure.batch.process import keep_freed_memory

        keep_freed_memory()
        time_path(args.path_only, "memory kept for reuse as the command line and batch workers run")
        return
    from woundmeasure.io import read_image, write_rgb
    from woundmeasure.pipeline import measure_photo
    from woundmeasure.report.overlay import draw_overlay
    from woundmeasure.synthetic import make_phantom

    tmp = Path(tempfile.mkdtemp(prefix="wm-speed-"))
    try:
        p = make_phantom(7, width=4000, height=3000, px_per_mm=20.0, tilt_deg=15)
        photo_path = tmp / "photo.jpg"
        write_rgb(photo_path, p.rgb, quality=90)
        time_path(photo_path, "in this process, glibc's default memory settings (a library user's)")
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--path-only", str(photo_path)], check=True)
        photo = read_image(photo_path)
        from woundmeasure.calibration.detect import detect_calibration
        from woundmeasure.measurement import measure_mask
        from woundmeasure.segmentation import segment

        cal = detect_calibration(photo.rgb)
        mask, _ = segment(photo.rgb)
        r = measure_photo(photo)
        from woundmeasure.segmentation.model import Steering

        steering = Steering(photo.rgb)
        ys, xs = np.nonzero(mask)
        stages = {"read_image (decode + hash + EXIF)": lambda: read_image(photo_path),
                  "calibration (marker)": lambda: detect_calibration(photo.rgb),
                  "segmentation (model)": lambda: segment(photo.rgb),
                  "a click (promptable pass + outline)": lambda: (steering.click(xs[0], ys[0]), steering.mask()),
                  "measurement": lambda: measure_mask(mask, calibration=cal),
                  "overlay": lambda: draw_overlay(photo.rgb, r)}
        print("per stage, in this process:")
        for name, fn in stages.items():
            print(f"  {name:<36} {_median_time(fn):.3f} s")
        folder = tmp / "folder"
        folder.mkdir()
        for i in range(args.photos):
            shutil.copy(photo_path, folder / f"p{i:02d}.jpg")
            with open(folder / f"p{i:02d}.jpg", "ab") as f:
                f.write(bytes([i]))  # distinct content hashes
        rates, steadies, peaks = {1: [], 2: []}, {1: [], 2: []}, []
        for rep in range(args.repeats):  # alternate 1 and 2 workers so that drifts in machine speed hit both
            for workers in (1, 2):
                out = tmp / f"out{workers}-{rep}"
                t = time.perf_counter()
                # a small launcher starts the batch, so the peak it reports is the batch's and its workers' own
                # (a child forked from this benchmark would inherit its large RSS)
                proc = subprocess.run([sys.executable, "-c", LAUNCHER, str(folder), str(out), str(workers)],
                                      capture_output=True, text=True)
                dt_ = time.perf_counter() - t
                run = json.loads(proc.stdout.strip().splitlines()[-1])
                st = run["stamps"]
                steady = (len(st) - workers) / (st[-1] - st[workers - 1]) if len(st) > workers else float("nan")
                rates[workers].append(args.photos / dt_)
                steadies[workers].append(steady)
                peaks.append(run["peak_mb"])
                print(f"batch of {args.photos} photos, {workers} worker(s): {args.photos / dt_:.2f} photos/s "
                      f"({dt_:.1f} s including start-up, exit {run['rc']}); first result after {st[0]:.2f} s, "
                      f"then {steady:.2f} photos/s")
        r1, r2 = statistics.median(rates[1]), statistics.median(rates[2])
        s1, s2 = statistics.median(steadies[1]), statistics.median(steadies[2])
        print(f"medians of {args.repeats} runs: 1 worker {r1:.2f} photos/s, 2 workers {r2:.2f} photos/s")
        print(f"speed-up with 2 workers: {r2 / r1:.2f}x including start-up (target >= 1.8x); "
              f"{s2 / s1:.2f}x once the workers are running")
        print(f"peak resident memory of a batch process or worker: {max(peaks):.0f} MB (target <= 1536 MB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
