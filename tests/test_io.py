import datetime as dt
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

from woundmeasure.errors import ImageReadError, MaskError
from woundmeasure.io import photo_from_array, read_image, read_mask


def _pattern(h=40, w=60):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 4 % 256, y * 6 % 256, (x + y) % 256], -1).astype(np.uint8)


@pytest.mark.parametrize("suffix", [".png", ".tif", ".jpg"])
def test_reads_rgb_formats(tmp_path, suffix):
    a = _pattern()
    p = tmp_path / f"a{suffix}"
    Image.fromarray(a).save(p, quality=100) if suffix == ".jpg" else Image.fromarray(a).save(p)
    photo = read_image(p)
    assert photo.rgb.shape == (40, 60, 3) and photo.rgb.dtype == np.uint8
    tol = 6 if suffix == ".jpg" else 0
    assert np.abs(photo.rgb.astype(int) - a).max() <= tol
    assert len(photo.sha256) == 64


def test_reads_gray_rgba_cmyk_and_16bit(tmp_path):
    g = _pattern()[:, :, 0]
    Image.fromarray(g).save(tmp_path / "g.png")
    assert np.array_equal(read_image(tmp_path / "g.png").rgb, np.repeat(g[:, :, None], 3, 2))
    rgba = np.dstack([_pattern(), np.full((40, 60), 128, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "a.png")
    assert np.array_equal(read_image(tmp_path / "a.png").rgb, rgba[:, :, :3])
    Image.new("CMYK", (30, 20), (0, 255, 255, 0)).save(tmp_path / "c.tif")  # pure red in CMYK
    c = read_image(tmp_path / "c.tif").rgb
    assert c.shape == (20, 30, 3) and tuple(c[5, 5]) == (255, 0, 0)
    g16 = (g.astype(np.uint16) * 257)
    Image.fromarray(g16).save(tmp_path / "g16.png")
    assert np.array_equal(read_image(tmp_path / "g16.png").rgb[:, :, 0], g)
    import cv2

    cv2.imwrite(str(tmp_path / "rgb16.tif"), (_pattern().astype(np.uint16) * 257)[:, :, ::-1])
    assert np.abs(read_image(tmp_path / "rgb16.tif").rgb.astype(int) - _pattern()).max() <= 1
    # a camera's 12-bit values in a 16-bit file (0-4095): read at their declared depth, or refused when
    # nothing declares it (read by 65535 they would be nearly black: no scale, no wound, area 0)
    twelve = np.round(_pattern().astype(float) * 4095 / 255).astype(np.uint16)
    import tifffile  # scikit-image's own dependency
    tifffile.imwrite(tmp_path / "rgb12.tif", twelve, photometric="rgb", extratags=[(281, "H", 1, 4095, True)])
    assert np.abs(read_image(tmp_path / "rgb12.tif").rgb.astype(int) - _pattern()).max() <= 1
    cv2.imwrite(str(tmp_path / "undeclared12.tif"), twelve[:, :, ::-1])
    with pytest.raises(ImageReadError, match="brightest value is 3790 of 65535.*scaled to 16 bits"):
        read_image(tmp_path / "undeclared12.tif")
    # the same as 16-bit colour PNGs (which Pillow would read as their top 8 bits): full range read, 12 bits refused
    cv2.imwrite(str(tmp_path / "rgb16.png"), (_pattern().astype(np.uint16) * 257)[:, :, ::-1])
    assert np.abs(read_image(tmp_path / "rgb16.png").rgb.astype(int) - _pattern()).max() <= 1
    rgba16 = np.dstack([twelve * 16, np.full((40, 60), 65535, np.uint16)])
    cv2.imwrite(str(tmp_path / "rgba16.png"), rgba16[:, :, [2, 1, 0, 3]])
    assert np.abs(read_image(tmp_path / "rgba16.png").rgb.astype(int) - _pattern()).max() <= 1
    cv2.imwrite(str(tmp_path / "undeclared12.png"), twelve[:, :, ::-1])
    with pytest.raises(ImageReadError, match="brightest value is 3790 of 65535"):
        read_image(tmp_path / "undeclared12.png")


@pytest.mark.parametrize("suffix", [".png", ".jpg"])  # JPEGs are decoded by OpenCV, the rest by Pillow
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_gives_the_upright_photo(tmp_path, orientation, suffix):
    raw = _pattern(30, 50)
    p = tmp_path / f"o{suffix}"
    exif = Image.Exif()
    exif[274] = orientation
    Image.fromarray(raw).save(p, exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(p)).convert("RGB"))  # Pillow as the oracle
    photo = read_image(p)
    assert photo.exif_orientation == orientation
    assert np.array_equal(photo.rgb, expected)
    from woundmeasure.io import image_size

    assert image_size(p) == (expected.shape[1], expected.shape[0])  # from the header, as read


def test_capture_date_from_exif(tmp_path):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2024:03:05 10:11:12"
    p = tmp_path / "d.jpg"
    Image.fromarray(_pattern()).save(p, exif=exif)
    assert read_image(p).captured == dt.datetime(2024, 3, 5, 10, 11, 12)
    Image.fromarray(_pattern()).save(tmp_path / "n.jpg")
    assert read_image(tmp_path / "n.jpg").captured is None


def test_missing_empty_text_truncated(tmp_path):
    with pytest.raises(ImageReadError, match=r"nope\.jpg: no such file"):
        read_image(tmp_path / "nope.jpg")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ImageReadError, match=r"empty\.jpg: the file is empty"):
        read_image(tmp_path / "empty.jpg")
    (tmp_path / "text.jpg").write_text("hello, not an image")
    with pytest.raises(ImageReadError, match=r"text\.jpg: not a readable image"):
        read_image(tmp_path / "text.jpg")
    Image.fromarray(_pattern(400, 400)).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "trunc.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match=r"trunc\.png: the image is damaged or truncated"):
        read_image(tmp_path / "trunc.png")
    Image.fromarray(_pattern(400, 400)).save(tmp_path / "full.jpg")
    data = (tmp_path / "full.jpg").read_bytes()
    for cut in (len(data) // 2, len(data) - 2):  # half the scan; only the end-of-image marker missing
        (tmp_path / "trunc.jpg").write_bytes(data[:cut])
        with pytest.raises(ImageReadError, match=r"trunc\.jpg: the image is damaged or truncated"):
            read_image(tmp_path / "trunc.jpg")
    with pytest.raises(ImageReadError, match="is a folder"):
        read_image(tmp_path)


def test_a_jpeg_with_damaged_coded_data_is_refused_not_measured_on_grey(tmp_path):
    """64 bytes overwritten mid-scan: libjpeg decodes on (the rest of the photo grey) and says so only on stderr."""
    grainy = np.clip(_pattern(600, 800) + np.random.default_rng(1).normal(0, 20, (600, 800, 3)), 0, 255)
    Image.fromarray(grainy.astype(np.uint8)).save(tmp_path / "full.jpg", quality=90)  # a photo's grain
    data = bytearray((tmp_path / "full.jpg").read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = np.random.default_rng(0).integers(0, 256, 64, dtype=np.uint8).tobytes()
    (tmp_path / "damaged.jpg").write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match=r"damaged\.jpg: the image is damaged .*Corrupt JPEG data"):
        read_image(tmp_path / "damaged.jpg")


def test_stray_bytes_that_leave_the_pixels_whole_do_not_refuse_a_photo(tmp_path, monkeypatch):
    """Padding before the end marker (some cameras) and stray bytes before a header marker: libjpeg warns,
    the pixels are whole. Nor does a process without sys.stderr (pythonw) fail to read."""
    Image.fromarray(_pattern(300, 400)).save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    whole = read_image(tmp_path / "full.jpg").rgb
    assert data.endswith(b"\xff\xd9")
    sof = data.index(b"\xff\xc0")
    for name, variant in (("padded.jpg", data[:-2] + b"\x00\x00" + data[-2:]),
                          ("stray.jpg", data[:sof] + b"\x12\x34" + data[sof:])):
        (tmp_path / name).write_bytes(variant)
        assert np.array_equal(read_image(tmp_path / name).rgb, whole), name
    monkeypatch.setattr("sys.stderr", None)
    assert np.array_equal(read_image(tmp_path / "full.jpg").rgb, whole)


def test_coded_data_left_over_before_the_end_marker_is_damage_not_padding(tmp_path):
    """Damage can end the decoding early, leaving coded bytes before the end marker: bytes there that are not
    padding (0x00, 0xFF) make the pixels untrustworthy, whatever put them there."""
    Image.fromarray(_pattern(300, 400)).save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "left.jpg").write_bytes(data[:-2] + bytes(range(1, 60)) + data[-2:])  # not 0x00 / 0xFF
    with pytest.raises(ImageReadError, match=r"left\.jpg: the image is damaged .*extraneous bytes before marker 0xd9"):
        read_image(tmp_path / "left.jpg")


