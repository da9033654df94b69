"""Synthetic wound photos with exact truth (like ``skimage.data``, but generated).

A wound is an irregular polygon on a flat skin plane (coordinates in mm). The plane
carries skin texture, an optional printed mm ruler and ArUco marker, and is
photographed by a pinhole camera at a chosen distance and tilt; then come uneven
light, a colour cast, defocus blur, sensor noise and JPEG compression.

Truth is exact: the wound polygon's plane area (shoelace, mm^2), its perimeter,
the plane-to-image homography, and the mask of photo pixels whose centres project
inside the polygon.

:func:`make_visit` does the same with a real wound photo instead of the polygon: the
wound heals from its edge by a known share of its area, and the photo, on a drape beside
the printed calibration card, is photographed by the same camera (truth: the remaining
wound's pixel count times the source pixel's area).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from woundmeasure.calibration import card as CARD
from woundmeasure.calibration.record import Calibration
from woundmeasure.imageops import apply_homography, homography_area_scale

SKIN_LIGHT = np.array([232.0, 196.0, 172.0])
SKIN_DARK = np.array([96.0, 62.0, 45.0])
GRANULATION = np.array([178.0, 38.0, 44.0])
SLOUGH = np.array([205.0, 178.0, 118.0])
ESCHAR = np.array([52.0, 34.0, 30.0])
ARUCO_DICT = "DICT_4X4_50"


@dataclass(frozen=True)
class Phantom:
    """A synthetic wound photo and its exact truth.

    Attributes
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    mask : ndarray of bool, shape (M, N)
        Pixels whose centres project inside the wound polygon.
    area_mm2, perimeter_mm : float
        The wound polygon's true plane area and perimeter.
    plane_to_image : ndarray, shape (3, 3)
        Homography from plane mm (x right, y down) to image pixels.
    px_per_mm : float
        Scale at the wound centre (geometric mean of the two axes).
    tilt_deg : float
        Angle between the camera axis and the plane normal.
    marker_corners : ndarray (4, 2) or None
        The marker's outer corners in image pixels (marker order: TL, TR, BR, BL).
    marker_mm : float
    ruler_ends : ndarray (2, 2) or None
        The ruler's 0 mm and last tick positions in image pixels.
    wound_polygon_mm : ndarray (K, 2)
    params : dict
    """

    rgb: np.ndarray
    mask: np.ndarray
    area_mm2: float
    perimeter_mm: float
    plane_to_image: np.ndarray
    px_per_mm: float
    tilt_deg: float
    marker_corners: np.ndarray | None
    marker_mm: float
    ruler_ends: np.ndarray | None
    wound_polygon_mm: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def calibration(self) -> Calibration:
        """The exact calibration (image -> plane), for tests that isolate other stages."""
        H = np.linalg.inv(self.plane_to_image)
        return Calibration(self.px_per_mm, method="truth", homography=tuple((H / H[2, 2]).ravel()))


def _noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Smooth value noise in [-1, 1] with features about ``cell`` pixels apart."""
    import cv2

    gh, gw = max(2, int(shape[0] / cell) + 2), max(2, int(shape[1] / cell) + 2)
    g = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
    return cv2.resize(g, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def _fractal(rng, shape, cell, octaves=4) -> np.ndarray:
    out = np.zeros(shape, np.float32)
    amp, total = 1.0, 0.0
    for _ in range(octaves):
        out += amp * _noise(rng, shape, max(cell, 1.5))
        total += amp
        amp *= 0.5
        cell /= 2
    return out / total


def wound_polygon(rng: np.random.Generator, *, mean_radius_mm: float, irregularity: float = 1.0,
                  elongation: float = 1.4, n: int = 720) -> np.ndarray:
    """An irregular closed wound outline (K, 2) in mm around the origin, clockwise on screen."""
    phi = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 9):
        r += irregularity * rng.normal(0, 0.12 / k) * np.cos(k * phi + rng.uniform(0, 2 * np.pi))
    r = np.clip(r, 0.35, None)
    x = r * np.cos(phi) * math.sqrt(elongation)
    y = r * np.sin(phi) / math.sqrt(elongation)
    theta = rng.uniform(0, np.pi)
    c, s = math.cos(theta), math.sin(theta)
    pts = np.column_stack([c * x - s * y, s * x + c * y])
    area = abs(0.5 * np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1]))
    return pts * (mean_radius_mm * math.sqrt(math.pi / area))


def _camera(width: int, height: int, px_per_mm: float, tilt_deg: float, tilt_axis_deg: float,
            roll_deg: float, centre_px: tuple[float, float]) -> np.ndarray:
    """Homography plane mm -> image px of a pinhole camera looking at the plane origin."""
    f = 1.1 * max(width, height)
    t = math.radians(tilt_deg)
    a = math.radians(tilt_axis_deg)
    axis = np.array([math.cos(a), math.sin(a), 0.0])
    K_ = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    R_tilt = np.eye(3) + math.sin(t) * K_ + (1 - math.cos(t)) * K_ @ K_
    g = math.radians(roll_deg)
    R_roll = np.array([[math.cos(g), -math.sin(g), 0], [math.sin(g), math.cos(g), 0], [0, 0, 1]])
    R = R_roll @ R_tilt
    Z = f / px_per_mm * math.sqrt(math.cos(t))  # keeps the geometric-mean scale at the wound
    K = np.array([[f, 0, centre_px[0]], [0, f, centre_px[1]], [0, 0, 1.0]])
    H = K @ np.column_stack([R[:, 0], R[:, 1], np.array([0, 0, Z])])
    return H / H[2, 2]


def _plane_canvas(Hinv: np.ndarray, H: np.ndarray, width: int, height: int, px_per_mm: float):
    """The part of the plane a photo sees, drawn at a little more than the photo's finest scale.

    Returns (lo, hi) plane corners in mm, q canvas px per mm, the canvas width and height, and
    the plane -> canvas matrix.
    """
    corners = apply_homography(Hinv, np.array([[0, 0], [width, 0], [width, height], [0, height]], float))
    lo, hi = corners.min(0) - 5, corners.max(0) + 5
    max_scale = max(_local_scale(H, *c) for c in corners)
    q = float(min(1.5 * max_scale, 3.0 * px_per_mm, 5000 / max(hi - lo)))
    cw, ch = int(math.ceil((hi[0] - lo[0]) * q)), int(math.ceil((hi[1] - lo[1]) * q))
    to_canvas = np.array([[q, 0, -lo[0] * q], [0, q, -lo[1] * q], [0, 0, 1.0]])
    return lo, hi, q, cw, ch, to_canvas


def _local_scale(H: np.ndarray, x: float, y: float) -> float:
    """Geometric-mean px per mm of H (plane -> image) at plane point (x, y)."""
    return float(math.sqrt(homography_area_scale(H, [[x, y]])[0]))


def _draw_marker(canvas, to_canvas, *, centre_mm, side_mm, marker_id, angle_deg):
    """Paint an ArUco marker with a white quiet zone; its black square's edges are exact.

    The marker image (with its margin) is mapped onto the canvas by one affine warp,
    so the black/white edges come from interpolation alone (no anti-aliased fill).
    """
    import cv2

    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, ARUCO_DICT))
    q = to_canvas[0, 0]
    cell = max(4, int(math.ceil(side_mm * q / 6)))
    margin = int(round(0.3 * 6 * cell))
    img = cv2.aruco.generateImageMarker(dictionary, int(marker_id), 6 * cell, borderBits=1)
    img = cv2.copyMakeBorder(img, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)
    a = math.radians(angle_deg)
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    k = side_mm / (6 * cell)  # mm per marker-image pixel
    # marker-image px u -> plane mm: centre + R k (u + 0.5 - margin - 3 cell); then plane -> canvas
    lin = q * k * R
    off = q * (np.asarray(centre_mm) - k * R @ np.full(2, margin + 3 * cell - 0.5)) + to_canvas[:2, 2]
    size = img.shape[0]
    box = np.array([[0, 0], [size, 0], [size, size], [0, size]], float) - 0.5
    dst = box @ lin.T + off
    bx0, by0 = np.maximum(np.floor(dst.min(0)).astype(int) - 2, 0)
    bx1, by1 = np.minimum(np.ceil(dst.max(0)).astype(int) + 2, [canvas.shape[1], canvas.shape[0]])
    half = side_mm / 2
    local = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    corners_mm = local @ R.T + centre_mm
    if bx1 <= bx0 or by1 <= by0:
        return corners_mm
    A = np.column_stack([lin, off - [bx0, by0]])
    shape = (bx1 - bx0, by1 - by0)
    ink = cv2.warpAffine(img.astype(np.float32), A, shape, flags=cv2.INTER_LINEAR, borderValue=255.0)
    alpha = cv2.warpAffine(np.ones(img.shape, np.float32), A, shape, flags=cv2.INTER_LINEAR, borderValue=0.0)
    ink = 20.0 + 226.0 * (ink / 255.0)
    region = canvas[by0:by1, bx0:bx1]
    canvas[by0:by1, bx0:bx1] = region * (1 - alpha[..., None]) + ink[..., None] * alpha[..., None]
    return corners_mm


