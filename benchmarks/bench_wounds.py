"""Several wounds in one photo: are they told apart, followed, and measured each on its own?

    python benchmarks/bench_wounds.py

1. The bundled series ``examples/two-wounds`` (two real wounds in every photo, six visits over
   20 weeks, one closing; truth from the generator): each wound's area and PAR at every visit,
   with the true masks given and with the shipped model's outline (nothing given but the card).
2. Following wounds across visits (``woundmeasure.wounds.follow_wounds``) on random layouts of
   2-4 wounds on the body, seen at each visit through a frame turned by any angle and shifted (a
   card laid down anew), each wound shrinking at its own rate (so that sizes may cross), some
   closing, with the found centres off by 2 mm, elongations by 15% and long axes by 10 degrees:
   the share of visits where every label is right, and how often a wrong one was at least
   marked unsure.
3. Where to look again: the same random series with one wound left out of 30% of later photos
   (as if the outline missed it): how often a place ``follow_wounds`` gives for it lies within
   its reach of the true place.
4. Real wounds healing (needs ``../shared/data/fuseg-train``; says so when it is absent): the
   held-out FUSeg photos, each wound healed from its edge until 10% or 3% is left, or closed,
   enlarged 4x as whole photos are: how often the automatic outline draws a wound where it was,
   without and with a closer look there (``Hints.looks``), and the Dice of what the look found.
"""

from __future__ import annotations

import csv
import math
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from woundmeasure.io import read_mask, write_mask  # noqa: E402
from woundmeasure.options import MeasureOptions  # noqa: E402
from woundmeasure.series import track  # noqa: E402
from woundmeasure.wounds import Footprint, follow_wounds  # noqa: E402

TWO = ROOT / "examples" / "two-wounds"


def truth() -> dict:
    with open(TWO / "truth.csv", newline="") as f:
        return {(r["date"], r["wound"]): (float(r["true_area_mm2"]), float(r["true_par_pct"])) for r in csv.DictReader(f)}


def run_series(given_masks: bool) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for photo in TWO.glob("*.jpg"):
            shutil.copy(photo, tmp / photo.name)
            if given_masks:
                a, b = (read_mask(TWO / "truth" / f"{photo.stem}.{w}.png") for w in "AB")
                write_mask(tmp / f"{photo.stem}.mask.png", a | b)
        return track(tmp, db=tmp / "w.db", options=MeasureOptions())


def report_series(name: str, tracks, t: dict) -> None:
    print(f"\n{name}: wounds found {sorted(tr.wound for tr in tracks)}")
    print(f"{'wound':<6} {'date':<11} {'true mm2':>9} {'mm2':>9} {'err %':>7} {'true PAR':>8} {'PAR':>7} {'closed':>6}")
    errs, par_errs = [], []
    for tr in tracks:
        for v in tr.visits:
            true_area, true_par = t.get((v.date, tr.wound), (float("nan"), float("nan")))
            err = 100 * (v.area_mm2 / true_area - 1) if v.area_mm2 is not None and true_area > 0 else float("nan")
            if math.isfinite(err):
                errs.append(abs(err))
            if v.par_pct is not None and math.isfinite(true_par):
                par_errs.append(abs(v.par_pct - true_par))
            area = "failed" if v.area_mm2 is None else f"{v.area_mm2:9.1f}"
            par = "n/a" if v.par_pct is None else f"{v.par_pct:7.1f}"
            print(f"{tr.wound:<6} {v.date:<11} {true_area:>9.1f} {area:>9} {err:>7.1f} {true_par:>8.1f} {par:>7} "
                  f"{'yes' if v.closed else '':>6}")
    if errs:
        print(f"area error: median {np.median(errs):.1f}%, max {max(errs):.1f}%;  PAR error: max {max(par_errs):.1f} "
              "points")


