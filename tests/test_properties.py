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
from woundmeasure.outline import rasterize_polygon
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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(masks)
def test_written_roi_reads_back_exactly(tmp_path, mask):
    if not mask.any():
        with pytest.raises(MaskError, match="empty"):
            write_roi(tmp_path / "x.roi", mask)
        return
    write_roi(tmp_path / "x.roi", mask)
    assert np.array_equal(read_roi(tmp_path / "x.roi", shape=mask.shape), mask)


polygons = st.lists(st.tuples(st.floats(-20, 80, allow_nan=False), st.floats(-20, 80, allow_nan=False)),
                    min_size=3, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(polygons)
def test_any_polygon_roi_is_read_or_refused_clearly(tmp_path, pts):
    roi = roifile.ImagejRoi.frompoints(np.asarray(pts, np.float32))
    roi.roitype = roifile.ROI_TYPE.POLYGON
    roi.tofile(tmp_path / "p.roi")
    expected = rasterize_polygon(np.asarray(roi.coordinates(), float), (60, 60))
    try:
        got = read_roi(tmp_path / "p.roi", shape=(60, 60))
    except MaskError as exc:
        assert "outside" in str(exc) and not expected.any()
    else:
        assert np.array_equal(got, expected)


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
