"""Property-based tests (hypothesis) of the measurement and of the ROI and manifest parsers."""

import numpy as np
import pytest
import roifile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from woundmeasure.calibration import manual_calibration
from woundmeasure.errors import InputError, MaskError
from woundmeasure.measurement import measure_mask
from woundmeasure.roi import read_roi, write_roi
from woundmeasure.sources import read_manifest

masks = arrays(bool, st.tuples(st.integers(1, 40), st.integers(1, 40)))
scales = st.floats(0.05, 50, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(masks, scales)
def test_measurement_invariants(mask, scale):
    r = measure_mask(mask, calibration=manual_calibration(scale))
    assert r.area_mm2 == pytest.approx(mask.sum() / scale**2)
    assert r.num_pixels == mask.sum() and r.num_regions <= mask.sum()
    assert r.perimeter_mm >= 0 and r.length_mm >= r.width_mm >= 0
    for t in (mask[::-1], mask[:, ::-1], mask.T, np.rot90(mask)):
        q = measure_mask(np.ascontiguousarray(t), calibration=manual_calibration(scale))
        assert q.area_mm2 == pytest.approx(r.area_mm2)
        assert q.perimeter_mm == pytest.approx(r.perimeter_mm, rel=1e-6, abs=1e-9)
        assert q.num_regions == r.num_regions
        assert q.length_mm == pytest.approx(r.length_mm, rel=1e-6, abs=1e-9)


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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_manifest_parser_never_crashes(tmp_path, text):
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    try:
        specs = read_manifest(path)
    except InputError as exc:
        assert str(path) in str(exc)
    else:
        assert all(s.image.parent == tmp_path or tmp_path in s.image.parents for s in specs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.dates(), st.floats(0.01, 1e4, allow_nan=False), st.text("abc ", max_size=5)),
                min_size=1, max_size=6))
def test_manifest_round_trip(tmp_path, rows):
    lines = ["image,date,px_per_mm,wound"] + [f"img{i}.jpg,{d.isoformat()},{s!r},{w}" for i, (d, s, w) in
                                              enumerate(rows)]
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    specs = read_manifest(tmp_path / "m.csv")
    assert [s.date for s in specs] == [d for d, _, _ in rows]
    assert [s.px_per_mm for s in specs] == pytest.approx([s for _, s, _ in rows])
    assert [s.wound for s in specs] == [w.strip() or "wound" for _, _, w in rows]
