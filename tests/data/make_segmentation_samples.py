"""Make the committed segmentation samples: three synthetic wound photos and their true masks.

    python tests/data/make_segmentation_samples.py [OUT_DIR]

Each sample is a phantom from :func:`woundmeasure.synthetic.make_phantom` (light skin;
medium skin under a 20 degree tilt; dark skin with a drape at the photo's edge), written as
``NAME.jpg`` (JPEG quality 92) and ``NAME.truth.png``: the generator's exact truth,
the pixels whose centres project inside the wound polygon.

Nothing here runs a segmenter. The tests judge the model against these true masks,
so retraining the model never changes these files; rerun this script only when the
samples themselves should change (or the generator does), and commit the new files.
``OUT_DIR`` defaults to ``tests/data/segmentation``.
"""

import sys
from pathlib import Path

from woundmeasure.io import write_mask, write_rgb
from woundmeasure.synthetic import Phantom, make_phantom

HERE = Path(__file__).parent / "segmentation"
SIZE = dict(width=640, height=480, px_per_mm=3.5, wound_radius_mm=16)
SAMPLES = {"light": dict(seed=401, skin_tone=0.15), "medium": dict(seed=402, skin_tone=0.5, tilt_deg=20),
           "dark": dict(seed=403, skin_tone=0.9, drape=True)}
JPEG_QUALITY = 92


def sample_phantom(name: str) -> Phantom:
    """The phantom behind the committed sample ``name`` (its photo before JPEG encoding, and its truth)."""
    return make_phantom(**SIZE, **SAMPLES[name])


def make_samples(out_dir: Path = HERE) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in SAMPLES:
        p = sample_phantom(name)
        write_rgb(out_dir / f"{name}.jpg", p.rgb, quality=JPEG_QUALITY)
        write_mask(out_dir / f"{name}.truth.png", p.mask)


if __name__ == "__main__":
    make_samples(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
