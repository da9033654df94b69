"""Helpers shared by several test files (the shared fixtures are in conftest.py)."""

import datetime as dt
import math
import shutil

import numpy as np
from click.testing import CliRunner
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from woundmeasure.cli.main import cli
from woundmeasure.io import write_rgb
from woundmeasure.synthetic import make_phantom
from woundmeasure.tracking import Visit


def disk_mask(shape, centre, radius):
    from skimage.draw import disk

    m = np.zeros(shape, bool)
    rr, cc = disk(centre, radius, shape=shape)
    m[rr, cc] = True
    return m


# hypothesis: any small binary mask (the measurement and ROI property tests)
masks = arrays(bool, st.tuples(st.integers(1, 40), st.integers(1, 40)))


def dice(a, b):
    return 2 * (a & b).sum() / max(a.sum() + b.sum(), 1)


def write_series(d, n):
    """``n`` photos ``p00.jpg``, ``p01.jpg``, ... of different wounds, without a marker (the batch tests)."""
    for i in range(n):
        write_rgb(d / f"p{i:02d}.jpg", make_phantom(40 + i, width=640, height=480, marker=False).rgb)


# The series of four visits made by the ``series_dir`` fixture, and ``woundmeasure track`` on it
DATES = ["2024-03-01", "2024-03-15", "2024-03-29", "2024-04-12"]
RADII = [12.0, 10.0, 8.0, 6.0]


def run_track(*args):
    return CliRunner().invoke(cli, ["track", *map(str, args)])


def fresh(series_dir, tmp_path):
    d = tmp_path / "s"
    shutil.copytree(series_dir[0], d)
    return d


# Visits made by hand for the tracking metrics and their plot
D0 = dt.date(2024, 1, 1)


def visit(day, area, perim=None, **kw):
    return Visit(D0 + dt.timedelta(days=day), f"{day}.jpg", area_mm2=area,
                 perimeter_mm=perim if perim is not None else 2 * math.sqrt(math.pi * area), **kw)
