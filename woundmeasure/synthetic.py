"""Synthetic wound photos with exact truth (like ``skimage.data``, but generated).

A wound is an irregular polygon on a flat skin plane (coordinates in mm). The plane
carries skin texture, an optional printed mm ruler and ArUco marker, and is
photographed by a pinhole camera at a chosen distance and tilt; then come uneven
light, a colour cast, defocus blur, sensor noise and JPEG compression.

Truth is exact: the wound polygon's plane area (shoelace, mm^2), its perimeter,
the plane-to-image homography, and the mask of photo pixels whose centres project
inside the polygon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

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


def make_phantom(seed: int = 0, *, width: int = 1200, height: int = 900, px_per_mm: float = 6.0,
                 wound_radius_mm: float = 15.0, tilt_deg: float = 0.0, tilt_axis_deg: float | None = None,
                 roll_deg: float | None = None, marker: bool = True, marker_mm: float = 20.0,
                 marker_id: int | None = None, ruler: bool = False, skin_tone: float | None = None,
                 light: float = 0.35, blur_sigma: float = 0.7, noise_sigma: float = 3.0, jpeg_quality: int | None = 90,
                 wound_offset_px: tuple[float, float] = (0.0, 0.0), occlude_marker: float = 0.0,
                 drape: bool | None = None, wound_seed: int | None = None, hair: float = 0.0,
                 necrosis: float | None = None) -> Phantom:
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
    ruler : bool
        Put a printed 100 mm ruler (ticks every mm, longer at 5 and 10) below the wound.
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

    # plane extent visible in the photo
    corners = apply_homography(Hinv, np.array([[0, 0], [width, 0], [width, height], [0, height]], float))
    lo, hi = corners.min(0) - 5, corners.max(0) + 5
    max_scale = max(_local_scale(H, *c) for c in corners)
    q = float(min(1.5 * max_scale, 3.0 * px_per_mm, 5000 / max(hi - lo)))
    cw, ch = int(math.ceil((hi[0] - lo[0]) * q)), int(math.ceil((hi[1] - lo[1]) * q))
    to_canvas = np.array([[q, 0, -lo[0] * q], [0, q, -lo[1] * q], [0, 0, 1.0]])

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
    if ruler:
        start = np.array([math.cos(ang + np.pi), math.sin(ang + np.pi)]) * (R + 12)
        rdir = math.degrees(ang + np.pi) - 90  # the ruler's body (its +n side) faces away from the wound
        length = 60.0
        start = start - np.array([math.cos(math.radians(rdir)), math.sin(math.radians(rdir))]) * length / 2
        ends = _draw_ruler(canvas, to_canvas, start_mm=start, angle_deg=rdir, length_mm=length)
        ruler_ends = apply_homography(H, ends)

    # photograph
    M = H @ np.linalg.inv(to_canvas)
    photo = cv2.warpPerspective(np.clip(canvas, 0, 255, out=canvas), M, (width, height),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
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
