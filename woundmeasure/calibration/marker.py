"""ArUco marker calibration with full perspective correction.

Markers of OpenCV's DICT_4X4_50 (any id, any rotation) are found on a reduced copy of
the photo, their corners refined to sub-pixel precision at full resolution, and their
bits read back to reject an occluded or misread marker. One homography from the image
to the skin plane is fitted to all corners: with one marker, exactly; with several, by
least squares over the homography and each marker's unknown place on the plane, and
the markers' consistency is reported.
"""

from __future__ import annotations

import math

import numpy as np

from woundmeasure.calibration.record import Calibration, ControlPoints, polygons
from woundmeasure.errors import CalibrationError
from woundmeasure.imageops import apply_homography, shrink

DICTIONARY = "DICT_4X4_50"
DETECT_LONG_SIDE = 1600
MIN_SIDE_PX = 16
SMALL_SIDE_PX = 50
CORNER_SIGMA_PX = 0.1  # 1-sigma corner error of one marker: measured mean 0.045 px, max 0.26 px (64 synthetic corners)
SHARP_EDGE_SIGMA_PX = 1.0  # the edge blur of those photos (about 0.7 px of defocus plus the sensor's)
BLURRED_EDGE_SIGMA_PX = 3.0


def _dictionary():
    import cv2

    return cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, DICTIONARY))


def _detectors():
    """OpenCV's default detector, then one with a wider sweep of threshold windows."""
    import cv2

    out = []
    for win_max in (None, 53):
        params = cv2.aruco.DetectorParameters()
        params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_NONE
        params.minMarkerPerimeterRate = 0.01
        if win_max:
            params.adaptiveThreshWinSizeMax = win_max
            params.adaptiveThreshWinSizeStep = 10
        out.append(cv2.aruco.ArucoDetector(_dictionary(), params))
    return out


def _read_bits(gray: np.ndarray, corners: np.ndarray, cell_px: int = 12) -> tuple[np.ndarray, float, float]:
    """Warp the marker square to a grid of 6 x 6 cells; return (bits 4x4, border darkness, contrast)."""
    import cv2

    n = 6 * cell_px
    dst = np.array([[0, 0], [n, 0], [n, n], [0, n]], np.float32) - 0.5
    M = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    warped = cv2.warpPerspective(gray, M, (n, n), flags=cv2.INTER_LINEAR).astype(np.float32)
    c = cell_px // 4
    cells = warped.reshape(6, cell_px, 6, cell_px)[:, c:-c, :, c:-c].mean(axis=(1, 3))
    border = np.concatenate([cells[0], cells[-1], cells[1:-1, 0], cells[1:-1, -1]])
    inner = cells[1:-1, 1:-1]
    lo, hi = float(np.percentile(cells, 5)), float(np.percentile(cells, 95))
    thr = (lo + hi) / 2
    return (inner > thr).astype(np.uint8), float(border.max() - lo) / max(hi - lo, 1e-6), hi - lo


def _bit_errors(bits: np.ndarray, marker_id: int) -> int:
    """Hamming distance between read bits and the dictionary's code (best of 4 rotations)."""
    import cv2

    ref = cv2.aruco.generateImageMarker(_dictionary(), int(marker_id), 6, borderBits=1)[1:-1, 1:-1] > 127
    return min(int(np.sum(np.rot90(ref, k) != bits.astype(bool))) for k in range(4))


def detect_markers(rgb: np.ndarray) -> tuple[list[tuple[int, np.ndarray]], list[str]]:
    """Find DICT_4X4_50 markers.

    Returns
    -------
    markers : list of (id, corners (4, 2) float in full-resolution pixels, marker order TL, TR, BR, BL)
    rejected : list of str
        Why candidate markers were not used.
    """
    found, rejected, _ = _detect(rgb)
    return found, rejected


