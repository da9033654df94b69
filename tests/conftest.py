import pytest

from tests.helpers import DATES, RADII
from woundmeasure.io import write_mask, write_rgb
from woundmeasure.synthetic import make_phantom


@pytest.fixture(scope="session")
def phantom():
    """A 1200 x 900 photo at 6 px/mm with an ArUco marker, camera square to the skin."""
    return make_phantom(3, px_per_mm=6.0)


@pytest.fixture()
def phantom_files(tmp_path, phantom):
    """The phantom written as JPEG, its true mask as PNG."""
    img = tmp_path / "wound.jpg"
    mask = tmp_path / "wound.png"
    write_rgb(img, phantom.rgb, quality=95)
    write_mask(mask, phantom.mask)
    return img, mask


@pytest.fixture(scope="module")
def series_dir(tmp_path_factory):
    """Four visits of one wound, dated in the file names, each with a marker; truth kept beside."""
    d = tmp_path_factory.mktemp("series")
    truth = {}
    for i, (date, r) in enumerate(zip(DATES, RADII)):
        p = make_phantom(900 + i, width=900, height=700, px_per_mm=5.5, wound_radius_mm=r, wound_seed=5,
                         tilt_deg=10 * i, drape=False)
        write_rgb(d / f"visit-{date}.jpg", p.rgb, quality=92)
        truth[date] = (p.area_mm2, p.mask)
    return d, truth