def _draw_hair(canvas, rng, *, density_per_cm2: float, q: float, lo, hi) -> None:
    """Curved dark strands, about 0.08 mm thick and 10-30 mm long, over the whole plane."""
    import cv2

    count = int(density_per_cm2 * np.prod(hi - lo) / 100)
    colour = tuple(float(v) for v in rng.choice([(30, 24, 20), (70, 50, 35), (120, 95, 70)]))
    thick = max(1, int(round(0.08 * q)))
    for _ in range(count):
        p = rng.uniform(lo, hi)
        heading = rng.uniform(0, 2 * np.pi)
        pts = [p]
        for _ in range(int(rng.integers(5, 15))):
            heading += rng.normal(0, 0.15)
            p = p + 2.0 * np.array([math.cos(heading), math.sin(heading)])
            pts.append(p)
        px = (np.array(pts) - lo) * q
        cv2.polylines(canvas, [np.round(px * 16).astype(np.int32)], False, colour, thick, cv2.LINE_AA, shift=4)


SITES = {
    "scalp": dict(hair=1.0, skin_tone=0.15, drape=False),
    "leg": dict(wound_radius_mm=22.0, drape=True),
    "heel": dict(necrosis=0.85, skin_tone=0.45),
    "sacrum": dict(wound_radius_mm=28.0, skin_tone=0.7, light=0.5),
}
"""Phantom settings that stand for wounds beyond the foot: hairy scalp, leg, necrotic heel, sacrum."""


def _draw_ruler(canvas, to_canvas, *, start_mm, angle_deg, length_mm):
    import cv2

    q = to_canvas[0, 0]
    a = math.radians(angle_deg)
    u = np.array([math.cos(a), math.sin(a)])
    n = np.array([-u[1], u[0]])
    to_px = lambda p: p * q + to_canvas[:2, 2]  # noqa: E731
    body = np.array([start_mm - 5 * u - 2 * n, start_mm + (length_mm + 5) * u - 2 * n,
                     start_mm + (length_mm + 5) * u + 16 * n, start_mm - 5 * u + 16 * n])
    cv2.fillPoly(canvas, [np.round(to_px(body) * 16).astype(np.int32)], (238, 236, 226), cv2.LINE_AA, shift=4)
    thick = max(1, int(round(0.18 * q)))
    for k in range(int(length_mm) + 1):
        tick = 7.0 if k % 10 == 0 else 5.0 if k % 5 == 0 else 3.0
        p0 = start_mm + k * u
        p1 = p0 + tick * n
        cv2.line(canvas, tuple(np.round(to_px(p0) * 16).astype(int)), tuple(np.round(to_px(p1) * 16).astype(int)),
                 (25, 25, 25), thick, cv2.LINE_AA, shift=4)
        if k % 10 == 0 and q >= 3:  # the cm number: a small filled block, not a glyph
            c0 = p0 + 9.5 * n
            label = np.array([c0 - 1.0 * u, c0 + 1.0 * u, c0 + 1.0 * u + 2.5 * n, c0 - 1.0 * u + 2.5 * n])
            cv2.fillPoly(canvas, [np.round(to_px(label) * 16).astype(np.int32)], (60, 60, 60), cv2.LINE_AA, shift=4)
    return np.array([start_mm, start_mm + length_mm * u])


RULER_DESIGNS = ("plain", "dual", "yellow", "transparent", "dark", "lguide")
"""Rulers clinics photograph wounds with, as :func:`make_phantom` draws them: a plain 10 cm paper
ruler (black mm ticks, longer at 5 and 10 mm, cm numbers, a maker's line), a dual-scale ruler (mm on
one edge, 1/16 inch on the other), a yellow plastic ruler, a transparent ruler (ticks and numbers
only, the skin seen through it), a dark ruler with white ticks, and an L-shaped disposable paper
wound guide (mm ticks along both arms' outer edges, printed text)."""

_PAPER = (242.0, 240.0, 230.0)
_INK = (22.0, 22.0, 24.0)


