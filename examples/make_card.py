"""Write the printable calibration card (SVG, millimetre units): print at 100% (no "fit to page").

    python examples/make_card.py

The card (100 x 64 mm) carries two ArUco markers of OpenCV's DICT_4X4_50 (ids 0 and 1),
each a 20 mm black square with a white margin, a row of nine colour patches (white, mid-grey
and black, then six ColorChecker colours: woundmeasure corrects each photo's white balance and
exposure from them), and an 80 mm ruler with ticks every mm (longer at 5 and 10 mm). The
layout is ``woundmeasure.calibration.card``. After printing, check with a real ruler that the
marker's black square measures 20 mm; if not, pass the measured size as --marker-mm. Print on
plain white paper with the printer's colour management on (no "vivid" or "photo" mode).
"""

from __future__ import annotations

from pathlib import Path

import cv2

from woundmeasure.calibration import card as CARD


def marker_rects(marker_id: int, x0: float, y0: float, side: float) -> list[str]:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    bits = cv2.aruco.generateImageMarker(dictionary, marker_id, 6, borderBits=1)
    cell = side / 6
    return [f'<rect x="{x0 + c * cell:.3f}" y="{y0 + r * cell:.3f}" width="{cell:.3f}" height="{cell:.3f}"/>'
            for r in range(6) for c in range(6) if bits[r, c] < 128]


def card_svg() -> str:
    w, h = CARD.CARD_MM
    half = CARD.MARKER_MM / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}mm" height="{h:g}mm" viewBox="0 0 {w:g} {h:g}">',
             f'<rect x="0" y="0" width="{w:g}" height="{h:g}" fill="white" stroke="#999" stroke-width="0.2"/>',
             '<g fill="black" shape-rendering="crispEdges">']
    for marker_id, (cx, cy) in CARD.MARKERS:
        parts += marker_rects(marker_id, cx - half, cy - half, CARD.MARKER_MM)
    parts.append("</g>")
    parts.append('<g shape-rendering="crispEdges">')
    for i, (name, (r, g, b)) in enumerate(CARD.PATCHES):
        x0, y0, x1, y1 = CARD.patch_box(i)
        edge = ' stroke="#bbb" stroke-width="0.1"' if name == "white" else ""  # the white patch's square, visible
        parts.append(f'<rect x="{x0:.2f}" y="{y0:.2f}" width="{x1 - x0:.2f}" height="{y1 - y0:.2f}" '
                     f'fill="rgb({r},{g},{b})"{edge}><title>{name}</title></rect>')
    parts.append("</g>")
    parts.append('<g stroke="black" stroke-width="0.15">')
    (x0, base), length = CARD.RULER
    for k in range(int(length) + 1):
        tick = 7 if k % 10 == 0 else 5 if k % 5 == 0 else 3
        parts.append(f'<line x1="{x0 + k:.2f}" y1="{base}" x2="{x0 + k:.2f}" y2="{base - tick}"/>')
    parts.append("</g>")
    parts.append('<g font-family="sans-serif" font-size="2.6" text-anchor="middle">')
    for k in range(0, int(length) + 1, 10):
        parts.append(f'<text x="{x0 + k:.2f}" y="{base - 8.2:.2f}">{k // 10}</text>')
    for text, y, size in CARD.TEXT:
        parts.append(f'<text x="{w / 2:g}" y="{y:g}" font-size="{size:g}">{text}</text>')
    parts.append("</g></svg>")
    return "\n".join(parts)


if __name__ == "__main__":
    Path(__file__).with_name("calibration_card.svg").write_text(card_svg())
