"""Write the printable calibration card (SVG, millimetre units): print at 100% (no "fit to page").

    python examples/make_card.py

The card (100 x 64 mm) carries two ArUco markers of OpenCV's DICT_4X4_50 (ids 0 and 1),
each a 20 mm black square with a white margin, and an 80 mm ruler with ticks every mm
(longer at 5 and 10 mm). After printing, check with a real ruler that the marker's black
square measures 20 mm; if not, pass the measured size as --marker-mm.
"""

from __future__ import annotations

from pathlib import Path

import cv2


def marker_rects(marker_id: int, x0: float, y0: float, side: float) -> list[str]:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    bits = cv2.aruco.generateImageMarker(dictionary, marker_id, 6, borderBits=1)
    cell = side / 6
    return [f'<rect x="{x0 + c * cell:.3f}" y="{y0 + r * cell:.3f}" width="{cell:.3f}" height="{cell:.3f}"/>'
            for r in range(6) for c in range(6) if bits[r, c] < 128]


def card_svg() -> str:
    w, h = 100.0, 64.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">',
             f'<rect x="0" y="0" width="{w}" height="{h}" fill="white" stroke="#999" stroke-width="0.2"/>',
             '<g fill="black" shape-rendering="crispEdges">']
    parts += marker_rects(0, 6, 6, 20) + marker_rects(1, 74, 6, 20)
    parts.append("</g>")
    parts.append('<g stroke="black" stroke-width="0.15">')
    x0, base = 10.0, 58.0
    for k in range(81):
        length = 7 if k % 10 == 0 else 5 if k % 5 == 0 else 3
        parts.append(f'<line x1="{x0 + k:.2f}" y1="{base}" x2="{x0 + k:.2f}" y2="{base - length}"/>')
    parts.append("</g>")
    parts.append('<g font-family="sans-serif" font-size="2.6" text-anchor="middle">')
    for k in range(0, 81, 10):
        parts.append(f'<text x="{x0 + k:.2f}" y="{base - 8.2:.2f}">{k // 10}</text>')
    parts.append('<text x="50" y="12" font-size="2.8">woundmeasure calibration card</text>')
    parts.append('<text x="50" y="17" font-size="2.3">print at 100% - markers 20 mm (DICT_4X4_50) - ruler in mm/cm</text>')
    parts.append('<text x="50" y="21.5" font-size="2.3">place flat on the skin beside the wound, same plane</text>')
    parts.append("</g></svg>")
    return "\n".join(parts)


if __name__ == "__main__":
    Path(__file__).with_name("calibration_card.svg").write_text(card_svg())
