"""Where photos come from: a folder of dated photos, or a CSV manifest.

A folder holds one wound's photos, each dated by an ISO date in its file name
(``2024-03-05.jpg``, ``visit-2024-03-05.png``) or else by its EXIF capture date.
A manifest is a CSV with columns ``image,date`` and optional ``wound``, ``px_per_mm``,
``mask``, ``roi``, ``note``; paths are relative to the manifest. Next to a photo,
``<stem>.roi`` (ImageJ) or ``<stem>.mask.png`` overrides automatic segmentation.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

from woundmeasure.errors import InputError
from woundmeasure.options import MeasureOptions

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif"}
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass(frozen=True)
class PhotoSpec:
    """One photo to measure and what is known about it before reading it."""

    image: Path
    date: dt.date | None = None
    wound: str = "wound"
    px_per_mm: float | None = None
    mask: Path | None = None
    roi: Path | None = None
    note: str = ""

    def options_for(self, options: MeasureOptions) -> MeasureOptions:
        """The shared options with this photo's own scale and outline applied."""
        if self.px_per_mm:
            options = options.with_scale(self.px_per_mm)
        if self.roi or self.mask:
            options = options.with_outline(roi=self.roi, mask=None if self.roi else self.mask)
        return options

    def with_sidecars(self) -> "PhotoSpec":
        """Use ``<stem>.roi`` or ``<stem>.mask.png`` beside the photo when no outline was given."""
        if self.mask or self.roi:
            return self
        roi = self.image.with_suffix(".roi")
        mask = self.image.with_name(self.image.stem + ".mask.png")
        if roi.is_file():
            return replace(self, roi=roi)
        if mask.is_file():
            return replace(self, mask=mask)
        return self


def date_from_name(name: str) -> dt.date | None:
    """The ISO date (YYYY-MM-DD) in a file name, or None."""
    for m in _ISO_DATE.finditer(name):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
    return None


def is_photo(path: Path) -> bool:
    name = path.name.lower()
    return path.suffix.lower() in IMAGE_SUFFIXES and not name.endswith(".mask.png") and not name.startswith(".")


def folder_photos(folder: Path, *, recursive: bool = False) -> list[PhotoSpec]:
    """Photos of a folder (sorted by name), dated from their names where possible."""
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in Path(folder).glob(pattern) if p.is_file() and is_photo(p))
    return [PhotoSpec(p, date_from_name(p.name)).with_sidecars() for p in files]


def _parse_date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{where}: date {text!r} is not an ISO date (YYYY-MM-DD)") from None


def read_manifest(path: Path) -> list[PhotoSpec]:
    """Read a CSV manifest (see the module notes).

    Raises
    ------
    InputError
        If the file has no ``image`` or ``date`` column, or a row has a bad date or scale.
    """
    path = Path(path)
    base = path.parent
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = [c.strip().lower() for c in reader.fieldnames or []]
            if "image" not in fields or "date" not in fields:
                raise InputError(f"manifest {path}: needs the columns image,date (found: {', '.join(fields) or 'none'})")
            specs = []
            for n, raw in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
                where = f"manifest {path}, line {n}"
                if not row.get("image"):
                    raise InputError(f"{where}: the image column is empty")
                scale = None
                if row.get("px_per_mm"):
                    try:
                        scale = float(row["px_per_mm"])
                    except ValueError:
                        raise InputError(f"{where}: px_per_mm {row['px_per_mm']!r} is not a number") from None
                    if not scale > 0 or scale == float("inf"):
                        raise InputError(f"{where}: px_per_mm {row['px_per_mm']!r} must be a positive number")
                specs.append(PhotoSpec(
                    image=base / row["image"], date=_parse_date(row["date"], where) if row.get("date") else None,
                    wound=row.get("wound") or "wound", px_per_mm=scale,
                    mask=base / row["mask"] if row.get("mask") else None,
                    roi=base / row["roi"] if row.get("roi") else None, note=row.get("note", "")).with_sidecars())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"manifest {path}: cannot be read as CSV ({exc})") from None
    return specs


def photo_specs(source) -> list[PhotoSpec]:
    """Photos from a folder or a ``.csv`` manifest."""
    source = Path(source)
    if source.is_dir():
        return folder_photos(source)
    if source.suffix.lower() == ".csv":
        return read_manifest(source)
    raise InputError(f"{source}: give a folder of photos or a .csv manifest")
