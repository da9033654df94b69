"""Printed millimetre ruler calibration from the tick spacing.

A ruler is found as a bright, low-saturation, elongated strip. Along its long axis the
tick marks form a periodic profile; the spectrum of that profile gives the tick period
(px per mm), then each tick is located to sub-pixel precision and a line (plus a small
quadratic term) is fitted to tick position against tick number. The slope is the scale;
the quadratic term shows perspective (a tilted camera). A weak, short or ambiguous
periodicity is a failure, never a guess.
"""

from __future__ import annotations

import math

import numpy as np

from woundmeasure.calibration.record import Calibration, polygons
from woundmeasure.errors import CalibrationError
from woundmeasure.imageops import shrink

WORK_LONG_SIDE = 1000
MIN_TICKS = 15
MIN_PROMINENCE = 8.0
TILT_WARN_PCT = 1.5


def _candidates(rgb: np.ndarray) -> list[np.ndarray]:
    """Rotated rectangles (4 corners, full-resolution px) of bright elongated strips."""
    import cv2
    from skimage.filters import threshold_otsu

    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_LONG_SIDE / max(h, w))
    small = shrink(rgb, scale)
    sat = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)[..., 1]
    white = small.min(axis=2)  # paper is bright in every channel; skin, even light skin, has little blue
    if np.ptp(white) < 30:
        return []
    bright = (white > max(threshold_otsu(white), np.percentile(white, 50))) & (sat < 70)
    k = max(3, int(round(max(small.shape) / 150)))
    bright = cv2.morphologyEx(bright.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))  # skin speckle
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))  # bridge the ticks
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    out = []
    min_area = 0.001 * small.shape[0] * small.shape[1]
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] < min_area:
            continue
        ys, xs = np.nonzero(labels == i)
        rect = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
        _, (rw, rh), _ = rect
        if min(rw, rh) < 3 or stats[i, cv2.CC_STAT_AREA] / (rw * rh) < 0.6:
            continue
        box = cv2.boxPoints(rect).astype(np.float64)
        out.append((box + 0.5) / scale - 0.5)
    out.sort(key=lambda b: -np.hypot(*(b[1] - b[0])) * np.hypot(*(b[2] - b[1])))
    return out


