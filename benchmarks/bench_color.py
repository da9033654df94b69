"""The calibration card's colour correction: does one wound segment the same under different lights?

    python benchmarks/bench_color.py [--data ../shared/data/fuseg-train] [--photos 12]

Held-out FUSeg photos (woundmeasure/segmentation/models/fuseg_split.json, never trained on) are
re-photographed beside the calibration card (``synthetic.make_visit``, card with its colour
patches, a drape 8 mm around the wound) under each light of ``synthetic.ILLUMINANTS`` and at two exposures, the scene otherwise
identical (same seed). For each scene the model's Dice against the true mask and the measured
area are taken with the photo as it is and corrected from the card's patches; the figure is how
much they vary across the lights (the range and the standard deviation, per scene, then the
median over scenes), and the patches' colour error before and after. Needs the FUSeg data.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
from bench_clicks import dice

from woundmeasure.color_correction import read_card
from woundmeasure.io import read_image, read_mask
from woundmeasure.measurement import measure_mask
from woundmeasure.pipeline import calibrate
from woundmeasure.segmentation import Hints, outline
from woundmeasure.segmentation.model import model_path
from woundmeasure.segmentation.model_spec import SPLIT_FILENAME
from woundmeasure.synthetic import ILLUMINANTS, make_visit

LIGHTS = [(name, 1.0) for name in ILLUMINANTS] + [("daylight", 0.6), ("daylight", 1.4)]


def draped(rgb, mask):
    """The photo without its black padding, its mask, and a drape's window: the skin within 8 mm of the wound."""
    import cv2

    rows, cols = np.nonzero(rgb.max(axis=2) > 8)
    box = np.s_[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    rgb, mask = np.ascontiguousarray(rgb[box]), mask[box]
    window = cv2.dilate(mask.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (75, 75))) > 0
    return rgb, mask, window


def scene(rgb, mask, seed: int):
    """Dice and area per light, as photographed and as corrected, and the patches' ΔE before/after."""
    out = {"raw": [], "corrected": [], "de": []}
    rgb, mask, window = draped(rgb, mask)
    for name, exposure in LIGHTS:
        v = make_visit(rgb, mask, photo_width_mm=110.0, healed_fraction=0.2, seed=seed, width=2000, height=1500,
                       px_per_mm=9.0, tilt_deg=10, exposed=window, illuminant=name, exposure=exposure)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cal = calibrate(v.rgb)
        color = read_card(v.rgb, cal)
        if color is None:  # the pipeline then measures the photo as it is: so does the benchmark
            print(f"   seed {seed} {name} x{exposure}: the card's patches were not read")
            out["unread"] = out.get("unread", 0) + 1
        exclude = cal.reference_mask(v.rgb.shape[:2])
        for key, photo in (("raw", v.rgb), ("corrected", v.rgb if color is None else color.apply(v.rgb))):
            found = outline(photo, hints=Hints(exclude=exclude))
            out[key].append((dice(found.mask, v.mask), measure_mask(found.mask, calibration=cal).area_mm2))
        if color is not None:
            out["de"].append((color.delta_e_before, color.delta_e_after))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).parents[1] / ".." / "shared" / "data" / "fuseg-train")
    ap.add_argument("--photos", type=int, default=12)
    args = ap.parse_args(argv)
    if not (args.data / "images").is_dir():
        print(f"FUSeg data not found at {args.data}: nothing measured (pass --data)")
        return
    names = json.loads((model_path().parent / SPLIT_FILENAME).read_text())["val"]
    spread = {"raw": [], "corrected": []}
    des = []
    used = unread = 0
    for k, name in enumerate(names):
        if used == args.photos:
            break
        gt = read_mask(args.data / "masks" / (Path(name).stem + ".png"))
        if gt.sum() < 2000:  # a wound that heals by a fifth and stays visible
            continue
        rgb = read_image(args.data / "images" / name).rgb
        try:
            res = scene(rgb, gt, 2000 + k)
        except ValueError as exc:  # the wound lies too near the photo's edge for the drape's window
            print(f"   {name}: {exc}")
            continue
        used += 1
        unread += res.get("unread", 0)
        for key in spread:
            d, a = np.array(res[key]).T
            spread[key].append((np.ptp(d), np.std(d), np.ptp(a) / np.mean(a), np.std(a) / np.mean(a), np.mean(d)))
        des += res["de"]
    print(f"{used} scenes x {len(LIGHTS)} lights ({', '.join(f'{n} x{e:g}' for n, e in LIGHTS)}); "
          f"the card's patches not read (photo measured as it is) in {unread}")
    for key in spread:
        s = np.array(spread[key])
        print(f"{key:>9}: Dice across lights: median range {np.median(s[:, 0]):.4f}, median std {np.median(s[:, 1]):.4f}"
              f" (mean Dice {np.mean(s[:, 4]):.3f}); area: median range {100 * np.median(s[:, 2]):.1f}%, "
              f"median std {100 * np.median(s[:, 3]):.1f}%")
    r, c = np.array(spread["raw"]), np.array(spread["corrected"])
    print(f"corrected / raw: Dice std {np.median(c[:, 1]) / max(np.median(r[:, 1]), 1e-9):.2f}, "
          f"area std {np.median(c[:, 3]) / max(np.median(r[:, 3]), 1e-9):.2f} (target: below 0.5)")
    de = np.array(des)
    print(f"card patches, median CIE76 ΔE from their printed colours: before {np.median(de[:, 0]):.1f}, "
          f"after {np.median(de[:, 1]):.1f}")


if __name__ == "__main__":
    main()
