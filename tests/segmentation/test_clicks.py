"""The click protocol and the hint maps, against masks whose answer is known."""

import numpy as np

from woundmeasure.segmentation.clicks import CLICK_RADIUS, hint_maps, next_click


def square(shape, r0, c0, r1, c1):
    m = np.zeros(shape, bool)
    m[r0:r1, c0:c1] = True
    return m


def test_first_click_goes_to_the_middle_of_a_missed_wound():
    truth = square((100, 120), 20, 30, 61, 71)  # 41 x 41 px, centre (50, 40)
    x, y, positive = next_click(truth, np.zeros_like(truth))
    assert positive and (x, y) == (50, 40)


def test_the_larger_error_is_clicked_and_its_kind_decides_the_sign():
    truth = square((100, 120), 20, 30, 61, 71)
    pred = truth | square(truth.shape, 70, 80, 100, 120)  # a 30 x 40 px region drawn outside the wound
    pred[38:43, 48:53] = False  # and a 5 x 5 px hole inside it
    x, y, positive = next_click(truth, pred)
    assert not positive and 70 <= y < 100 and 80 <= x < 120
    assert next_click(truth, truth) is None


def test_a_region_at_the_photo_edge_is_clicked_away_from_the_edge():
    truth = square((60, 60), 0, 0, 20, 60)  # along the top edge
    x, y, positive = next_click(truth, np.zeros_like(truth))
    assert positive and 9 <= y <= 10  # the border counts as an edge: the click lands mid-way, not on row 0


def test_hint_maps_channels():
    prev = square((50, 60), 10, 10, 20, 20)
    maps = hint_maps((50, 60), points=[(30, 25)], background_points=[(5, 40)], box=(2.5, 3, 10, 20), previous=prev)
    assert maps.shape == (4, 50, 60) and maps.dtype == np.float32
    assert maps[0, 25, 30] == 1 and abs(maps[0].sum() - np.pi * CLICK_RADIUS ** 2) < 0.2 * np.pi * CLICK_RADIUS ** 2
    assert maps[1, 40, 5] == 1 and maps[1, 25, 30] == 0
    assert (maps[2] == prev).all()
    assert maps[3, 3:23, 2:13].all() and maps[3].sum() == 20 * 11
