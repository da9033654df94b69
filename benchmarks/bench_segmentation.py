"""Segmentation accuracy on the held-out FUSeg split, and speed at 12 MP on one CPU core.

    python benchmarks/bench_segmentation.py [--data ../shared/data/fuseg-train] [--limit N]
                                            [--input-size PX] [--threshold P]

Prints, for the shipped model and the classical colour segmenter, on the validation photos listed in
woundmeasure/segmentation/models/fuseg_split.json (never trained on): pooled Dice (all
pixels of the split together, as the FUSeg challenge reports), mean per-photo Dice, and the
median relative area error (photos with a wound), then the mean Dice and the found/true
area ratio by true wound size; then the whole measuring path on those photos enlarged with
a marker pasted beside the wound (median and 95th-percentile area error, wounds missed).
Then Dice on synthetic phantoms with exact masks (foot-like, and the other sites of
``synthetic.SITES``: hairy scalp, leg, necrotic heel, sacrum), and the segmentation time
per photo for a 12 MP (4000 x 3000) synthetic photo with OpenCV limited to one thread.
Needs the FUSeg data (shared, not in the repository) for the first parts; without it,
says so and measures the phantoms and speed only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

from woundmeasure.io import read_image, read_mask
from woundmeasure.segmentation import segment
from woundmeasure.segmentation.model import model_path
from woundmeasure.segmentation.model_spec import INPUT_SIZE, SPLIT_FILENAME

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
    from woundmeasure.synthetic import SITES, make_phantom

    lines = []
    cases = [("foot-like, four skin tones, tilt 0-20 deg", seeds, lambda seed: dict(
        skin_tone=(seed % 4) / 3, tilt_deg=(seed % 3) * 10))]
    cases += [(site, range(600, 606), lambda seed, kw=kw: kw) for site, kw in SITES.items()]
    for label, case_seeds, settings in cases:
        dices, ratios = [], []
        for seed in case_seeds:
            kw = dict(width=1200, height=900, px_per_mm=5.0, **settings(seed))
            p = make_phantom(seed, **kw)
            pred, _ = segment(p.rgb, method=method)
            dices.append(2 * int((pred & p.mask).sum()) / (int(pred.sum()) + int(p.mask.sum())))
            ratios.append(int(pred.sum()) / int(p.mask.sum()))
        lines.append(f"{method:<10} {len(dices):2d} phantoms, {label}: Dice {min(dices):.3f}-{max(dices):.3f} "
                     f"(mean {np.mean(dices):.3f}), found/true area {min(ratios):.2f}-{max(ratios):.2f}")
    return "\n".join(lines)


def pasted_marker_photo(data: Path, name: str, i: int, *, upscale: int = 4, marker_mm: float = 20.0):
    """A held-out photo enlarged ``upscale`` times (as a camera photo would be), with a DICT_4X4_50 marker
    pasted beside the wound where it covers none: (rgb, true area in mm^2), or None (no wound, no room)."""
    import cv2

    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    gt = read_mask(data / "masks" / (Path(name).stem + ".png"))
    if not gt.any():
        return None
    rgb = read_image(data / "images" / name).rgb
    big = cv2.resize(rgb, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
    truth = cv2.resize(gt.astype(np.uint8), None, fx=upscale, fy=upscale, interpolation=cv2.INTER_NEAREST) > 0
    side = int(0.12 * max(big.shape[:2]))  # the black square, with a white quiet zone as on the printed card
    quiet = int(0.3 * side)
    tile = cv2.copyMakeBorder(cv2.aruco.generateImageMarker(dictionary, i % 50, side), quiet, quiet, quiet, quiet,
                              cv2.BORDER_CONSTANT, value=255)
    n = tile.shape[0]
    free = cv2.dilate(truth.astype(np.uint8), np.ones((n // 2, n // 2), np.uint8)) == 0
    spots = [(y, x) for y in range(0, big.shape[0] - n, n // 2) for x in range(0, big.shape[1] - n, n // 2)
             if free[y:y + n, x:x + n].all()]
    if not spots:
        return None
    wy, wx = np.argwhere(truth).mean(0)
    y, x = min(spots, key=lambda s: (s[0] + n / 2 - wy) ** 2 + (s[1] + n / 2 - wx) ** 2)  # beside the wound
    big[y:y + n, x:x + n] = tile[..., None]
    big = cv2.GaussianBlur(big, (0, 0), 1.0)  # the camera's own blur, over the marker as over the wound
    px_per_mm = side / marker_mm
    return big, truth.sum() / px_per_mm ** 2


def whole_photos(data: Path, names: list[str], *, upscale: int = 4, marker_mm: float = 20.0) -> str:
    """The whole measuring path on held-out photos with a marker pasted beside the wound
    (:func:`pasted_marker_photo`); :func:`measure_image` is given nothing but the marker's size.
    The true area is the true mask's pixels at the marker's scale."""
    from woundmeasure.pipeline import measure_image

    errors, missed = [], 0
    for i, name in enumerate(names):
        made = pasted_marker_photo(data, name, i, upscale=upscale, marker_mm=marker_mm)
        if made is None:
            continue
        big, true_mm2 = made
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = measure_image(big, marker_mm=marker_mm).measurement.area_mm2
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            print(f"  {name}: {exc}")
            continue
        missed += found == 0
        errors.append(abs(found - true_mm2) / true_mm2)
    e = 100 * np.array(errors)
    return (f"whole photos with a pasted {marker_mm:g} mm marker ({len(e)} of {len(names)} photos measured, "
            f"{upscale}x enlarged): median |area error| {np.median(e):.1f}%, 95th percentile "
            f"{np.percentile(e, 95):.1f}%, wounds missed {missed}")


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
    ap.add_argument("--input-size", type=int, help="run the automatic model at this working size instead of "
                                                    "the shipped one (model_spec.INPUT_SIZE)")
    ap.add_argument("--threshold", type=float, help="draw the outline at this probability instead of 0.5")
    args = ap.parse_args(argv)
    import woundmeasure.segmentation.model as model

    if args.input_size:  # what-ifs for the choice of the shipped settings, measured with everything else alike
        model.INPUT_SIZE = args.input_size
        print(f"the automatic model at {args.input_size} px (shipped: {INPUT_SIZE})")
    if args.threshold is not None:
        model.THRESHOLD, model.LEVELS = args.threshold, (args.threshold, *model.BAND)
        print(f"outlines at probability {args.threshold} (shipped: 0.5)")
    split = json.loads((model_path().parent / SPLIT_FILENAME).read_text())
    names = split["val"][: args.limit or None]
    if (args.data / "images").is_dir():
        print(f"held-out split: {len(names)} FUSeg photos (seed {split['seed']}; train {split['train_count']})")
        for method in ("model", "color"):
            print(accuracy(args.data, names, method))
        print(whole_photos(args.data, names))
    else:
        print(f"FUSeg data not found at {args.data}: accuracy not measured (pass --data)")
    for method in ("model", "color"):
        print(phantoms(method))
    for method in ("model", "color"):
        print(speed(method))

if __name__ == "__main__":
    main()
