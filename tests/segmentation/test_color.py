import numpy as np

from tests.helpers import dice
from woundmeasure.segmentation import segment
from woundmeasure.synthetic import make_phantom


def test_color_segmenter_on_phantoms():
    scores = []
    for seed in (300, 301, 303):
        p = make_phantom(seed, skin_tone=0.3)
        mask, _ = segment(p.rgb, method="color")
        scores.append(dice(mask, p.mask))
    assert np.median(scores) > 0.8
