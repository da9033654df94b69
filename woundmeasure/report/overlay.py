"""Draw a measurement on its photo: outline, length and width, scale and area."""

from __future__ import annotations

import numpy as np

from woundmeasure.outline import subpixel_contours
from woundmeasure.wounds import wound_label

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
                      outline=None, around_wound: bool = False) -> np.ndarray:
    """Draw from a result's ``to_dict()`` and its mask (what the SQLite record keeps).

    ``outline`` is the measured outline when the caller has it; else it is traced from the mask.
    ``around_wound``: a thumbnail, for a page that writes the figures beside it: the square of the
    photo around the wound (:func:`wound_view_box`) with its lines and a large scale bar, and no
    caption (small print on a small picture cannot be read).
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
    wounds = info.get("wounds") or []
    several = len(wounds) > 1
    font_scale = 0.6 * unit
    tthick = max(1, int(round(1.5 * unit)))
    for wound in wounds if several else [info]:  # each wound its own lines: one pair across them all means nothing
        for key, colour in (("length_line", LENGTH), ("width_line", WIDTH)):
            line = wound.get(key)
            if line is not None and wound["num_pixels"]:
                p = np.round(np.array(line).reshape(2, 2) * 16).astype(np.int32)
                cv2.line(out, tuple(p[0]), tuple(p[1]), colour, thick, cv2.LINE_AA, shift=4)
        if several:
            _label(out, f"{wound_label(wound)} {wound['area_cm2']:.2f} cm2", wound, font_scale, tthick)
    cal = info["calibration"]
    for poly in cal.get("reference_outline") or []:
        cv2.polylines(out, [np.round(np.asarray(poly) * 16).astype(np.int32)], True, REFERENCE, thick,
                      cv2.LINE_AA, shift=4)
    box = wound_view_box(mask) if around_wound else None
    if box is not None:
        out = np.ascontiguousarray(out[box])
        h, w = out.shape[:2]
        unit = 2.5 * max(h, w) / 1000.0  # drawn to be read at a third of its size
        return _scale_bar(out, cal["px_per_mm"], 0.6 * unit, max(1, int(round(1.5 * unit))), int(8 * unit), thick)
    lines = [caption] if caption else []
    if several:
        lines += [f"{len(wounds)} wounds, area {info['area_cm2']:.2f} cm2 in all ({info['area_mm2']:.0f} mm2)"]
        lines += [f"{wound_label(wd)}: {wd['area_cm2']:.2f} cm2, L {wd['length_mm']:.1f} mm x W {wd['width_mm']:.1f} mm"
                  for wd in wounds]
    else:
        lines += [
            f"area {info['area_cm2']:.2f} cm2 ({info['area_mm2']:.0f} mm2)",
            f"L {info['length_mm']:.1f} mm x W {info['width_mm']:.1f} mm, perimeter {info['perimeter_mm']:.1f} mm",
        ]
    lines += [
        f"scale {cal['px_per_mm']:.2f} px/mm ({cal['method']}"
        f"{', perspective corrected' if cal['perspective_corrected'] else ''})",
    ]
    if info.get("warnings"):
        lines.append(f"{len(info['warnings'])} warning(s): see report")
    (tw, th), base = cv2.getTextSize(max(lines, key=len), cv2.FONT_HERSHEY_SIMPLEX, font_scale, tthick)
    pad = int(8 * unit)
    box_h = len(lines) * (th + base + pad // 2) + pad
    cv2.rectangle(out, (0, 0), (min(w - 1, tw + 2 * pad), min(h - 1, box_h)), (0, 0, 0), -1)
    y = pad + th
    for text in lines:
        cv2.putText(out, text, (pad, y), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255), tthick, cv2.LINE_AA)
        y += th + base + pad // 2
    return _scale_bar(out, cal["px_per_mm"], font_scale, tthick, pad, thick)


def _scale_bar(out: np.ndarray, px_per_mm: float, font_scale: float, tthick: int, pad: int, thick: int) -> np.ndarray:
    """A 10 mm scale bar at the bottom left (at the wound's scale), where it fits."""
    import cv2

    h, w = out.shape[:2]
    bar = px_per_mm * 10
    if 4 < bar < w * 0.8:
        y0 = h - pad - tthick * 2
        cv2.line(out, (pad, y0), (pad + int(round(bar)), y0), (255, 255, 255), max(2, thick * 2))
        cv2.putText(out, "10 mm", (pad, y0 - pad // 2), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255),
                    tthick, cv2.LINE_AA)
    return out


def wound_view_box(mask: np.ndarray, *, context: float = 1.0, least: float = 0.2):
    """Row and column slices of a square of the photo around the wound: its longer side grown by
    ``context`` times on each side, at least ``least`` of the photo's shorter side, moved inside the
    photo (and cut by it where the photo is smaller); None without a wound."""
    from woundmeasure.outline import bounding_box

    box = bounding_box(mask)
    if box is None:
        return None
    side = max(max(s.stop - s.start for s in box) * (1 + 2 * context), least * min(mask.shape))
    out = []
    for s, n in zip(box, mask.shape):
        size = min(side, n)
        lo = int(np.clip(round((s.start + s.stop) / 2 - size / 2), 0, n - size))
        out.append(slice(lo, int(round(lo + size))))
    return tuple(out)


def _label(out: np.ndarray, text: str, wound: dict, font_scale: float, thick: int) -> None:
    """Write ``text`` on a dark box just below the wound (below its lines' lowest end, else at its
    centre), kept inside the photo."""
    import cv2

    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thick)
    h, w = out.shape[:2]
    x, y = wound["centre_px"]
    ends = [v for k in ("length_line", "width_line") if wound.get(k) for v in wound[k][1::2]]
    pad = max(2, th // 3)
    y = max(ends) + th + 3 * pad if ends else y
    x0 = int(np.clip(x - tw / 2, pad, max(pad, w - tw - pad)))
    y0 = int(np.clip(y, th + pad, max(th + pad, h - base - pad)))
    cv2.rectangle(out, (x0 - pad, y0 - th - pad), (x0 + tw + pad, y0 + base + pad), (0, 0, 0), -1)
    cv2.putText(out, text, (x0, y0), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255), thick, cv2.LINE_AA)
