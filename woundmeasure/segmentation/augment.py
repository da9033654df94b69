"""Training augmentation for the wound model: other sites, cameras, lights and the things beside a wound.

FUSeg shows diabetic foot ulcers from one clinic. To hold up elsewhere the model is shown
the same photos as other cameras and clinics would take them (white balance, exposure,
blur, noise, JPEG, scale, rotation), on other skin tones, with hair, and with the objects
that lie beside a wound in real photos pasted onto the skin as *not wound*: ArUco markers,
printed rulers, colour calibration cards, coins, red stickers and tape, gauze, dressings and
drapes. Dark wound beds (eschar, necrosis, dried blood) are painted inside some wounds and
stay wound: missing a wound entirely is the worst error. Two augmentations make new wounds from
the photos' own pixels: a wound healed from its edge by a random share (small wounds near
closure, ringed by new epithelium that is not wound), and a second wound copied in from
another photo (Simple Copy-Paste, Ghiasi et al. 2021), as when one photo shows two wounds.

Pure NumPy / OpenCV, no torch: the functions are tested without the ``train`` extra.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from woundmeasure.synthetic import heal_wound


SCALES = (0.6, 1.6)  # the views' zoom range: wounds smaller and larger in the frame than FUSeg's
FOCUS = (0.3, 0.7)  # a focus view shows the wound's extent as this share of the view ...
MAX_FOCUS_SCALE = 4.0  # ... enlarged at most this much, as the closer looks around small wounds and clicks see it


def crop_and_turn(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, *, crop: int,
                  focus: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A ``crop`` x ``crop`` view at a random scale (``SCALES``, log-uniform), rotation and flip, centred near the wound 70% of the time.

    A ``focus`` view is centred on the wound and scaled so that its extent fills a share
    ``FOCUS`` of the view (up to ``MAX_FOCUS_SCALE``): a closer look, as FocalClick's focus crop.
    """
    h, w = mask.shape
    scale = float(np.exp(rng.uniform(*np.log(SCALES))))
    angle = 90.0 * int(rng.integers(4)) + (float(rng.uniform(-30, 30)) if rng.random() < 0.3 else 0.0)
    ys, xs = np.nonzero(mask)
    if focus and len(ys):
        extent = max(np.ptp(ys), np.ptp(xs)) + 1
        scale = float(np.clip(rng.uniform(*FOCUS) * crop / extent, SCALES[0], MAX_FOCUS_SCALE))
        cy, cx = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2
    elif len(ys) and rng.random() < 0.7:
        k = rng.integers(len(ys))
        cy, cx = float(ys[k]), float(xs[k])
    else:
        cy, cx = rng.uniform(0.25, 0.75) * h, rng.uniform(0.25, 0.75) * w
    M = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    shift = crop / 8 if focus else crop / 4
    M[0, 2] += crop / 2 - cx + rng.uniform(-shift, shift)
    M[1, 2] += crop / 2 - cy + rng.uniform(-shift, shift)
    border = cv2.BORDER_REFLECT_101 if rng.random() < 0.5 else cv2.BORDER_CONSTANT
    img = cv2.warpAffine(img, M, (crop, crop), flags=cv2.INTER_LINEAR, borderMode=border)
    mask = cv2.warpAffine(mask, M, (crop, crop), flags=cv2.INTER_NEAREST, borderMode=border)
    if rng.random() < 0.5:
        img, mask = img[:, ::-1], mask[:, ::-1]
    return np.ascontiguousarray(img), np.ascontiguousarray(mask)


# ---------------------------------------------------------------- things beside a wound (never wound)