def _detect(rgb: np.ndarray):
    """:func:`detect_markers`, and each marker's blur (its widest edge's fitted sigma, px)."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    scale = min(1.0, DETECT_LONG_SIDE / max(h, w))
    small = shrink(gray, scale)
    for detector in _detectors():
        corners, ids, _ = detector.detectMarkers(small)
        if ids is not None:
            break
    else:
        return [], [], []
    found, rejected, blurs = [], [], []
    for c, mid in zip(corners, ids.ravel()):
        pts = (c.reshape(4, 2).astype(np.float64) + 0.5) / scale - 0.5
        side = float(np.mean(np.hypot(*(np.roll(pts, -1, 0) - pts).T)))
        if side < MIN_SIDE_PX:
            rejected.append(f"marker id {mid} is only {side:.0f} px wide; too small to calibrate")
            continue
        refined = refine_corners_by_edges(gray, pts)
        if refined is None:
            rejected.append(f"marker id {mid}: its edges could not be located precisely (blur or occlusion); "
                            "not used")
            continue
        refined, blur = refined
        bits, border, contrast = _read_bits(gray, refined)
        errors = _bit_errors(bits, int(mid))
        if errors > 0 or border > 0.5 or contrast < 25:
            rejected.append(f"marker id {mid} is partly hidden or unreadable ({errors} bit errors); not used")
            continue
        if not cv2.isContourConvex(refined.astype(np.float32).reshape(-1, 1, 2)):
            rejected.append(f"marker id {mid} outline is not convex; not used")
            continue
        found.append((int(mid), refined))
        blurs.append(blur)
    return found, rejected, blurs


def _fit_edge(prof: np.ndarray, offsets: np.ndarray, u: np.ndarray) -> tuple[float, float, float] | None:
    """Fit a blurred step edge, straight along the side, to profiles across it.

    Model: I(u, o) = D(u) + (B(u) - D(u)) * Phi((o - a - b u) / s), with dark and bright
    levels D, B linear along the side (uneven light), fitted to all unclipped samples at
    once (clipped whites are left out and B is free, so overexposure does not bias the
    edge). Returns the edge offset (a, b) and its blur s (px), or None.
    """
    from scipy.optimize import least_squares
    from scipy.special import ndtr

    k = max(2, len(offsets) // 6)
    dark = float(np.median(prof[:, :k]))
    bright = float(np.median(prof[:, -k:]))
    if bright - dark < 20:
        return None
    level = (dark + bright) / 2
    first = np.argmax(prof >= level, axis=1)
    a0 = float(np.median(offsets[np.clip(first, 0, len(offsets) - 1)]))
    oo, uu = np.meshgrid(offsets, u)
    use = (prof < 253) & (prof > 2)
    if use.sum() < 20:
        return None
    o_, u_, i_ = oo[use], uu[use], prof[use].astype(np.float64)

    un = u_ / max(float(np.max(np.abs(u))), 1.0)

    def residual(x):
        d, b_, s_, a, b, d1, b1 = x
        lo, hi = d + d1 * un, b_ + b1 * un
        return lo + (hi - lo) * ndtr((o_ - a - b * u_) / abs(s_)) - i_

    def jacobian(x):  # analytic: a numerical one costs 8 model evaluations per step
        d, b_, s_, a, b, d1, b1 = x
        z = (o_ - a - b * u_) / abs(s_)
        pdf, cdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi), ndtr(z)
        g = (b_ + b1 * un - d - d1 * un) * pdf
        return np.column_stack([1 - cdf, cdf, -g * z / s_, -g / abs(s_), -g * u_ / abs(s_),
                                un * (1 - cdf), un * cdf])

    fit = least_squares(residual, np.array([dark, bright, 1.0, a0, 0.0, 0.0, 0.0]), jac=jacobian, method="lm")
    x = fit.x
    if fit.status <= 0 or abs(x[3] - a0) > offsets[-1] / 2:
        return None
    # occlusion check: every profile must show the edge, where the line says it is
    d, b_, _, a, b, d1, b1 = x
    un_all = u / max(float(np.max(np.abs(u))), 1.0)
    lo, hi = d + d1 * un_all, b_ + b1 * un_all
    level = ((lo + hi) / 2)[:, None]
    crossing = np.argmax(prof >= level, axis=1)
    # the contrast between the window's ends, against the model's there (a wide blur spreads it)
    ends = offsets[-k:].mean() - a - b * u, offsets[:k].mean() - a - b * u
    expected = (hi - lo) * (ndtr(ends[0] / abs(x[2])) - ndtr(ends[1] / abs(x[2])))
    contrast_ok = (prof[:, -k:].mean(1) - prof[:, :k].mean(1)) > 0.6 * expected
    where = offsets[np.clip(crossing, 0, len(offsets) - 1)]
    on_line = np.abs(where - (a + b * u)) < max(1.0, 0.5 * abs(x[2]))  # a blurred edge crosses less sharply
    if np.mean(contrast_ok & on_line & (crossing > 0)) < 0.9:
        return None
    return float(a), float(b), abs(float(x[2]))


def refine_corners_by_edges(gray: np.ndarray, corners: np.ndarray, *,
                            iterations: int = 2) -> tuple[np.ndarray, float] | None:
    """Sub-pixel corners as intersections of straight lines fitted to the black square's edges.

    Intensity across each side is sampled on a grid and fitted with one blurred-step
    model (see :func:`_fit_edge`); the four fitted lines are intersected. Lines stay
    straight under perspective, and hundreds of samples per side make the corners
    far more precise than any single-corner method. Returns the corners and the widest
    edge's blur (the fitted step's sigma, px), or None when an edge cannot be located.
    """
    from scipy.ndimage import map_coordinates

    # work on the marker's neighbourhood only (a 12 MP frame as float would cost more than the fit)
    pad = int(_side_px(corners) / 2) + 16
    x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(corners.max(0)).astype(int) + pad, [gray.shape[1], gray.shape[0]])
    img = gray[y0:y1, x0:x1].astype(np.float32)
    c = corners.astype(np.float64) - [x0, y0]
    for _ in range(iterations):
        side = _side_px(c)
        half = max(2.0, min(side / 6 * 0.45, 32.0))  # stay within the one-cell black border
        offsets = np.arange(-half, half + 1e-9, 0.5)
        centre = c.mean(0)
        lines, widths = [], []
        for i in range(4):
            a, b = c[i], c[(i + 1) % 4]
            length = float(np.hypot(*(b - a)))
            t = np.linspace(0.06, 0.94, max(12, int(length / 2)))
            pts = a + np.outer(t, b - a)
            d = (b - a) / length
            n = np.array([-d[1], d[0]])
            if np.dot(n, pts.mean(0) - centre) < 0:
                n = -n  # normal points outwards (dark -> bright)
            samples = pts[:, None, :] + offsets[None, :, None] * n
            prof = map_coordinates(img, [samples[..., 1], samples[..., 0]], order=1, mode="nearest")
            u = (t - 0.5) * length
            fit = _fit_edge(prof, offsets, u)
            if fit is None:
                return None
            off, slope, blur = fit
            widths.append(blur)
            p0 = a + 0.5 * (b - a) + off * n
            direction = d + slope * n
            lines.append((p0, direction / np.hypot(*direction)))
        new = []
        for i in range(4):
            (p1, d1), (p2, d2) = lines[(i - 1) % 4], lines[i]
            A = np.column_stack([d1, -d2])
            if abs(np.linalg.det(A)) < 1e-9:
                return None
            s_, _ = np.linalg.solve(A, p2 - p1)
            new.append(p1 + s_ * d1)
        new = np.asarray(new)
        moved = float(np.max(np.hypot(*(new - c).T)))
        if moved > max(3.0, side / 10):
            return None
        c = new
        if moved < half / 4:  # the profiles straddled the edge well: another pass changes < 0.02 px
            break
    return c + [x0, y0], max(widths)


def _square(side_mm: float) -> np.ndarray:
    return np.array([[0, 0], [side_mm, 0], [side_mm, side_mm], [0, side_mm]], float)


def _rigid(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray]:
    """Rotation angle and translation taking src onto dst (least squares, 2-D)."""
    sc, dc = src.mean(0), dst.mean(0)
    a, b = src - sc, dst - dc
    theta = math.atan2(np.sum(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]), np.sum(a * b))
    R = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    return theta, dc - R @ sc


def fit_plane_homography(markers: list[tuple[int, np.ndarray]], side_mm: float) -> tuple[np.ndarray, np.ndarray, float]:
    """One image-to-plane homography for all markers (plane frame = the first marker's).

    Returns
    -------
    H : (3, 3) image px -> plane mm
    plane_corners : (4k, 2) each marker's corners on the plane (mm)
    rms_px : float
        Root-mean-square reprojection residual of the corners (0 for one marker).
    """
    import cv2

    sq = _square(side_mm)
    img0 = markers[0][1]
    H0 = cv2.getPerspectiveTransform(img0.astype(np.float32), sq.astype(np.float32)).astype(np.float64)
    if len(markers) == 1:
        return H0 / H0[2, 2], sq, 0.0
    from scipy.optimize import least_squares

    image_pts = np.vstack([m[1] for m in markers])
    init = [H0.ravel()[:8] / H0[2, 2]]
    for _, corners in markers[1:]:
        theta, t = _rigid(sq, apply_homography(H0, corners))
        init.append(np.array([theta, *t]))
    x0 = np.concatenate(init)

    def plane_points(x):
        pts = [sq]
        for i in range(len(markers) - 1):
            theta, tx, ty = x[8 + 3 * i: 11 + 3 * i]
            R = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
            pts.append(sq @ R.T + [tx, ty])
        return np.vstack(pts)

    def residuals(x):
        H = np.append(x[:8], 1.0).reshape(3, 3)
        return (apply_homography(np.linalg.inv(H), plane_points(x)) - image_pts).ravel()

    sol = least_squares(residuals, x0, method="lm")
    H = np.append(sol.x[:8], 1.0).reshape(3, 3)
    rms = float(np.sqrt(np.mean(sol.fun.reshape(-1, 2) ** 2) * 2))
    return H, plane_points(sol.x), rms


def marker_calibration(rgb: np.ndarray, *, marker_mm: float = 20.0) -> Calibration:
    """Calibrate from the ArUco markers in the photo.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    marker_mm : float
        Side of the marker's black square (its outer edge), mm.

    Returns
    -------
    Calibration
        ``method="marker"``, with the image-to-plane homography; ``px_per_mm`` and
        ``uncertainty_pct`` are at the markers' centre until re-evaluated at the wound.

    Raises
    ------
    CalibrationError
        If no readable marker is found.
    """
    if not (math.isfinite(marker_mm) and marker_mm > 0):
        raise CalibrationError(f"marker size {marker_mm!r} mm is not a positive length")
    markers, rejected, blurs = _detect(rgb)
    if not markers:
        why = f" ({'; '.join(rejected)})" if rejected else ""
        raise CalibrationError(f"no readable ArUco marker ({DICTIONARY}) found{why}")
    markers.sort(key=lambda m: -_side_px(m[1]))
    blur = max(blurs)
    H, plane_pts, rms = fit_plane_homography(markers, marker_mm)
    image_pts = np.vstack([m[1] for m in markers])
    warnings = list(rejected)
    sides = [_side_px(c) for _, c in markers]
    if min(sides) < SMALL_SIDE_PX:
        warnings.append(f"the marker is only {min(sides):.0f} px wide: calibration is imprecise; "
                        "photograph closer or use a larger marker")
    consistency = None
    if len(markers) > 1:
        # each marker's side length on the common plane, relative to the nominal size
        sizes = [np.mean(np.hypot(*(np.roll(apply_homography(H, c), -1, 0) - apply_homography(H, c)).T)) for _, c in markers]
        consistency = float(100 * (max(sizes) - min(sizes)) / marker_mm)
        if consistency > 2.0 or rms > 2.0:
            warnings.append(f"the {len(markers)} markers disagree (sizes differ by {consistency:.1f}%, "
                            f"corner residual {rms:.2f} px): are they all flat on the skin and the same size?")
    centre = image_pts.mean(0)
    # the corner error measured on sharp photos grows with the edges' blur (a blurred step is located
    # less precisely), and with several markers it is at least their residual
    sharp = CORNER_SIGMA_PX * max(1.0, blur / SHARP_EDGE_SIGMA_PX)
    sigma = max(rms, sharp) if len(markers) > 1 else sharp
    if blur > BLURRED_EDGE_SIGMA_PX:
        warnings.append(f"the marker's edges are blurred ({blur:.1f} px): calibration is less precise; "
                        "hold the camera still or use more light")
    details = (("marker_ids", [m[0] for m in markers]), ("marker_mm", marker_mm),
               ("marker_side_px", [round(s, 2) for s in sides]), ("corner_rms_px", rms),
               ("marker_consistency_pct", consistency), ("corner_sigma_px", sigma), ("edge_blur_px", blur))
    cal = Calibration(1.0, method="marker", homography=tuple((H / H[2, 2]).ravel()), warnings=tuple(warnings),
                      details=details, reference_outline=polygons(_expand(c, 0.35) for _, c in markers),
                      reference_centre=(float(centre[0]), float(centre[1])),
                      control_points=ControlPoints(image_pts, plane_pts, sigma))
    return cal.at(*centre)


def _side_px(corners: np.ndarray) -> float:
    return float(np.mean(np.hypot(*(np.roll(corners, -1, 0) - corners).T)))


def _expand(corners: np.ndarray, frac: float) -> np.ndarray:
    c = corners.mean(0)
    return c + (corners - c) * (1 + 2 * frac)
