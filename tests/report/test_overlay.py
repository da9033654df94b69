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
