import numpy as np
import pytest

from tests.helpers import disk_mask
from woundmeasure.calibration import manual_calibration
from woundmeasure.measurement import measure_mask
from woundmeasure.synthetic import make_phantom


def test_outline_is_kept_for_drawing_but_not_in_the_record():
    import json

    from woundmeasure.io import photo_from_array
    from woundmeasure.options import MeasureOptions
    from woundmeasure.outline import polygon_area
    from woundmeasure.pipeline import measure_photo
    from woundmeasure.report.overlay import draw_overlay, draw_overlay_dict

    m = measure_mask(disk_mask((300, 400), (150, 200), 80), calibration=manual_calibration(4.0))
    assert "outline" not in m.to_dict() and json.dumps(m.to_dict())
    assert sum(abs(polygon_area(c)) for c in m.outline) == pytest.approx(m.num_pixels, rel=0.01)
    p = make_phantom(3, width=640, height=480)
    result = measure_photo(photo_from_array(p.rgb), MeasureOptions(px_per_mm=p.px_per_mm), mask=p.mask)
    # drawing with the measured outline is the same picture as tracing the stored mask again
    np.testing.assert_array_equal(draw_overlay(p.rgb, result),
                                  draw_overlay_dict(p.rgb, result.mask, result.to_dict()))


def test_each_of_several_wounds_gets_its_own_lines_and_label_and_none_cross_the_skin_between():
    from woundmeasure.io import photo_from_array
    from woundmeasure.options import MeasureOptions
    from woundmeasure.pipeline import measure_photo
    from woundmeasure.report.overlay import LENGTH, draw_overlay

    rgb = np.full((400, 900, 3), 120, np.uint8)
    mask = disk_mask((400, 900), (200, 150), 60) | disk_mask((400, 900), (200, 750), 40)
    result = measure_photo(photo_from_array(rgb), MeasureOptions(px_per_mm=4.0), mask=mask)
    assert len(result.wounds) == 2
    drawn = draw_overlay(rgb, result)
    yellow = np.all(np.abs(drawn.astype(int) - LENGTH) < 40, axis=2)
    assert yellow[:, 60:240].any() and yellow[:, 690:810].any()  # each wound's own length line
    assert not yellow[:, 300:600].any()  # and no line from one wound to the other across the skin
    # the caption (top left; the scale bar is at the bottom) names both wounds: it reaches lower than one wound's
    single = draw_overlay(rgb, measure_photo(photo_from_array(rgb), MeasureOptions(px_per_mm=4.0),
                                             mask=disk_mask((400, 900), (200, 150), 60)))
    rows_of_text = [np.flatnonzero((img[:200, :450] > 200).all(axis=2).any(axis=1)).max() for img in (drawn, single)]
    assert rows_of_text[0] > rows_of_text[1]
    assert (drawn[260:400, 60:240] == 0).all(axis=2).sum() > 200  # a dark label box below wound A


def test_a_wound_in_two_parts_is_drawn_as_one_wound_and_a_closed_one_draws_no_other_wound():
    from woundmeasure.io import photo_from_array
    from woundmeasure.options import MeasureOptions
    from woundmeasure.pipeline import measure_photo
    from woundmeasure.report.overlay import LENGTH, draw_overlay_dict
    from woundmeasure.series import wound_view

    rgb = np.full((400, 900, 3), 120, np.uint8)
    parts = disk_mask((400, 900), (200, 150), 60) | disk_mask((400, 900), (200, 750), 40)
    info = measure_photo(photo_from_array(rgb), MeasureOptions(px_per_mm=4.0), mask=parts).to_dict()
    both = wound_view({**info, "wounds": info["wounds"] + [{**info["wounds"][0], "number": 3, "area_mm2": 1.0}]},
                      (1, 2))  # wound A in two parts, beside a third wound
    drawn = draw_overlay_dict(rgb, parts, both)
    yellow = np.all(np.abs(drawn.astype(int) - LENGTH) < 40, axis=2)
    gap = np.r_[300:420, 480:600]  # the skin between the parts, but where the width line crosses
    assert yellow[:, gap].any(axis=0).all()  # one length line across both parts: one wound
    assert not (drawn[280:400, 60:840] == 0).all(axis=2).any()  # and no label boxes of wounds of their own
    closed = {**info, "area_mm2": 0.0, "area_cm2": 0.0, "num_pixels": 0, "length_line": None, "width_line": None,
              "length_mm": 0.0, "width_mm": 0.0, "perimeter_mm": 0.0, "wounds": []}
    assert not np.all(np.abs(draw_overlay_dict(rgb, np.zeros_like(parts), closed).astype(int) - LENGTH) < 40,
                      axis=2).any()


def test_a_thumbnail_is_a_square_around_the_whole_wound_without_small_print():
    from woundmeasure.io import photo_from_array
    from woundmeasure.options import MeasureOptions
    from woundmeasure.pipeline import measure_photo
    from woundmeasure.report.overlay import OUTLINE, draw_overlay_dict

    rgb = np.full((900, 1600, 3), 120, np.uint8)
    mask = disk_mask((900, 1600), (600, 1200), 50)
    info = measure_photo(photo_from_array(rgb), MeasureOptions(px_per_mm=4.0), mask=mask).to_dict()
    thumb = draw_overlay_dict(rgb, mask, info, around_wound=True)
    assert thumb.shape[0] == thumb.shape[1] < 900  # a square, closer than the photo
    green = np.all(np.abs(thumb.astype(int) - OUTLINE) < 40, axis=2)
    rows, cols = np.nonzero(green)
    assert rows.min() > 0 and cols.min() > 0 and rows.max() < thumb.shape[0] - 1 and cols.max() < thumb.shape[1] - 1
    assert (rows.max() - rows.min()) > 0.25 * thumb.shape[0]  # the wound is large in it
    assert not (thumb[:60, :200] == 0).all(axis=2).any()  # no caption box: the page writes the figures
