"""The shipped wound segmentation CNN, run with ONNX Runtime on the CPU (no torch, no network).

The model is a compact U-Net trained on FUSeg 2021 (see
``woundmeasure/segmentation/train.py`` and ``models/MODEL_CARD.md``). It sees the photo
with its long side at ``INPUT_SIZE`` px; its probability map is upsampled smoothly
and thresholded at full resolution.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np

from woundmeasure.errors import SegmentationError
from woundmeasure.segmentation.model_spec import INPUT_SIZE, MODEL_FILENAME, STRIDE
from woundmeasure.imageops import shrink
from woundmeasure.segmentation.refine import apply_hints, box_at_scale, score_to_full_mask, work_scale

THRESHOLD = 0.5


def model_path():
    """Where the shipped ONNX file lives inside the installed package."""
    return resources.files("woundmeasure.segmentation") / "models" / MODEL_FILENAME


def load_model():
    """The shipped network, loaded once per process and thread count.

    It runs on as many threads as OpenCV is allowed (``cv2.setNumThreads``), so that one
    setting governs both: batch workers set it to 1.
    """
    import cv2

    return _session(max(1, cv2.getNumThreads()))


@functools.lru_cache(maxsize=2)
def _session(threads: int):
    import onnxruntime as ort

    path = model_path()
    if not path.is_file():
        raise SegmentationError(f"the shipped model {path} is missing; reinstall woundmeasure, "
                                "or use the 'color' segmenter")
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads leave the cores
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


MIRRORS = ((False, False), (False, True), (True, False), (True, True))  # (rows, columns) flipped


def wound_probability(rgb: np.ndarray, *, mirrored: bool = True) -> tuple[np.ndarray, float]:
    """Wound probability at the model's working size.

    Returns
    -------
    prob : ndarray of float32, shape about (INPUT_SIZE * M / max(M, N), ...)
    scale : float
        Working size / photo size.
    """
    scale = work_scale(rgb.shape[:2], INPUT_SIZE)
    return _probability(shrink(rgb, scale), mirrored=mirrored), scale


def _probability(small: np.ndarray, *, mirrored: bool = True) -> np.ndarray:
    """The model's wound probability for a photo already at its working size.

    ``mirrored``: the mean over the photo and its three mirror images (the model was trained
    with flips), as nnU-Net predicts by default; one pass otherwise.
    """
    import cv2

    h, w = small.shape[:2]
    ph, pw = -h % STRIDE, -w % STRIDE
    padded = cv2.copyMakeBorder(small, 0, ph, 0, pw, cv2.BORDER_REFLECT_101) if (ph or pw) else small
    if padded.shape[0] < STRIDE or padded.shape[1] < STRIDE:
        padded = cv2.copyMakeBorder(padded, 0, max(0, STRIDE - padded.shape[0]), 0,
                                    max(0, STRIDE - padded.shape[1]), cv2.BORDER_CONSTANT)
    views = MIRRORS if mirrored else MIRRORS[:1]
    image = padded.transpose(2, 0, 1)
    batch = np.stack([_mirror(image, rows, cols) for rows, cols in views], dtype=np.float32)
    session = load_model()
    logits = session.run(None, {session.get_inputs()[0].name: batch})[0][:, 0]
    prob = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
    mean = sum(_mirror(p, rows, cols) for p, (rows, cols) in zip(prob, views)) / len(views)
    return np.ascontiguousarray(mean[:h, :w], dtype=np.float32)


def _mirror(a: np.ndarray, rows: bool, cols: bool) -> np.ndarray:
    """Flip the last two axes as asked (its own inverse)."""
    return a[..., ::-1 if rows else 1, ::-1 if cols else 1]


def grabcut_refine(rgb_small: np.ndarray, prob: np.ndarray, hints, scale: float) -> np.ndarray:
    """GrabCut seeded by the probability map and the hints; returns a float score map."""
    import cv2

    h, w = prob.shape
    init = np.where(prob > THRESHOLD, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    init[prob > 0.9] = cv2.GC_FGD
    if hints.box is not None:
        inside = box_at_scale(hints.box, scale, (h, w))
        init[~inside] = cv2.GC_BGD
        if not (init[inside] != cv2.GC_PR_BGD).any():  # the model saw nothing there: let the box lead
            init[inside] = cv2.GC_PR_FGD
    radius = max(2, int(0.01 * max(h, w)))
    for px, py in hints.points:
        cv2.circle(init, (int(px * scale), int(py * scale)), radius, int(cv2.GC_FGD), -1)
    if not ((init == cv2.GC_BGD) | (init == cv2.GC_PR_BGD)).any() or not (
            (init == cv2.GC_FGD) | (init == cv2.GC_PR_FGD)).any():
        return (init % 2 == 1).astype(np.float32)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(np.ascontiguousarray(rgb_small[:, :, ::-1]), init, None, bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return (prob > THRESHOLD).astype(np.float32)
    fg = ((init == cv2.GC_FGD) | (init == cv2.GC_PR_FGD)).astype(np.float32)
    return cv2.GaussianBlur(fg, (0, 0), 1.0)


def segment_model(rgb: np.ndarray, *, hints, mirrored: bool = True) -> tuple[np.ndarray, tuple[str, ...]]:
    """Segment with the shipped CNN; hints (box, points) refine it with GrabCut.

    ``mirrored=False`` (segmenter ``model-fast``) runs the network once instead of four times.
    """
    scale = work_scale(rgb.shape[:2], INPUT_SIZE)
    small = shrink(rgb, scale)  # once: the model and GrabCut see the same copy
    prob = score = _probability(small, mirrored=mirrored)
    if hints.box is not None or hints.points:
        score = grabcut_refine(small, prob, hints, scale)
        score = np.where(apply_hints(score > THRESHOLD, hints, scale, score.shape), score, 0.0)
    mask = score_to_full_mask(score, rgb.shape[:2], THRESHOLD)
    return mask, ()
