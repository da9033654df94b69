"""Where does a poor photo make the area wrong? The curves behind woundmeasure.quality's limits.

    python benchmarks/bench_quality.py [--seeds N]

Synthetic wound photos (``make_phantom``, 1200 x 900 px, 6 px/mm, with a marker) are spoiled by
one defect at growing strength: defocus (Gaussian blur of the whole photo), glare (white
specular spots over a share of the wound bed), and exposure (a gain, clipped). For each level:
the median |area error| of the whole path (marker + the shipped model), how much it grew over
the clean photos, and the median of the value ``quality.assess`` measures on the model's outline,
so that a limit on the measured value stands for an added error (5 points).

Then a shaky hand: 12 MP phantoms (15 px/mm, tilt 10 degrees) blurred by 25 px of motion in a
random direction, the true mask given: how often the marker is still used (and no other scale
found), and how often the true area lies inside the reported 95% interval.
"""

from __future__ import annotations

import argparse
import warnings

import cv2
import numpy as np

from woundmeasure import measure_image
from woundmeasure.errors import WoundMeasureError
from woundmeasure.synthetic import make_phantom


def glare(rgb, mask, share, seed):
    rng = np.random.default_rng(seed)
    out = rgb.copy()
    ys, xs = np.nonzero(mask)
    target = share * mask.sum()
    spots = np.zeros(mask.shape, np.uint8)
    while (spots.astype(bool) & mask).sum() < target:
        i = rng.integers(len(xs))
        cv2.circle(spots, (int(xs[i]), int(ys[i])), int(rng.integers(3, 9)), 1, -1)
    soft = cv2.GaussianBlur(spots.astype(np.float32), (0, 0), 1.0)[..., None]
    return np.clip(out * (1 - soft) + 252 * soft, 0, 255).astype(np.uint8)


def run(defect, level, seeds):
    errors, measured = [], []
    for seed in seeds:
        p = make_phantom(seed, width=1200, height=900, px_per_mm=6.0)
        if defect == "defocus":
            rgb = cv2.GaussianBlur(p.rgb, (0, 0), level) if level else p.rgb
        elif defect == "glare":
            rgb = glare(p.rgb, p.mask, level / 100, seed) if level else p.rgb
        else:
            rgb = np.clip(p.rgb.astype(np.float32) * level, 0, 255).astype(np.uint8)
        try:
            r = measure_image(rgb)
        except WoundMeasureError:
            errors.append(100.0)
            continue
        errors.append(abs(100 * (r.measurement.area_mm2 / p.area_mm2 - 1)))
        q = r.quality
        value = {"defocus": q.wound_blur_px, "glare": q.glare_pct, "exposure": q.clipped_pct}[defect]
        if value is not None:
            measured.append(value)
    return float(np.median(errors)), (float(np.median(measured)) if measured else None)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--shaken", type=int, default=20, help="12 MP photos with motion blur")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    seeds = list(range(4100, 4100 + args.seeds))
    for defect, levels, name, unit in (("defocus", [0, 2, 3, 4, 6, 8], "defocus sigma", "wound edge blur px"),
                                       ("glare", [0, 5, 10, 20, 30], "glare % of the bed", "measured glare %"),
                                       ("exposure", [1.0, 0.5, 1.6, 2.2, 3.0], "exposure gain", "clipped %")):
        print(f"\n{defect}: {name:>20} | median |area error| | added | median {unit}")
        clean = None
        for level in levels:
            err, value = run(defect, level, seeds)
            clean = err if clean is None and level in (0, 1.0) else clean
            added = "" if clean is None else f"{err - clean:+.1f}"
            print(f"{'':9}{level:>20} | {err:>18.1f}% | {added:>5} | {'n/a' if value is None else f'{value:.1f}'}")
    print(shaken(list(range(4300, 4300 + args.shaken))))


def shaken(seeds, length_px: float = 25.0) -> str:
    from woundmeasure.synthetic import motion_blur

    marker = inside = 0
    errors = []
    for seed in seeds:
        p = make_phantom(seed, width=4000, height=3000, px_per_mm=15, tilt_deg=10)
        angle = float(np.random.default_rng(seed).uniform(0, 180))
        try:
            r = measure_image(motion_blur(p.rgb, length_px, angle), mask=p.mask)
        except WoundMeasureError:
            continue
        m = r.measurement
        marker += r.calibration.method == "marker"
        inside += m.area_mm2_low <= p.area_mm2 <= m.area_mm2_high
        errors.append(abs(m.area_mm2 / p.area_mm2 - 1) * 100)
    n = len(seeds)
    return (f"\nshaky hand, {length_px:g} px of motion blur, {n} photos at 12 MP, true mask: marker used in "
            f"{marker}/{n}, another scale in {len(errors) - marker}, none in {n - len(errors)}; true area inside the "
            f"95% interval in {inside}/{len(errors)}; median |area error| {np.median(errors):.2f}%")


if __name__ == "__main__":
    main()
