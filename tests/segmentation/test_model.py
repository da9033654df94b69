from pathlib import Path

import numpy as np
import pytest

from tests.helpers import dice
from woundmeasure.io import read_image, read_mask
from woundmeasure.segmentation import Hints, segment
from woundmeasure.segmentation.model import _looked_again, load_model, model_path, wound_probability
from woundmeasure.synthetic import make_phantom

DATA = Path(__file__).parents[1] / "data" / "segmentation"


@pytest.fixture
def blind_first_pass(monkeypatch):
    """Call it before a segmentation to make that photo's first pass of the automatic model see
    nothing, as it does a wound too small or faint for it, whatever the shipped model is."""
    import woundmeasure.segmentation.model as model

    real, armed = model._probability, []

    def blind(small, hints=None):
        out = real(small, hints)
        return np.zeros_like(out) if armed and hints is None and armed.pop() else out

    monkeypatch.setattr(model, "_probability", blind)
    return lambda: armed.append(True)


@pytest.fixture
def automatic_outline_misses(monkeypatch):
    """The automatic model's first look (its first pass, and the closer search that follows an empty
    one) sees no wound in any photo, whatever the shipped model is; later passes are real."""
    import woundmeasure.segmentation.model as model
    from woundmeasure.imageops import shrink
    from woundmeasure.segmentation.refine import work_scale

    def sees_nothing(rgb):
        scale = work_scale(rgb.shape[:2], model.INPUT_SIZE)
        small = shrink(rgb, scale)
        return small, np.zeros(small.shape[:2], np.float32), scale

    monkeypatch.setattr(model, "_first_look", sees_nothing)


def test_model_ships_inside_the_installed_package():
    import woundmeasure

    path = Path(str(model_path()))
    assert path.is_file() and Path(woundmeasure.__file__).parent in path.parents
    assert path.stat().st_size < 20 * 10**6  # the limit the project set for the ONNX file and the state dict
    assert load_model() is not None


# What a good wound segmenter must achieve on a photo whose true outline is known exactly (the
# phantoms of woundmeasure.synthetic). The floors follow from the truth and from what woundmeasure
# reports, not from any model's output, so they hold for every model worth shipping:
# * found/true area within [0.75, 1.3], about (1 -/+ 0.14)^2: on average the outline lies within a
#   seventh of the wound's radius of the true edge, inside or out (about 2 mm on a wound of 16 mm
#   radius). The area is the number woundmeasure reports, so this bounds its error.
# * Dice >= 0.8: an outline of about the right area in the wrong place fails. An outline scaled to
#   either end of the area band still scores 0.86-0.87, so 0.8 leaves room only for modest
#   misplacement. It is below the 0.85 pooled Dice the project aims for on real photos, whose
#   edges are ambiguous; a phantom's edge is exact.
DICE_MIN = 0.8
AREA_RATIO = (0.75, 1.3)
SAMPLES = ("light", "medium", "dark")  # tests/data/make_segmentation_samples.py makes them

# Phantoms made on the fly, small (640 x 480) so the tests stay fast: skin tones, tilt, a drape,
# small and large wounds, a ruler and an off-centre wound, no marker under strong uneven light.
PHANTOM_SIZE = dict(width=640, height=480, px_per_mm=3.5, wound_radius_mm=16)
PHANTOMS = {
    "light-skin": dict(seed=601, skin_tone=0.05),
    "medium-skin-tilt-30": dict(seed=602, skin_tone=0.5, tilt_deg=30),
    "dark-skin-drape": dict(seed=603, skin_tone=0.95, drape=True, px_per_mm=2.5, wound_radius_mm=20),
    "dark-skin-tilt-20": dict(seed=604, skin_tone=0.8, tilt_deg=20),
    "small-wound": dict(seed=605, skin_tone=0.2, wound_radius_mm=7, px_per_mm=4.0),  # 28 px radius
    "small-wound-dark-skin": dict(seed=606, skin_tone=0.85, wound_radius_mm=7, px_per_mm=4.0),
    "large-wound": dict(seed=607, wound_radius_mm=30),  # 105 px radius, 11% of the photo
    "ruler-off-centre": dict(seed=608, ruler=True, wound_offset_px=(-110, 50)),
    "no-marker-uneven-light": dict(seed=609, marker=False, light=0.6),
}


def assert_outlines_the_truth(mask, truth):
    assert truth.any()
    d, ratio = dice(mask, truth), mask.sum() / truth.sum()
    assert d >= DICE_MIN, f"Dice {d:.3f} against the true mask (at least {DICE_MIN})"
    assert AREA_RATIO[0] <= ratio <= AREA_RATIO[1], f"found/true area {ratio:.3f} (within {AREA_RATIO})"


