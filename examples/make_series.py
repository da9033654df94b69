"""Regenerate the example series from a real foot-ulcer photo (deterministic).

    python examples/make_series.py [--data PATH/TO/fuseg-train]

One photo of the FUSeg 2021 training data (CC BY-NC 4.0, see ``series/LICENSE.md``),
a heel ulcer from the project's held-out validation list, is taken as 110 mm wide (its
512 px; the heel then measures about 73 mm across). At each of seven visits over seven
months the wound has healed from its edge by a known share of its area
(``woundmeasure.synthetic.make_visit``: the remaining wound keeps its real pixels, the
healed ring is painted as new epithelium), and the heel, framed by a blue-green
fenestrated drape, is photographed beside the printed calibration card from another
distance and angle. The true areas fall exponentially to a 96% reduction by the last visit.

Writes ``examples/series/<date>.jpg``, ``truth.csv`` and ``LICENSE.md``, ``examples/single/``
(the same wound photographed once, with its true mask and ``truth.json``), and
``examples/two-wounds/``: a second real photo that shows two wounds (an ankle and a dorsum
ulcer), at six visits over 20 weeks; the ankle ulcer closes by the last visit, the dorsum
ulcer halves (and splits in two). Each wound's true mask is in ``truth/<date>.<wound>.png``
and its true area in ``truth.csv``, labelled A and B left to right in the first photo.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import cv2
import numpy as np

from woundmeasure.io import write_rgb
from woundmeasure.synthetic import make_visit

HERE = Path(__file__).parent
OUT = HERE / "series"
SOURCE = "0138"  # fuseg-train/images/0138.jpg: in the validation list of segmentation/models/fuseg_split.json
PHOTO_WIDTH_MM = 110.0  # assumed: the photo's 512 px across the skin (the heel ~340 px, ~73 mm, wide)
CONTENT_ROWS = 384  # the photo is 512 x 384, zero-padded below to 512 x 512
WINDOW = ((210, 190), (135, 150))  # the drape's window: an ellipse over the heel (centre, semi-axes; px)
VISITS = [  # (date, day, px_per_mm at the wound, tilt_deg)
    ("2024-01-08", 0, 8.0, 5.0), ("2024-02-07", 30, 10.5, 18.0), ("2024-03-09", 61, 7.0, 10.0),
    ("2024-04-09", 92, 11.5, 25.0), ("2024-05-12", 125, 9.0, 0.0), ("2024-06-18", 162, 12.0, 15.0),
    ("2024-07-31", 205, 7.5, 22.0),
]
K_PER_DAY = math.log(25) / 205  # 96% reduction by day 205

LICENSE = """# Photo licence

The photos in this folder are synthetic re-photographs of **one real clinical photo**,
photo `{stem}` of the Foot Ulcer Segmentation Challenge 2021 (FUSeg, MICCAI) training set, as
published in the uwm-bigdata/wound-segmentation repository
("data/Foot Ulcer Segmentation Challenge/train", `images/{stem}.png`; the project's shared
copy `fuseg-train/{name}` holds it re-encoded as JPEG): a de-identified photo of a diabetic
foot ulcer on the heel, with its wound annotation (`masks/{stem}.png`). It is in the
validation part of the project's split (`woundmeasure/segmentation/models/fuseg_split.json`),
so the bundled segmentation model was not trained on it (that part served to choose its checkpoints).

