"""Is the photo good enough to measure? Measured values, each with the limit past which it warns.

Each check is a number in the result (``quality``), and a warning when it passes its limit.
The limits come from measured effects: ``benchmarks/bench_quality.py`` photographs synthetic
wounds with each defect at growing strength and finds where the area error passes 5%
(the curves are in the README).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from woundmeasure.calibration.record import Calibration
from woundmeasure.outline import bounding_box

# limits, from benchmarks/bench_quality.py (see the README): past them the area error passes 5%
WOUND_BLUR_LIMIT_PX = 6.5  # edge softness at the wound's outline (px): defocus sigma 6-8 px on 1200 x 900 px
GLARE_LIMIT_PCT = 7.0  # share of the wound bed measured as white glare (10-20% of it covered)
CLIPPED_LIMIT_PCT = 25.0  # share of the wound and its surroundings clipped (a gain of 2.2-3)
TILT_LIMIT_DEG = 40.0  # beyond the tilts the marker is measured at (0-35 degrees)


@dataclass(frozen=True)
class Quality:
    """Photo-quality measurements at the wound (None: could not be judged).

    Attributes
    ----------
    wound_blur_px : float or None
        Blur of the wound's edge: the Gaussian sigma that turns its contrast into its steepest
        gradient (px).
    reference_blur_px : float or None
        The marker's fitted edge blur (px).
    glare_pct : float or None
        Share of the wound's pixels that are specular white.
    clipped_pct : float or None
        Share of the wound and a margin around it that is clipped (0 or 255 in every channel).
    tilt_deg : float or None
        Angle between the camera and the skin plane at the wound, from the reference's homography.
    """

    wound_blur_px: float | None = None
    reference_blur_px: float | None = None
    glare_pct: float | None = None
    clipped_pct: float | None = None
    tilt_deg: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def problems(self) -> tuple[str, ...]:
        """A warning for each check past its limit."""
        checks = (
            (self.wound_blur_px, WOUND_BLUR_LIMIT_PX, "the photo is blurred at the wound (edge blur {:.1f} px > {:g}): "
             "the outline may be off by more than 5%; focus on the wound"),
            (self.glare_pct, GLARE_LIMIT_PCT, "glare covers {:.0f}% of the wound bed (> {:g}%): photograph without "
             "the flash's reflection, from a slight angle"),
            (self.clipped_pct, CLIPPED_LIMIT_PCT, "{:.0f}% of the wound and its surroundings is clipped to black or "
             "white (> {:g}%): the exposure is wrong"),
            (self.tilt_deg, TILT_LIMIT_DEG, "the camera is tilted {:.0f} degrees to the skin (> {:g}): photograph "
             "from straight above"),
        )
        return tuple(text.format(value, limit) for value, limit, text in checks
                     if value is not None and value > limit)


EDGE_REACH_PX = 24  # the levels either side of the edge are read 12-24 px from it, beyond the blur's reach


def _edge_blur(rgb: np.ndarray, mask: np.ndarray) -> float | None:
    """Softness (px) of the wound's edge: the contrast across it over its steepest gradient, over
    sqrt(2 pi) (a Gaussian-blurred step's sigma), in the colour channel where the edge shows most.
    Only the wound and the ring it is read in are processed."""
    import cv2

    box = bounding_box(mask, pad=EDGE_REACH_PX + 2)
    if box is None:
        return None
    rgb, mask = rgb[box], mask[box]
    m = mask.astype(np.uint8)
    # distances to the outline from inside and from outside: disk erosions of every radius from two transforms
    d_in = cv2.distanceTransform(m, cv2.DIST_L2, 5)
    d_out = cv2.distanceTransform(1 - m, cv2.DIST_L2, 5)
    edge = np.where(mask, d_in, d_out) <= 2
    # the levels on either side, measured beyond the reach of the blur (12-24 px from the edge)
    inner = (d_in > EDGE_REACH_PX / 2) & (d_in <= EDGE_REACH_PX)
    outer = (d_out > EDGE_REACH_PX / 2) & (d_out <= EDGE_REACH_PX)
    if edge.sum() < 20 or inner.sum() < 10 or outer.sum() < 10:
        return None
    contrasts = [abs(float(np.median(rgb[..., c][inner])) - float(np.median(rgb[..., c][outer]))) for c in range(3)]
    c = int(np.argmax(contrasts))
    if contrasts[c] < 12:
        return None  # an edge too faint to judge its sharpness
    g = cv2.GaussianBlur(rgb[..., c].astype(np.float32), (0, 0), 0.5)
    grad = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)) / 8
    peak = float(np.percentile(grad[edge], 90))
    if peak <= 0:
        return None
    return float(contrasts[c] / (peak * math.sqrt(2 * math.pi)))


def _tilt_deg(calibration: Calibration, point) -> float | None:
    """Tilt of the skin plane to the camera at an image point: the local map's anisotropy (cos tilt)."""
    if not calibration.perspective_corrected or point is None:
        return None
    H = calibration.matrix
    x, y = point
    w = H[2, 0] * x + H[2, 1] * y + H[2, 2]
    X, Y = (H[0, 0] * x + H[0, 1] * y + H[0, 2]) / w, (H[1, 0] * x + H[1, 1] * y + H[1, 2]) / w
    J = np.array([[H[0, 0] - X * H[2, 0], H[0, 1] - X * H[2, 1]], [H[1, 0] - Y * H[2, 0], H[1, 1] - Y * H[2, 1]]]) / w
    s = np.linalg.svd(J, compute_uv=False)
    return float(math.degrees(math.acos(min(1.0, s[1] / s[0])))) if s[0] > 0 else None


def assess(rgb: np.ndarray, mask: np.ndarray, calibration: Calibration, *, centre=None) -> Quality:
    """Measure the photo's quality at the wound (``mask``, bool) and at the reference."""
    details = dict(calibration.details)
    reference_blur = details.get("edge_blur_px")
    tilt = _tilt_deg(calibration, centre)
    box = bounding_box(mask, pad=max(8, int(0.1 * max(mask.shape))))
    if box is None:
        return Quality(reference_blur_px=reference_blur, tilt_deg=tilt)
    crop, m = rgb[box], mask[box]
    wound = crop[m]
    glare = float(100 * np.mean(np.minimum(np.minimum(wound[:, 0], wound[:, 1]), wound[:, 2]) > 235)) \
        if len(wound) else None
    # channel-wise extremes by elementwise max/min: numpy's reduce over a last axis of 3 is several times slower
    low = np.minimum(np.minimum(crop[..., 0], crop[..., 1]), crop[..., 2])
    high = np.maximum(np.maximum(crop[..., 0], crop[..., 1]), crop[..., 2])
    clipped = float(100 * np.mean((high <= 3) | (low >= 254)))
    return Quality(_edge_blur(crop, m), reference_blur, glare, clipped, tilt)
