"""Segmentation accuracy on the held-out FUSeg split, and speed at 12 MP on one CPU core.

    python benchmarks/bench_segmentation.py [--data ../shared/data/fuseg-train] [--limit N]

Prints, for the shipped model (``model``: the mean over four mirror images; ``model-fast``:
one pass) and the classical colour segmenter, on the validation photos listed in
woundmeasure/segmentation/models/fuseg_split.json (never trained on): pooled Dice (all
pixels of the split together, as the FUSeg challenge reports), mean per-photo Dice, and the
median relative area error (photos with a wound), then the mean Dice and the found/true
area ratio by true wound size. Then Dice on twelve synthetic phantoms with exact masks, and
the segmentation time per photo for a 12 MP (4000 x 3000) synthetic photo with OpenCV
limited to one thread. Needs the FUSeg data (shared, not in the repository); without
it, says so and measures speed only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from woundmeasure.io import read_image, read_mask
from woundmeasure.segmentation import segment
from woundmeasure.segmentation.model import model_path
from woundmeasure.segmentation.model_spec import SPLIT_FILENAME


SIZE_BINS = ((0, 1000), (1000, 5000), (5000, 20000), (20000, None))  # true wound area, px of the 512 px photo


def accuracy(data: Path, names: list[str], method: str) -> str:
    inter = total = 0
    dices, area_errs, areas = [], [], []
    for name in names:
        rgb = read_image(data / "images" / name).rgb
        gt = read_mask(data / "masks" / (Path(name).stem + ".png"), shape=rgb.shape[:2])
        pred, _ = segment(rgb, method=method)
        i, t = int((pred & gt).sum()), int(pred.sum() + gt.sum())
        inter += i
        total += t
        dices.append(2 * i / t if t else 1.0)
        areas.append((int(gt.sum()), int(pred.sum())))
        if gt.any():
            area_errs.append(abs(int(pred.sum()) - int(gt.sum())) / int(gt.sum()))
    lines = [f"{method:<10} pooled Dice {2 * inter / max(total, 1):.4f}  mean per-photo Dice {np.mean(dices):.4f}  "
             f"median |area error| {100 * statistics.median(area_errs):.1f}%  ({len(names)} photos)"]
    gt_px, pred_px = np.array(areas).T
    for lo, hi in SIZE_BINS:
        sel = (gt_px >= lo) & (gt_px < (hi or np.inf))
        if sel.any():
            lines.append(f"         true area {lo}-{hi or ''} px: {sel.sum():3d} photos, mean Dice "
                         f"{np.mean(np.array(dices)[sel]):.3f}, found/true area {pred_px[sel].sum() / gt_px[sel].sum():.2f}")
    return "\n".join(lines)


def phantoms(method: str, seeds=range(500, 512)) -> str:
    """Dice and found/true area on synthetic photos with exact masks (no shared data needed)."""
    from woundmeasure.synthetic import make_phantom

    dices, ratios = [], []
    for seed in seeds:
        p = make_phantom(seed, width=1200, height=900, px_per_mm=5.0, skin_tone=(seed % 4) / 3,
                         tilt_deg=(seed % 3) * 10)
        pred, _ = segment(p.rgb, method=method)
        dices.append(2 * int((pred & p.mask).sum()) / (int(pred.sum()) + int(p.mask.sum())))
        ratios.append(int(pred.sum()) / int(p.mask.sum()))
    return (f"{method:<10} {len(dices)} phantoms (four skin tones, tilt 0-20 deg): Dice {min(dices):.3f}-{max(dices):.3f} "
            f"(mean {np.mean(dices):.3f}), found/true area {min(ratios):.2f}-{max(ratios):.2f}")


def speed(method: str, repeats: int = 5) -> str:
    import cv2

    from woundmeasure.synthetic import make_phantom

    rgb = make_phantom(7, width=4000, height=3000, px_per_mm=20.0).rgb
    old = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        segment(rgb, method=method)  # warm-up: model load
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            segment(rgb, method=method)
            times.append(time.perf_counter() - t)
    finally:
        cv2.setNumThreads(old)
    return f"{method:<10} {statistics.median(times):.3f} s per 12 MP photo (median of {repeats}, one OpenCV thread)"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).parents[1] / ".." / "shared" / "data" / "fuseg-train")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N validation photos")
    args = ap.parse_args(argv)
    split = json.loads((model_path().parent / SPLIT_FILENAME).read_text())
    names = split["val"][: args.limit or None]
    if (args.data / "images").is_dir():
        print(f"held-out split: {len(names)} FUSeg photos (seed {split['seed']}; train {split['train_count']})")
        for method in ("model", "model-fast", "color"):
            print(accuracy(args.data, names, method))
    else:
        print(f"FUSeg data not found at {args.data}: accuracy not measured (pass --data)")
    for method in ("model", "model-fast", "color"):
        print(phantoms(method))
    for method in ("model", "model-fast", "color"):
        print(speed(method))


if __name__ == "__main__":
    main()
