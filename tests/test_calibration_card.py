import re
from pathlib import Path

import numpy as np
import pytest

from woundmeasure.calibration.marker import marker_calibration
from woundmeasure.calibration.ruler import ruler_calibration

CARD = Path(__file__).parents[1] / "examples" / "calibration_card.svg"


def rasterize_card(px_per_mm: float) -> np.ndarray:
    """Draw the card's rects and tick lines (its only graphics besides text) at a known scale."""
    import cv2

    svg = CARD.read_text()
    w, h = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
    pad = 15  # mm of skin-coloured background around the card
    img = np.full((int((h + 2 * pad) * px_per_mm), int((w + 2 * pad) * px_per_mm), 3), (205, 160, 140), np.uint8)
    to_px = lambda v: int(round((v + pad) * px_per_mm * 16))  # noqa: E731
    cv2.rectangle(img, (to_px(0), to_px(0)), (to_px(w), to_px(h)), (255, 255, 255), -1, shift=4)
    for x, y, cw, ch in re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/>', svg):
        x, y, cw, ch = map(float, (x, y, cw, ch))
        cv2.rectangle(img, (to_px(x), to_px(y)), (to_px(x + cw) - 16, to_px(y + ch) - 16), (0, 0, 0), -1, shift=4)
    for x1, y1, x2, y2 in re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"/>', svg):
        cv2.line(img, (to_px(float(x1)), to_px(float(y1))), (to_px(float(x2)), to_px(float(y2))), (0, 0, 0),
                 max(1, int(0.15 * px_per_mm)), cv2.LINE_AA, shift=4)
    return cv2.GaussianBlur(img, (0, 0), 0.6)


def test_printed_card_markers_and_ruler_are_found_at_the_right_scale():
    rgb = rasterize_card(12.0)
    cal = marker_calibration(rgb)
    assert sorted(dict(cal.details)["marker_ids"]) == [0, 1]
    assert cal.px_per_mm == pytest.approx(12.0, rel=0.01)
    assert dict(cal.details)["marker_consistency_pct"] < 1.0
    ruler = ruler_calibration(rgb)
    assert ruler.px_per_mm == pytest.approx(12.0, rel=0.01)