def _strip(gray: np.ndarray, box: np.ndarray, *, along_short: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Resample the strip so its long (or short) axis runs along columns; returns (strip, affine strip->image)."""
    import cv2

    e1, e2 = box[1] - box[0], box[2] - box[1]
    if (np.hypot(*e1) < np.hypot(*e2)) != along_short:
        box = np.roll(box, -1, axis=0)
        e1, e2 = box[1] - box[0], box[2] - box[1]
    length, width = float(np.hypot(*e1)), float(np.hypot(*e2))
    u, n = e1 / length, e2 / width
    A = np.column_stack([u, n, box[0]])  # strip (col, row) -> image (x, y)
    M = cv2.invertAffineTransform(A)
    strip = cv2.warpAffine(gray.astype(np.float32), M, (int(length), int(width)), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    return strip, A


def _spectrum_peak(profile: np.ndarray, min_period: float, max_period: float) -> tuple[float, float, float]:
    """(period px, prominence, power at twice the period relative to the peak)."""
    x = profile - np.convolve(profile, np.ones(31) / 31, mode="same")
    x = x * np.hanning(len(x))
    nfft = 1 << int(math.ceil(math.log2(len(x) * 8)))
    power = np.abs(np.fft.rfft(x, nfft)) ** 2
    freqs = np.fft.rfftfreq(nfft)
    band = (freqs >= 1 / max_period) & (freqs <= 1 / min_period)
    if band.sum() < 5:
        return float("nan"), 0.0, 1.0
    idx = np.flatnonzero(band)
    k = idx[np.argmax(power[idx])]
    if 0 < k < len(power) - 1:  # parabolic interpolation of the log power
        a, b, c = np.log(power[k - 1:k + 2] + 1e-12)
        shift = float(np.clip(0.5 * (a - c) / (a - 2 * b + c), -0.5, 0.5)) if (a - 2 * b + c) < 0 else 0.0
    else:
        shift = 0.0
    f = (k + shift) * freqs[1]
    prominence = float(power[k] / (np.median(power[idx]) + 1e-12))
    half = np.argmin(np.abs(freqs - f / 2))
    sub = float(power[max(half - 2, 0):half + 3].max() / (power[k] + 1e-12))  # a flat profile has no power
    return 1.0 / f, prominence, sub


def _tick_positions(profile: np.ndarray, period: float) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel positions of the dark ticks (local minima near multiples of the period)."""
    from scipy.ndimage import gaussian_filter1d

    p = gaussian_filter1d(profile, max(period / 8, 0.5))
    n = len(p)
    first = int(np.argmin(p[: int(math.ceil(period)) + 1]))
    ks, xs, depth = [], [], []
    k = 0
    expected = float(first)
    while expected < n - 1:
        lo, hi = int(max(expected - period / 3, 1)), int(min(expected + period / 3, n - 2))
        if hi > lo:
            j = lo + int(np.argmin(p[lo:hi + 1]))
            if 0 < j < n - 1:
                a, b, c = p[j - 1], p[j], p[j + 1]
                den = a - 2 * b + c
                x = j + (float(np.clip(0.5 * (a - c) / den, -0.5, 0.5)) if den > 0 else 0.0)
                ks.append(k)
                xs.append(x)
                depth.append(float(p[lo:hi + 1].max() - b))
                expected = x + period
            else:
                expected += period
        else:
            expected += period
        k += 1
    ks, xs, depth = np.asarray(ks, float), np.asarray(xs, float), np.asarray(depth)
    if depth.size == 0:
        return ks, xs
    real = depth >= 0.35 * np.median(np.sort(depth)[depth.size // 2:])  # drop minima of blank paper or skin
    return ks[real], xs[real]


def measure_ruler(gray: np.ndarray, box: np.ndarray) -> dict | None:
    """Estimate the tick period inside one candidate region; None when it holds no mm ruler.

    A strip is read along its long axis; a compact region (a calibration card) along
    both axes.
    """
    sides = sorted([np.hypot(*(box[1] - box[0])), np.hypot(*(box[2] - box[1]))])
    for along_short in ((False,) if sides[1] / max(sides[0], 1e-6) >= 2.5 else (False, True)):
        found = _measure_axis(gray, box, along_short)
        if found:
            return found
    return None


def _measure_axis(gray: np.ndarray, box: np.ndarray, along_short: bool) -> dict | None:
    strip, A = _strip(gray, box, along_short=along_short)
    length = strip.shape[1]
    if length < 60 or strip.shape[0] < 6:
        return None
    rows = []
    for r in range(strip.shape[0]):
        period, prom, sub = _spectrum_peak(strip[r], 3.0, length / MIN_TICKS)
        if math.isfinite(period) and prom >= MIN_PROMINENCE:
            rows.append((r, period, prom))
    if len(rows) < 2:
        return None
    # the 1 mm ticks: the smallest period on which at least three strong rows agree
    top = max(q for *_, q in rows)
    strong = [(r, p) for r, p, q in rows if q >= 0.05 * top]
    best = None
    for _, p in sorted(strong, key=lambda t: t[1]):
        if sum(abs(p2 - p) / p < 0.03 for _, p2 in strong) >= 3:
            best = p
            break
    if best is None:
        return None
    band = [r for r, p in strong if abs(p - best) / best < 0.03]
    profile = strip[band].mean(axis=0)
    period, prominence, sub = _spectrum_peak(profile, 3.0, length / MIN_TICKS)
    if not math.isfinite(period) or prominence < MIN_PROMINENCE or sub > 0.5:
        return None
    ks, xs = _tick_positions(profile, period)
    if len(ks) < MIN_TICKS:
        return None
    for _ in range(2):  # robust quadratic fit: position = a + b k + c k^2
        coef = np.polyfit(ks, xs, 2)
        res = xs - np.polyval(coef, ks)
        keep = np.abs(res) < max(3 * np.median(np.abs(res)) + 0.05, 0.1 * period)
        ks, xs = ks[keep], xs[keep]
        if len(ks) < MIN_TICKS:
            return None
    coef = np.polyfit(ks, xs, 2)
    res = xs - np.polyval(coef, ks)
    c2, b1, _ = coef
    kmid = (ks.min() + ks.max()) / 2
    spacing_mid = b1 + 2 * c2 * kmid
    change_pct = float(100 * 2 * c2 * (ks.max() - ks.min()) / spacing_mid)
    rms = float(np.sqrt(np.mean(res**2)))
    if rms > 0.15 * period or abs(spacing_mid - period) / period > 0.05:
        return None
    se = rms / math.sqrt(np.sum((ks - ks.mean()) ** 2))
    mid_x = float(np.polyval(coef, kmid))
    centre = A @ np.array([mid_x, strip.shape[0] / 2, 1.0])
    return dict(px_per_mm=float(spacing_mid), ticks=int(len(ks)), residual_px=rms, stderr_pct=float(100 * se / spacing_mid),
                spacing_change_pct=change_pct, prominence=prominence, centre=centre, box=box)


def ruler_calibration(rgb: np.ndarray) -> Calibration:
    """Calibrate from a printed mm ruler in the photo.

    Returns
    -------
    Calibration
        ``method="ruler"``, a uniform scale (no perspective correction); the
        uncertainty combines the fit's standard error and any change of tick spacing
        along the ruler (a sign of camera tilt).

    Raises
    ------
    CalibrationError
        If no strip with a clear, long enough millimetre periodicity is found.
    """
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    boxes = _candidates(rgb)
    found = None
    for box in boxes[:6]:
        found = measure_ruler(gray, box)
        if found:
            break
    if not found:
        raise CalibrationError(f"no mm ruler with clear tick marks found ({len(boxes)} bright strips checked)")
    warnings = []
    change = found["spacing_change_pct"]
    if abs(change) > TILT_WARN_PCT:
        warnings.append(f"the ruler's tick spacing changes by {change:+.1f}% along its length: the camera looks tilted, "
                        "and a ruler cannot correct perspective; the area may be off by several per cent; "
                        "use an ArUco marker")
    if found["px_per_mm"] < 4:
        warnings.append(f"the ruler's mm ticks are only {found['px_per_mm']:.1f} px apart: photograph closer")
    unc = math.hypot(found["stderr_pct"], abs(change) / 2)
    box = found["box"]
    details = (("ticks", found["ticks"]), ("tick_residual_px", found["residual_px"]),
               ("spacing_change_pct", change), ("prominence", found["prominence"]))
    centre = found["centre"]
    return Calibration(found["px_per_mm"], method="ruler", uncertainty_pct=unc, warnings=tuple(warnings),
                       details=details, reference_outline=polygons([box.mean(0) + (box - box.mean(0)) * 1.08]),
                       reference_centre=(float(centre[0]), float(centre[1])))