def _marker_patch(rng: np.random.Generator, size: int) -> np.ndarray:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    cell = max(2, size // 8)
    img = cv2.aruco.generateImageMarker(dictionary, int(rng.integers(50)), 6 * cell, borderBits=1)
    img = cv2.copyMakeBorder(img, cell, cell, cell, cell, cv2.BORDER_CONSTANT, value=255)
    return np.repeat(img[..., None], 3, 2)


def _ruler_patch(rng: np.random.Generator, size: int) -> np.ndarray:
    long, short = size * 3, max(12, size // 3)
    body = rng.choice([(240, 240, 235), (250, 250, 250), (235, 225, 150), (200, 215, 235)])
    img = np.full((short, long, 3), body, np.uint8)
    mm = rng.uniform(2.5, 6.0)
    ink = (20, 20, 20) if rng.random() < 0.8 else (30, 30, 160)
    for k in range(int(long / mm)):
        tick = 0.55 if k % 10 == 0 else 0.4 if k % 5 == 0 else 0.25
        x = int(round(k * mm + 2))
        cv2.line(img, (x, 0), (x, int(tick * short)), ink, 1, cv2.LINE_AA)
        if k % 10 == 0 and short >= 14:
            cv2.putText(img, str(k // 10), (x + 1, short - 3), cv2.FONT_HERSHEY_SIMPLEX, short / 60, ink, 1,
                        cv2.LINE_AA)
    return img


def _card_patch(rng: np.random.Generator, size: int) -> np.ndarray:
    img = np.full((size, int(size * 1.4), 3), 245, np.uint8)
    colours = [(180, 40, 40), (200, 60, 50), (60, 150, 60), (50, 60, 170), (230, 200, 40), (30, 30, 30),
               (120, 120, 120), (200, 200, 200), (230, 120, 150), (150, 80, 40)]
    n = int(rng.integers(3, 7))
    pad = size // 12
    cw = (img.shape[1] - pad * (n + 1)) // n
    for i in range(n):
        c = colours[int(rng.integers(len(colours)))]
        x0 = pad + i * (cw + pad)
        cv2.rectangle(img, (x0, size // 2), (x0 + cw, size - pad), c, -1)
    cv2.rectangle(img, (pad, pad), (img.shape[1] - pad, size // 3), (25, 25, 25), max(1, size // 40))
    return img


def _disc_patch(rng: np.random.Generator, size: int) -> np.ndarray:
    """A coin, or a red sticker: round, flat-coloured, with a rim (RGBA: only the disc is pasted)."""
    img = np.zeros((size, size, 4), np.uint8)  # RGB and coverage
    base = [int(v) for v in rng.choice([(170, 170, 165), (190, 150, 70), (160, 95, 60), (200, 30, 35), (220, 60, 60)])]
    cv2.circle(img, (size // 2, size // 2), size // 2 - 1, (*base, 255), -1, cv2.LINE_AA)
    cv2.circle(img, (size // 2, size // 2), int(size * 0.42), (*(int(v * 0.8) for v in base), 255), 1, cv2.LINE_AA)
    return img


def _tape_patch(rng: np.random.Generator, size: int) -> np.ndarray:
    colour = rng.choice([(210, 40, 45), (235, 230, 220), (225, 190, 160), (60, 110, 190)])
    return np.full((max(8, size // 4), size * 2, 3), colour, np.uint8)


def _gauze_patch(rng: np.random.Generator, size: int) -> np.ndarray:
    img = np.full((size, size, 3), 235, np.float32)
    step = max(2, size // 20)
    img[::step] *= 0.85
    img[:, ::step] *= 0.85
    if rng.random() < 0.4:  # exudate or blood soaked into the dressing
        stain = np.zeros((size, size), np.float32)
        cv2.circle(stain, tuple(int(v) for v in rng.integers(0, size, 2)), int(size * rng.uniform(0.1, 0.3)), 1.0, -1)
        stain = cv2.GaussianBlur(stain, (0, 0), size / 15)[..., None]
        tint = np.array(rng.choice([(200, 170, 90), (150, 40, 40)]), np.float32)
        img = img * (1 - stain) + tint * stain
    return img


def _drape_patch(rng: np.random.Generator, size: int) -> np.ndarray:
    colour = np.array(rng.choice([(70, 120, 150), (60, 140, 120), (200, 200, 205), (90, 90, 160)]), np.float32)
    img = np.ones((size * 2, size * 2, 3), np.float32) * colour
    return img * (1 + 0.08 * rng.standard_normal((size * 2, size * 2, 1)).astype(np.float32))


PATCHES = (_marker_patch, _ruler_patch, _card_patch, _disc_patch, _tape_patch, _gauze_patch, _drape_patch)


def paste_references(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, *, count: int = 1,
                     margin: int = 3) -> np.ndarray:
    """Paste ``count`` objects (markers, rulers, cards, coins, stickers, tape, gauze, drapes) off the wound.

    Each object is warped by a random perspective and blended onto the photo where it
    keeps ``margin`` px away from the wound mask; the mask stays as it is (they are not wound).
    Returns the float32 photo.
    """
    out = img.astype(np.float32)
    h, w = mask.shape
    keep_out = cv2.dilate((mask > 0).astype(np.uint8), np.ones((2 * margin + 1,) * 2, np.uint8)) > 0
    for _ in range(count):
        size = int(rng.uniform(0.12, 0.35) * min(h, w))
        patch = PATCHES[int(rng.integers(len(PATCHES)))](rng, size).astype(np.float32)
        cover = patch[..., 3] / 255.0 if patch.shape[2] == 4 else np.ones(patch.shape[:2], np.float32)
        patch = np.ascontiguousarray(patch[..., :3])
        ph, pw = patch.shape[:2]
        src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
        angle = rng.uniform(0, 2 * np.pi)
        centre = rng.uniform(0, 1, 2) * [w, h]
        rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        dst = (src - [pw / 2, ph / 2]) @ rot.T * rng.uniform(0.7, 1.1)
        dst = dst + centre + rng.normal(0, 0.06 * size, (4, 2))  # perspective
        H = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
        ink = cv2.warpPerspective(patch, H, (w, h), flags=cv2.INTER_LINEAR)
        alpha = cv2.warpPerspective(cover, H, (w, h), flags=cv2.INTER_LINEAR)
        alpha[keep_out] = 0.0
        if rng.random() < 0.5:  # a shadow under the object
            shadow = cv2.GaussianBlur(alpha, (0, 0), max(1.0, size / 30)) * 0.3
            out *= (1 - shadow)[..., None]
        out = out * (1 - alpha[..., None]) + ink * alpha[..., None]
    return out


# ---------------------------------------------------------------- the skin and the wound

def draw_hair(img: np.ndarray, rng: np.random.Generator, *, strands: int) -> np.ndarray:
    """Dark or fair curved strands over skin and wound alike (scalp, leg); the mask is unchanged."""
    h, w = img.shape[:2]
    colour = tuple(float(v) for v in rng.choice([(25, 20, 18), (60, 45, 35), (120, 95, 70), (170, 160, 150)]))
    for _ in range(strands):
        p = rng.uniform(0, 1, 2) * [w, h]
        direction = rng.uniform(0, 2 * np.pi)
        pts = []
        for _ in range(int(rng.integers(4, 10))):
            pts.append(p.copy())
            direction += rng.normal(0, 0.25)
            p = p + rng.uniform(4, 12) * np.array([math.cos(direction), math.sin(direction)])
        cv2.polylines(img, [np.round(np.array(pts) * 4).astype(np.int32)], False, colour, 1, cv2.LINE_AA, shift=2)
    return img


def tint_skin(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Make the skin around the wound lighter or darker (another skin tone); the wound keeps its colour."""
    outside = cv2.GaussianBlur(1.0 - (mask > 0).astype(np.float32), (0, 0), 2.0)[..., None]
    factor = rng.uniform(0.35, 0.8) if rng.random() < 0.7 else rng.uniform(1.1, 1.3)
    warm = np.array([1.0, rng.uniform(0.85, 1.0), rng.uniform(0.75, 1.0)], np.float32) if factor < 1 else 1.0
    return img * (1 - outside) + np.clip(img * factor * warm, 0, 255) * outside


def darken_wound_bed(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Paint eschar, necrosis or dried blood over part or all of the wound bed; it stays wound."""
    m = (mask > 0).astype(np.float32)
    if not m.any():
        return img
    h, w = mask.shape
    blobs = cv2.resize(rng.standard_normal((max(2, h // 24), max(2, w // 24))).astype(np.float32), (w, h),
                       interpolation=cv2.INTER_CUBIC)
    cover = np.clip((blobs + rng.uniform(-0.5, 1.5)) * 2, 0, 1) * cv2.erode(m, np.ones((3, 3), np.uint8))
    cover = cv2.GaussianBlur(cover, (0, 0), 1.0)[..., None]
    tone = np.array(rng.choice([(40, 28, 24), (25, 20, 20), (70, 30, 28), (90, 70, 50)]), np.float32)
    texture = img.mean(2, keepdims=True) / 255.0
    dark = tone * (0.6 + 0.8 * texture)
    return img * (1 - cover) + dark * cover


def heal_partly(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The wound healed from its edge by a random share (:func:`woundmeasure.synthetic.heal_wound`).

    A tenth of them close entirely: the scar is not wound. Returns uint8 RGB and the remaining mask.
    """
    if not mask.any():
        return img, mask
    fraction = 1.0 if rng.random() < 0.1 else float(rng.uniform(0.3, 0.97))
    rgb, remaining = heal_wound(img, mask > 0, fraction, seed=int(rng.integers(1 << 30)))
    return rgb, remaining.astype(np.uint8)


SKIN_DELTA_E = 20.0  # a pasted wound lands where the photo is within this colour distance of the skin by its wound


def paste_wound(img: np.ndarray, mask: np.ndarray, donor: np.ndarray, donor_mask: np.ndarray,
                rng: np.random.Generator, *, margin: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Copy the donor photo's wound, with a feathered rim of its skin, onto this photo's skin near its wound.

    The donor patch is scaled (0.3-2x) so the wound spans 6-35% of the photo, turned by a
    multiple of 90 degrees, and placed at least ``margin`` px from this photo's wound but
    within a third of the photo of it, where the photo's colour (CIELAB) is within ``SKIN_DELTA_E``
    of the skin that rings its wound (on skin, not on the drape, floor or zero padding);
    it is colour-matched to the skin where it lands (per-channel gains of its rim, so the
    wound keeps its contrast to the skin). ``img`` and ``donor`` are uint8 RGB. Returns uint8
    RGB and the mask of both wounds (new arrays); the inputs unchanged when the donor's wound
    has no rim of skin inside its photo, or no place is free.
    """
    if img.dtype != np.uint8 or donor.dtype != np.uint8:
        raise ValueError("paste_wound takes uint8 RGB photos")
    ys, xs = np.nonzero(donor_mask)
    if not len(ys) or not mask.any():
        return img, mask
    h, w = mask.shape
    pad = 8
    y0, y1, x0, x1 = ys.min() - pad, ys.max() + pad + 1, xs.min() - pad, xs.max() + pad + 1
    if y0 < 0 or x0 < 0 or y1 > donor_mask.shape[0] or x1 > donor_mask.shape[1]:
        return img, mask  # the donor's wound is cut by its photo's edge: it would land with a straight cut
    extent = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    scale = float(np.clip(rng.uniform(0.06, 0.35) * min(h, w) / extent, 0.3, 2.0))
    ph, pw = max(int(round((y1 - y0) * scale)), 3), max(int(round((x1 - x0) * scale)), 3)
    if max(ph, pw) >= min(h, w) // 2:  # whichever way it is turned
        return img, mask
    k = int(rng.integers(4))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    patch = np.rot90(cv2.resize(donor[y0:y1, x0:x1], (pw, ph), interpolation=interp), k).astype(np.float32)
    wound = np.rot90(cv2.resize(donor_mask[y0:y1, x0:x1], (pw, ph), interpolation=cv2.INTER_NEAREST), k) > 0
    if not wound.any():
        return img, mask
    ph, pw = wound.shape
    rim_px = max(2, int(round(pad * scale / 2)))
    grown = cv2.dilate(wound.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim_px + 1,) * 2))
    alpha = np.maximum(cv2.GaussianBlur(grown.astype(np.float32), (0, 0), rim_px / 2 + 0.5), wound)
    rim = (grown > 0) & ~wound
    own = (mask > 0).astype(np.uint8)
    busy = cv2.dilate(own, np.ones((2 * margin + 1,) * 2, np.uint8)) > 0
    distance = cv2.distanceTransform(1 - own, cv2.DIST_L2, 3)
    lab = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] *= 100 / 255
    ring = (distance > margin) & (distance < margin + 15)
    skin = lab[ring].mean(0) if ring.any() else lab.reshape(-1, 3).mean(0)
    on_skin = np.linalg.norm(lab - skin, axis=2) < SKIN_DELTA_E
    under = alpha > 0.01  # where the paste changes the photo
    for _ in range(30):
        top, left = int(rng.integers(0, h - ph + 1)), int(rng.integers(0, w - pw + 1))
        if (distance[top + ph // 2, left + pw // 2] < min(h, w) / 3
                and not busy[top:top + ph, left:left + pw][under].any()
                and on_skin[top:top + ph, left:left + pw][rim].mean() > 0.8):
            break
    else:
        return img, mask
    out = img.astype(np.float32)
    region = out[top:top + ph, left:left + pw]
    if rim.any():
        gains = (region[rim].mean(0) + 1) / (patch[rim].mean(0) + 1)
        patch = np.clip(patch * np.clip(gains, 0.5, 2.0), 0, 255)
    region[:] = region * (1 - alpha[..., None]) + patch * alpha[..., None]
    both = mask.copy()
    both[top:top + ph, left:left + pw] |= wound.astype(both.dtype)
    return np.clip(np.round(out), 0, 255).astype(np.uint8), both


# ---------------------------------------------------------------- the camera and the light

def photometric(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """White balance, exposure, contrast, saturation, gamma, uneven light, blur, noise and JPEG."""
    x = x * rng.uniform(0.8, 1.2, 3).astype(np.float32)  # white balance
    grey = x.mean(2, keepdims=True)
    x = grey + (x - grey) * rng.uniform(0.6, 1.4)  # saturation
    mean = x.mean()
    x = (x - mean) * rng.uniform(0.7, 1.3) + mean * rng.uniform(0.65, 1.35)  # contrast, exposure
    x = np.clip(x, 0, 255)
    if rng.random() < 0.5:
        x = 255.0 * (x / 255.0) ** rng.uniform(0.7, 1.4)
    if rng.random() < 0.5:  # light from one side, or a flash's hot centre
        h, w = x.shape[:2]
        gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
        gx, gy = gx / w - 0.5, gy / h - 0.5
        a, b = rng.uniform(-0.6, 0.6, 2)
        x = x * (1 + a * gx + b * gy - rng.uniform(0, 0.8) * (gx ** 2 + gy ** 2))[..., None]
    x = np.clip(x, 0, 255).astype(np.float32)
    if rng.random() < 0.3:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.5, 1.8))
    if rng.random() < 0.3:
        x = x + rng.normal(0, rng.uniform(2, 10), x.shape).astype(np.float32)
    x = np.clip(x, 0, 255)
    if rng.random() < 0.4:
        ok, buf = cv2.imencode(".jpg", x.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 90))])
        x = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).astype(np.float32)
    return x


def augment(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator, *, crop: int, focus: float = 0.0,
            heal: float = 0.0, donor: tuple[np.ndarray, np.ndarray] | None = None, paste: float = 0.0
            ) -> tuple[np.ndarray, np.ndarray]:
    """One training view: (float32 RGB crop, uint8 0/1 mask crop).

    With probability ``heal`` the wound first heals partly (:func:`heal_partly`), with
    probability ``paste`` the ``donor`` (photo, mask) gives it a second wound
    (:func:`paste_wound`), and a focus view (:func:`crop_and_turn`) is taken with
    probability ``focus``.
    """
    if heal and rng.random() < heal:  # (no draw when off: older recipes keep their random stream)
        img, mask = heal_partly(img, mask, rng)
    if donor is not None and paste and rng.random() < paste:
        img, mask = paste_wound(img, mask, *donor, rng)
    img, mask = crop_and_turn(img, mask, rng, crop=crop, focus=rng.random() < focus)
    x = img.astype(np.float32)
    if rng.random() < 0.15:
        x = darken_wound_bed(x, mask, rng)
    if rng.random() < 0.2:
        x = tint_skin(x, mask, rng)
    if rng.random() < 0.35:
        x = paste_references(x, mask, rng, count=int(rng.integers(1, 3)))
    if rng.random() < 0.15:
        x = draw_hair(x, rng, strands=int(rng.integers(20, 120)))
    return photometric(x, rng), mask