Licence of the photo and of these derived images: **CC BY-NC 4.0** (attribution,
non-commercial; <https://creativecommons.org/licenses/by-nc/4.0/>).

Cite: Wang C, Anisuzzaman DM, Williamson V, et al. Fully automatic wound segmentation with
deep convolutional neural networks. Sci Rep 10, 21897 (2020). doi:10.1038/s41598-020-78799-w

What is simulated (`examples/make_series.py`, `woundmeasure.synthetic.make_visit`): the
photo is taken as {width:.0f} mm wide (an assumption: the photo has no scale); at each visit
the wound has healed from its edge by a known share of its annotated area (the remaining
wound keeps the photo's own pixels; the healed ring is painted as new epithelium from the
surrounding skin); the photo is laid on a blue-green drape beside the printed calibration
card (`examples/calibration_card.svg`) and photographed by a simulated camera at another
distance and angle, with uneven light, blur, noise and JPEG. The dates are invented.
`truth.csv` holds each visit's true wound area on the skin plane (mm^2, exact for the
simulation) and the true percent area reduction from the first visit.
"""


def load(data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The photo (RGB, padding cropped), its wound mask and the drape's window."""
    bgr = cv2.imread(str(data / "images" / f"{SOURCE}.jpg"), cv2.IMREAD_COLOR)
    mask = cv2.imread(str(data / "masks" / f"{SOURCE}.png"), cv2.IMREAD_GRAYSCALE)
    if bgr is None or mask is None:
        raise SystemExit(f"{SOURCE}.jpg / {SOURCE}.png not found under {data}")
    rgb = np.ascontiguousarray(bgr[:CONTENT_ROWS, :, ::-1])
    window = np.zeros(mask[:CONTENT_ROWS].shape, np.uint8)
    cv2.ellipse(window, WINDOW[0], WINDOW[1], 0, 0, 360, 1, -1)
    return rgb, mask[:CONTENT_ROWS] > 127, window > 0


