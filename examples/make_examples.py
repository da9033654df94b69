"""Regenerate the bundled examples from the synthetic generator (deterministic).

    python examples/make_examples.py

Writes ``examples/single/`` (one calibrated photo with its true mask and truth.json) and
``examples/series/`` (seven visits of one wound over seven months, with truth.json).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from woundmeasure.io import write_mask, write_rgb
from woundmeasure.synthetic import make_phantom

HERE = Path(__file__).parent


def make_single() -> None:
    out = HERE / "single"
    out.mkdir(exist_ok=True)
    p = make_phantom(2024, width=1600, height=1200, px_per_mm=8.0, wound_radius_mm=14.0, tilt_deg=0.0,
                     ruler=True, marker=True)
    write_rgb(out / "wound.jpg", p.rgb, quality=90)
    write_mask(out / "wound.mask.png", p.mask)
    truth = {"area_mm2": p.area_mm2, "perimeter_mm": p.perimeter_mm, "px_per_mm": p.px_per_mm,
             "tilt_deg": p.tilt_deg, "marker_mm": p.marker_mm, "generator": "woundmeasure.synthetic.make_phantom",
             "params": p.params}
    (out / "truth.json").write_text(json.dumps(truth, indent=1))


# A scalp wound closing by about 96% over seven months (in the spirit of Pumford et al. 2024),
# photographed at each visit from another distance and angle, with a 20 mm ArUco marker.
SERIES = [  # (date, day, px_per_mm, tilt_deg)
    ("2024-01-08", 0, 7.0, 5.0), ("2024-02-07", 30, 9.0, 18.0), ("2024-03-09", 61, 6.5, 10.0),
    ("2024-04-09", 92, 8.0, 25.0), ("2024-05-12", 125, 10.0, 8.0), ("2024-06-18", 162, 7.5, 15.0),
    ("2024-07-31", 205, 9.5, 20.0),
]
A0_MM2 = 1000.0
K_PER_DAY = math.log(25) / 205  # 96% reduction by day 205


def make_series() -> None:
    out = HERE / "series"
    out.mkdir(exist_ok=True)
    truth = []
    for i, (date, day, scale, tilt) in enumerate(SERIES):
        area = A0_MM2 * math.exp(-K_PER_DAY * day)
        p = make_phantom(700 + i, width=1600, height=1200, px_per_mm=scale, tilt_deg=tilt, skin_tone=0.2,
                         wound_radius_mm=math.sqrt(area / math.pi), wound_seed=77, drape=False)
        write_rgb(out / f"{date}.jpg", p.rgb, quality=90)
        truth.append({"date": date, "day": day, "image": f"{date}.jpg", "area_mm2": p.area_mm2,
                      "px_per_mm": p.px_per_mm, "tilt_deg": tilt})
    a0 = truth[0]["area_mm2"]
    for t in truth:
        t["par_pct"] = 100 * (a0 - t["area_mm2"]) / a0
    (out / "truth.json").write_text(json.dumps({"visits": truth, "generator": "woundmeasure.synthetic.make_phantom",
                                                "note": "areas in mm^2 on the skin plane"}, indent=1))


if __name__ == "__main__":
    make_single()
    make_series()