def test_committed_truth_is_the_generators_truth():
    """The committed samples are phantoms and their masks the generator's truth (not a model's output)."""
    from tests.data.make_segmentation_samples import sample_phantom

    for name in SAMPLES:
        p = sample_phantom(name)
        rgb = read_image(DATA / f"{name}.jpg").rgb
        truth = read_mask(DATA / f"{name}.truth.png", shape=rgb.shape[:2])
        # a refactored generator may move a pixel whose centre lies on the outline; a model's mask differs by 100s
        assert (truth != p.mask).sum() <= 10
        assert np.abs(rgb.astype(np.int16) - p.rgb).mean() < 1.0  # the same photo, but for JPEG


@pytest.mark.parametrize("name", SAMPLES)
def test_model_outlines_the_true_wound_in_the_committed_photos(name):
    rgb = read_image(DATA / f"{name}.jpg").rgb
    truth = read_mask(DATA / f"{name}.truth.png", shape=rgb.shape[:2])
    mask, _ = segment(rgb, method="model")
    assert_outlines_the_truth(mask, truth)


@pytest.mark.parametrize("case", PHANTOMS)
def test_model_outlines_the_true_wound_in_phantoms(case):
    p = make_phantom(**{**PHANTOM_SIZE, **PHANTOMS[case]})
    assert not (p.mask[0].any() or p.mask[-1].any() or p.mask[:, 0].any() or p.mask[:, -1].any())
    mask, _ = segment(p.rgb, method="model")
    assert_outlines_the_truth(mask, p.mask)


def test_model_runs_on_as_many_threads_as_opencv_is_allowed():
    import cv2

    rgb = make_phantom(5, width=640, height=480).rgb
    old = cv2.getNumThreads()
    try:
        cv2.setNumThreads(1)  # what a batch worker does
        one = load_model()
        assert one.get_session_options().intra_op_num_threads == 1
        a, _ = wound_probability(rgb)
        cv2.setNumThreads(2)
        two = load_model()
        assert two is not one and two.get_session_options().intra_op_num_threads == 2
        b, _ = wound_probability(rgb)
    finally:
        cv2.setNumThreads(old)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_a_small_wound_gets_a_closer_look_that_outlines_it_better():
    from woundmeasure.segmentation.model import segment_model, zoom_boxes

    p = make_phantom(611, width=1600, height=1200, px_per_mm=4.0, wound_radius_mm=6, marker=False)
    prob, _ = wound_probability(p.rgb)
    assert len(zoom_boxes(prob)) == 1  # one small wound: one closer look
    coarse, *_ = segment_model(p.rgb, hints=Hints(), zoom=False)
    close, *_ = segment_model(p.rgb, hints=Hints())
    assert dice(close, p.mask) >= dice(coarse, p.mask) - 0.01 and dice(close, p.mask) > 0.85
    large = make_phantom(612, width=1600, height=1200, px_per_mm=4.0, wound_radius_mm=40, marker=False)
    assert zoom_boxes(wound_probability(large.rgb)[0]) == []  # a large wound is seen well enough at once


def test_a_closer_look_is_taken_only_where_it_sees_the_wound_larger():
    from woundmeasure.segmentation.model import MAX_ZOOM, ZOOM_WORTH, zoom_boxes

    prob = np.zeros((384, 384), np.float32)
    prob[100:130, 100:130] = 1.0  # 30 px: its crop (5 x 30 = 150 px) is seen 2.6 times larger
    (box,) = zoom_boxes(prob)
    assert ZOOM_WORTH <= 384 / (box[2] - box[0]) <= MAX_ZOOM
    prob[:] = 0
    prob[100:170, 100:170] = 1.0  # 70 px, under a fifth of 384: its crop would be the whole photo
    assert zoom_boxes(prob) == []


def test_a_wound_missed_where_it_was_is_found_by_looking_again_and_a_closed_one_is_not():
    from woundmeasure.segmentation.model import segment_model
    from woundmeasure.synthetic import heal_wound

    p = make_phantom(611, width=1600, height=1200, px_per_mm=4.0, wound_radius_mm=6, marker=False)
    rows, cols = np.nonzero(p.mask)
    # where the last visit had it, 6 mm off; 10 mm reach; its area then
    look = (cols.mean() + 20, rows.mean() - 15, 10 * 4.0, float(p.mask.sum()))
    # the first pass is made to see nothing, as it would a faint wound near closure
    empty = [np.zeros(p.mask.shape, bool) for _ in range(3)]
    (mask, inner, outer), said = _looked_again(p.rgb, [m.copy() for m in empty], [look])
    assert dice(mask, p.mask) > 0.8 and len(said) == 1 and "closer look" in said[0]
    assert not (inner & ~mask).any() and not (mask & ~outer).any()
    # a wound that was a fifth of this size when last found has not grown: this is not it
    (mask, *_), said = _looked_again(p.rgb, [m.copy() for m in empty], [(*look[:3], p.mask.sum() / 5)])
    assert not mask.any() and said == ()
    healed, left = heal_wound(p.rgb, p.mask, 0.9, seed=1)  # a tenth left: found
    (mask, *_), _ = _looked_again(healed, [m.copy() for m in empty], [look])
    assert dice(mask, left) > 0.6
    closed, _ = heal_wound(p.rgb, p.mask, 1.0, seed=1)  # closed: nothing drawn, nothing said
    (mask, *_), said = _looked_again(closed, [m.copy() for m in empty], [look])
    assert not mask.any() and said == ()
    # where the outline already has a wound, nothing is looked at again
    drawn, warnings, _ = segment_model(p.rgb, hints=Hints(looks=(look,)))
    assert dice(drawn, p.mask) > 0.8 and warnings == ()