def main() -> None:
    default = HERE.parent.parent / "shared" / "data" / "fuseg-train"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=default, help=f"the FUSeg training folder (default {default})")
    args = ap.parse_args()
    rgb, mask, window = load(args.data)
    OUT.mkdir(exist_ok=True)
    rows = []
    for i, (date, day, scale, tilt) in enumerate(VISITS):
        v = make_visit(rgb, mask, photo_width_mm=PHOTO_WIDTH_MM, healed_fraction=1 - math.exp(-K_PER_DAY * day),
                       seed=1400 + i, width=2400, height=1800, px_per_mm=scale, tilt_deg=tilt, exposed=window,
                       jpeg_quality=None)
        write_rgb(OUT / f"{date}.jpg", v.rgb, quality=90)
        rows.append([date, v.area_mm2, v.px_per_mm, tilt])
    a0 = rows[0][1]
    with open(OUT / "truth.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "true_area_mm2", "true_par_pct", "px_per_mm", "tilt_deg", "source_photo"])
        for date, area, scale, tilt in rows:
            w.writerow([date, f"{area:.2f}", f"{100 * (a0 - area) / a0:.2f}", f"{scale:.3f}", f"{tilt:g}",
                        f"fuseg-train/images/{SOURCE}.jpg"])
    (OUT / "LICENSE.md").write_text(LICENSE.format(stem=SOURCE, name=f"images/{SOURCE}.jpg", width=PHOTO_WIDTH_MM))
    make_single(rgb, mask, window)
    make_two_wounds(args.data)


TWO_SOURCE = "0182"  # two ulcers on one foot; in the validation list of fuseg_split.json
TWO_PHOTO_WIDTH_MM = 200.0  # assumed: the photo's 384 px across (the foot ~330 px, ~170 mm, long)
TWO_WINDOW = ((165, 250), (160, 105))  # the drape's window: this ellipse and 20 px around each wound
TWO_VISITS = [  # (date, day, healed share of A, of B, px_per_mm at the wounds, tilt_deg)
    ("2024-03-04", 0, 0.0, 0.0, 6.0, 5.0), ("2024-04-01", 28, 0.30, 0.12, 7.5, 15.0),
    ("2024-04-29", 56, 0.55, 0.22, 5.0, 10.0), ("2024-05-27", 84, 0.78, 0.32, 6.5, 20.0),
    ("2024-06-24", 112, 0.94, 0.41, 5.5, 0.0), ("2024-07-22", 140, 1.0, 0.50, 7.0, 12.0),
]


def make_two_wounds(data: Path) -> None:
    """``examples/two-wounds/``: two wounds in every photo, healing at different rates, A closing."""
    from woundmeasure.io import write_mask
    from woundmeasure.synthetic import make_wounds_visit

    bgr = cv2.imread(str(data / "images" / f"{TWO_SOURCE}.jpg"), cv2.IMREAD_COLOR)
    mask = cv2.imread(str(data / "masks" / f"{TWO_SOURCE}.png"), cv2.IMREAD_GRAYSCALE)
    if bgr is None or mask is None:
        raise SystemExit(f"{TWO_SOURCE}.jpg / {TWO_SOURCE}.png not found under {data}")
    rgb = np.ascontiguousarray(bgr[:, :384, ::-1])  # the photo is 384 px wide, zero-padded to 512
    count, regions = cv2.connectedComponents((mask[:, :384] > 127).astype(np.uint8))
    wounds = sorted((regions == k for k in range(1, count)), key=lambda m: np.nonzero(m)[1].mean())  # A left
    window = np.zeros(regions.shape, np.uint8)
    cv2.ellipse(window, TWO_WINDOW[0], TWO_WINDOW[1], 0, 0, 360, 1, -1)
    window |= cv2.dilate((mask[:, :384] > 127).astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (41, 41)))
    out = HERE / "two-wounds"
    (out / "truth").mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (date, day, fa, fb, scale, tilt) in enumerate(TWO_VISITS):
        v, masks, areas = make_wounds_visit(rgb, wounds, healed_fractions=(fa, fb), photo_width_mm=TWO_PHOTO_WIDTH_MM,
                                            seed=1600 + i, width=1800, height=1350, px_per_mm=scale, tilt_deg=tilt,
                                            exposed=window > 0, jpeg_quality=None)
        if i == 0:  # named as woundmeasure names them: A, B left to right in the first photo
            names = dict(zip(np.argsort([np.nonzero(m)[1].mean() for m in masks]), "AB"))
        write_rgb(out / f"{date}.jpg", v.rgb, quality=90)
        for k, m in enumerate(masks):
            write_mask(out / "truth" / f"{date}.{names[k]}.png", m)
        rows.append([date, day, *(areas if names[0] == "A" else areas[::-1]), v.px_per_mm, tilt])
    a0, b0 = rows[0][2], rows[0][3]
    with open(out / "truth.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "day", "wound", "true_area_mm2", "true_par_pct", "px_per_mm", "tilt_deg", "source_photo"])
        for date, day, area_a, area_b, scale, tilt in rows:
            for label, area, base in (("A", area_a, a0), ("B", area_b, b0)):
                w.writerow([date, day, label, f"{area:.2f}", f"{100 * (base - area) / base:.2f}", f"{scale:.3f}",
                            f"{tilt:g}", f"fuseg-train/images/{TWO_SOURCE}.jpg"])
    (out / "LICENSE.md").write_text(LICENSE.format(stem=TWO_SOURCE, name=f"images/{TWO_SOURCE}.jpg",
                                                   width=TWO_PHOTO_WIDTH_MM)
                                    .replace("on the heel", "of the ankle and the dorsum (two wounds)"))


def make_single(rgb: np.ndarray, mask: np.ndarray, window: np.ndarray) -> None:
    """``examples/single/``: the same wound photographed once, tilted, with its true mask and truth.json."""
    import json

    from woundmeasure.io import write_mask

    out = HERE / "single"
    out.mkdir(exist_ok=True)
    v = make_visit(rgb, mask, photo_width_mm=PHOTO_WIDTH_MM, healed_fraction=0.3, seed=1500, width=2400, height=1800,
                   px_per_mm=9.0, tilt_deg=20.0, exposed=window, jpeg_quality=None)
    write_rgb(out / "wound.jpg", v.rgb, quality=90)
    write_mask(out / "wound.mask.png", v.mask)
    truth = {"area_mm2": v.area_mm2, "px_per_mm": v.px_per_mm, "tilt_deg": v.tilt_deg, "marker_mm": v.marker_mm,
             "source_photo": f"fuseg-train/images/{SOURCE}.jpg (CC BY-NC 4.0, see ../series/LICENSE.md)",
             "generator": "woundmeasure.synthetic.make_visit (examples/make_series.py)"}
    (out / "truth.json").write_text(json.dumps(truth, indent=1))


if __name__ == "__main__":
    main()
