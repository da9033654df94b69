"""Parity with real ImageJ (Debian's imagej, headless under xvfb-run); skipped where it is not installed."""

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from imagej_peer import available, measure_in_imagej  # noqa: E402

from tests.helpers import disk_mask  # noqa: E402
from woundmeasure.calibration import manual_calibration  # noqa: E402
from woundmeasure.io import write_mask  # noqa: E402
from woundmeasure.measurement import measure_mask  # noqa: E402
from woundmeasure.roi import write_roi  # noqa: E402
from woundmeasure.synthetic import make_phantom  # noqa: E402

pytestmark = pytest.mark.skipif(not available(), reason="ImageJ not installed (apt-get install imagej xvfb)")


@pytest.mark.parametrize("case", ["disk", "phantom"])
def test_same_area_as_imagej_and_closer_perimeter(tmp_path, case):
    scale = 4.0
    if case == "disk":
        m, true_perimeter = disk_mask((260, 260), (130.3, 129.6), 110), 2 * math.pi * 110 / scale
    else:
        p = make_phantom(3, marker=False, width=900, height=700, px_per_mm=scale)
        m, true_perimeter = p.mask, p.perimeter_mm
    write_mask(tmp_path / "m.png", m)
    write_roi(tmp_path / "m.roi", m)
    ours = measure_mask(m, calibration=manual_calibration(scale))
    ij = measure_in_imagej(tmp_path / "m.png", tmp_path / "m.roi", scale)
    assert ours.area_mm2 == pytest.approx(ij["particles_area"], rel=1e-6)
    assert ours.area_mm2 == pytest.approx(ij["roi_area"], rel=1e-6)  # our .roi measures the same in ImageJ
    assert ours.perimeter_imagej_mm == pytest.approx(ij["particles_perimeter"], rel=1e-6)  # our port of its formula
    assert abs(ours.perimeter_mm - true_perimeter) < abs(ij["particles_perimeter"] - true_perimeter)
