"""ImageJ ROI files: read a person's outline as a mask, write a mask as an ROI.

Uses ``roifile`` (the reference reader/writer of ImageJ's binary ROI format).
A mask is written as a *traced* polygon along pixel edges (what ImageJ's wand
makes), so ImageJ measures exactly the mask's pixels; a mask with several regions
or holes is written as one composite (shape) ROI.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from woundmeasure.errors import MaskError
from woundmeasure.outline import pixel_edge_polygons, rasterize_polygon

_AREA_TYPES = ("POLYGON", "FREEHAND", "TRACED", "RECT", "OVAL")


def _roi_mask(roi, shape: tuple[int, int], source: str) -> np.ndarray:
    from roifile import ROI_TYPE

    if roi.roitype.name not in _AREA_TYPES:
        raise MaskError(f"ROI {source}: is a {roi.roitype.name.lower()} ROI, not an area; "
                        "draw a polygon, freehand, oval or traced outline")
    out = np.zeros(shape, bool)
    if roi.roitype == ROI_TYPE.RECT and roi.multi_coordinates is None:
        out[max(roi.top, 0):max(roi.bottom, 0), max(roi.left, 0):max(roi.right, 0)] = True
        return out
    if roi.roitype == ROI_TYPE.OVAL and roi.multi_coordinates is None:
        return _oval_mask(roi.left, roi.top, roi.right - roi.left, roi.bottom - roi.top, shape)
    for poly in roi.coordinates(multi=True):
        out ^= rasterize_polygon(np.asarray(poly, float), shape)  # even-odd: holes cut out
    return out


def _oval_mask(left: int, top: int, width: int, height: int, shape: tuple[int, int]) -> np.ndarray:
    """ImageJ's mask of an oval ROI: the pixels whose centres lie inside the ellipse in its bounds (as
    its OvalRoi makes it; the same pixels as ImageJ's Create Mask for every oval tried, where the
    polygon ``roifile`` gives for an oval, an inscribed one, held 0.6% fewer)."""
    out = np.zeros(shape, bool)
    if width <= 0 or height <= 0:
        return out
    rows = np.arange(max(top, 0), min(top + height, shape[0]))
    cols = np.arange(max(left, 0), min(left + width, shape[1]))
    dy = (rows[:, None] + 0.5 - (top + height / 2)) / (height / 2)
    dx = (cols[None, :] + 0.5 - (left + width / 2)) / (width / 2)
    out[np.ix_(rows, cols)] = dx ** 2 + dy ** 2 < 1
    return out


def read_roi_set(path, *, shape: tuple[int, int]) -> list[tuple[str | None, np.ndarray]]:
    """Read an ImageJ ``.roi`` file or a RoiSet ``.zip``: each ROI's name and mask.

    Parameters
    ----------
    path : str or Path
        A ``.roi`` file, or a ``.zip`` of them (ImageJ's ROI Manager "Save"): one ROI per wound.
    shape : (rows, cols)
        The upright photo's shape.

    Returns
    -------
    list of (name, ndarray of bool)
        The name is None where ImageJ made it up (``0512-0300``, the ROI's position) or left it empty.

    Raises
    ------
    MaskError
        If the file is missing or unreadable, holds no area ROI, or lies entirely
        outside the photo.
    """
    import re

    from roifile import roiread

    path = Path(path)
    if not path.is_file():
        raise MaskError(f"ROI {path}: no such file; check the path")
    try:
        rois = roiread(str(path))
    except Exception as exc:  # roifile raises ValueError/struct.error/zipfile errors
        raise MaskError(f"ROI {path}: not a readable ImageJ ROI ({exc}); save it again from ImageJ") from None
    rois = rois if isinstance(rois, list) else [rois]
    if not rois:
        raise MaskError(f"ROI {path}: holds no ROI")
    out = []
    for roi in rois:
        name = (roi.name or "").strip()
        given = name if name and not re.fullmatch(r"\d{4,}-\d{4,}(-\d{4,})?(-\d+)?", name) else None
        out.append((given, _roi_mask(roi, shape, str(path))))
    if not any(m.any() for _, m in out):
        raise MaskError(f"ROI {path}: lies outside the {shape[1]} x {shape[0]} px photo (or encloses no pixel "
                        "centre); draw it on this photo")
    return out


def read_roi(path, *, shape: tuple[int, int]) -> np.ndarray:
    """Read an ImageJ ``.roi`` file or a RoiSet ``.zip`` as one wound mask (all ROIs of a set united).

    See :func:`read_roi_set` for the parameters and errors.
    """
    mask = np.zeros(shape, bool)
    for _, m in read_roi_set(path, shape=shape):
        mask |= m
    return mask


def mask_to_roi(mask: np.ndarray, *, name: str = "wound"):
    """Make an ImageJ ROI (``roifile.ImagejRoi``) that encloses exactly the mask's pixels."""
    from roifile import ROI_TYPE, ImagejRoi

    polygons = pixel_edge_polygons(mask)
    if not polygons:
        raise MaskError("the mask is empty: there is no outline to write")
    if len(polygons) == 1:
        roi = ImagejRoi.frompoints(polygons[0].astype(np.int32), name=name)
        roi.roitype = ROI_TYPE.TRACED
        return roi
    path: list[float] = []
    for p in polygons:
        path += [0, float(p[0, 0]), float(p[0, 1])]
        for x, y in p[1:]:
            path += [1, float(x), float(y)]
        path += [4]
    allp = np.vstack(polygons)
    roi = ImagejRoi()
    roi.roitype = ROI_TYPE.RECT
    roi.name = name
    roi.left, roi.top = int(allp[:, 0].min()), int(allp[:, 1].min())
    roi.right, roi.bottom = int(allp[:, 0].max()), int(allp[:, 1].max())
    roi.multi_coordinates = np.asarray(path, np.float32)
    roi.shape_roi_size = len(path)
    return roi


def position_name(mask: np.ndarray) -> str:
    """The name ImageJ's ROI Manager gives an ROI it was not told a name for: its centre, ``yyyy-xxxx``
    (read back as no name)."""
    rows, cols = np.nonzero(mask)
    return f"{int(round((rows.min() + rows.max()) / 2)):04d}-{int(round((cols.min() + cols.max()) / 2)):04d}"


def write_roi_set(path, named_masks) -> None:
    """Write an ImageJ RoiSet ``.zip``: one ROI per (name, mask), as ImageJ's ROI Manager saves several
    wounds, each under its name, or as ImageJ names it where the name is None (read back by
    :func:`read_roi_set`)."""
    import zipfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, mask in named_masks:
            name = name or position_name(mask)
            z.writestr(f"{name}.roi", mask_to_roi(mask, name=name).tobytes())


def write_roi(path, mask: np.ndarray, *, name: str = "wound") -> None:
    """Write a mask as an ImageJ ``.roi`` file that measures the same area in ImageJ."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mask_to_roi(mask, name=name).tofile(str(path))
