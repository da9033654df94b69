import numpy as np
import pytest

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


def disk_mask(shape, centre, radius):
    from skimage.draw import disk

    m = np.zeros(shape, bool)
    rr, cc = disk(centre, radius, shape=shape)
    m[rr, cc] = True
    return m