def test_segment_looks_again_where_asked_when_the_first_look_missed_the_wound(automatic_outline_misses):
    p = make_phantom(611, width=1600, height=1200, px_per_mm=4.0, wound_radius_mm=6, marker=False)
    rows, cols = np.nonzero(p.mask)
    missed, _ = segment(p.rgb, method="model")
    assert not missed.any()
    found, warnings = segment(p.rgb, method="model",
                              hints=Hints(looks=((cols.mean() + 20, rows.mean() - 15, 40.0, float(p.mask.sum())),)))
    assert dice(found, p.mask) > 0.8 and any("closer look" in w for w in warnings)


def test_probability_map_at_working_size():
    p = make_phantom(5, width=1000, height=500)
    prob, scale = wound_probability(p.rgb)
    assert prob.shape == (192, 384) and scale == pytest.approx(0.384)
    assert prob.min() >= 0 and prob.max() <= 1


def test_full_resolution_mask_is_smooth_and_accurate():
    p = make_phantom(6, width=2400, height=1800, px_per_mm=12)
    mask, _ = segment(p.rgb, method="model")
    assert mask.shape == p.mask.shape and dice(mask, p.mask) > 0.85
    # the boundary is not a blocky upsampling: few boundary pixels beyond the outline's length
    from woundmeasure.outline import (
        pixel_edge_polygons,
        polygon_length,
        subpixel_contours,
    )

    staircase = sum(np.abs(np.diff(np.vstack([q, q[:1]]), axis=0)).sum() for q in pixel_edge_polygons(mask))
    smooth = sum(polygon_length(c[:-1]) for c in subpixel_contours(mask))
    assert staircase / smooth < 1.35  # a digitised smooth curve is about 4/pi = 1.27 longer in city-block length


