import numpy as np
import pytest
import roifile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import disk_mask, masks
from woundmeasure.calibration import manual_calibration
from woundmeasure.errors import MaskError
from woundmeasure.measurement import measure_mask
from woundmeasure.outline import (
    imagej_traced_perimeter,
    pixel_edge_polygons,
    polygon_area,
)
from woundmeasure.roi import read_roi, write_roi


def centres_inside(xy, shape, *, tie=1e-6):
    """Which pixels of a ``shape`` photo an ImageJ polygon ROI holds, computed independently of woundmeasure.

    ImageJ's pixel (x, y) (x the column, y the row) is the square [x, x + 1) x [y, y + 1), so its
    centre is (x + 0.5, y + 0.5), and a polygon ROI holds the pixels whose centres lie inside the
    polygon, by the even-odd rule where the outline crosses itself (``ij.process.PolygonFiller``).
    Membership is tested here with matplotlib's point-in-path, not with skimage's rasteriser that
    woundmeasure uses. Returns ``(inside, on_outline)``; ``on_outline`` marks the centres within
    ``tie`` px of the outline, whose membership only a tie rule decides (ImageJ's is one-sided: of
    two opposite edges, a centre exactly on one is inside and on the other outside) and which the
    callers leave untested.
    """
    from matplotlib.path import Path

    xy = np.asarray(xy, float)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    centres = np.column_stack([cols.ravel() + 0.5, rows.ravel() + 0.5])
    inside = Path(xy).contains_points(centres)  # the path is closed implicitly; even-odd
    a, b = xy, np.roll(xy, -1, axis=0)
    ab = b - a
    t = np.einsum("pek,ek->pe", centres[:, None, :] - a[None], ab) / np.maximum((ab**2).sum(1), 1e-300)
    nearest = a[None] + np.clip(t, 0, 1)[..., None] * ab[None]
    on_outline = (np.hypot(*(centres[:, None, :] - nearest).transpose(2, 0, 1)) <= tie).any(axis=1)
    return inside.reshape(shape), on_outline.reshape(shape)


def test_imagej_traced_perimeter_reference_values():
    # the examples in ImageJ's PolygonRoi.getTracedPerimeter documentation
    one = np.zeros((5, 5), bool)
    one[2, 2] = True
    assert imagej_traced_perimeter(pixel_edge_polygons(one)[0]) == pytest.approx(4 - 2 * (2 - np.sqrt(2)))
    two = np.zeros((5, 5), bool)
    two[1:3, 1:3] = True
    assert imagej_traced_perimeter(pixel_edge_polygons(two)[0]) == pytest.approx(8 - 4 * (2 - np.sqrt(2)))


def test_pixel_edge_polygons_enclose_exactly_the_pixels():
    rng = np.random.default_rng(0)
    m = rng.random((60, 80)) > 0.55
    polys = pixel_edge_polygons(m)
    assert sum(polygon_area(p) for p in polys) == pytest.approx(m.sum())


def test_written_roi_reads_back_with_same_polygon_and_area(tmp_path):
    m = disk_mask((300, 400), (150.3, 200.7), 90)
    write_roi(tmp_path / "w.roi", m)
    roi = roifile.ImagejRoi.fromfile(tmp_path / "w.roi")
    assert roi.roitype == roifile.ROI_TYPE.TRACED
    inside, on_outline = centres_inside(roi.coordinates(), m.shape)
    assert np.array_equal(inside, m) and not on_outline.any()  # as ImageJ fills it: exactly the mask's pixels
    assert abs(polygon_area(roi.coordinates())) == m.sum()  # ImageJ's area of this ROI
    back = read_roi(tmp_path / "w.roi", shape=m.shape)
    assert np.array_equal(back, m)
    cal = manual_calibration(4.0)
    assert measure_mask(back, calibration=cal).area_mm2 == measure_mask(m, calibration=cal).area_mm2


def test_composite_roi_with_hole_and_two_regions(tmp_path):
    m = disk_mask((200, 200), (80, 80), 50)
    m[70:90, 70:90] = False
    m[150:180, 150:190] = True
    write_roi(tmp_path / "c.roi", m)
    roi = roifile.ImagejRoi.fromfile(tmp_path / "c.roi")
    assert roi.composite and len(roi.coordinates(multi=True)) == 3
    assert np.array_equal(read_roi(tmp_path / "c.roi", shape=m.shape), m)


def test_polygon_roi_through_pixel_centres_holds_what_imagej_fills(tmp_path):
    # a 3 x 3 px square whose corners are pixel centres: ImageJ fills 9 pixels (its area), not the 16 it touches
    square = roifile.ImagejRoi.frompoints(np.array([[10.5, 10.5], [13.5, 10.5], [13.5, 13.5], [10.5, 13.5]],
                                                   np.float32))
    square.roitype = roifile.ROI_TYPE.POLYGON
    square.tofile(tmp_path / "s.roi")
    assert read_roi(tmp_path / "s.roi", shape=(30, 30)).sum() == 9