def _png_header_only(path, width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 10))
                     + chunk(b"IEND", b""))


def test_pixel_limit_refuses_before_decoding(tmp_path):
    _png_header_only(tmp_path / "huge.png", 100_000, 100_000)
    with pytest.raises(ImageReadError, match=r"huge\.png: 100000 x 100000 = 10000 MP exceeds the limit of 200 MP; "
                                             r"downscale the photo, or raise the limit \(--max-megapixels"):
        read_image(tmp_path / "huge.png")
    Image.fromarray(_pattern(100, 100)).save(tmp_path / "small.png")
    with pytest.raises(ImageReadError, match=r"100 x 100 = 0\.01 MP exceeds the limit of 0\.005 MP"):
        read_image(tmp_path / "small.png", max_pixels=5000)
    assert read_image(tmp_path / "small.png", max_pixels=10_000).rgb.shape == (100, 100, 3)


def test_mask_reading_and_size_check(tmp_path):
    m = np.zeros((20, 30), np.uint8)
    m[5:10, 5:15] = 255
    Image.fromarray(m).save(tmp_path / "m.png")
    assert read_mask(tmp_path / "m.png", shape=(20, 30)).sum() == 50
    with pytest.raises(MaskError, match=r"m\.png: is 30 x 20 px but the photo is 40 x 20 px"):
        read_mask(tmp_path / "m.png", shape=(20, 40))
    with pytest.raises(MaskError, match="no such file"):
        read_mask(tmp_path / "x.png")


