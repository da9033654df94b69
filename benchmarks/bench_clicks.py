"""How clicks and a box steer the outline, on the held-out FUSeg split, and how long a click takes.

    python benchmarks/bench_clicks.py [--data ../shared/data/fuseg-train] [--limit N] [--max-clicks 20]

Clicks follow the standard protocol of interactive segmentation (RITM, Sofiiuk et al. 2021):
each goes to the most interior point of the largest error of the outline so far, inside
the wound where it is missed, on the background where it is over-drawn
(``woundmeasure.segmentation.clicks.next_click``). Prints mean and pooled Dice and the
median area error after 0, 1, 2, 3 and 5 clicks, how many clicks it takes to reach Dice
0.85 and 0.90 (NoC@85, NoC@90; at most ``--max-clicks``, counted as that when not
reached), the same for a box (the wound's true extent grown by 10%), the share of photos
where one click made the outline worse, and the time a click takes on a 12 MP photo.
Needs the FUSeg data (shared, not in the repository) for the accuracy part; without it,
says so and times clicks only.
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
from woundmeasure.segmentation.clicks import next_click
from woundmeasure.segmentation.model import Steering, model_path
from woundmeasure.segmentation.model_spec import SPLIT_FILENAME

REPORT_AT = (0, 1, 2, 3, 5)


def dice(a: np.ndarray, b: np.ndarray) -> float:
    total = int(a.sum()) + int(b.sum())
    return 2 * int((a & b).sum()) / total if total else 1.0


def true_box(truth: np.ndarray, grow: float = 0.1) -> tuple[float, float, float, float]:
    rows, cols = np.nonzero(truth)
    x0, x1, y0, y1 = cols.min(), cols.max() + 1, rows.min(), rows.max() + 1
    w, h = x1 - x0, y1 - y0
    return (max(0.0, x0 - grow * w / 2), max(0.0, y0 - grow * h / 2), w * (1 + grow), h * (1 + grow))


def click_series(rgb: np.ndarray, truth: np.ndarray, clicks: int, *, box=None) -> list[np.ndarray]:
    """The outline before any click and after each of ``clicks`` protocol clicks."""
    steering = Steering(rgb, box=box)
    masks = [steering.mask() if box is not None else segment(rgb, method="model")[0]]
    for _ in range(clicks):
        c = next_click(truth, masks[-1])
        if c is None:
            masks.append(masks[-1])
            continue
        steering.click(c[0], c[1], positive=c[2])
        masks.append(steering.mask())
    return masks


def summarise(label: str, runs: list[list[np.ndarray]], truths: list[np.ndarray], max_clicks: int) -> str:
    lines = []
    for k in REPORT_AT:
        if k >= len(runs[0]):
            break
        preds = [r[k] for r in runs]
        d = [dice(p, t) for p, t in zip(preds, truths)]
        inter = sum(int((p & t).sum()) for p, t in zip(preds, truths))
        total = sum(int(p.sum()) + int(t.sum()) for p, t in zip(preds, truths))
        errs = [abs(int(p.sum()) - int(t.sum())) / int(t.sum()) for p, t in zip(preds, truths)]
        lines.append(f"  {label}, {k} click(s): mean Dice {np.mean(d):.3f}, pooled {2 * inter / total:.3f}, "
                     f"median |area error| {100 * statistics.median(errs):.1f}%")
    for target in (0.85, 0.90):
        reached = [next((k for k, m in enumerate(r) if dice(m, t) >= target), None) for r, t in zip(runs, truths)]
        noc = [max_clicks if k is None else k for k in reached]
        lines.append(f"  {label}: NoC@{round(100 * target)} {np.mean(noc):.2f} (reached by "
                     f"{sum(k is not None for k in reached)} of {len(noc)} within {len(runs[0]) - 1} clicks)")
    if len(runs[0]) > 1:
        worse = sum(dice(r[1], t) < dice(r[0], t) - 1e-9 for r, t in zip(runs, truths))
        lines.append(f"  {label}: one click made the outline worse on {worse} of {len(runs)} photos")
    return "\n".join(lines)


def time_clicks(repeats: int = 5) -> str:
    import cv2

    from woundmeasure.synthetic import make_phantom

    p = make_phantom(7, width=4000, height=3000, px_per_mm=20.0)
    old = cv2.getNumThreads()
    times = []
    try:
        cv2.setNumThreads(2)
        steering = Steering(p.rgb)
        ys, xs = np.nonzero(p.mask)
        for i in range(repeats):
            t = time.perf_counter()
            steering.click(float(xs[i * 997 % len(xs)]), float(ys[i * 997 % len(ys)]))
            steering.mask()
            times.append(time.perf_counter() - t)
    finally:
        cv2.setNumThreads(old)
    return (f"a click re-segments a 12 MP photo in {statistics.median(times):.3f} s "
            f"(median of {repeats}, two threads; target <= 0.3 s)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).parents[1] / ".." / "shared" / "data" / "fuseg-train")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N validation photos")
    ap.add_argument("--max-clicks", type=int, default=20)
    args = ap.parse_args(argv)
    if (args.data / "images").is_dir():
        split = json.loads((model_path().parent / SPLIT_FILENAME).read_text())
        names = split["val"][: args.limit or None]
        truths, photos = [], []
        for name in names:
            truth = read_mask(args.data / "masks" / (Path(name).stem + ".png"))
            if truth.any():  # a click protocol needs a wound to click on
                truths.append(truth)
                photos.append(read_image(args.data / "images" / name).rgb)
        print(f"held-out split: {len(photos)} FUSeg photos with a wound (seed {split['seed']})")
        clicks = [click_series(rgb, t, args.max_clicks) for rgb, t in zip(photos, truths)]
        print(summarise("clicks", clicks, truths, args.max_clicks))
        boxed = [click_series(rgb, t, 3, box=true_box(t)) for rgb, t in zip(photos, truths)]
        print(summarise("box (true extent + 10%), then clicks", boxed, truths, 3))
    else:
        print(f"FUSeg data not found at {args.data}: accuracy not measured (pass --data)")
    print(time_clicks())


if __name__ == "__main__":
    main()
