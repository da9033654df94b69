"""Reading and writing image files: the only module that touches image files.

Photos are returned upright (EXIF orientation applied) as RGB ``uint8`` arrays of
shape (M, N, 3); OpenCV's BGR never leaves this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io as _io
import os
import re
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from woundmeasure.errors import ImageReadError, MaskError
from woundmeasure.options import DEFAULT_MAX_PIXELS

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_DATETIME_DIGITIZED = 36868
_DATETIME = 306
_ORIENTATION = 274


@dataclass(frozen=True)
class Photo:
    """An upright photo and what its file says about it.

    Attributes
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
        The upright photo (EXIF orientation applied).
    path : str
        The file as given ("<array>" when built from an array).
    sha256 : str
        SHA-256 of the file's bytes (of the array's bytes for arrays).
    captured : datetime.datetime or None
        EXIF DateTimeOriginal (or DateTimeDigitized / DateTime), when present.
    exif_orientation : int
        The EXIF orientation tag that was applied (1 = none).
    """

    rgb: np.ndarray
    path: str
    sha256: str
    captured: dt.datetime | None = None
    exif_orientation: int = 1

    @property
    def shape(self) -> tuple[int, int]:
        return self.rgb.shape[:2]


@contextlib.contextmanager
def _own_pixel_limit():
    """Switch off Pillow's decompression-bomb check: ``read_image`` checks the size itself."""
    from PIL import Image

    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = old


_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}


def _allow_heif(path, head: bytes) -> None:
    """When the file is HEIF/HEIC (the iPhone's default format: an ISO-BMFF ``ftyp`` box with a
    HEIF brand), let Pillow open it through ``pillow-heif`` (the optional ``heic`` extra);
    a one-line error without it.

    libheif applies the file's rotation and mirroring (normative in HEIF), and pillow-heif
    then reports EXIF orientation 1, so the orientation is not applied twice.
    """
    if head[4:8] != b"ftyp" or head[8:12] not in _HEIF_BRANDS:
        return
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        raise ImageReadError(f"{path}: a HEIC photo; reading HEIC needs pillow-heif: pip install "
                             "'woundmeasure[heic]' (or export the photo as JPEG)") from None
    register_heif_opener()


def _parse_exif_datetime(value) -> dt.datetime | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    if not isinstance(value, str):
        return None
    value = value.strip().rstrip("\x00")
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d"):
        try:
            return dt.datetime.strptime(value[: len(dt.datetime(2000, 1, 1).strftime(fmt))], fmt)
        except ValueError:
            continue
    return None