def random_layouts(seed: int, visits: int = 6, *, miss: float = 0.0):
    """Photos of 2-4 wounds on the body through a turning, shifting frame; the truth labels per photo,
    and each wound's true place in each photo (mm). With ``miss``, that share of later photos leaves
    one wound out, as an outline that missed it would."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    while True:
        places = rng.uniform(-70, 70, (n, 2))
        if min(np.hypot(*(places[i] - places[j])) for i in range(n) for j in range(i)) > 25:
            break
    area0 = rng.uniform(80, 900, n)
    rate = rng.uniform(0.0, 0.6, n)  # share of area lost per visit
    elongation = rng.uniform(1.0, 3.0, n)  # length / width
    axis = rng.uniform(0, 180, n)  # direction of the length on the body, degrees
    photos, truth_, where = [], [], []
    for k in range(visits):
        th = rng.uniform(-math.pi, math.pi)
        R = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
        shift = rng.uniform(-100, 100, 2)
        present = [i for i in range(n) if area0[i] * (1 - rate[i]) ** k > 15]
        if miss and k and len(present) > 1 and rng.random() < miss:
            present.pop(int(rng.integers(len(present))))
        order = rng.permutation(len(present))
        prints, who = [], {}
        for number, j in enumerate(order, start=1):
            i = present[j]
            area = area0[i] * (1 - rate[i]) ** k
            centre = R @ (places[i] + rng.normal(0, 2.0, 2)) + shift
            e = elongation[i] * rng.uniform(0.85, 1.15)
            length = 2 * math.sqrt(area * e / math.pi)
            prints.append(Footprint(number, tuple(centre), area, length, None, length / max(e, 1.0),
                                    (axis[i] + math.degrees(th) + rng.normal(0, 10)) % 180))
            who[number] = i
        photos.append((prints, None))
        truth_.append(who)
        where.append({i: R @ places[i] + shift for i in range(n)})
    return photos, truth_, where


def bench_following(trials: int = 300) -> None:
    right = wrong_flagged = wrong = visits = 0
    for seed in range(trials):
        photos, truth_, _ = random_layouts(seed)
        result = follow_wounds(photos)
        label_of = {}
        for a in result[0]:
            label_of[a.label] = truth_[0][a.numbers[0]]
        for photo, who in zip(result[1:], truth_[1:]):
            visits += 1
            ok = all(a.status != "found" or all(who.get(n) == label_of.get(a.label) for n in a.numbers)
                     for a in photo)
            ok &= all(any(a.status == "found" and n in a.numbers for a in photo) for n in who)
            if ok:
                right += 1
            else:
                wrong += 1
                wrong_flagged += any(a.unsure for a in photo)
    print(f"\nfollowing wounds across visits ({trials} random series of 2-4 wounds, {visits} later visits, the "
          "frame turned at random and shifted, centres off by 2 mm, shapes by 15%):")
    print(f"  every label right: {100 * right / visits:.1f}% of visits; of the {wrong} wrong, {wrong_flagged} marked "
          "unsure")


def bench_places(trials: int = 300) -> None:
    """Where a wound that an outline missed should be: does a place to look again cover it?"""
    places, by_kind = [], {}
    for seed in range(trials):
        photos, truth_, where = random_layouts(seed, miss=0.3)
        result = follow_wounds(photos)
        label_of = {a.label: truth_[0][a.numbers[0]] for a in result[0]}
        for (prints, _), photo, who, true in zip(photos[1:], result[1:], truth_[1:], where[1:]):
            kind = ("two or more wounds found" if len(prints) > 1 else "no wound found" if not prints
                    else "one elongated wound found" if (prints[0].elongation or 1) > 1.5 else "one round wound found")
            for a in photo:
                i = label_of.get(a.label)
                if a.status != "closed" or i is None or i in who.values():
                    continue
                places.append(len(a.expected_mm))
                by_kind.setdefault(kind, []).append(
                    any(np.hypot(*(np.subtract(p, true[i]))) <= a.reach_mm for p in a.expected_mm))
    hits = [h for v in by_kind.values() for h in v]
    print(f"\nwhere to look again ({trials} random series as above, a wound left out of 30% of later photos "
          "as if the outline missed it):")
    print(f"  {len(hits)} missed wounds: a place within reach of the true one for {100 * np.mean(hits):.1f}%; "
          f"places per wound: median {np.median(places):.0f}, max {max(places)}")
    for kind, v in sorted(by_kind.items()):
        print(f"    {kind}: {100 * np.mean(v):.1f}% of {len(v)}")


def enlarged(rgb: np.ndarray, *masks: np.ndarray, upscale: int):
    """A photo and its masks enlarged ``upscale`` times with the camera's own blur, as a camera photo
    of the wound's surroundings would show it (``bench_segmentation.pasted_marker_photo``'s way)."""
    import cv2

    big = cv2.GaussianBlur(cv2.resize(rgb, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC), (0, 0), 1.0)
    return (big, *(cv2.resize(m.astype(np.uint8), None, fx=upscale, fy=upscale, interpolation=cv2.INTER_NEAREST) > 0
                   for m in masks))


def bench_real_closure(data: Path, fractions=(0.9, 0.97, 1.0), upscale: int = 4) -> None:
    """The held-out FUSeg photos, each wound healed from its edge (``synthetic.heal_wound``) until a
    share of it is left or it closes, enlarged as whole photos are: does the automatic outline find
    what is left, and does a closer look where the wound was (``Hints.looks``, the place off by
    0.3 of the wound's size, as following puts it) find it when the first pass did not, without
    drawing a wound where it closed?"""
    import json

    from woundmeasure.io import read_image
    from woundmeasure.segmentation import Hints
    from woundmeasure.segmentation.model import model_path, segment_model
    from woundmeasure.segmentation.model_spec import SPLIT_FILENAME
    from woundmeasure.synthetic import heal_wound

    if not (data / "images").is_dir():
        print(f"\nFUSeg data not found at {data}: healed real wounds not measured")
        return
    names = json.loads((model_path().parent / SPLIT_FILENAME).read_text())["val"]
    rng = np.random.default_rng(0)
    print(f"\nreal wounds healing ({len(names)} held-out FUSeg photos, each healed from its edge and enlarged "
          f"{upscale}x; a closer look where the wound was, 0.3 of its size off, within 0.6 of its length or 5% of "
          "the photo; 'finds': draws a wound within that reach):")
    print(f"{'left':>6} {'first pass finds':>17} {'+ closer look':>14} {'Dice, found by the look':>24}")
    for fraction in fractions:
        first = looked = total = drawn = 0
        dices, sizes = [], []
        for name in names:
            rgb = read_image(data / "images" / name).rgb
            mask = read_mask(data / "masks" / (Path(name).stem + ".png"), shape=rgb.shape[:2])
            if not mask.any():
                continue
            healed, left = heal_wound(rgb, mask, fraction, seed=int(rng.integers(1 << 30)))
            healed, left, mask = enlarged(healed, left, mask, upscale=upscale)
            rows, cols = np.nonzero(mask)
            extent = max(np.ptp(rows), np.ptp(cols)) + 1
            radius = max(0.6 * extent, 0.05 * max(mask.shape))
            angle = rng.uniform(0, 2 * math.pi)
            place = (cols.mean() + 0.3 * extent * math.cos(angle), rows.mean() + 0.3 * extent * math.sin(angle))
            place = (float(np.clip(place[0], 0, mask.shape[1] - 1)), float(np.clip(place[1], 0, mask.shape[0] - 1)))
            near = np.hypot(*np.meshgrid(np.arange(mask.shape[1]) - place[0], np.arange(mask.shape[0]) - place[1])) \
                <= radius
            plain, *_ = segment_model(healed, hints=Hints())
            again, *_ = segment_model(healed, hints=Hints(looks=((*place, radius, float(mask.sum())),)))
            total += 1
            if left.any():
                first += bool((plain & near).any())
                if not (plain & near).any() and (again & near).any():
                    looked += 1
                    dices.append(2 * (again & left).sum() / (again.sum() + left.sum()))
            else:
                first += bool((plain & near).any())
                drawn += bool((again & near).any())
                if (again & near).any() and not (plain & near).any():
                    looked += 1
                    sizes.append((again & near).sum() / mask.sum())
        share = f"{100 * (1 - fraction):.0f}%" if fraction < 1 else "closed"
        if fraction < 1:
            print(f"{share:>6} {100 * first / total:>16.1f}% {100 * (first + looked) / total:>13.1f}% "
                  f"{np.median(dices) if dices else float('nan'):>24.3f}")
        else:
            print(f"{share:>6}  a wound drawn where it closed: first pass {100 * first / total:.1f}%, with the "
                  f"closer look {100 * drawn / total:.1f}%; what the look alone drew: median "
                  f"{100 * np.median(sizes) if sizes else float('nan'):.1f}% (max "
                  f"{100 * max(sizes) if sizes else float('nan'):.1f}%) of the wound's area before it healed")


def main() -> None:
    import argparse

    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help describes, runs nothing
    warnings.simplefilter("ignore")
    t = truth()
    report_series("examples/two-wounds, true masks given", run_series(True), t)
    report_series("examples/two-wounds, the shipped model's outline", run_series(False), t)
    bench_following()
    bench_places()
    bench_real_closure(ROOT.parent / "shared" / "data" / "fuseg-train")


if __name__ == "__main__":
    main()
