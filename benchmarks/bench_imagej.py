"""woundmeasure against ImageJ, the reference peer, on the same masks and scale.

    python benchmarks/bench_imagej.py      # needs: apt-get install imagej xvfb

For disks and ellipses of known size, and for synthetic wound masks, prints the area, perimeter and
length from woundmeasure, from ImageJ (Analyze Particles on the mask, and Measure on the .roi
woundmeasure wrote) and the truth. Expected: areas identical; woundmeasure's perimeter closer to the
truth than ImageJ's traced perimeter.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from imagej_peer import available, measure_in_imagej  # noqa: E402

from woundmeasure.calibration import manual_calibration  # noqa: E402
from woundmeasure.io import write_mask  # noqa: E402
from woundmeasure.measurement import measure_mask  # noqa: E402
from woundmeasure.roi import write_roi  # noqa: E402
from woundmeasure.synthetic import make_phantom  # noqa: E402


def shapes():
    from skimage.draw import disk, ellipse

    for r in (25, 60, 150, 400):
        n = 2 * r + 20
        m = np.zeros((n, n), bool)
        rr, cc = disk((n / 2 + 0.3, n / 2 - 0.2), r)
        m[rr, cc] = True
        yield f"disk r={r}px", m, 2 * math.pi * r, 2 * r
    for a, b, t in ((200, 80, 0.5), (120, 60, 1.2)):
        m = np.zeros((500, 500), bool)
        rr, cc = ellipse(250.2, 249.7, a, b, rotation=t)
        m[rr, cc] = True
        h = ((a - b) / (a + b)) ** 2
        yield f"ellipse {a}x{b}px", m, math.pi * (a + b) * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h))), 2 * a
    for seed in (1, 2):
        p = make_phantom(seed, marker=False, width=1200, height=900, px_per_mm=6.0)
        yield f"wound phantom {seed}", p.mask, p.perimeter_mm * 6.0, None


def main():
    if not available():
        print("ImageJ not found (apt-get install imagej xvfb): nothing measured")
        return
    scale = 5.0
    print(f"scale {scale} px/mm; areas mm2, lengths mm")
    print(f"{'shape':<20} {'area wm':>10} {'area IJ':>10} {'IJ roi':>10} | {'perim true':>10} {'wm':>8} "
          f"{'IJ':>8} {'wm err':>7} {'IJ err':>7} | {'length true':>11} {'wm':>8} {'IJ Feret':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, m, perim_px, length_px in shapes():
            mask_png, roi = Path(tmp) / "m.png", Path(tmp) / "m.roi"
            write_mask(mask_png, m)
            write_roi(roi, m)
            wm = measure_mask(m, calibration=manual_calibration(scale))
            ij = measure_in_imagej(mask_png, roi, scale)
            t = perim_px / scale
            print(f"{name:<20} {wm.area_mm2:>10.3f} {ij['particles_area']:>10.3f} {ij['roi_area']:>10.3f} | "
                  f"{t:>10.2f} {wm.perimeter_mm:>8.2f} {ij['particles_perimeter']:>8.2f} "
                  f"{100 * (wm.perimeter_mm / t - 1):>+6.2f}% {100 * (ij['particles_perimeter'] / t - 1):>+6.2f}% | "
                  f"{(length_px / scale if length_px else float('nan')):>11.2f} {wm.length_mm:>8.2f} "
                  f"{ij['roi_feret']:>8.2f}")


if __name__ == "__main__":
    main()
