"""Draw a measurement on its photo: outline, length and width, scale and area."""

from __future__ import annotations

import numpy as np

from woundmeasure.outline import subpixel_contours

OUTLINE = (40, 230, 80)
LENGTH = (255, 215, 0)
WIDTH = (0, 200, 255)
REFERENCE = (255, 80, 220)


def draw_overlay(rgb: np.ndarray, result) -> np.ndarray:
    """Return a copy of ``rgb`` with the wound outline, length/width lines and a caption.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (M, N, 3)
    result : ImageResult
    """
    return draw_overlay_dict(rgb, result.mask, result.to_dict(), outline=result.measurement.outline)


def draw_overlay_dict(rgb: np.ndarray, mask: np.ndarray, info: dict, *, caption: str | None = None,
                      outline=None) -> np.ndarray:
    """Draw from a result's ``to_dict()`` and its mask (what the SQLite record keeps).

    ``outline`` is the measured outline when the caller has it; else it is traced from the mask.
    """
    import cv2

    out = rgb.copy()  # C-contiguous, as OpenCV's drawing needs
    h, w = out.shape[:2]
    unit = max(h, w) / 1000.0
    thick = max(1, int(round(2 * unit)))
    if outline is None:
        outline = subpixel_contours(mask)
    contours = [np.round(c * 16).astype(np.int32) for c in outline]
    if contours:
        cv2.polylines(out, contours, True, OUTLINE, thick, cv2.LINE_AA, shift=4)
    for key, colour in (("length_line", LENGTH), ("width_line", WIDTH)):
        line = info.get(key)
        if line is not None and info["num_pixels"]:
            p = np.round(np.array(line).reshape(2, 2) * 16).astype(np.int32)
            cv2.line(out, tuple(p[0]), tuple(p[1]), colour, thick, cv2.LINE_AA, shift=4)
    cal = info["calibration"]
    for poly in cal.get("reference_outline") or []:
        cv2.polylines(out, [np.round(np.asarray(poly) * 16).astype(np.int32)], True, REFERENCE, thick,
                      cv2.LINE_AA, shift=4)
    lines = [caption] if caption else []
    lines += [
        f"area {info['area_cm2']:.2f} cm2 ({info['area_mm2']:.0f} mm2)",
        f"L {info['length_mm']:.1f} mm x W {info['width_mm']:.1f} mm, perimeter {info['perimeter_mm']:.1f} mm",
        f"scale {cal['px_per_mm']:.2f} px/mm ({cal['method']}"
        f"{', perspective corrected' if cal['perspective_corrected'] else ''})",
    ]
    if info.get("warnings"):
        lines.append(f"{len(info['warnings'])} warning(s): see report")
    font_scale = 0.6 * unit
    tthick = max(1, int(round(1.5 * unit)))
    (tw, th), base = cv2.getTextSize(max(lines, key=len), cv2.FONT_HERSHEY_SIMPLEX, font_scale, tthick)
    pad = int(8 * unit)
    box_h = len(lines) * (th + base + pad // 2) + pad
    cv2.rectangle(out, (0, 0), (min(w - 1, tw + 2 * pad), min(h - 1, box_h)), (0, 0, 0), -1)
    y = pad + th
    for text in lines:
        cv2.putText(out, text, (pad, y), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255), tthick, cv2.LINE_AA)
        y += th + base + pad // 2
    # a 10 mm scale bar at the bottom left (at the wound's scale)
    bar = cal["px_per_mm"] * 10
    if 4 < bar < w * 0.8:
        y0 = h - pad - tthick * 2
        cv2.line(out, (pad, y0), (pad + int(round(bar)), y0), (255, 255, 255), max(2, thick * 2))
        cv2.putText(out, "10 mm", (pad, y0 - pad // 2), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255),
                    tthick, cv2.LINE_AA)
    return out
