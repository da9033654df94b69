"""The printable calibration card's layout: one place for the card file, the generator and the colour reader.

All positions are card millimetres, x right and y down from the card's top left, at the
nominal print size (markers 20 mm). ``examples/make_card.py`` draws the card from these,
:mod:`woundmeasure.synthetic` photographs it, and :mod:`woundmeasure.color_correction`
finds its colour patches through its markers.
"""

from __future__ import annotations

CARD_MM = (100.0, 64.0)
MARKER_MM = 20.0
MARKERS = ((0, (16.0, 16.0)), (1, (84.0, 16.0)))
"""(ArUco id of DICT_4X4_50, centre of its black square)."""
RULER = ((10.0, 58.0), 80.0)
"""The ruler's 0 mm point on its base line and its length; ticks rise from the base toward the markers."""
TEXT = (("woundmeasure calibration card", 12.0, 2.8), ("print at 100%: markers 20 mm", 16.5, 2.2),
        ("flat on the skin, beside the wound", 20.5, 2.2))
"""(line, base line y, font size in mm), centred between the markers' quiet zones (x 33-67 mm)."""
PATCH_MM = 8.0
PATCH_ROW = (8.0, 35.0, 9.5)
"""The first patch's top left (x, y) and the pitch from one patch to the next along x."""
PATCHES = (("white", (243, 243, 242)), ("neutral 5", (122, 122, 121)), ("black", (52, 52, 52)),
           ("dark skin", (115, 82, 68)), ("light skin", (194, 150, 130)), ("red", (175, 54, 60)),
           ("yellow", (231, 199, 31)), ("green", (70, 148, 73)), ("blue", (56, 61, 150)))
"""Name and printed sRGB of each patch, left to right: the ColorChecker's values (the first three neutral)."""
NEUTRAL = ("white", "neutral 5", "black")


def patch_box(index: int) -> tuple[float, float, float, float]:
    """Patch ``index``'s square (x0, y0, x1, y1), card mm."""
    x0, y0, pitch = PATCH_ROW
    x = x0 + index * pitch
    return x, y0, x + PATCH_MM, y0 + PATCH_MM


def marker_square(marker_id: int) -> tuple[tuple[float, float], ...] | None:
    """The card corners (TL, TR, BR, BL) of marker ``marker_id``'s black square, or None if it is not on the card."""
    for mid, (cx, cy) in MARKERS:
        if mid == marker_id:
            h = MARKER_MM / 2
            return (cx - h, cy - h), (cx + h, cy - h), (cx + h, cy + h), (cx - h, cy + h)
    return None