def _to_uint8_rgb(arr: np.ndarray, *, top: int | None = None) -> np.ndarray:
    """Convert a decoded array of any depth and channel count to RGB uint8; ``top``: the value that is
    white (a file's declared maximum, e.g. 4095 for 12-bit values; default the type's, 65535 for 16 bits)."""
    if arr.dtype == bool:
        arr = arr.astype(np.uint8) * 255
    elif arr.dtype == np.uint8:
        pass  # (checked first: the test below would scan every pixel of a 12 MP photo for its maximum)
    elif arr.dtype == np.uint16 or (arr.dtype.kind in "iu" and arr.max(initial=0) > 255):
        if top is None and arr.dtype != np.uint16:  # a 32-bit integer image: the depth its values fill
            top = 2 ** next((b for b in (16, 24) if arr.max(initial=0) < 2 ** b), 32) - 1
        arr = np.clip(np.round(arr.astype(np.float64) * (255.0 / (top or 65535))), 0, 255).astype(np.uint8)
    elif arr.dtype.kind == "f":
        scale = 255.0 if arr.max(initial=0) <= 1.0 else 1.0
        arr = np.clip(np.round(arr * scale), 0, 255).astype(np.uint8)
    else:
        arr = arr.astype(np.uint8, copy=False)
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.shape[2] == 1:
        return np.repeat(arr, 3, axis=2)
    if arr.shape[2] == 2:  # gray + alpha
        return np.repeat(arr[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(arr[:, :, :3])


def stored_frame(arr: np.ndarray, orientation: int) -> np.ndarray:
    """An upright array (mask) turned back into the frame the photo's pixels are stored in, as programs
    that ignore the EXIF orientation (ImageJ 1.x) show the photo: the inverse of :func:`upright_frame`."""
    return upright_frame(arr, {6: 8, 8: 6}.get(orientation, orientation))  # the others undo themselves


def upright_frame(arr: np.ndarray, orientation: int) -> np.ndarray:
    """An array in the photo's stored frame turned upright by its EXIF orientation (1-8)."""
    return _apply_orientation(arr, orientation)


def _apply_orientation(arr: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1-8) to an array: the result is the upright photo."""
    ops = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
        8: lambda a: np.swapaxes(a, 0, 1)[::-1, :],
    }
    return np.ascontiguousarray(ops.get(orientation, ops[1])(arr))


# libjpeg says a JPEG's coded data is damaged only on the process's stderr, and decodes on: the rest of
# the photo comes out grey or smeared. Stray bytes before a header marker, or zero/0xFF padding before
# the end marker, leave the pixels whole; before a restart marker or real bytes before the end, they do
# not. Damage libjpeg does not notice (it says nothing for some) is not caught.
_LIBJPEG_WARNING = ("Corrupt JPEG data", "Premature end of JPEG file")
_EXTRANEOUS = re.compile(r"(\d+) extraneous bytes before marker 0x([0-9a-f]{2})")
_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def _stderr_caught(lines: list[str]):
    """Collect what native code writes to file descriptor 2 into ``lines`` (one thread at a time).

    Where descriptor 2 cannot be redirected (no console, no temporary file), nothing is collected.
    Native code in another thread writing to it meanwhile is collected too."""
    with _STDERR_LOCK, contextlib.ExitStack() as stack:
        try:
            sink = stack.enter_context(tempfile.TemporaryFile())
            if sys.stderr is not None:
                sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):
            yield
            return
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        sink.seek(0)
        lines.extend(sink.read().decode(errors="replace").splitlines())


def _damage(line: str, data: bytes) -> bool:
    """Whether a libjpeg warning means pixels decoded wrong (see the note on ``_LIBJPEG_WARNING``)."""
    if not line.startswith(_LIBJPEG_WARNING):
        return False
    stray = _EXTRANEOUS.search(line)
    if stray is None:
        return True
    count, marker = int(stray.group(1)), int(stray.group(2), 16)
    if marker == 0xD9:  # before the end: harmless when it is padding (0x00, 0xFF), not coded data left over
        end = data.rfind(b"\xff\xd9")
        return end < count or not set(data[end - count:end]) <= {0x00, 0xFF}
    return 0xD0 <= marker <= 0xD7  # before a restart marker: coded data lost


def _decode_jpeg_fast(data: bytes) -> np.ndarray | None:
    """Decode an RGB JPEG with OpenCV (the same libjpeg-turbo pixels as Pillow, without Pillow's copies).

    EXIF orientation is left to the caller. None when OpenCV refuses the data
    (it refuses truncated files), so that Pillow's decoder can name the fault.

    Raises
    ------
    OSError
        If libjpeg reports damaged coded data (the photo would be measured on grey or smeared pixels).
    """
    import cv2

    rgb_flag = getattr(cv2, "IMREAD_COLOR_RGB", None)  # newer OpenCV: libjpeg-turbo writes RGB directly
    said: list[str] = []
    with _stderr_caught(said):
        arr = cv2.imdecode(np.frombuffer(data, np.uint8),
                           (rgb_flag or cv2.IMREAD_COLOR) | cv2.IMREAD_IGNORE_ORIENTATION)
    other = [line for line in said if not line.startswith(_LIBJPEG_WARNING)]
    if other and sys.stderr is not None:
        print("\n".join(other), file=sys.stderr)
    damage = next((line for line in said if _damage(line, data)), None)
    if damage:
        raise OSError(f"libjpeg: {damage}")
    if arr is None or arr.ndim != 3:
        return None
    return arr if rgb_flag else cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)


def _declared_top(im) -> int | None:
    """The value a file says is white when it is not its type's (a TIFF's MaxSampleValue, tag 281), else None."""
    value = getattr(im, "tag_v2", {}).get(281) if im.format == "TIFF" else None
    value = max(value) if isinstance(value, tuple) else value
    return int(value) if value and 255 < int(value) < 65535 else None


def _deep_colour(im, data: bytes) -> bool:
    """Whether a file is colour at more than 8 bits per sample, which Pillow reads as its top 8 bits of 16
    (values of 10 or 12 bits would then read almost black): a TIFF, or a PNG of bit depth 16, colour type
    2 or 6 (its IHDR's bytes 24 and 25)."""
    if im.format == "TIFF":
        return im.mode in ("RGB", "RGBA") and max(im.tag_v2.get(258, (8,)), default=8) > 8
    return im.format == "PNG" and len(data) > 25 and data[24] == 16 and data[25] in (2, 6)


def _decode_deep(data: bytes) -> np.ndarray | None:
    """A colour image of more than 8 bits per sample at its own depth (RGB[A]), with OpenCV; None if it cannot."""
    import cv2

    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.ndim != 3 or arr.shape[2] not in (3, 4):
        return None
    return cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA if arr.shape[2] == 4 else cv2.COLOR_BGR2RGB)


def _decode_pillow(im) -> np.ndarray:
    """Decode with Pillow: every format and mode it reads, as an array (8 or 16 bit, 1-4 channels)."""
    im.load()
    if im.mode in ("CMYK", "YCbCr", "LAB", "HSV", "P", "PA", "1"):
        im = im.convert("RGBA" if im.mode in ("P", "PA") else "RGB")
    return np.asarray(im).astype(np.uint16) if im.mode.startswith("I;16") else np.asarray(im)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.0f}" if pixels >= 1e7 else f"{pixels / 1e6:.2g}"


def read_image(path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Photo:
    """Read a photo file (JPEG, PNG, TIFF, ...) as an upright RGB uint8 array.

    Parameters
    ----------
    path : str or Path
        The image file.
    max_pixels : int, optional
        Refuse images with more pixels than this (default 200 million) before decoding.

    Returns
    -------
    Photo

    Raises
    ------
    ImageReadError
        If the file is missing, empty, not an image, truncated, or too large.
    """
    from PIL import Image, UnidentifiedImageError

    given = str(path)  # results name the photo as the caller wrote it
    path = Path(path)
    if not path.exists():
        raise ImageReadError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise ImageReadError(f"{path}: is a folder, not an image file; give the photos in it, or measure the folder "
                             "as a series or a batch")
    data = path.read_bytes()
    if not data:
        raise ImageReadError(f"{path}: the file is empty (0 bytes); re-export the photo")
    sha = hashlib.sha256(data).hexdigest()
    _allow_heif(path, data[:12])
    try:
        with _own_pixel_limit():
            im = Image.open(_io.BytesIO(data))
            w, h = im.size
            if w * h > max_pixels:
                raise ImageReadError(
                    f"{path}: {w} x {h} = {_megapixels(w * h)} MP exceeds the limit of {_megapixels(max_pixels)} MP; "
                    "downscale the photo, or raise the limit (--max-megapixels; max_pixels= in Python)")
            if w < 1 or h < 1:
                raise ImageReadError(f"{path}: the image has no pixels ({w} x {h})")
            exif = im.getexif()
            orientation = int(exif.get(_ORIENTATION, 1) or 1)
            if orientation not in range(1, 9):
                orientation = 1
            captured = None
            sub = exif.get_ifd(_EXIF_IFD) if exif else {}
            for tag in (_DATETIME_ORIGINAL, _DATETIME_DIGITIZED):
                captured = captured or _parse_exif_datetime(sub.get(tag))
            captured = captured or _parse_exif_datetime(exif.get(_DATETIME))
            arr = _decode_jpeg_fast(data) if (im.format, im.mode) == ("JPEG", "RGB") else None
            if arr is None and _deep_colour(im, data):
                arr = _decode_deep(data)
            if arr is None:
                arr = _decode_pillow(im)
            top = _declared_top(im)
    except ImageReadError:
        raise
    except UnidentifiedImageError:
        raise ImageReadError(f"{path}: not a readable image (JPEG, PNG, TIFF or HEIC expected)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        reason = " ".join(str(exc).split())  # one line: decoders' messages may end in a newline
        raise ImageReadError(f"{path}: the image is damaged or truncated ({reason}); re-export the photo") from None
    if arr.dtype == np.uint16 and top is None and arr.max(initial=0) < 4096:
        raise ImageReadError(f"{path}: its brightest value is {arr.max(initial=0)} of 65535, as a camera's 10- or "
                             "12-bit values in a 16-bit file are: save it with its values scaled to 16 bits, or as an "
                             "8-bit PNG or JPEG")
    rgb = _apply_orientation(_to_uint8_rgb(arr, top=top), orientation)
    return Photo(rgb=rgb, path=given, sha256=sha, captured=captured, exif_orientation=orientation)


def image_size(path) -> tuple[int, int] | None:
    """The (width, height) of an image file as :func:`read_image` returns it (upright), read from its
    header without decoding; None when it cannot be read."""
    from PIL import Image

    try:
        with open(path, "rb") as f:
            _allow_heif(path, f.read(16))
        with Image.open(path) as im:
            width, height = im.size
            orientation = im.getexif().get(_ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - any unreadable file: no size
        return None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def read_capture_date(path) -> dt.datetime | None:
    """The EXIF capture date of an image file without decoding its pixels (None if absent or unreadable)."""
    from PIL import Image

    try:
        with open(path, "rb") as f:
            _allow_heif(path, f.read(12))
        with _own_pixel_limit(), Image.open(path) as im:
            exif = im.getexif()
            sub = exif.get_ifd(_EXIF_IFD) if exif else {}
            return (_parse_exif_datetime(sub.get(_DATETIME_ORIGINAL)) or _parse_exif_datetime(sub.get(_DATETIME_DIGITIZED))
                    or _parse_exif_datetime(exif.get(_DATETIME)))
    except Exception:  # noqa: BLE001 - an unreadable file has no date; reading it later gives the real error
        return None


def photo_from_array(rgb: np.ndarray, *, name: str = "<array>") -> Photo:
    """Wrap an in-memory image (gray, RGB or RGBA; any integer or float depth) as a Photo."""
    arr = np.asarray(rgb)
    if arr.ndim not in (2, 3) or arr.size == 0:
        raise ImageReadError(f"{name}: expected an image array of shape (M, N) or (M, N, C), got {arr.shape}")
    rgb8 = _to_uint8_rgb(arr)
    return Photo(rgb=rgb8, path=name, sha256=hashlib.sha256(rgb8.tobytes()).hexdigest())


# A mask may have this share of grey or coloured pixels (soft or JPEG edges) and be read, or more when
# it has at most this many colours (a label image drawn in a colour): a photo has many more.
MASK_UNCLEAR_LIMIT = 0.1
MASK_COLOURS = 64


def _colours(rgb: np.ndarray) -> int:
    """How many distinct colours an image has (counted on every 4th pixel of every 4th row)."""
    sample = rgb[::4, ::4].astype(np.uint32)
    return int(np.unique((sample[..., 0] << 16) | (sample[..., 1] << 8) | sample[..., 2]).size)


def check_not_inverted(mask: np.ndarray, name: str) -> None:
    """Refuse a mask whose wound fills the photo's whole border and most of it: black was meant as wound.

    A wound photo shows skin or the scale reference somewhere along its border, even a close-up whose
    wound runs off all four sides, so no real outline does this.

    Raises
    ------
    MaskError
    """
    if not mask.size or mask.mean() <= 0.5:
        return
    if mask[0].all() and mask[-1].all() and mask[:, 0].all() and mask[:, -1].all():
        raise MaskError(f"{name}: {100 * mask.mean():.0f}% of the photo and its whole border are wound, so black "
                        "was meant as wound; save it with the wound white on black (invert it)")


def read_mask(path, *, shape: tuple[int, int] | None = None, or_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Read a wound mask image: any white pixel is wound.

    Parameters
    ----------
    path : str or Path
        A mask image (PNG, TIFF, ...); white = wound.
    shape : (rows, cols), optional
        The upright photo's shape; the mask must match it ...
    or_shape : (rows, cols), optional
        ... or this one (the photo's stored frame, where its EXIF orientation turns it).

    Returns
    -------
    ndarray of bool, shape (M, N)

    Raises
    ------
    MaskError
        If the mask cannot be read, has the wrong size, or is not black and white (a photo, say).
    """
    try:
        photo = read_image(path)
    except ImageReadError as exc:
        raise MaskError(f"mask {exc}") from None
    high, low = photo.rgb.max(axis=2), photo.rgb.min(axis=2)
    unclear = float(np.mean(((high > 63) & (high < 192)) | (high.astype(np.int16) - low > 64)))
    top = int(high.max(initial=0))
    grey, dark = unclear > MASK_UNCLEAR_LIMIT, 0 < top <= 127  # either, with many colours: a photo given as a mask
    if (grey or dark) and _colours(photo.rgb) > MASK_COLOURS:
        said = (f"{100 * unclear:.0f}% of its pixels are grey or coloured, so it is not a black-and-white mask" if grey
                else f"its brightest value is {top} of 255 and it has many shades, so it is not a mask")
        raise MaskError(f"mask {path}: {said}; give the mask (white = wound on black), not a photo")
    mask = high > (127 if top > 127 else 0)  # a mask saved with values 0 and 1 (or numbered wounds) is read too
    if shape is not None and mask.shape not in (tuple(shape), tuple(or_shape or shape)):
        raise MaskError(
            f"mask {path}: is {mask.shape[1]} x {mask.shape[0]} px but the photo is {shape[1]} x {shape[0]} px "
            "(width x height, upright); export the mask at the photo's size")
    check_not_inverted(mask, f"mask {path}")
    return mask


def encode_jpeg(rgb: np.ndarray, *, quality: int = 90, long_side: int | None = None) -> bytes:
    """An RGB image as JPEG bytes, first shrunk (area-averaged) to ``long_side`` px when it is larger."""
    import cv2

    from woundmeasure.imageops import shrink

    if long_side is not None:
        rgb = shrink(rgb, min(1.0, long_side / max(rgb.shape[:2])))
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return buf.tobytes()


def encode_png(rgb: np.ndarray) -> bytes:
    """An RGB image as PNG bytes."""
    import cv2

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]))
    return buf.tobytes()


def encode_mask(mask: np.ndarray) -> bytes:
    """A bool mask as PNG bytes (0 / 255), or a label image (0 off the wound, 1..n) as 8- or 16-bit PNG
    bytes: the form the record keeps."""
    import cv2

    mask = np.asarray(mask)
    if mask.dtype == bool:
        data = np.where(mask, 255, 0).astype(np.uint8)
    else:
        data = mask.astype(np.uint8 if mask.max(initial=0) < 255 else np.uint16)
    ok, buf = cv2.imencode(".png", data)
    return buf.tobytes()


def decode_labels(data: bytes) -> np.ndarray:
    """The label image from :func:`encode_mask`'s bytes (uint16; a bool mask's wound is all 1)."""
    import cv2

    data = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if data.dtype == np.uint8 and data.max(initial=0) == 255:
        return (data > 0).astype(np.uint16)
    return data.astype(np.uint16)


def decode_mask(data: bytes, numbers=None) -> np.ndarray:
    """The bool mask from :func:`encode_mask`'s bytes: all wounds, or only those ``numbers``."""
    return wounds_of(decode_labels(data), numbers)


def wounds_of(labels: np.ndarray, numbers=None) -> np.ndarray:
    """The bool mask of a label image's wounds: all of them, or only those ``numbers``."""
    return labels > 0 if not numbers else np.isin(labels, list(numbers))


def write_mask(path, mask: np.ndarray) -> None:
    """Write a bool mask as an 8-bit PNG (0 / 255)."""
    import cv2

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), np.where(mask, 255, 0).astype(np.uint8)):
        raise OSError(f"{path}: could not write the mask")


def write_rgb(path, rgb: np.ndarray, *, quality: int = 92) -> None:
    """Write an RGB uint8 array as JPEG or PNG (chosen by the suffix)."""
    import cv2

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)] if path.suffix.lower() in (".jpg", ".jpeg") else []
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]), params):
        raise OSError(f"{path}: could not write the image")
