"""Regenerate the committed segmentation samples and the shipped model's expected masks.

    python tests/data/make_segmentation_expectations.py

Run after retraining the model; commit the changed PNGs with the new weights.
"""

from pathlib import Path

from woundmeasure.io import write_mask, write_rgb, read_image
from woundmeasure.segmentation import segment
from woundmeasure.synthetic import make_phantom

HERE = Path(__file__).parent / "segmentation"
SAMPLES = {"light": dict(seed=401, skin_tone=0.15), "medium": dict(seed=402, skin_tone=0.5, tilt_deg=20),
           "dark": dict(seed=403, skin_tone=0.9, drape=True)}

if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, kw in SAMPLES.items():
        p = make_phantom(width=640, height=480, px_per_mm=3.5, wound_radius_mm=16, **kw)
        write_rgb(HERE / f"{name}.jpg", p.rgb, quality=92)
        rgb = read_image(HERE / f"{name}.jpg").rgb  # expectations from the committed (decoded) photo
        mask, _ = segment(rgb, method="model")
        write_mask(HERE / f"{name}.expected.png", mask)
        write_mask(HERE / f"{name}.truth.png", p.mask)
