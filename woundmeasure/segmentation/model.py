"""The shipped wound segmentation CNN, run with ONNX Runtime on the CPU (no torch, no network).

The model is a U-Net on an ImageNet-pretrained EfficientNet-Lite encoder, trained on
FUSeg 2021 (see ``woundmeasure/segmentation/train.py`` and ``models/MODEL_CARD.md``). It
sees the photo with its long side at ``INPUT_SIZE`` px; its probability map is upsampled
smoothly and thresholded at full resolution. A small wound is looked at a second time,
on a crop around it at higher resolution.
"""

from __future__ import annotations

import math

import functools
from importlib import resources
from typing import NamedTuple

import numpy as np

from woundmeasure.errors import SegmentationError
from woundmeasure.imageops import shrink
from woundmeasure.segmentation.clicks import hint_maps
from woundmeasure.segmentation.model_spec import (
    CLICKS_FILENAME,
    INPUT_SIZE,
    MODEL_FILENAME,
    STRIDE,
)
from woundmeasure.segmentation.refine import (
    box_at_scale,
    score_to_full_masks,
    without_small_regions,
    work_scale,
)

THRESHOLD = 0.5
# The band of the edge: the probability contours inside and outside the outline, and how far their
# relative area range is stretched (in log area) so that the true area falls inside about 95% of
# the time. The contours were picked from three pairs and the stretch from a grid, on the held-out
# photos; the stretch is the smallest that covers 95% of them, and choosing it on either half
# covers 92.5% of the other on average (bench_uncertainty.py).
BAND = (0.98, 0.02)
BAND_STRETCH = 2.5
LEVELS = (THRESHOLD, *BAND)


def model_path(filename: str = MODEL_FILENAME):
    """Where a shipped ONNX file lives inside the installed package (the automatic model by default)."""
    return resources.files("woundmeasure.segmentation") / "models" / filename


def load_model(filename: str = MODEL_FILENAME):
    """A shipped network (the automatic one by default), loaded once per process and thread count.

    It runs on as many threads as OpenCV is allowed (``cv2.setNumThreads``), so that one
    setting governs both: batch workers set it to 1.
    """
    import cv2

    return _session(filename, max(1, cv2.getNumThreads()))


