"""Speed of the whole path on one 12 MP photo, batch throughput, and peak memory per worker.

    python benchmarks/bench_speed.py [--photos 20]

Prints, measured in one run on the same 12 MP (4000 x 3000) synthetic JPEG with a marker:
the time of a bare JPEG decode (Pillow), of the whole ``measure`` path (decode, marker
calibration, model segmentation, measurement, overlay) and their ratio (target <= 3); a
per-stage profile; photos per second with 1 and 2 workers on a folder of N such photos
(target: 2 workers >= 1.8 x one); the peak resident memory of a worker (target <= 1.5 GB).
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


LAUNCHER = """
import resource, subprocess, sys
folder, out, workers = sys.argv[1:4]
rc = subprocess.run([sys.executable, "-m", "woundmeasure", "batch", folder, "--out", out, "--workers", workers,
                     "--quiet"], capture_output=True).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def _median_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=20)
    args = ap.parse_args(argv)
    from PIL import Image

    from woundmeasure.io import read_image, write_rgb
    from woundmeasure.pipeline import measure_photo
    from woundmeasure.report.overlay import draw_overlay
    from woundmeasure.synthetic import make_phantom

    tmp = Path(tempfile.mkdtemp(prefix="wm-speed-"))
    try:
        p = make_phantom(7, width=4000, height=3000, px_per_mm=20.0, tilt_deg=15)
        photo_path = tmp / "photo.jpg"
        write_rgb(photo_path, p.rgb, quality=90)
        data = photo_path.read_bytes()

        def decode():
            np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

        def whole():
            photo = read_image(photo_path)
            r = measure_photo(photo)
            draw_overlay(photo.rgb, r)

        import warnings

        warnings.simplefilter("ignore")
        whole()  # warm-up (model load)
        t_decode = _median_time(decode)
        t_whole = _median_time(whole)
        print(f"12 MP photo: bare JPEG decode {t_decode:.3f} s; whole measure path {t_whole:.3f} s; "
              f"ratio {t_whole / t_decode:.2f} (target <= 3)")
        photo = read_image(photo_path)
        from woundmeasure.calibration.detect import detect_calibration
        from woundmeasure.measurement import measure_mask
        from woundmeasure.segmentation import segment

        cal = detect_calibration(photo.rgb)
        mask, _ = segment(photo.rgb)
        r = measure_photo(photo)
        stages = {"read_image (decode + hash + EXIF)": lambda: read_image(photo_path),
                  "calibration (marker)": lambda: detect_calibration(photo.rgb),
                  "segmentation (model)": lambda: segment(photo.rgb),
                  "measurement": lambda: measure_mask(mask, calibration=cal),
                  "overlay": lambda: draw_overlay(photo.rgb, r)}
        for name, fn in stages.items():
            print(f"  {name:<36} {_median_time(fn):.3f} s")
        folder = tmp / "folder"
        folder.mkdir()
        for i in range(args.photos):
            shutil.copy(photo_path, folder / f"p{i:02d}.jpg")
            with open(folder / f"p{i:02d}.jpg", "ab") as f:
                f.write(bytes([i]))  # distinct content hashes
        rates, peaks = {}, {}
        for workers in (1, 2):
            out = tmp / f"out{workers}"
            t = time.perf_counter()
            # a small launcher forks the batch, so the peak it reports is the batch's and its workers' own
            # (a child forked from this benchmark would inherit its large RSS)
            proc = subprocess.run([sys.executable, "-c", LAUNCHER, str(folder), str(out), str(workers)],
                                  capture_output=True, text=True)
            dt_ = time.perf_counter() - t
            rates[workers] = args.photos / dt_
            peaks[workers] = float(proc.stdout.strip().splitlines()[-1])
            print(f"batch of {args.photos} photos, {workers} worker(s): {rates[workers]:.2f} photos/s "
                  f"({dt_:.1f} s including start-up, exit {proc.returncode})")
        print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x (target >= 1.8x)")
        print(f"peak resident memory of a batch process or worker: {max(peaks.values()):.0f} MB (target <= 1536 MB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