def test_roiset_zip_and_shapes(tmp_path):
    oval = roifile.ImagejRoi()
    oval.roitype = roifile.ROI_TYPE.OVAL
    oval.left, oval.top, oval.right, oval.bottom = 10, 10, 50, 30
    rect = roifile.ImagejRoi()
    rect.roitype = roifile.ROI_TYPE.RECT
    rect.left, rect.top, rect.right, rect.bottom = 60, 60, 70, 80
    roifile.roiwrite(tmp_path / "set.zip", [oval, rect], name=["a", "b"])
    m = read_roi(tmp_path / "set.zip", shape=(100, 100))
    assert m[60:80, 60:70].all() and m[20, 30] and not m[5, 5]
    assert m[60:80, 60:70].sum() + m[:50, :55].sum() == m.sum()
    assert abs(m[:50, :55].sum() - np.pi * 20 * 10) < 0.05 * np.pi * 20 * 10


def test_roi_errors(tmp_path):
    with pytest.raises(MaskError, match="no such file"):
        read_roi(tmp_path / "x.roi", shape=(10, 10))
    (tmp_path / "bad.roi").write_bytes(b"not a roi at all")
    with pytest.raises(MaskError, match=r"bad\.roi: not a readable ImageJ ROI"):
        read_roi(tmp_path / "bad.roi", shape=(10, 10))
    far = roifile.ImagejRoi.frompoints(np.array([[500, 500], [520, 500], [520, 520]]))
    far.tofile(tmp_path / "far.roi")
    with pytest.raises(MaskError, match=r"far\.roi: lies outside the 100 x 100 px photo"):
        read_roi(tmp_path / "far.roi", shape=(100, 100))
    line = roifile.ImagejRoi()
    line.roitype = roifile.ROI_TYPE.LINE
    line.x1, line.y1, line.x2, line.y2 = 0, 0, 5, 5
    line.tofile(tmp_path / "line.roi")
    with pytest.raises(MaskError, match="not an area"):
        read_roi(tmp_path / "line.roi", shape=(10, 10))


# Property-based tests (hypothesis) of the ROI writer and reader
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(masks)
def test_written_roi_reads_back_exactly(tmp_path, mask):
    if not mask.any():
        with pytest.raises(MaskError, match="empty"):
            write_roi(tmp_path / "x.roi", mask)
        return
    write_roi(tmp_path / "x.roi", mask)
    assert np.array_equal(read_roi(tmp_path / "x.roi", shape=mask.shape), mask)
    # and the file, as ImageJ fills it, holds exactly the mask's pixels (a hole is a polygon inside another)
    held = np.zeros(mask.shape, bool)
    for polygon in roifile.ImagejRoi.fromfile(tmp_path / "x.roi").coordinates(multi=True):
        inside, on_outline = centres_inside(polygon, mask.shape)
        assert not on_outline.any()  # a traced outline runs along pixel edges, never through a centre
        held ^= inside
    assert np.array_equal(held, mask)


polygons = st.lists(st.tuples(st.floats(-20, 80, allow_nan=False), st.floats(-20, 80, allow_nan=False)),
                    min_size=3, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(polygons)
def test_any_polygon_roi_is_read_or_refused_clearly(tmp_path, pts):
    xy = np.asarray(pts, np.float32)  # what the file stores
    roi = roifile.ImagejRoi.frompoints(xy)
    roi.roitype = roifile.ROI_TYPE.POLYGON
    roi.tofile(tmp_path / "p.roi")
    inside, on_outline = centres_inside(xy, (60, 60))
    try:
        got = read_roi(tmp_path / "p.roi", shape=(60, 60))
    except MaskError as exc:
        assert "outside" in str(exc) and not (inside & ~on_outline).any()
    else:
        assert np.array_equal(got[~on_outline], inside[~on_outline])


@pytest.mark.parametrize("folder, name, shape", [("imagej-ovals", f"o{n}", (300, 400)) for n in range(6)]
                         + [("imagej-polygons", f"p{n}", (64, 64)) for n in range(15)])
def test_an_roi_reads_as_the_pixels_imagej_masks(folder, name, shape):
    from pathlib import Path

    from woundmeasure.io import read_mask
    from woundmeasure.roi import read_roi

    here = Path(__file__).parent / "data" / folder  # ROIs and the masks ImageJ made of them (see its README)
    assert (read_roi(here / f"{name}.roi", shape=shape) == read_mask(here / f"{name}.png", shape=shape)).all()