@functools.lru_cache(maxsize=4)
def _session(filename: str, threads: int):
    import onnxruntime as ort

    path = model_path(filename)
    if not path.is_file():
        raise SegmentationError(f"the shipped model {path} is missing; reinstall woundmeasure, "
                                "or use the 'color' segmenter")
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads leave the cores
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def wound_probability(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Wound probability at the model's working size.

    Returns
    -------
    prob : ndarray of float32, shape about (INPUT_SIZE * M / max(M, N), ...)
    scale : float
        Working size / photo size.
    """
    scale = work_scale(rgb.shape[:2], INPUT_SIZE)
    return _probability(shrink(rgb, scale)), scale


def _probability(small: np.ndarray, hints: np.ndarray | None = None) -> np.ndarray:
    """The wound probability for a photo already at its working size (one pass).

    Without ``hints`` the automatic model runs; with hint maps (4, M, N) from
    :func:`~woundmeasure.segmentation.clicks.hint_maps`, the promptable one.
    """
    import cv2

    h, w = small.shape[:2]
    ph, pw = -h % STRIDE, -w % STRIDE
    ph, pw = ph + max(0, STRIDE - h - ph), pw + max(0, STRIDE - w - pw)
    image = cv2.copyMakeBorder(small, 0, ph, 0, pw, cv2.BORDER_REFLECT_101) if (ph or pw) else small
    feeds = {"rgb": image.transpose(2, 0, 1)[None].astype(np.float32)}
    if hints is not None:
        feeds["hints"] = np.pad(hints, ((0, 0), (0, ph), (0, pw)))[None]
    session = load_model(MODEL_FILENAME if hints is None else CLICKS_FILENAME)
    logits = session.run(None, feeds)[0][0, 0, :h, :w]
    return (1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))).astype(np.float32)


ZOOM_BELOW = 0.2  # a wound whose box is under this fraction of the working size gets a second, closer look
ZOOM_CONTEXT = 5.0  # the closer look shows this many times the wound's box
MAX_ZOOM = 4.0
ZOOM_WORTH = 1.25  # a closer look is taken only where it sees its region at least this much larger than the first
LOOK_GROWTH = 2.0  # a closer look where a wound was keeps at most this many times its last area


def zoom_boxes(prob: np.ndarray, *, threshold: float = THRESHOLD) -> list[tuple[int, int, int, int]]:
    """Boxes (row0, col0, row1, col1, at working size) around the small wounds the first pass found.

    A small wound covers few of the network's input pixels, so its edge is drawn coarsely;
    a second pass on a crop around it (as FocalClick's zoom does) sees it larger. Boxes
    that overlap are merged; a box that would cut through a large wound is not looked at
    again (the first pass saw that wound whole), nor one that would not see it ``ZOOM_WORTH`` times
    larger (the crop of a wound near a fifth of the photo is nearly the photo).
    """
    from woundmeasure.imageops import label_regions

    h, w = prob.shape
    labels, count = label_regions(prob > threshold)
    large = np.zeros(prob.shape, bool)
    boxes = []
    for k in range(1, count + 1):
        rows, cols = np.nonzero(labels == k)
        extent = max(np.ptp(rows), np.ptp(cols)) + 1
        if extent >= ZOOM_BELOW * max(h, w):
            large |= labels == k
        elif len(rows) >= 4:
            boxes.append(_square_box((rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2,
                                     max(extent * ZOOM_CONTEXT, max(h, w) / MAX_ZOOM), (h, w)))
    merged = True
    while merged:  # overlapping boxes become one box holding both
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    r0, c0, r1, c1 = min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])
                    boxes[i] = _square_box((r0 + r1) / 2, (c0 + c1) / 2, max(r1 - r0, c1 - c0), (h, w))
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return [b for b in boxes if not large[b[0]:b[2], b[1]:b[3]].any() and max(h, w) / (b[2] - b[0]) >= ZOOM_WORTH]


def _square_box(cy: float, cx: float, side: float, shape) -> tuple[int, int, int, int]:
    h, w = shape
    side = int(min(side, h, w))
    r0 = int(np.clip(round(cy - side / 2), 0, h - side))
    c0 = int(np.clip(round(cx - side / 2), 0, w - side))
    return r0, c0, r0 + side, c0 + side


def _closer_looks(rgb: np.ndarray, prob: np.ndarray, boxes, scale: float):
    """For each small wound's box, (photo rectangle, probability on the crop's own grid) from a closer look.

    Inside the crop the probability is the mean of the closer look's and the first pass's
    (resampled onto the crop's grid): the closer look sees the edge better, the first pass
    the context.
    """
    first_grid = Grid.of(prob.shape, (0, 0, prob.shape[0] / scale, prob.shape[1] / scale))
    for r0, c0, r1, c1 in boxes:
        R0, C0 = int(r0 / scale), int(c0 / scale)
        R1, C1 = min(int(np.ceil(r1 / scale)), rgb.shape[0]), min(int(np.ceil(c1 / scale)), rgb.shape[1])
        close = _probability(_working_size(rgb[R0:R1, C0:C1]))
        rect = (R0, C0, R1, C1)
        first = _resample(prob, first_grid, Grid.of(close.shape, rect), close.shape)
        yield rect, (close + first) / 2


def _zoomed(rgb: np.ndarray, masks: list[np.ndarray], prob: np.ndarray, boxes, scale: float) -> list[np.ndarray]:
    """The masks (at ``LEVELS``) with each small wound redrawn from a closer look (:func:`_closer_looks`)."""
    for (R0, C0, R1, C1), close in _closer_looks(rgb, prob, boxes, scale):
        for mask, redrawn in zip(masks, score_to_full_masks(close, (R1 - R0, C1 - C0), LEVELS)):
            mask[R0:R1, C0:C1] = redrawn
    return masks


def _looked_again(rgb: np.ndarray, masks: list[np.ndarray], looks) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """The masks (at ``LEVELS``) with what a closer look finds at each place a wound is expected but
    nothing is outlined, and a warning for each wound found so.

    ``looks``: (x, y, radius, area) in photo pixels, where a wound followed across visits should
    be and how large it was (:class:`~woundmeasure.segmentation.Hints`). A wound near closure can be too faint or too
    small for the first pass, and missing it would report it closed. The automatic model looks
    at a square crop centred there, as a small wound's closer look does (``ZOOM_CONTEXT`` times
    the radius, at least 1 / ``MAX_ZOOM`` of the photo), on its own (the first
    pass saw nothing there); the regions it finds that reach within ``radius`` are kept, unless
    together they are more than ``LOOK_GROWTH`` times the wound's last area (a wound that shrank
    out of the first pass's sight has not grown: something larger is not it). No person's hint
    is involved: where nothing is found, nothing is drawn.
    """
    import cv2

    from woundmeasure.imageops import label_regions
    from woundmeasure.segmentation import PlacedWarning

    def disc(x, y, r, rect):  # the disc of radius r at (x, y) on photo rectangle rect
        out = np.zeros((rect[2] - rect[0], rect[3] - rect[1]), np.uint8)
        cv2.circle(out, (int(round(x)) - rect[1], int(round(y)) - rect[0]), r, 1, -1)
        return out > 0

    h, w = rgb.shape[:2]
    said = []
    for x, y, radius, area in looks:
        r = max(1, int(round(radius)))
        around = (max(0, int(round(y)) - r), max(0, int(round(x)) - r),
                  min(h, int(round(y)) + r + 1), min(w, int(round(x)) + r + 1))
        if masks[0][around[0]:around[2], around[1]:around[3]][disc(x, y, r, around)].any():
            continue
        R0, C0, R1, C1 = _square_box(y, x, max(ZOOM_CONTEXT * radius, max(h, w) / MAX_ZOOM), (h, w))
        close = _probability(_working_size(rgb[R0:R1, C0:C1]))
        drawn = score_to_full_masks(close, (R1 - R0, C1 - C0), LEVELS)
        labels, _ = label_regions(drawn[0])
        kept = np.isin(labels, np.unique(labels[disc(x, y, r, (R0, C0, R1, C1)) & drawn[0]]))
        if not kept.any() or kept.sum() > LOOK_GROWTH * area:
            continue
        outer, _ = label_regions(drawn[2])
        for mask, part in zip(masks, (kept, drawn[1] & kept, np.isin(outer, np.unique(outer[kept])))):
            mask[R0:R1, C0:C1] |= part
        said.append(PlacedWarning(f"a wound not outlined at first was found on a closer look where an earlier "
                                  f"visit had one (near {x:.0f}, {y:.0f}): check its outline", (x, y)))
    return masks, tuple(said)


def _first_look(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(the photo at working size, the automatic model's probability there, the working scale).

    One pass; if it finds nothing in a photo it had to shrink, the closer search of :func:`_searched`.
    """
    scale = work_scale(rgb.shape[:2], INPUT_SIZE)
    small = shrink(rgb, scale)
    prob = _probability(small)
    if scale < 1 and not (prob > THRESHOLD).any():
        prob = _searched(rgb, prob, scale)
    return small, prob, scale


def _searched(rgb: np.ndarray, prob: np.ndarray, scale: float) -> np.ndarray:
    """The first pass's probability with a closer search of the whole photo: 3 x 3 half-overlapping
    tiles, each half the photo's height and width, seen at twice the first pass's resolution.

    Run when the first pass found nothing: a wound near closure can be a few pixels of the
    working size, and missing a wound entirely is the worst error. Each tile's probability is
    brought back to the working size and the largest value at each pixel kept; the closer look
    at small wounds then redraws what was found.
    """
    import cv2

    h, w = rgb.shape[:2]
    out = prob.copy()
    for r0 in (0, h // 4, h // 2):
        for c0 in (0, w // 4, w // 2):
            r1, c1 = (h if r0 == h // 2 else r0 + h // 2), (w if c0 == w // 2 else c0 + w // 2)
            tile = rgb[r0:r1, c0:c1]
            if not tile.size:
                continue
            seen = _probability(_working_size(tile))
            R0, C0 = round(r0 * scale), round(c0 * scale)
            R1, C1 = min(prob.shape[0], round(r1 * scale)), min(prob.shape[1], round(c1 * scale))
            if R1 > R0 and C1 > C0:
                back = cv2.resize(seen, (C1 - C0, R1 - R0), interpolation=cv2.INTER_AREA)
                out[R0:R1, C0:C1] = np.maximum(out[R0:R1, C0:C1], back)
    return out


def _working_size(crop: np.ndarray) -> np.ndarray:
    """A crop of the photo with its long side at the model's working size: shrunk, or enlarged
    when it is smaller (a closer look sees it larger than the first pass did)."""
    import cv2

    scale = work_scale(crop.shape[:2], INPUT_SIZE)
    if scale < 1:
        return shrink(crop, scale)
    f = INPUT_SIZE / max(crop.shape[:2])
    return cv2.resize(crop, (max(1, round(crop.shape[1] * f)), max(1, round(crop.shape[0] * f))),
                      interpolation=cv2.INTER_LINEAR)


class Grid(NamedTuple):
    """Where a probability map's pixels lie on the photo: pixel (i, j) is centred at photo
    (row0 + (i + 0.5) * step_y, col0 + (j + 0.5) * step_x)."""

    row0: float
    col0: float
    step_y: float
    step_x: float

    @classmethod
    def of(cls, shape, rect) -> Grid:
        """The grid of a map of ``shape`` covering photo rectangle ``rect`` (row0, col0, row1, col1)."""
        r0, c0, r1, c1 = rect
        return cls(r0, c0, (r1 - r0) / shape[0], (c1 - c0) / shape[1])


def _resample(prob: np.ndarray, src: Grid, dst: Grid, shape) -> np.ndarray:
    """``prob`` (on grid ``src``) sampled bilinearly at the pixels of a ``shape`` map on grid ``dst``."""
    import cv2

    ys = (dst.row0 + (np.arange(shape[0]) + 0.5) * dst.step_y - src.row0) / src.step_y - 0.5
    xs = (dst.col0 + (np.arange(shape[1]) + 0.5) * dst.step_x - src.col0) / src.step_x - 0.5
    map_x, map_y = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
    return cv2.remap(prob, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


VIEW_CONTEXT = 2.0  # a click's closer look shows this many times the extent of the region it changes
BOX_GROW = 1.4  # a box's closer look shows this many times the box


class Steering:
    """An outline steered by a person, click by click: what the review page and the click benchmark use.

    It starts as the automatic outline (or the outline inside ``box``). Each click runs the
    promptable model on the clicks so far and the outline before this click, as the model
    was trained (RITM's protocol): once on the whole photo, then, as FocalClick does, once
    more on a crop around the region the click changes, where the network sees that
    region's edge larger. The click changes the outline only where it meant: a click
    inside the wound only adds, to the region the network now draws through it; a click on
    what is not wound only removes, from the region drawn under it. The outline is kept as
    a probability map at up to ``MAX_ZOOM`` times the working resolution (never finer than
    the photo); :meth:`mask` is it at full resolution with the clicked spots and the box obeyed.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    box : (x, y, w, h), optional
        The wound lies inside this box (photo pixels).
    """

    def __init__(self, rgb: np.ndarray, *, box=None):
        self.rgb = rgb
        self.shape = h, w = rgb.shape[:2]
        self.small, first, self.scale = _first_look(rgb)
        self.coarse = Grid.of(self.small.shape[:2], (0, 0, h, w))
        fine = min(1.0, self.scale * MAX_ZOOM)
        self.fine_shape = (max(1, round(h * fine)), max(1, round(w * fine)))
        self.fine = Grid.of(self.fine_shape, (0, 0, h, w))
        self.box = None if box is None else tuple(float(v) for v in box)
        self.points: list[tuple[float, float]] = []
        self.background_points: list[tuple[float, float]] = []
        self.prob = _resample(first, self.coarse, self.fine, self.fine_shape)
        for rect, close in _closer_looks(rgb, first, zoom_boxes(first), self.scale):
            self._paste(self.prob, close, rect)
        self._set(self.prob)  # the outline before the first click, as the page shows it
        if self.box is not None:
            x, y, bw, bh = self.box
            self._set(self._closer((y, x, y + bh, x + bw), self._whole(), grow=BOX_GROW))

    def _set(self, prob: np.ndarray) -> None:
        import cv2

        self.prob = prob.astype(np.float32)
        self._coarse_prob = cv2.resize(self.prob, self.small.shape[1::-1], interpolation=cv2.INTER_AREA)

    def _paste(self, canvas: np.ndarray, prob: np.ndarray, rect) -> None:
        """Write ``prob``, a map covering photo rectangle ``rect``, into ``canvas`` (on the fine grid)."""
        r0, c0 = int(rect[0] / self.fine.step_y), int(rect[1] / self.fine.step_x)
        r1 = min(int(np.ceil(rect[2] / self.fine.step_y)), self.fine_shape[0])
        c1 = min(int(np.ceil(rect[3] / self.fine.step_x)), self.fine_shape[1])
        dst = Grid(r0 * self.fine.step_y, c0 * self.fine.step_x, self.fine.step_y, self.fine.step_x)
        canvas[r0:r1, c0:c1] = _resample(prob, Grid.of(prob.shape, rect), dst, (r1 - r0, c1 - c0))

    def _hints(self, grid: Grid, shape, previous: np.ndarray) -> np.ndarray:
        """The hint maps on a map of ``shape`` on ``grid``: every click, the box and ``previous``."""
        def at(x, y):
            return (x - grid.col0) / grid.step_x, (y - grid.row0) / grid.step_y

        box = None
        if self.box is not None:
            x, y, bw, bh = self.box
            (x0, y0), (x1, y1) = at(x, y), at(x + bw, y + bh)
            box = (x0, y0, x1 - x0, y1 - y0)
        return hint_maps(shape, points=[at(*p) for p in self.points],
                         background_points=[at(*p) for p in self.background_points], box=box, previous=previous)

    def _whole(self) -> np.ndarray:
        """The promptable model's pass on the whole photo, on the fine grid."""
        whole = _probability(self.small, self._hints(self.coarse, self.small.shape[:2], self._coarse_prob))
        return _resample(whole, self.coarse, self.fine, self.fine_shape)

    def _closer(self, target, whole: np.ndarray, *, grow: float = VIEW_CONTEXT) -> np.ndarray:
        """``whole`` with a closer look pasted in: a pass on a crop around ``target`` (photo
        rectangle row0, col0, row1, col1) grown ``grow`` times, if that sees it larger enough."""
        h, w = self.shape
        cy, cx = (target[0] + target[2]) / 2, (target[1] + target[3]) / 2
        side = max(grow * max(target[2] - target[0], target[3] - target[1]), max(h, w) / MAX_ZOOM)
        rect = (max(0, int(cy - side / 2)), max(0, int(cx - side / 2)),
                min(h, int(np.ceil(cy + side / 2))), min(w, int(np.ceil(cx + side / 2))))
        if max(h, w) / max(rect[2] - rect[0], rect[3] - rect[1]) < ZOOM_WORTH:
            return whole
        small = _working_size(self.rgb[rect[0]:rect[2], rect[1]:rect[3]])
        grid = Grid.of(small.shape[:2], rect)
        previous = _resample(self.prob, self.fine, grid, small.shape[:2])
        out = whole.copy()
        self._paste(out, _probability(small, self._hints(grid, small.shape[:2], previous)), rect)
        return out

    def _at(self, x: float, y: float) -> tuple[int, int]:
        h, w = self.fine_shape
        return (min(max(int(y / self.fine.step_y), 0), h - 1), min(max(int(x / self.fine.step_x), 0), w - 1))

    def _region(self, drawn: np.ndarray, x: float, y: float) -> np.ndarray | None:
        """The connected region of ``drawn`` (fine grid) under photo point (x, y), or None."""
        from woundmeasure.imageops import label_regions

        at = self._at(x, y)
        if not drawn[at]:
            return None
        labels, _ = label_regions(drawn)
        return labels == labels[at]

    def _extent(self, region: np.ndarray, x: float, y: float):
        """The photo rectangle (row0, col0, row1, col1) holding ``region`` (fine grid) and the click."""
        rows, cols = np.flatnonzero(region.any(1)), np.flatnonzero(region.any(0))
        sy, sx = self.fine.step_y, self.fine.step_x
        return (min(rows[0] * sy, y), min(cols[0] * sx, x), max((rows[-1] + 1) * sy, y), max((cols[-1] + 1) * sx, x))

    def click(self, x: float, y: float, *, positive: bool = True) -> None:
        """Add a click inside the wound (``positive``) or on what is not wound, at photo pixel (x, y)."""
        (self.points if positive else self.background_points).append((float(x), float(y)))
        before, whole = self.prob, self._whole()
        # the region the click changes: what the network now draws through a click inside the
        # wound, or what was drawn under a "not wound" click; the closer look is taken around it
        region = self._region((whole if positive else before) > THRESHOLD, x, y)
        if region is None:
            return  # nothing drawn there: nothing to add, or nothing to remove
        after = self._closer(self._extent(region, x, y), whole)
        if positive:
            region = self._region(after > THRESHOLD, x, y)
            if region is not None:
                self._set(np.where(region, np.maximum(before, after), before))
            return
        self._set(np.where(region, np.minimum(before, after), before))

    def _levels(self, levels) -> list[np.ndarray]:
        from woundmeasure.segmentation import Hints

        hints = Hints(box=self.box, points=tuple(self.points), background_points=tuple(self.background_points))
        return [_obey(m, hints, self.scale) for m in score_to_full_masks(self.prob, self.shape, levels)]

    def mask(self) -> np.ndarray:
        """The outline so far, bool (M, N), obeying the clicked spots and the box."""
        return self._levels((THRESHOLD,))[0]

    def outline(self):
        """The outline so far and its :class:`~woundmeasure.segmentation.Band`."""
        return _with_band(*self._levels(LEVELS))


def _obey(mask: np.ndarray, hints, scale: float) -> np.ndarray:
    """What a person said is final, whatever the network drew: nothing outside the box is wound,
    each spot clicked inside the wound is wound, each spot clicked as not wound is not."""
    import cv2

    if hints.box is not None:
        mask &= box_at_scale(hints.box, 1.0, mask.shape)
    radius = max(1, int(round(1.5 / scale)))  # about the network's own pixel
    for points, value in ((hints.points, True), (hints.background_points, False)):
        for x, y in points:
            disk = np.zeros(mask.shape, np.uint8)
            cv2.circle(disk, (int(round(x)), int(round(y))), radius, 1, -1)
            mask[disk > 0] = value
    return mask


def _unsaid(look, hints) -> bool:
    """Whether a person said nothing of the place a wound is looked for again: no click on what is not
    wound within its reach, and inside the box (nothing outside a box is wound)."""
    x, y, radius, _ = look
    if hints.box is not None:
        bx, by, bw, bh = hints.box
        if not (bx <= x <= bx + bw and by <= y <= by + bh):
            return False
    return all(math.hypot(px - x, py - y) > radius for px, py in hints.background_points)


def _with_band(mask: np.ndarray, inner: np.ndarray, outer: np.ndarray):
    from woundmeasure.segmentation import Band

    return mask, Band(inner & mask, outer | mask, BAND_STRETCH, "model")


def segment_model(rgb: np.ndarray, *, hints, zoom: bool = True):
    """Segment with the shipped CNN: one pass on the whole photo, then a closer look at each small wound.

    With hints (clicks inside the wound, clicks on what is not wound, a box), the promptable
    model redraws the outline from them, clicks replayed in order, inside-wound clicks
    first (:class:`Steering`). ``zoom=False`` skips the closer look. Without a person's hints, each
    place where a wound is expected (``hints.looks``) and not found gets a closer look of its own
    (:func:`_looked_again`). Returns (mask, warnings, band):
    the band lies between the probability contours ``BAND`` either side of the outline.
    """
    if hints.steer:
        steering = Steering(rgb, box=hints.box)
        for x, y in hints.points:
            steering.click(x, y, positive=True)
        for x, y in hints.background_points:
            steering.click(x, y, positive=False)
        mask, band = steering.outline()
        looks = [look for look in hints.looks if _unsaid(look, hints)]
        if not looks:
            return mask, (), band
        # clicks on one wound say nothing of another the first pass missed: it is looked for where it was
        (mask, inner, outer), said = _looked_again(rgb, [mask, band.inner, band.outer], looks)
        mask, band = _with_band(mask, inner, outer)
        return mask, said, band
    _, prob, scale = _first_look(rgb)
    masks = score_to_full_masks(prob, rgb.shape[:2], LEVELS)
    mask, inner, outer = _zoomed(rgb, masks, prob, zoom_boxes(prob), scale) if zoom else masks
    speck = 1.0 / scale ** 2  # one pixel of the first pass
    mask, inner = (without_small_regions(m, min_px=speck) for m in (mask, inner))
    said = ()
    if hints.looks:
        (mask, inner, outer), said = _looked_again(rgb, [mask, inner, outer], hints.looks)
    mask, band = _with_band(mask, inner, outer)
    return mask, said, band