def _ruler_face(design: str, q: float, rng: np.random.Generator):
    """An upright ruler of ``design`` drawn at q px per mm: (rgb, alpha, origin) float32 images; ruler mm
    (u along its tick edge from the 0 mm tick, v across, into the body) is face px / q - origin."""
    import cv2

    if design not in RULER_DESIGNS:
        raise ValueError(f"unknown ruler design {design!r}; one of {', '.join(RULER_DESIGNS)}")
    lguide = design == "lguide"
    length, body = (80.0, 18.0) if lguide else (100.0, 30.0 if design == "dual" else 24.0)
    pad = 6.0
    arm2 = 60.0 if lguide else 0.0
    W = int(math.ceil((length + 2 * pad) * q))
    Hh = int(math.ceil((body + arm2 + 2 * pad) * q))
    origin = np.array([pad, pad])
    rgb = np.zeros((Hh, W, 3), np.float32)
    alpha = np.zeros((Hh, W), np.float32)
    paper = {"yellow": (238.0, 204.0, 48.0), "dark": (36.0, 36.0, 42.0)}.get(design, _PAPER)
    ink = (236.0, 236.0, 230.0) if design == "dark" else _INK

    def px(u, v):
        return (int(round((u + origin[0]) * q * 16)), int(round((v + origin[1]) * q * 16)))

    def fill(points, colour, where):
        pts = np.array([px(u, v) for u, v in points], np.int32)
        cv2.fillPoly(rgb, [pts], colour, cv2.LINE_AA, shift=4)
        cv2.fillPoly(where, [pts], 1.0, cv2.LINE_AA, shift=4)

    face = np.zeros_like(alpha)
    end = length + 4.0
    if design != "transparent":
        fill([(-4, 0), (end, 0), (end, body), (-4, body)], paper, face)
        if lguide:
            fill([(-4, 0), (body, 0), (body, body + arm2), (-4, body + arm2)], paper, face)
    alpha[:] = face * (0.25 if design == "transparent" else 1.0)
    if design == "transparent":  # a faint tint and the ruler's edges
        rgb[:] = np.array([200.0, 210.0, 215.0], np.float32)
        alpha[:] = 0.0
        tint = np.zeros_like(alpha)
        fill([(-4, 0), (end, 0), (end, body), (-4, body)], (200.0, 210.0, 215.0), tint)
        alpha[:] = 0.18 * tint
    thick = max(1, int(round(0.2 * q)))
    ink_layer = np.zeros_like(alpha)

    def line(u0, v0, u1, v1, width=thick):
        cv2.line(ink_layer, px(u0, v0), px(u1, v1), 1.0, width, cv2.LINE_AA, shift=4)

    def text(label, u, v, size_mm, angle=0.0):
        scale = size_mm * q / 22.0
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, max(1, int(round(0.25 * q))))
        tile = np.zeros((th * 2 + 4, tw + 4), np.uint8)
        cv2.putText(tile, label, (2, th + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, 255,
                    max(1, int(round(0.25 * q))), cv2.LINE_AA)
        tile = tile.astype(np.float32) / 255
        if angle:
            tile = np.ascontiguousarray(np.rot90(tile, k=int(angle // 90)))
        x0 = int(round((u + origin[0]) * q - tile.shape[1] / 2))
        y0 = int(round((v + origin[1]) * q - tile.shape[0] / 2))
        ys, xs = slice(max(y0, 0), min(y0 + tile.shape[0], Hh)), slice(max(x0, 0), min(x0 + tile.shape[1], W))
        ink_layer[ys, xs] = np.maximum(ink_layer[ys, xs], tile[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0])

    def mm_ticks(n, along_v=False, sign=1.0, at=0.0):
        for k in range(n + 1):
            tick = 7.0 if k % 10 == 0 else 5.0 if k % 5 == 0 else 3.0
            if along_v:
                line(at, k + body, at + sign * tick, k + body) if lguide else None
            else:
                line(k, at, k, at + sign * tick)
            if k % 10 == 0 and k:
                label = str(k // 10)
                if along_v:
                    text(label, at + sign * 10.0, k + body, 3.0, angle=90)
                else:
                    text(label, k, at + sign * 10.0, 3.2)

    if design == "dual":
        mm_ticks(int(length))
        sixteenth = 25.4 / 16
        for k in range(int(length / sixteenth) + 1):
            tick = 8.0 if k % 16 == 0 else 6.0 if k % 8 == 0 else 4.5 if k % 4 == 0 else 3.5 if k % 2 == 0 else 2.5
            line(k * sixteenth, body, k * sixteenth, body - tick)
            if k % 16 == 0 and k:
                text(str(k // 16), k * sixteenth, body - 11.0, 3.2)
        text("cm", 3.0, 14.0, 2.5)
        text("inches", 8.0, 17.0, 2.5)
    else:
        mm_ticks(int(length))
        if lguide:  # the second arm: mm ticks along its outer edge (u = 0), from the corner down
            for k in range(int(arm2) + 1):
                tick = 7.0 if k % 10 == 0 else 5.0 if k % 5 == 0 else 3.0
                line(0, k, tick, k)
                if k % 10 == 0 and k:
                    text(str(k // 10), 10.0, k, 3.0)
            text("WOUND RULER  single use", 45.0, 14.5, 2.4)
            text("PATIENT ____  DATE ____", 10.5, 45.0, 2.0, angle=90)
        else:
            text("MADE IN EU  0-10 cm", 50.0, body - 5.0, 2.6)
    colour = np.array(ink, np.float32)
    a_ink = ink_layer[..., None]
    rgb = rgb * (1 - a_ink) + colour * a_ink
    alpha = np.maximum(alpha, ink_layer)
    rgb *= (1 + 0.01 * _noise(rng, alpha.shape, 0.5 * q))[..., None]
    return rgb, alpha, origin


def _lay_ruler(canvas, to_canvas, design: str, *, start_mm, angle_deg, rng, background: str | None):
    """Draw a ruler of ``design`` on the plane canvas: its 0 mm tick at ``start_mm``, its tick edge along
    ``angle_deg``, on a patch of ``background`` ("drape", "gauze" or None: whatever is there).
    Returns the plane -> ruler-mm rotation origin and direction (for the truth)."""
    import cv2

    q = to_canvas[0, 0]
    face, alpha, origin = _ruler_face(design, q, rng)
    a = math.radians(angle_deg)
    u = np.array([math.cos(a), math.sin(a)])
    n = np.array([-u[1], u[0]])
    # face px -> plane mm -> canvas px
    A_plane = np.column_stack([u / q, n / q, np.asarray(start_mm, float) - origin[0] * u - origin[1] * n])
    A = (to_canvas @ np.vstack([A_plane, [0, 0, 1]]))[:2]
    h, w = canvas.shape[:2]
    if background:
        bg = np.zeros((h, w), np.float32)
        m = 6.0  # the patch's margin around the ruler, mm
        corners = np.array([[-m - origin[0], -m], [face.shape[1] / q + m - origin[0], -m],
                            [face.shape[1] / q + m - origin[0], face.shape[0] / q + m - origin[1]],
                            [-m - origin[0], face.shape[0] / q + m - origin[1]]], float)
        pts = apply_homography(to_canvas, np.asarray(start_mm) + corners @ np.array([u, n]))
        cv2.fillPoly(bg, [np.round(pts * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        if background == "drape":
            colour = np.array([150.0, 196.0, 214.0]) * (1 + 0.05 * _fractal(rng, (h, w), 40 * q, 2))[..., None]
        elif background == "gauze":
            yy, xx = np.mgrid[:h, :w]
            weave = 0.5 + 0.5 * np.sin(xx * (2 * np.pi / (0.9 * q))) * np.sin(yy * (2 * np.pi / (0.9 * q)))
            colour = (np.array([236.0, 234.0, 228.0]) * (0.9 + 0.1 * weave)[..., None]).astype(np.float32)
        else:
            raise ValueError(f"unknown ruler background {background!r}; use drape or gauze")
        canvas[:] = canvas * (1 - bg[..., None]) + colour * bg[..., None]
    warped = cv2.warpAffine(face, A, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    a_w = cv2.warpAffine(alpha, A, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)[..., None]
    shadow = cv2.GaussianBlur(a_w[..., 0], (0, 0), 0.6 * q)[..., None]
    canvas[:] = canvas * (1 - 0.25 * shadow * (1 - a_w)) * (1 - a_w) + warped * a_w
    return np.asarray(start_mm, float), u


ILLUMINANTS = {"daylight": (1.0, 1.0, 1.0), "shade": (0.84, 0.97, 1.22), "tungsten": (1.28, 0.94, 0.58),
               "fluorescent": (0.94, 1.10, 0.84), "warm LED": (1.16, 1.0, 0.76)}
"""The light's colour as it reaches the photo after the camera's automatic white balance, which
corrects only part of a strong cast: linear RGB gains (daylight: none)."""


def _photograph(canvas: np.ndarray, M: np.ndarray, width: int, height: int, rng: np.random.Generator, *,
                light: float, blur_sigma: float, noise_sigma: float, jpeg_quality: int | None,
                illuminant=None, exposure: float = 1.0) -> np.ndarray:
    """Photograph a plane canvas (float RGB, clipped in place to 0-255) through ``M`` (canvas px -> photo px).

    The scene is lit by ``illuminant`` (linear RGB gains, or a name of :data:`ILLUMINANTS`)
    at ``exposure``, both in linear light, when given (what they push past full scale is
    clipped with the rest, at the end, as a sensor clips). Then uneven light (a gradient, vignette
    and soft blotches, strength ``light``), a small colour cast and exposure change, defocus
    blur, sensor noise and JPEG; uint8 RGB out.
    """
    import cv2

    photo = cv2.warpPerspective(np.clip(canvas, 0, 255, out=canvas), M, (width, height),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if illuminant is not None or exposure != 1.0:
        gains = np.asarray(ILLUMINANTS[illuminant] if isinstance(illuminant, str) else
                           (1.0, 1.0, 1.0) if illuminant is None else illuminant, np.float32) * exposure
        from woundmeasure.color_correction import linear_to_srgb, srgb_to_linear

        photo = linear_to_srgb(srgb_to_linear(photo) * gains).astype(np.float32)
    gy, gx = np.mgrid[0:height, 0:width].astype(np.float32)
    gx, gy = gx / width - 0.5, gy / height - 0.5
    ga, gb = rng.uniform(-1, 1, 2) * light
    vignette = 1 - 0.5 * light * (gx**2 + gy**2)
    shade = (1 + ga * gx + gb * gy) * vignette * (1 + 0.5 * light * _noise(rng, (height, width), width / 3))
    cast = 1 + rng.normal(0, 0.025, 3)
    photo = photo * shade[..., None] * cast[None, None, :] * rng.uniform(0.85, 1.1)
    if blur_sigma > 0:
        photo = cv2.GaussianBlur(photo, (0, 0), blur_sigma)
    if noise_sigma > 0:
        photo = photo + rng.normal(0, noise_sigma, photo.shape).astype(np.float32)
    rgb = np.clip(np.round(photo), 0, 255).astype(np.uint8)
    if jpeg_quality:
        ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        rgb = cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1].copy()
    return rgb


def make_phantom(seed: int = 0, *, width: int = 1200, height: int = 900, px_per_mm: float = 6.0,
                 wound_radius_mm: float = 15.0, tilt_deg: float = 0.0, tilt_axis_deg: float | None = None,
                 roll_deg: float | None = None, marker: bool = True, marker_mm: float = 20.0,
                 marker_id: int | None = None, ruler: bool | str = False, skin_tone: float | None = None,
                 light: float = 0.35, blur_sigma: float = 0.7, noise_sigma: float = 3.0, jpeg_quality: int | None = 90,
                 wound_offset_px: tuple[float, float] = (0.0, 0.0), occlude_marker: float = 0.0,
                 drape: bool | None = None, wound_seed: int | None = None, hair: float = 0.0,
                 necrosis: float | None = None, ruler_background: str | None = None) -> Phantom:
    """Generate a wound photo with exact truth.

    Parameters
    ----------
    seed : int
        Everything random derives from it: the same arguments give the same photo.
    width, height : int
        Photo size in pixels.
    px_per_mm : float
        Scale at the wound centre.
    wound_radius_mm : float
        Radius of the circle with the wound's area (area = pi r^2 exactly).
    tilt_deg : float
        Camera tilt: angle between the camera axis and the skin normal.
    tilt_axis_deg, roll_deg : float, optional
        Direction of the tilt axis in the plane, and camera roll; random when None.
    marker, marker_mm, marker_id : bool, float, int
        Put a DICT_4X4_50 ArUco marker (black square ``marker_mm`` wide) beside the wound.
    ruler : bool or str
        Put a ruler below the wound: True, the card's 60 mm printed ruler (ticks every mm, longer
        at 5 and 10); or one of :data:`RULER_DESIGNS`.
    ruler_background : {"drape", "gauze"}, optional
        Lay the ruler on a patch of light-blue drape or gauze (default: on whatever is there).
    skin_tone : float in [0, 1], optional
        0 = light, 1 = dark skin; random when None.
    light, blur_sigma, noise_sigma, jpeg_quality
        Strength of uneven light (0-1), defocus (px), sensor noise (8-bit levels), JPEG quality (None = none).
    wound_offset_px : (dx, dy)
        Where the wound centre sits relative to the photo centre.
    occlude_marker : float in [0, 1]
        Radius, as a fraction of the marker's side, of a skin-coloured disk (a fingertip)
        over one corner of the marker.
    drape : bool, optional
        Show a blue surgical drape beyond the limb's edge; random when None.
    wound_seed : int, optional
        Seed of the wound's shape alone, so a series of photos can show one wound
        (scaled by ``wound_radius_mm``) under different cameras; default: from ``seed``.
    hair : float
        Hair strands per cm^2 of skin (a scalp has about 2-4 visible at this scale), drawn
        over skin and wound alike; the wound under them is still wound in the truth.
    necrosis : float in [0, 1], optional
        How much of the wound bed is black eschar (1: all of it); random patches when None.

    Returns
    -------
    Phantom
    """
    import cv2

    rng = np.random.default_rng(seed)
    tone = float(rng.uniform(0, 1)) if skin_tone is None else float(skin_tone)
    tilt_axis = float(rng.uniform(0, 180)) if tilt_axis_deg is None else float(tilt_axis_deg)
    roll = float(rng.uniform(-180, 180)) if roll_deg is None else float(roll_deg)
    mid = (width / 2 - 0.5 + wound_offset_px[0], height / 2 - 0.5 + wound_offset_px[1])
    H = _camera(width, height, px_per_mm, tilt_deg, tilt_axis, roll, mid)
    Hinv = np.linalg.inv(H)

    lo, hi, q, cw, ch, to_canvas = _plane_canvas(Hinv, H, width, height, px_per_mm)  # the plane seen in the photo

    # skin
    base = SKIN_LIGHT * (1 - tone) + SKIN_DARK * tone
    shp = (ch, cw)
    blotch = _fractal(rng, shp, 25 * q, 3)
    fine = _fractal(rng, shp, 0.6 * q, 2)
    skin = base.astype(np.float32)[None, None, :] * ((1 + 0.05 * blotch) * (1 + 0.05 * fine))[..., None]
    skin += np.array([10.0, 0.0, 0.0], np.float32) * np.abs(_noise(rng, shp, 15 * q))[..., None]  # redness
    for _ in range(int(rng.integers(2, 6))):  # creases
        p0 = rng.uniform(lo, hi)
        ang = rng.uniform(0, np.pi)
        d = np.array([math.cos(ang), math.sin(ang)]) * rng.uniform(20, 60)
        pts = np.array([p0 - d, p0, p0 + d + rng.normal(0, 5, 2)])
        cv2.polylines(skin, [np.round((pts * q + to_canvas[:2, 2]) * 16).astype(np.int32)], False,
                      tuple(float(v) for v in base * 0.86), max(1, int(0.25 * q)), cv2.LINE_AA, shift=4)
    if drape if drape is not None else rng.random() < 0.4:
        gy, gx = np.mgrid[0:ch, 0:cw].astype(np.float32)
        ang = rng.uniform(0, 2 * np.pi)
        dist = (gx / q + lo[0]) * math.cos(ang) + (gy / q + lo[1]) * math.sin(ang)
        edge = wound_radius_mm * 1.6 + 70 + 10 * _noise(rng, shp, 40 * q)
        limb = np.clip((edge - dist) * q / 2, 0, 1)[..., None]
        drape_rgb = np.array([70.0, 120.0, 150.0], np.float32) * (1 + 0.15 * _fractal(rng, shp, 8 * q, 2)[..., None])
        skin = skin * limb + drape_rgb * (1 - limb)

    # wound: everything below works inside the wound's box (plus the halo) only
    wrng = np.random.default_rng(wound_seed) if wound_seed is not None else rng
    poly = wound_polygon(wrng, mean_radius_mm=wound_radius_mm, irregularity=wrng.uniform(0.5, 1.5),
                         elongation=wrng.uniform(1.0, 2.2))
    halo_mm = 8.0
    pc = poly * q + to_canvas[:2, 2]
    x0, y0 = np.maximum(np.floor(pc.min(0) - halo_mm * q).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(pc.max(0) + halo_mm * q).astype(int), [cw, ch])
    canvas = skin
    if x1 > x0 and y1 > y0:
        bshp = (y1 - y0, x1 - x0)
        wmask = np.zeros(bshp, np.uint8)
        cv2.fillPoly(wmask, [np.round((pc - [x0, y0]) * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        alpha = wmask.astype(np.float32) / 255.0
        small = cv2.resize(alpha, (max(bshp[1] // 8, 1), max(bshp[0] // 8, 1)), interpolation=cv2.INTER_AREA)
        halo = cv2.resize(cv2.GaussianBlur(small, (0, 0), 4 * q / 8), (bshp[1], bshp[0]))[..., None]
        region = canvas[y0:y1, x0:x1]
        region = region * (1 - 0.25 * halo) + np.array([200.0, 90.0, 90.0], np.float32) * 0.25 * halo
        rim_px = max(1, int(0.8 * q))
        inner = cv2.erode(wmask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim_px + 1, 2 * rim_px + 1)))
        inner = cv2.GaussianBlur(inner.astype(np.float32) / 255, (0, 0), 0.3 * q)[..., None]
        bed_noise = _fractal(rng, bshp, 1.2 * q, 3)[..., None]
        bed = GRANULATION.astype(np.float32) * (1 + 0.18 * bed_noise)
        slough_w = np.clip((_fractal(rng, bshp, 6 * q, 3) - rng.uniform(0.05, 0.45)) * 4, 0, 1)[..., None]
        eschar_level = rng.uniform(0.35, 0.8) if necrosis is None else 0.75 - 1.5 * float(necrosis)
        eschar_w = np.clip((_fractal(rng, bshp, 8 * q, 2) - eschar_level) * 4, 0, 1)[..., None]
        bed = bed * (1 - slough_w) + SLOUGH.astype(np.float32) * (1 + 0.08 * bed_noise) * slough_w
        bed = bed * (1 - eschar_w) + ESCHAR.astype(np.float32) * eschar_w
        rim = (np.array([205.0, 120.0, 125.0]) * (1 - tone * 0.4)).astype(np.float32)
        bed = bed * inner + rim * (1 - inner)
        glints = (_noise(rng, bshp, 0.8 * q) > 0.82).astype(np.float32) * inner[..., 0]
        bed = bed + 60 * cv2.GaussianBlur(glints, (0, 0), 0.3 * q)[..., None]
        a3 = alpha[..., None]
        canvas[y0:y1, x0:x1] = region * (1 - a3) + bed * a3

    if hair > 0:
        _draw_hair(canvas, np.random.default_rng([seed, 1]), density_per_cm2=hair, q=q, lo=lo, hi=hi)

    # references
    marker_corners = ruler_ends = None
    R = float(np.max(np.hypot(*poly.T)))
    ang = float(rng.uniform(0, 2 * np.pi))  # direction of the marker; the ruler goes opposite
    if marker:
        centre = np.array([math.cos(ang), math.sin(ang)]) * (R + marker_mm * 0.9 + 8)
        mid_ = marker_id if marker_id is not None else int(rng.integers(0, 50))
        cm = _draw_marker(canvas, to_canvas, centre_mm=centre, side_mm=marker_mm, marker_id=mid_,
                          angle_deg=float(rng.uniform(0, 360)))
        if occlude_marker > 0:  # a fingertip over one corner, radius occlude_marker x side
            centre_px = tuple(int(round(v * 16)) for v in cm[0] * q + to_canvas[:2, 2])
            cv2.circle(canvas, centre_px, int(round(occlude_marker * marker_mm * q * 16)),
                       tuple(float(v) for v in base * 0.95), -1, cv2.LINE_AA, shift=4)
        marker_corners = apply_homography(H, cm)
    if ruler is True:
        start = np.array([math.cos(ang + np.pi), math.sin(ang + np.pi)]) * (R + 12)
        rdir = math.degrees(ang + np.pi) - 90  # the ruler's body (its +n side) faces away from the wound
        length = 60.0
        start = start - np.array([math.cos(math.radians(rdir)), math.sin(math.radians(rdir))]) * length / 2
        ends = _draw_ruler(canvas, to_canvas, start_mm=start, angle_deg=rdir, length_mm=length)
        ruler_ends = apply_homography(H, ends)
    elif ruler:
        rdir = math.degrees(ang + np.pi) - 90
        u = np.array([math.cos(math.radians(rdir)), math.sin(math.radians(rdir))])
        length = 80.0 if ruler == "lguide" else 100.0
        start = np.array([math.cos(ang + np.pi), math.sin(ang + np.pi)]) * (R + 12) - u * length / 2
        _lay_ruler(canvas, to_canvas, ruler, start_mm=start, angle_deg=rdir, rng=rng, background=ruler_background)
        ruler_ends = apply_homography(H, np.array([start, start + length * u]))

    # photograph
    M = H @ np.linalg.inv(to_canvas)
    rgb = _photograph(canvas, M, width, height, rng, light=light, blur_sigma=blur_sigma,
                      noise_sigma=noise_sigma, jpeg_quality=jpeg_quality)

    # truth
    from skimage.draw import polygon as draw_polygon

    img_poly = apply_homography(H, poly)
    mask = np.zeros((height, width), bool)
    rr, cc = draw_polygon(img_poly[:, 1], img_poly[:, 0], shape=mask.shape)
    mask[rr, cc] = True
    area = abs(0.5 * np.sum(poly[:, 0] * np.roll(poly[:, 1], -1) - np.roll(poly[:, 0], -1) * poly[:, 1]))
    perim = float(np.sum(np.hypot(*(np.roll(poly, -1, 0) - poly).T)))
    params = dict(seed=seed, width=width, height=height, px_per_mm=px_per_mm, wound_radius_mm=wound_radius_mm,
                  tilt_deg=tilt_deg, tilt_axis_deg=tilt_axis, roll_deg=roll, marker=marker, marker_mm=marker_mm,
                  ruler=ruler, skin_tone=tone, light=light, blur_sigma=blur_sigma, noise_sigma=noise_sigma,
                  jpeg_quality=jpeg_quality)
    return Phantom(rgb=rgb, mask=mask, area_mm2=float(area), perimeter_mm=perim, plane_to_image=H,
                   px_per_mm=_local_scale(H, 0.0, 0.0), tilt_deg=float(tilt_deg), marker_corners=marker_corners,
                   marker_mm=float(marker_mm), ruler_ends=ruler_ends, wound_polygon_mm=poly, params=params)


# --- a real wound photo, healed by a known fraction, re-photographed with the calibration card ---

CARD_PAPER = np.array([246.0, 246.0, 246.0])  # the markers' white (see _draw_marker)
DRAPE = np.array([58.0, 122.0, 132.0])
"""A blue-green surgical drape."""
SCAR = np.array([240.0, 172.0, 166.0])
"""Older new epithelium / young scar: pink-white."""
NEW_EPITHELIUM = np.array([232.0, 138.0, 140.0])
"""The youngest epithelium at the wound's edge: pinker."""


@dataclass(frozen=True)
class VisitPhoto:
    """A real wound photo, healed by a known fraction and re-photographed beside the calibration card.

    Attributes
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    mask : ndarray of bool, shape (M, N)
        Photo pixels whose centres fall on the remaining wound (its source pixels taken as squares).
    area_mm2 : float
        The remaining wound's true plane area: its source pixel count times ``mm_per_source_px ** 2``.
    healed_fraction : float
        The share of the source wound's pixels that healed (exactly, up to one source pixel).
    plane_to_image : ndarray, shape (3, 3)
        Homography from plane mm (origin at the remaining wound's centroid, x right, y down
        along the source photo's axes) to image pixels.
    px_per_mm : float
        Scale at the remaining wound's centroid (geometric mean of the two axes).
    tilt_deg : float
    marker_ids : tuple of int
    marker_corners : ndarray, shape (2, 4, 2)
        Each marker's black-square corners in image pixels (marker order: TL, TR, BR, BL).
    marker_mm : float
    ruler_ends : ndarray (2, 2)
        The card ruler's 0 mm and 80 mm points on its base line, in image pixels.
    card_corners : ndarray (4, 2)
        The card's corners in image pixels (card TL, TR, BR, BL).
    wound_mask : ndarray of bool
        The remaining wound on the source photo's grid.
    mm_per_source_px : float
    params : dict
    """

    rgb: np.ndarray
    mask: np.ndarray
    area_mm2: float
    healed_fraction: float
    plane_to_image: np.ndarray
    px_per_mm: float
    tilt_deg: float
    marker_ids: tuple
    marker_corners: np.ndarray
    marker_mm: float
    ruler_ends: np.ndarray
    card_corners: np.ndarray
    wound_mask: np.ndarray
    mm_per_source_px: float
    params: dict = field(default_factory=dict)

    def photo_mask(self, source_mask: np.ndarray) -> np.ndarray:
        """Where part of the source photo's grid (e.g. one of several wounds) lands in this photo."""
        vv, uu = np.nonzero(self.wound_mask)
        c_uv = np.array([uu.mean(), vv.mean()])
        return _photo_mask(np.asarray(source_mask, bool), self.plane_to_image, self.mm_per_source_px, c_uv,
                           self.rgb.shape[1], self.rgb.shape[0])

    @property
    def calibration(self) -> Calibration:
        """The exact calibration (image -> plane), for tests that isolate other stages."""
        H = np.linalg.inv(self.plane_to_image)
        return Calibration(self.px_per_mm, method="truth", homography=tuple((H / H[2, 2]).ravel()))


def heal_wound(photo: np.ndarray, wound_mask: np.ndarray, healed_fraction: float, *,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Let a real wound heal from its edge by a known share of its area.

    The remaining wound is the original's inner part: the ``round((1 - healed_fraction) * n)``
    of its ``n`` pixels that lie deepest below the wound's edge (the Euclidean distance to
    it, smoothed over 3 px and made a little uneven, so that the new edge is neither a
    polygon nor a perfect level set). Its pixels are kept as they are. The healed ring is painted as
    new epithelium: the skin around the wound inpainted into it (``cv2.inpaint``, Telea,
    from outside the original wound only), tinted pink-white (pinker near the remaining
    wound, where it is youngest), with fine mottling, and blended into the skin at its
    outer edge.

    Parameters
    ----------
    photo : ndarray of uint8, shape (M, N, 3)
        RGB photo.
    wound_mask : ndarray of bool, shape (M, N)
        The wound (nonzero = wound).
    healed_fraction : float in [0, 1]
        1 closes the wound: all of it is painted as new epithelium.
    seed : int
        Seed of the mottling.

    Returns
    -------
    rgb : ndarray of uint8, shape (M, N, 3)
        The photo with the ring healed; identical to ``photo`` when nothing healed.
    remaining : ndarray of bool, shape (M, N)
        The remaining wound.
    """
    import cv2

    photo = np.asarray(photo)
    m0 = np.asarray(wound_mask).astype(bool)
    if photo.dtype != np.uint8 or photo.ndim != 3 or photo.shape[2] != 3 or photo.shape[:2] != m0.shape:
        raise ValueError("photo must be uint8 RGB (M, N, 3) and wound_mask (M, N)")
    if not 0.0 <= healed_fraction <= 1.0:
        raise ValueError(f"healed_fraction {healed_fraction!r} is not in [0, 1]")
    n0 = int(m0.sum())
    n1 = int(round((1.0 - healed_fraction) * n0))
    if n0 < 1:
        raise ValueError("no wound to heal: the mask is empty")
    padded = np.pad(m0, 1).astype(np.uint8)
    dt = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    rng = np.random.default_rng([seed, 14])
    shp = m0.shape
    # depth below the wound's edge, smoothed (rounder than the distance's own level sets) and a little
    # uneven (a living edge is not a level set): the deepest pixels stay wound
    depth = cv2.GaussianBlur(dt, (0, 0), 3.0) + 1.5 * _noise(rng, shp, 10.0)
    idx = np.flatnonzero(m0)
    order = np.lexsort((-dt.ravel()[idx], -depth.ravel()[idx]))
    m1 = np.zeros(m0.size, bool)
    m1[idx[order[:n1]]] = True
    m1 = m1.reshape(m0.shape)
    ring = m0 & ~m1
    if not ring.any():
        return photo.copy(), m1

    def grow(m, r):
        return cv2.dilate(m.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2)) > 0

    band = grow(m0, 6)  # the annotation plus 6 px: the wound's red fringe beyond it heals too
    paint = grow(ring, 6) & band & ~m1
    last = m1 if n1 else (m0 & (dt >= dt.max()))  # a closed wound's youngest skin: where it closed last
    d_in = cv2.distanceTransform((~last).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    edge = cv2.distanceTransform(band.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)  # to the skin outside
    width = max(float(d_in[ring].max()), 1.0)
    filled = cv2.inpaint(np.ascontiguousarray(photo), band.astype(np.uint8), 6, cv2.INPAINT_TELEA).astype(np.float32)
    deep = np.clip(edge / (0.3 * width + 1.0), 0, 1)[..., None]  # far from the skin: smoother (no inpaint streaks)
    skin = (cv2.GaussianBlur(filled, (0, 0), 2.0) * (1 - deep)
            + cv2.GaussianBlur(filled, (0, 0), 0.15 * width + 2.0) * deep)
    young = np.exp(-d_in / (0.25 * width + 1.0))[..., None]
    hue = (SCAR / SCAR.mean()) * (1 - young) + (NEW_EPITHELIUM / NEW_EPITHELIUM.mean()) * young
    lum = skin.mean(axis=2, keepdims=True) * (1.05 - 0.10 * young)  # older scar a little paler than the skin
    # the tint fades out toward the skin (the inpainted skin meets the real skin there) and is blotchy
    fade = np.clip(edge / (0.35 * width + 4.0), 0, 1) ** 1.5
    tint = (0.6 * fade * np.clip(1 + 0.5 * _noise(rng, shp, 10.0), 0, 1.5))[..., None]
    new = skin * (1 - tint) + (lum * hue).astype(np.float32) * tint
    # texture as fine as the skin's own around the wound (its high-pass contrast), plus mottling
    around = grow(m0, 25) & ~band
    gray = photo.astype(np.float32).mean(axis=2)
    hp = gray - cv2.GaussianBlur(gray, (0, 0), 2.0)
    fine = float(np.std(hp[around]) / max(np.mean(gray[around]), 1.0)) if around.any() else 0.03
    texture = (1 + 1.4 * fine * _fractal(rng, shp, 1.5, 2)) * (1 + 0.05 * _noise(rng, shp, 5.0) * fade)
    lip = np.exp(-np.maximum(d_in - 1.0, 0) / 1.5)[..., None] * np.array([0.03, 0.1, 0.1], np.float32) * bool(n1)
    new *= texture[..., None] * (1 - lip)  # the wound's edge: a thin darker, redder lip
    # blend in at the skin (over 4 px) and, over the first pixel outside it, at the remaining wound
    alpha = (np.clip(edge / 4.0, 0, 1) * (np.clip(d_in / 1.5, 0, 1) if n1 else 1.0) * paint)[..., None]
    out = photo.astype(np.float32) * (1 - alpha) + new * alpha
    out = np.clip(np.round(out), 0, 255).astype(np.uint8)
    out[m1] = photo[m1]
    return out, m1


def _photo_mask(source_mask: np.ndarray, H: np.ndarray, s: float, c_uv: np.ndarray, width: int,
                height: int) -> np.ndarray:
    """Photo pixels whose centres land on a ``source_mask`` pixel (a square ``s`` mm wide) through the
    plane (origin ``c_uv`` on the source grid) and the camera ``H`` (plane mm -> image px)."""
    src_h, src_w = source_mask.shape
    mask = np.zeros((height, width), bool)
    vv, uu = np.nonzero(source_mask)
    if not vv.size:
        return mask
    box = (np.array([[uu.min() - 1, vv.min() - 1], [uu.max() + 1, vv.min() - 1],
                     [uu.max() + 1, vv.max() + 1], [uu.min() - 1, vv.max() + 1]], float) - c_uv) * s
    ib = apply_homography(H, box)
    ix0, iy0 = np.maximum(np.floor(ib.min(0)).astype(int), 0)
    ix1, iy1 = np.minimum(np.ceil(ib.max(0)).astype(int) + 1, [width, height])
    if ix1 > ix0 and iy1 > iy0:
        gy, gx = np.mgrid[iy0:iy1, ix0:ix1]
        uv = apply_homography(np.linalg.inv(H), np.column_stack([gx.ravel(), gy.ravel()]).astype(float)) / s + c_uv
        iu, iv = np.rint(uv[:, 0]).astype(int), np.rint(uv[:, 1]).astype(int)
        ok = (iu >= 0) & (iu < src_w) & (iv >= 0) & (iv < src_h)
        hit = np.zeros(len(iu), bool)
        hit[ok] = source_mask[iv[ok], iu[ok]]
        mask[iy0:iy1, ix0:ix1] = hit.reshape(gy.shape)
    return mask


def _signed_distance_mm(inside: np.ndarray, mm_per_px: float) -> np.ndarray:
    """Signed distance to the edge of ``inside`` (positive inside; the array's border is an edge), mm."""
    import cv2

    din = cv2.distanceTransform(np.pad(inside, 1).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    dout = cv2.distanceTransform((~inside).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return (np.where(inside, din - 0.5, 0.5 - dout) * mm_per_px).astype(np.float32)


def _card_patches(canvas, to_canvas: np.ndarray, card_to_plane) -> None:
    """The card's colour patches (:data:`woundmeasure.calibration.card.PATCHES`), printed flat."""
    import cv2

    for i, (_, srgb) in enumerate(CARD.PATCHES):
        x0, y0, x1, y1 = CARD.patch_box(i)
        quad = apply_homography(to_canvas, card_to_plane([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
        bx0, by0 = np.maximum(np.floor(quad.min(0)).astype(int) - 1, 0)
        bx1, by1 = np.minimum(np.ceil(quad.max(0)).astype(int) + 2, [canvas.shape[1], canvas.shape[0]])
        if bx1 <= bx0 or by1 <= by0:
            continue
        ink = np.zeros((by1 - by0, bx1 - bx0), np.float32)
        cv2.fillPoly(ink, [np.round((quad - [bx0, by0]) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        region = canvas[by0:by1, bx0:bx1]
        canvas[by0:by1, bx0:bx1] = region * (1 - ink[..., None]) + np.array(srgb, np.float32) * ink[..., None]


def _card_text(canvas, card_to_canvas: np.ndarray) -> None:
    """The card's three lines of text, fitted between the markers' quiet zones (x 33-67 mm)."""
    import cv2

    r = float(min(20.0, max(4.0, math.sqrt(abs(np.linalg.det(card_to_canvas[:2, :2]))))))  # patch px per mm
    x0, y0, w, h = 33.0, 8.0, 34.0, 15.0
    patch = np.zeros((int(math.ceil(h * r)), int(math.ceil(w * r))), np.uint8)
    lines = [(text, base, 0.7 * size, 1 + (i == 0)) for i, (text, base, size) in enumerate(CARD.TEXT)]  # cap height
    for text, base, cap_mm, thick in lines:
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.0, thick)
        scale = min(cap_mm * r / th, w * r / tw)
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        org = (int(round((w * r - tw) / 2)), int(round((base - y0) * r)))
        cv2.putText(patch, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thick, cv2.LINE_AA)
    # patch px -> card mm -> canvas px
    P = np.array([[1 / r, 0, x0 + 0.5 / r], [0, 1 / r, y0 + 0.5 / r], [0, 0, 1.0]])
    A = (card_to_canvas @ P)[:2]
    quad = np.array([[0, 0], [patch.shape[1], 0], [patch.shape[1], patch.shape[0]], [0, patch.shape[0]]], float)
    dst = quad @ A[:, :2].T + A[:, 2]
    bx0, by0 = np.maximum(np.floor(dst.min(0)).astype(int) - 2, 0)
    bx1, by1 = np.minimum(np.ceil(dst.max(0)).astype(int) + 2, [canvas.shape[1], canvas.shape[0]])
    if bx1 <= bx0 or by1 <= by0:
        return
    A = A - np.array([[0, 0, bx0], [0, 0, by0]])
    ink = cv2.warpAffine(patch.astype(np.float32) / 255, A, (int(bx1 - bx0), int(by1 - by0)), flags=cv2.INTER_LINEAR)
    region = canvas[by0:by1, bx0:bx1]
    canvas[by0:by1, bx0:bx1] = region * (1 - 0.85 * ink[..., None]) + 25.0 * 0.85 * ink[..., None]


def make_visit(photo: np.ndarray, wound_mask: np.ndarray, *, photo_width_mm: float, healed_fraction: float = 0.0,
               seed: int = 0, width: int = 2400, height: int = 1800, px_per_mm: float = 9.0,
               tilt_deg: float = 0.0, tilt_axis_deg: float | None = None, roll_deg: float | None = None,
               exposed: np.ndarray | None = None, card_direction_deg: float | None = None,
               card_angle_deg: float | None = None, card_gap_mm: float = 8.0, light: float = 0.3,
               blur_sigma: float = 0.8, noise_sigma: float = 2.5, jpeg_quality: int | None = 90,
               card_patches: bool = True, illuminant=None, exposure: float = 1.0) -> VisitPhoto:
    """Re-photograph a real wound photo at a clinic visit: healed by a known fraction, on a drape, beside the card.

    The photo becomes a flat textured rectangle ``photo_width_mm`` wide on a plane; a
    blue-green surgical drape covers the plane except the ``exposed`` skin (a fenestrated
    drape, with a slightly wavy edge and a soft shadow on the skin). The printed
    calibration card (100 x 64 mm, ArUco DICT_4X4_50 ids 0 and 1 with 20 mm black squares
    and an 80 mm ruler, laid out as ``examples/calibration_card.svg``) lies on the drape
    beside the exposed skin, ``card_gap_mm`` from it, with a thin shadow. The wound first
    heals by ``healed_fraction`` (:func:`heal_wound`). A pinhole camera then photographs the
    plane as in :func:`make_phantom` (uneven light, colour cast, blur, noise, JPEG), framed
    so that the wound and the card are centred together in the photo.

    Parameters
    ----------
    photo : ndarray of uint8, shape (M, N, 3)
        The real RGB photo (crop any zero padding first: it would show as black).
    wound_mask : ndarray of bool, shape (M, N)
        Its wound annotation.
    photo_width_mm : float
        Physical width on the skin of the photo's N columns (an assumption for a photo
        without a scale: about 110 mm for a 512 px foot-ulcer photo of a heel or forefoot).
    healed_fraction : float in [0, 1)
        Share of the wound's area healed at this visit.
    seed : int
        Everything random derives from it.
    width, height : int
        Photo size in pixels.
    px_per_mm : float
        Scale at the remaining wound's centroid.
    tilt_deg : float
        Camera tilt: angle between the camera axis and the plane normal.
    tilt_axis_deg, roll_deg : float, optional
        Direction of the tilt axis on the plane, and camera roll; random when None.
    exposed : ndarray of bool, shape (M, N), optional
        The photo's pixels the drape leaves bare (default: all); must hold the wound at
        least 2 mm inside its edge.
    card_direction_deg : float, optional
        Direction from the wound to the card on the plane (deg, x toward y); default: toward
        the left or right of the photo (random), within 20 deg.
    card_angle_deg : float, optional
        Direction of the card's long (100 mm) side on the plane; default: across
        ``card_direction`` within 12 deg, either way up.
    card_gap_mm : float
        Least distance from the card to the exposed skin.
    light, blur_sigma, noise_sigma, jpeg_quality
        As in :func:`make_phantom`.
    card_patches : bool
        Print the card's colour patches (white, grey, black and six colours), as the card file has them.
    illuminant : str or (r, g, b), optional
        The light's colour after the camera's own white balance: a name of :data:`ILLUMINANTS` or
        linear RGB gains; default none (the scene's colours as they are).
    exposure : float
        Linear gain of the whole photo (under- or over-exposure), applied with the illuminant.

    Returns
    -------
    VisitPhoto

    Raises
    ------
    ValueError
        Bad inputs, a wound too close to the drape's edge, or a card and wound that do not
        fit in the photo together at this scale and tilt.
    """
    import cv2

    photo = np.asarray(photo)
    wound_mask = np.asarray(wound_mask).astype(bool)
    if not (math.isfinite(photo_width_mm) and photo_width_mm > 0):
        raise ValueError(f"photo_width_mm {photo_width_mm!r} is not a positive length")
    healed, m1 = heal_wound(photo, wound_mask, healed_fraction, seed=seed)
    rng = np.random.default_rng(seed)
    src_h, src_w = m1.shape
    s = float(photo_width_mm) / src_w  # mm per source pixel
    exp_mask = np.ones(m1.shape, bool) if exposed is None else np.asarray(exposed).astype(bool)
    if exp_mask.shape != m1.shape:
        raise ValueError("exposed must have the photo's shape")
    vv, uu = np.nonzero(m1)
    c_uv = np.array([uu.mean(), vv.mean()])  # the plane origin: the remaining wound's centroid

    def to_plane(uv):  # source pixel centres -> plane mm
        return (np.asarray(uv, float) - c_uv) * s

    # the drape's edge: signed distance to the exposed skin's edge, with a gentle wobble
    sd = _signed_distance_mm(exp_mask, s) + 1.2 * _noise(rng, m1.shape, 12.0 / s)
    if float(sd[wound_mask].min()) < 2.0:
        raise ValueError("the wound must lie at least 2 mm inside the exposed skin")
    cont, _ = cv2.findContours(np.pad(sd > 0, 1).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    skin_edge = to_plane(np.vstack([c.reshape(-1, 2) for c in cont]) - 1.0)
    cont, _ = cv2.findContours(wound_mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    wound_edge = to_plane(np.vstack([c.reshape(-1, 2) for c in cont]))

    # camera, card and framing
    tilt_axis = float(rng.uniform(0, 180)) if tilt_axis_deg is None else float(tilt_axis_deg)
    roll = float(rng.uniform(-180, 180)) if roll_deg is None else float(roll_deg)
    mid = np.array([width / 2 - 0.5, height / 2 - 0.5])
    H0 = _camera(width, height, px_per_mm, tilt_deg, tilt_axis, roll, tuple(mid))
    if card_direction_deg is None:
        side = math.pi * float(rng.integers(0, 2)) + float(rng.uniform(-1, 1)) * math.radians(20)
        far = apply_homography(np.linalg.inv(H0), mid + 300 * np.array([math.cos(side), math.sin(side)]))[0]
        card_dir = math.degrees(math.atan2(far[1], far[0]))
    else:
        card_dir = float(card_direction_deg)
    if card_angle_deg is None:
        card_angle = card_dir + 90 + float(rng.uniform(-12, 12)) + 180 * float(rng.integers(0, 2))
    else:
        card_angle = float(card_angle_deg)
    d = np.array([math.cos(math.radians(card_dir)), math.sin(math.radians(card_dir))])
    a = math.radians(card_angle)
    ex, ey = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
    half = np.array(CARD.CARD_MM) / 2
    t = 0.0
    clear_of = np.vstack([skin_edge, wound_edge])  # the wound too: all the skin may be exposed (exposed=None)
    while True:  # slide the card out along d until it clears the exposed skin and the wound by card_gap_mm
        rel = clear_of - t * d
        lx, ly = np.abs(rel @ ex) - half[0], np.abs(rel @ ey) - half[1]
        if float(np.min(np.hypot(np.maximum(lx, 0), np.maximum(ly, 0)))) >= card_gap_mm:
            break
        t += 0.5
    card_centre = t * d

    def card_to_plane(p):  # card mm (x right, y down from its top left) -> plane mm
        return card_centre + (np.asarray(p, float).reshape(-1, 2) - half) @ np.array([ex, ey])

    card_quad = card_to_plane([[0, 0], [CARD.CARD_MM[0], 0], [CARD.CARD_MM[0], CARD.CARD_MM[1]], [0, CARD.CARD_MM[1]]])
    seen = apply_homography(H0, np.vstack([wound_edge, card_quad]))
    lo_px, hi_px = seen.min(0), seen.max(0)
    if np.any(hi_px - lo_px > 0.94 * np.array([width, height])):
        raise ValueError(f"the wound and the card do not fit in a {width} x {height} photo at {px_per_mm} px/mm "
                         f"and {tilt_deg} deg tilt: photograph from farther away")
    centre_px = mid + (mid - (lo_px + hi_px) / 2)
    H = _camera(width, height, px_per_mm, tilt_deg, tilt_axis, roll, tuple(centre_px))
    Hinv = np.linalg.inv(H)

    lo, hi, q, cw, ch, to_canvas = _plane_canvas(Hinv, H, width, height, px_per_mm)
    shp = (ch, cw)

    # drape: fine non-woven texture and broad soft folds
    colour = DRAPE * (1 + rng.normal(0, 0.03, 3))
    relief = _fractal(rng, shp, 90 * q, 2)  # folds: a smooth height field, lit from the top left
    folds = cv2.Sobel(relief, cv2.CV_32F, 1, 0, ksize=3) + cv2.Sobel(relief, cv2.CV_32F, 0, 1, ksize=3)
    folds *= 0.12 / max(float(np.percentile(np.abs(folds), 99)), 1e-9)
    shade = (1 + 0.06 * _fractal(rng, shp, 0.3 * q, 2)) * (1 - np.clip(folds, -0.15, 0.15))
    del relief, folds
    canvas = (colour.astype(np.float32)[None, None, :] * shade[..., None]).astype(np.float32)
    del shade

    # the skin photo, inside the drape's window
    src_to_canvas = to_canvas @ np.array([[s, 0, -s * c_uv[0]], [0, s, -s * c_uv[1]], [0, 0, 1.0]])
    rect = apply_homography(src_to_canvas, np.array([[-0.5, -0.5], [src_w - 0.5, src_h - 0.5]]))
    bx0, by0 = np.maximum(np.floor(rect.min(0)).astype(int) - 2, 0)
    bx1, by1 = np.minimum(np.ceil(rect.max(0)).astype(int) + 2, [cw, ch])
    if bx1 > bx0 and by1 > by0:
        A = (src_to_canvas - np.array([[0, 0, bx0], [0, 0, by0], [0, 0, 0]]))[:2]
        bsz = (int(bx1 - bx0), int(by1 - by0))
        skin = cv2.warpAffine(healed.astype(np.float32), A, bsz, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        if healed_fraction > 0:  # the wound's own pixels inside its edge, anti-aliased along the truth's edge
            real = cv2.warpAffine(photo.astype(np.float32), A, bsz, flags=cv2.INTER_CUBIC,
                                  borderMode=cv2.BORDER_REPLICATE)
            inside = cv2.warpAffine(m1.astype(np.float32), A, bsz, flags=cv2.INTER_LINEAR)
            w = np.clip((inside - 0.5) * 2.5 + 0.5, 0, 1)[..., None]
            skin = skin * (1 - w) + real * w
            del real, inside, w
        sdc = cv2.warpAffine(sd, A, bsz, flags=cv2.INTER_LINEAR, borderValue=-50.0)
        skin *= (1 - 0.35 * np.exp(-np.maximum(sdc, 0) / 1.5))[..., None]  # the drape's edge shades the skin
        alpha = np.clip(0.5 + sdc / 0.25, 0, 1)[..., None]
        region = canvas[by0:by1, bx0:bx1]
        region *= (1 - 0.10 * np.exp(-np.abs(sdc) / 0.6))[..., None]  # the drape's cut edge
        canvas[by0:by1, bx0:bx1] = region * (1 - alpha) + skin * alpha
        del skin, sdc, alpha

    # the card: shadow, paper, markers, ruler, text
    card_px = apply_homography(to_canvas, card_quad)
    sx0, sy0 = np.maximum(np.floor(card_px.min(0) - 4 * q).astype(int), 0)
    sx1, sy1 = np.minimum(np.ceil(card_px.max(0) + 4 * q).astype(int), [cw, ch])
    if sx1 > sx0 and sy1 > sy0:
        sh = np.zeros((sy1 - sy0, sx1 - sx0), np.float32)
        off = np.array([0.7, 1.0]) * q - [sx0, sy0]
        cv2.fillPoly(sh, [np.round((card_px + off) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        sh = cv2.GaussianBlur(sh, (0, 0), 0.8 * q)
        canvas[sy0:sy1, sx0:sx1] *= (1 - 0.45 * sh)[..., None]
        paper = np.zeros_like(sh)
        cv2.fillPoly(paper, [np.round((card_px - [sx0, sy0]) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        tex = CARD_PAPER.astype(np.float32)[None, None, :] * (1 + 0.01 * _noise(rng, paper.shape, 0.5 * q))[..., None]
        region = canvas[sy0:sy1, sx0:sx1]
        canvas[sy0:sy1, sx0:sx1] = region * (1 - paper[..., None]) + tex * paper[..., None]
        if card_patches:
            _card_patches(canvas, to_canvas, card_to_plane)
    marker_ids, marker_corners = [], []
    for mid_, centre in CARD.MARKERS:
        cm = _draw_marker(canvas, to_canvas, centre_mm=card_to_plane(centre)[0], side_mm=CARD.MARKER_MM,
                          marker_id=mid_, angle_deg=card_angle)
        marker_ids.append(mid_)
        marker_corners.append(apply_homography(H, cm))
    (r0x, r0y), rlen = CARD.RULER
    _draw_ruler(canvas, to_canvas, start_mm=card_to_plane((r0x + rlen, r0y))[0], angle_deg=card_angle + 180,
                length_mm=rlen)  # drawn from the 80 mm end so that its ticks rise toward the markers
    _card_text(canvas, to_canvas @ np.array([[ex[0], ey[0], card_quad[0, 0]], [ex[1], ey[1], card_quad[0, 1]],
                                             [0, 0, 1.0]]))

    # photograph
    M = H @ np.linalg.inv(to_canvas)
    rgb = _photograph(canvas, M, width, height, rng, light=light, blur_sigma=blur_sigma, noise_sigma=noise_sigma,
                      jpeg_quality=jpeg_quality, illuminant=illuminant, exposure=exposure)
    del canvas

    mask = _photo_mask(m1, H, s, c_uv, width, height)
    n0, n1 = int(wound_mask.sum()), int(m1.sum())
    ruler_ends = apply_homography(H, card_to_plane([[r0x, r0y], [r0x + rlen, r0y]]))
    params = dict(seed=seed, width=width, height=height, px_per_mm=px_per_mm, tilt_deg=tilt_deg,
                  tilt_axis_deg=tilt_axis, roll_deg=roll, photo_width_mm=float(photo_width_mm),
                  healed_fraction=float(healed_fraction), source_wound_px=n0, remaining_wound_px=n1,
                  card_direction_deg=card_dir, card_angle_deg=card_angle,
                  card_centre_mm=[float(v) for v in card_centre], card_gap_mm=card_gap_mm, light=light,
                  blur_sigma=blur_sigma, noise_sigma=noise_sigma, jpeg_quality=jpeg_quality, card_patches=card_patches,
                  illuminant=illuminant, exposure=exposure)
    return VisitPhoto(rgb=rgb, mask=mask, area_mm2=float(n1 * s * s), healed_fraction=1.0 - n1 / n0,
                 plane_to_image=H, px_per_mm=_local_scale(H, 0.0, 0.0), tilt_deg=float(tilt_deg),
                 marker_ids=tuple(marker_ids), marker_corners=np.array(marker_corners), marker_mm=CARD.MARKER_MM,
                 ruler_ends=ruler_ends, card_corners=apply_homography(H, card_quad), wound_mask=m1,
                 mm_per_source_px=s, params=params)


def make_wounds_visit(photo: np.ndarray, wound_masks, *, healed_fractions, photo_width_mm: float, seed: int = 0,
                      **camera) -> tuple[VisitPhoto, list[np.ndarray], list[float]]:
    """:func:`make_visit` of a photo that shows several wounds, each healed by its own share (1: closed).

    Parameters
    ----------
    photo : ndarray of uint8, shape (M, N, 3)
    wound_masks : sequence of ndarray of bool, shape (M, N)
        Each wound's annotation on the photo (not overlapping).
    healed_fractions : sequence of float in [0, 1]
        Per wound; at least one below 1.
    photo_width_mm, seed, camera
        As in :func:`make_visit` (``camera``: its keyword parameters after ``seed``).

    Returns
    -------
    (VisitPhoto, masks, areas)
        The visit (``mask`` and ``area_mm2`` of all wounds together), and per wound its true
        mask in the photo and its true plane area, mm^2 (0 for a closed wound).
    """
    healed = np.asarray(photo)
    remaining = []
    for k, (mask, fraction) in enumerate(zip(wound_masks, healed_fractions)):
        healed, m1 = heal_wound(healed, mask, fraction, seed=seed + 101 * k)
        remaining.append(m1)
    union = np.any(remaining, axis=0)
    if not union.any():
        raise ValueError("every wound is closed: nothing left to photograph beside the card")
    visit = make_visit(healed, union, photo_width_mm=photo_width_mm, healed_fraction=0.0, seed=seed, **camera)
    s = visit.mm_per_source_px
    return visit, [visit.photo_mask(m) for m in remaining], [float(m.sum() * s * s) for m in remaining]


CLUTTER = ("text", "keyboard", "stripes", "staples", "comb")
"""Things in clinic photos that are periodic or line-like but are not rulers (:func:`add_clutter`)."""


def add_clutter(rgb: np.ndarray, kind: str, *, seed: int = 0) -> np.ndarray:
    """A copy of the photo with something that is not a ruler in a free corner: printed text, a
    keyboard, striped fabric, a row of skin staples along a suture line, or a comb.

    For tests that no scale is read from such things. Drawn in image pixels (no perspective).
    """
    import cv2

    if kind not in CLUTTER:
        raise ValueError(f"unknown clutter {kind!r}; one of {', '.join(CLUTTER)}")
    rng = np.random.default_rng([seed, 77])
    out = np.ascontiguousarray(rgb.copy())
    h, w = out.shape[:2]
    x0, y0 = int(w * rng.uniform(0.02, 0.08)), int(h * rng.uniform(0.02, 0.08))
    bw, bh = int(w * 0.42), int(h * 0.36)
    unit = max(6, int(min(bw, bh) / 22))
    if kind == "text":
        cv2.rectangle(out, (x0, y0), (x0 + bw, y0 + bh), (240, 240, 236), -1)
        words = ["patient", "wound", "left", "heel", "2024", "dressing", "change", "daily", "saline", "foam"]
        for line in range(int(bh / (1.6 * unit)) - 1):
            text = " ".join(rng.choice(words, 6))
            cv2.putText(out, text, (x0 + unit, y0 + int((line + 1.5) * 1.6 * unit)), cv2.FONT_HERSHEY_SIMPLEX,
                        unit / 22, (30, 30, 30), max(1, unit // 8), cv2.LINE_AA)
    elif kind == "keyboard":
        cv2.rectangle(out, (x0, y0), (x0 + bw, y0 + bh), (40, 40, 44), -1)
        key = int(1.9 * unit)
        for r in range(int(bh / key)):
            for c in range(int(bw / key)):
                p = (x0 + c * key + 3, y0 + r * key + 3)
                cv2.rectangle(out, p, (p[0] + key - 6, p[1] + key - 6), (70, 70, 76), -1)
                cv2.putText(out, chr(65 + int(rng.integers(0, 26))), (p[0] + key // 4, p[1] + int(key * 0.7)),
                            cv2.FONT_HERSHEY_SIMPLEX, key / 60, (230, 230, 230), max(1, key // 20), cv2.LINE_AA)
    elif kind == "stripes":
        period = unit * rng.uniform(0.6, 1.2)
        yy, xx = np.mgrid[0:bh, 0:bw]
        a = rng.uniform(0, np.pi)
        phase = (xx * np.cos(a) + yy * np.sin(a)) / period
        band = (np.sin(2 * np.pi * phase) > 0.6)[..., None]
        cloth = np.where(band, np.array([40, 60, 120]), np.array([225, 225, 215]))
        out[y0:y0 + bh, x0:x0 + bw] = cloth.astype(np.uint8)
    elif kind == "staples":
        cx, cy = x0 + bw // 2, y0 + bh // 2
        a = rng.uniform(0, np.pi)
        u, n = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
        cv2.line(out, tuple(np.int32([cx, cy] - u * bw * 0.45)), tuple(np.int32([cx, cy] + u * bw * 0.45)),
                 (150, 70, 70), max(2, unit // 4), cv2.LINE_AA)  # the suture line
        spacing = unit * rng.uniform(1.5, 2.5)
        for k in range(-int(bw * 0.4 / spacing), int(bw * 0.4 / spacing) + 1):
            c = np.array([cx, cy]) + u * k * spacing
            half = n * unit * 0.9
            cv2.line(out, tuple(np.int32(c - half)), tuple(np.int32(c + half)), (190, 195, 200), max(2, unit // 5),
                     cv2.LINE_AA)
    else:  # a comb: even teeth, all alike
        cv2.rectangle(out, (x0, y0), (x0 + bw, y0 + unit * 2), (20, 20, 20), -1)
        for k in range(int(bw / (unit * 0.8))):
            x = x0 + int(k * unit * 0.8)
            cv2.line(out, (x, y0 + unit * 2), (x, y0 + unit * 6), (20, 20, 20), max(2, unit // 5), cv2.LINE_AA)
    return out


def motion_blur(rgb: np.ndarray, length_px: float, angle_deg: float) -> np.ndarray:
    """The photo as a shaky hand takes it: blurred along a straight line ``length_px`` long."""
    import cv2

    r = int(math.ceil(length_px / 2)) + 1
    kernel = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    d = np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))]) * length_px / 2
    cv2.line(kernel, tuple(np.round((r - d) * 16).astype(int)), tuple(np.round((r + d) * 16).astype(int)), 1.0, 1,
             cv2.LINE_AA, shift=4)
    return cv2.filter2D(rgb, -1, kernel / kernel.sum())