def test_a_mask_saved_as_0_and_1_is_read_and_an_inverted_one_refused(tmp_path):
    m = np.zeros((40, 60), np.uint8)
    m[10:20, 10:30] = 1  # numpy's bool mask saved as uint8: values 0 and 1
    Image.fromarray(m).save(tmp_path / "ones.png")
    assert read_mask(tmp_path / "ones.png").sum() == 200
    Image.fromarray(255 * (1 - m)).save(tmp_path / "inverted.png")  # wound black on white
    with pytest.raises(MaskError, match=r"inverted\.png: 92% of the photo and its whole border are wound.*invert it"):
        read_mask(tmp_path / "inverted.png")
    close = np.ones((40, 60), np.uint8)  # a close-up: the wound runs off all four sides, skin in two notches
    close[0, 20:30] = close[-1, 35:45] = 0
    Image.fromarray(255 * close).save(tmp_path / "close.png")
    assert read_mask(tmp_path / "close.png").sum() == close.sum()
    Image.fromarray(_pattern(200, 300) // 4).save(tmp_path / "dark_photo.png")  # a dark photo, no value above 63
    with pytest.raises(MaskError, match=r"dark_photo\.png: its brightest value is \d+ of 255 .* not a mask"):
        read_mask(tmp_path / "dark_photo.png")


def test_photo_from_array_rejects_non_images():
    assert photo_from_array(np.zeros((4, 5), np.uint16)).rgb.shape == (4, 5, 3)
    # 16-bit values in a 32-bit integer image (Pillow's mode I) are read as 16-bit, not as nearly white
    assert photo_from_array(np.full((4, 5), 32768, np.int32)).rgb.max() == 128
    with pytest.raises(ImageReadError, match="expected an image array"):
        photo_from_array(np.zeros(5))


def test_reads_heic_photos_and_their_capture_date(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")  # the `heic` extra; the test extra installs it
    from woundmeasure.io import read_capture_date
    from woundmeasure.sources import folder_photos

    pillow_heif.register_heif_opener()
    a = _pattern(48, 64)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2024:03:05 10:11:12"
    # truly lossless HEVC: no chroma subsampling, RGB stored as is (matrix coefficients 0)
    Image.fromarray(a).save(tmp_path / "visit.heic", quality=-1, chroma=444, matrix_coefficients=0, exif=exif)
    photo = read_image(tmp_path / "visit.heic")
    assert np.array_equal(photo.rgb, a)
    assert photo.captured == dt.datetime(2024, 3, 5, 10, 11, 12)
    assert read_capture_date(tmp_path / "visit.heic") == photo.captured
    assert [s.image.name for s in folder_photos(tmp_path)] == ["visit.heic"]


def test_heic_without_pillow_heif_names_the_extra(tmp_path, monkeypatch):
    import sys

    (tmp_path / "x.heic").write_bytes(b"\x00\x00\x00\x1cftypheic" + bytes(64))
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # as if not installed
    with pytest.raises(ImageReadError, match=r"x\.heic: a HEIC photo; reading HEIC needs pillow-heif: "
                                             r"pip install 'woundmeasure\[heic\]'"):
        read_image(tmp_path / "x.heic")


def test_a_photo_given_as_a_mask_is_refused_and_a_jpeg_mask_is_read(tmp_path):
    from woundmeasure.io import write_rgb
    from woundmeasure.synthetic import make_phantom

    p = make_phantom(5, width=400, height=300, px_per_mm=4.0)
    write_rgb(tmp_path / "photo.jpg", p.rgb)
    with pytest.raises(MaskError, match=r"photo\.jpg: \d+% of its pixels are grey or coloured"):
        read_mask(tmp_path / "photo.jpg")
    write_rgb(tmp_path / "mask.jpg", np.repeat(p.mask[..., None] * np.uint8(255), 3, axis=2), quality=75)
    assert (read_mask(tmp_path / "mask.jpg") != p.mask).mean() < 0.002  # JPEG's ringing at the edge is no wound
    red = np.zeros(p.rgb.shape, np.uint8)
    red[p.mask] = (255, 0, 0)  # a label image drawn in red on black
    Image.fromarray(red).save(tmp_path / "red.png")
    assert np.array_equal(read_mask(tmp_path / "red.png"), p.mask)
