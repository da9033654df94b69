"""Regenerate the bundled examples from the synthetic generator (deterministic).

    python examples/make_examples.py

Writes ``examples/single/`` (one calibrated photo with its true mask and truth.json). The
series in ``examples/series/`` comes from a real photo: ``examples/make_series.py``.
"""

from __future__ import annotations

import json
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


if __name__ == "__main__":
    make_single()