def test_box_hint_restricts_the_result():
    p = make_phantom(7, width=800, height=600)
    rows, cols = np.nonzero(p.mask)
    box = (cols.min() - 10, rows.min() - 10, cols.max() - cols.min() + 20, (rows.max() - rows.min()) // 2)
    mask, _ = segment(p.rgb, method="model", hints=Hints(box=box))
    x, y, w, h = box
    outside = mask.copy()
    outside[y:y + h, x:x + w] = False
    assert mask.any() and not outside.any()


def test_a_background_click_only_removes_from_the_wound_under_it():
    a = make_phantom(8, width=800, height=600, marker=False, wound_radius_mm=10)
    b = make_phantom(9, width=800, height=600, marker=False, wound_radius_mm=10, wound_offset_px=(250, 0))
    rgb = np.where(b.mask[..., None], b.rgb, a.rgb)  # two wounds in one photo
    only_a, only_b = a.mask & ~b.mask, b.mask & ~a.mask
    both, _ = segment(rgb, method="model")
    assert dice(both & only_a, only_a) > 0.7 and dice(both & only_b, only_b) > 0.7  # both wounds are found
    rows, cols = np.nonzero(only_a)
    x, y = int(np.median(cols)), int(np.median(rows))
    from woundmeasure.segmentation.model import Steering

    start = Steering(rgb).mask()  # the outline a click starts from
    kept, _ = segment(rgb, method="model", hints=Hints(background_points=((float(x), float(y)),)))
    assert not kept[y, x] and (kept & only_a).sum() < (start & only_a).sum()  # "not wound" here: that wound shrinks
    assert not (kept & ~start).any()  # and nothing is added anywhere
    assert (kept & only_b).sum() == (start & only_b).sum()  # the other wound is left as it was


@pytest.mark.parametrize("seed", [620, 621, 622, 623])
def test_the_first_protocol_click_never_makes_the_outline_worse(seed):
    from woundmeasure.segmentation.clicks import next_click
    from woundmeasure.segmentation.model import Steering

    p = make_phantom(seed, width=800, height=600, skin_tone=(seed % 4) / 3)
    rgb = p.rgb.copy()
    rgb[p.mask] = (rgb[p.mask] * 0.6 + np.array([190, 150, 130]) * 0.4).astype(np.uint8)  # a fainter wound
    steering = Steering(rgb)
    before = steering.mask()
    x, y, positive = next_click(p.mask, before)
    steering.click(x, y, positive=positive)
    assert dice(steering.mask(), p.mask) >= dice(before, p.mask)


def test_a_click_recovers_a_faint_wound_the_automatic_outline_missed(automatic_outline_misses):
    p = make_phantom(10, width=800, height=600, marker=False)
    rgb = p.rgb.copy()
    rgb[p.mask] = (rgb[p.mask] * 0.25 + np.array([200, 160, 140]) * 0.75).astype(np.uint8)  # a faint wound
    plain, _ = segment(rgb, method="model")
    assert not plain.any()  # the automatic outline, made to miss it; the clicks start from it
    rows, cols = np.nonzero(p.mask)
    hinted, _ = segment(rgb, method="model",
                        hints=Hints(points=((float(np.median(cols)), float(np.median(rows))),)))
    assert dice(hinted, p.mask) > dice(plain, p.mask)
    assert hinted[int(np.median(rows)), int(np.median(cols))]


@pytest.mark.parametrize("seed", [620, 621, 622])
def test_the_model_band_brackets_its_outline_and_the_true_area(seed):
    from woundmeasure.pipeline import measure_image
    from woundmeasure.segmentation import outline

    p = make_phantom(seed, width=1200, height=900, px_per_mm=5.0)
    found = outline(p.rgb)
    assert not (found.band.inner & ~found.mask).any() and not (found.mask & ~found.band.outer).any()
    assert found.band.inner.sum() < found.mask.sum() < found.band.outer.sum()  # a real band, not the outline
    m = measure_image(p.rgb).measurement
    assert m.area_mm2_low < m.area_mm2 < m.area_mm2_high
    assert m.area_mm2_low <= p.area_mm2 <= m.area_mm2_high


@pytest.mark.parametrize("seed", [611, 613, 615])
def test_a_tiny_wound_the_first_pass_misses_is_found_by_a_closer_search(seed, blind_first_pass):
    import cv2

    # a wound of 3 mm radius in a 2400 x 1800 photo: about 9 px across at the model's working size;
    # each photo's first pass is made to see nothing, as it often does a wound this small
    p = make_phantom(seed, width=2400, height=1800, px_per_mm=5.0, wound_radius_mm=3.0, marker=False)
    blind_first_pass()
    mask, _ = segment(p.rgb, method="model")
    near = cv2.dilate(p.mask.astype(np.uint8), np.ones((41, 41), np.uint8)) > 0
    assert dice(mask, p.mask) > 0.5 and not (mask & ~near).any()  # found, and nothing drawn elsewhere
    # the same skin with the wound healed: the search draws nothing
    healed = cv2.inpaint(p.rgb, cv2.dilate(p.mask.astype(np.uint8), np.ones((9, 9), np.uint8)), 5, cv2.INPAINT_TELEA)
    blind_first_pass()
    assert not segment(healed, method="model")[0].any()


def test_a_click_on_a_small_wound_takes_a_closer_look_and_one_on_a_large_wound_does_not(monkeypatch):
    import woundmeasure.segmentation.model as model

    passes, pasted = [], []
    real, paste = model._probability, model.Steering._paste
    monkeypatch.setattr(model, "_probability", lambda small, hints=None: passes.append(small.shape) or real(small, hints))
    monkeypatch.setattr(model.Steering, "_paste", lambda self, canvas, prob, rect: pasted.append(rect)
                        or paste(self, canvas, prob, rect))
    for radius_mm, looks in ((6.0, 2), (60.0, 1)):  # 36 px in a 2400 x 1800 photo; most of a 1200 x 900 one
        size = dict(width=2400, height=1800) if looks == 2 else dict(width=1200, height=900)
        p = make_phantom(640, px_per_mm=6.0, wound_radius_mm=radius_mm, marker=False, wound_offset_px=(-500, 300)
                         if looks == 2 else (0, 0), **size)
        steering = model.Steering(p.rgb)
        before = dice(steering.mask(), p.mask)
        rows, cols = np.nonzero(p.mask)
        passes.clear()
        pasted.clear()
        steering.click(float(np.median(cols)), float(np.median(rows)))
        assert len(passes) == looks  # the whole photo, then (for a small wound) the crop around it
        if looks == 2:  # the crop (row0, col0, row1, col1) holds the wound, and is a closer look at it
            r0, c0, r1, c1 = pasted[-1]
            assert r0 <= rows.min() and rows.max() < r1 and c0 <= cols.min() and cols.max() < c1
            assert max(r1 - r0, c1 - c0) <= 2400 / 2
        assert dice(steering.mask(), p.mask) >= before - 0.01

