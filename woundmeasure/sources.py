"""Where photos come from: a folder of dated photos, or a CSV manifest.

A folder holds one wound's photos, each dated by an ISO date in its file name
(``2024-03-05.jpg``, ``visit-2024-03-05.png``) or else by its EXIF capture date.
A manifest is a CSV with columns ``image,date`` and optional ``wound``, ``px_per_mm``,
``mask``, ``roi``, ``note``, ``box`` (``X,Y,W,H``), ``points`` and ``background_points``
(``X,Y;X,Y;...``, pixels); paths are relative to the manifest. Next to a photo,
``<stem>.roi`` (ImageJ) or ``<stem>.mask.png`` overrides automatic segmentation, and
``<stem>.hints.json`` (``{"box": [x, y, w, h], "points": [[x, y], ...],
"background_points": [[x, y], ...]}``, as the review page writes it) keeps the clicks
that steer it, so that a correction is replayed at every run. A photo of several wounds
may carry these per wound, ``<stem>.<wound>.mask.png`` / ``.roi`` / ``.hints.json``: it is
then listed once per wound it has one for, as that wound.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import io
import os
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from woundmeasure.errors import InputError
from woundmeasure.options import MeasureOptions

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jfif", ".png", ".tif", ".tiff", ".heic", ".heif", ".webp", ".bmp"}
NO_PHOTOS = "holds no photos (.jpg, .png, .tif, .heic, .webp, .bmp)"
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# a camera's or messenger's own name: IMG_20240305_101112.jpg, PXL_20240305_101112345.jpg,
# 20240305_101112.jpg, IMG-20240305-WA0001.jpg (WhatsApp, which strips EXIF); not MRN20240305.jpg
_CAMERA_DATE = re.compile(r"(?:^|(?<![A-Za-z0-9])(?:IMG|PXL|VID|PHOTO|Screenshot|signal)[_-])"
                          r"((?:19|20)\d{2})(\d{2})(\d{2})(?=[_.-]|$)", re.IGNORECASE)
# the day-first date of Europe's names, with dots (18.06.2024.jpg): dots are never month-first
_DOTTED_DATE = re.compile(r"(?<![A-Za-z0-9.])(\d{1,2})\.(\d{1,2})\.(20\d{2})(?!\d)")  # not v2.1.2024
DATE_SLACK_DAYS = 1  # a given date this far from the camera's clock is taken without a word (time zones)


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
    box: tuple[float, float, float, float] | None = None
    points: tuple[tuple[float, float], ...] = ()
    background_points: tuple[tuple[float, float], ...] = ()
    problem: str | None = None  # a sidecar that could not be read: this photo's error, not the listing's
    names: tuple[tuple[str, float, float], ...] = ()  # a person's wound names: (name, x, y) inside it
    closed: tuple[str, ...] = ()  # wounds a person confirmed closed in this photo
    split: tuple[tuple[str, str], ...] = ()  # wounds a person split in two in this photo: (kept, new) names

    @property
    def hinted(self) -> bool:
        return self.box is not None or bool(self.points) or bool(self.background_points)

    def options_for(self, options: MeasureOptions) -> MeasureOptions:
        """The shared options with this photo's own scale, hints and outline applied."""
        if self.px_per_mm:
            options = options.with_scale(self.px_per_mm)
        if self.hinted:
            options = options.with_hints(box=self.box, points=self.points, background_points=self.background_points)
        if self.names:
            options = replace(options, names=self.names)
        if self.roi or self.mask:
            options = options.with_outline(roi=self.roi, mask=None if self.roi else self.mask)
        return options

    def with_sidecars(self) -> "PhotoSpec":
        """Use ``<stem>.roi`` or ``<stem>.mask.png`` beside the photo (the newer, when both are there)
        when no outline was given, and ``<stem>.hints.json`` when no hints were. A correction the review
        page made (its hints file says so) wins over the listing's outline and hints, which the page
        started from, unless an ImageJ ROI saved after it is there."""
        spec = self
        notes = wounds_path(self.image)
        if notes.is_file():
            try:
                spec = replace(spec, **read_wound_notes(notes))
            except InputError as exc:
                spec = replace(spec, problem=str(exc))
        hints = hints_path(self.image)
        page = written_by_review(self.image)
        if (page or not self.hinted) and hints.is_file():
            try:
                spec = replace(spec, **read_hints(hints))
            except InputError as exc:
                spec = replace(spec, problem=str(exc))
        rois = [p for p in (self.image.with_suffix(".roi"), self.image.with_suffix(".zip")) if p.is_file()]
        if page:
            newer = [p for p in rois if p.stat().st_mtime_ns > hints.stat().st_mtime_ns]
            if newer:  # corrected in ImageJ after the page
                return replace(spec, roi=max(newer, key=lambda p: p.stat().st_mtime_ns), mask=None)
            own = mask_path(self.image)
            return replace(spec, mask=own if own.is_file() else None, roi=None)
        if self.mask or self.roi:
            return spec
        found = rois + [p for p in (mask_path(self.image),) if p.is_file()]  # an ImageJ ROI or RoiSet, a mask
        if not found:
            return spec
        newest = max(found, key=lambda p: p.stat().st_mtime_ns)  # the latest correction wins (ImageJ or review)
        return replace(spec, roi=newest) if newest.suffix in (".roi", ".zip") else replace(spec, mask=newest)


def mask_path(image) -> Path:
    """Where a corrected outline of a photo is kept: ``<stem>.mask.png`` beside it."""
    image = Path(image)
    return image.with_name(image.stem + ".mask.png")


def hints_path(image) -> Path:
    """Where the clicks and box that steer a photo's outline are kept: ``<stem>.hints.json`` beside it."""
    image = Path(image)
    return image.with_name(image.stem + ".hints.json")


def wounds_path(image) -> Path:
    """Where a person's decisions about a photo's wounds are kept: ``<stem>.wounds.json`` beside it
    (``{"names": [{"name": "A", "at": [x, y]}], "closed": ["B"], "split": [["A", "C"]]}``, as the review
    page writes it): the wound under each point has that name, the wounds listed are confirmed closed,
    and each pair was one outline a person split in two (later photos split it again while the parts touch)."""
    image = Path(image)
    return image.with_name(image.stem + ".wounds.json")


NO_NOTES = {"names": (), "closed": (), "split": ()}  # a photo without a ``.wounds.json``


def read_wound_notes(path) -> dict:
    """A ``.wounds.json`` sidecar as ``names`` ((name, x, y), ...), ``closed`` (names) and ``split``
    ((kept, new) name pairs: a wound a person split in two, whose parts touch).

    Raises
    ------
    InputError
        If the file is not such JSON.
    """
    def parse(data):
        names = MeasureOptions(names=[(n["name"], *n["at"]) for n in data.get("names") or ()]).names
        split = tuple((str(a), str(b)) for a, b in data.get("split") or ())
        return {"names": names, "closed": tuple(str(c) for c in data.get("closed") or ()), "split": split}

    return _read_sidecar(path, "wound notes", '{"names": [{"name": "A", "at": [x, y]}], "closed": ["B"]}', parse)


def _read_sidecar(path, what: str, expected: str, parse) -> dict:
    """A JSON sidecar through ``parse`` (checked by MeasureOptions); any fault is one InputError naming it."""
    import json

    path = Path(path)
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError, AttributeError, InputError) as exc:
        raise InputError(f"{what} {path}: not a {what} file ({exc}); expected {expected}") from None


def write_wound_notes(path, *, names=(), closed=(), split=()) -> None:
    """Write a ``.wounds.json`` sidecar (what :func:`read_wound_notes` reads)."""
    import json

    data = {"names": [{"name": n, "at": [x, y]} for n, x, y in names], "closed": sorted(set(closed))}
    if split:
        data["split"] = [list(pair) for pair in dict.fromkeys(tuple(p) for p in split)]
    Path(path).write_text(json.dumps(data, indent=1), encoding="utf-8")


def read_hints(path) -> dict:
    """A ``.hints.json`` sidecar as ``box``, ``points``, ``background_points`` (pixels).

    Raises
    ------
    InputError
        If the file is not such JSON.
    """
    def parse(data):
        hints = MeasureOptions(box=data.get("box") or None, points=data.get("points") or (),
                               background_points=data.get("background_points") or ())
        return {"box": hints.box, "points": hints.points, "background_points": hints.background_points}

    return _read_sidecar(path, "hints", '{"box": [x, y, w, h], "points": [[x, y]], "background_points": [[x, y]]}',
                         parse)


REVIEW_MARK = "woundmeasure review"  # in a hints sidecar: the page also wrote the mask beside it


def write_hints(path, *, box=None, points=(), background_points=(), written_by: str | None = None) -> None:
    """Write a ``.hints.json`` sidecar (what :func:`read_hints` reads); ``written_by`` marks who wrote it."""
    import json

    data = {"box": list(box) if box else None, "points": [list(p) for p in points],
            "background_points": [list(p) for p in background_points]}
    if written_by:
        data["written_by"] = written_by
    Path(path).write_text(json.dumps(data, indent=1), encoding="utf-8")


def written_by_review(image) -> bool:
    """Whether the photo's mask sidecar is a correction made on the review page."""
    import json

    try:
        return json.loads(hints_path(image).read_text(encoding="utf-8")).get("written_by") == REVIEW_MARK
    except (OSError, ValueError, AttributeError):
        return False


def _parse_box(text: str, where: str) -> tuple[float, float, float, float] | None:
    """A manifest's ``X,Y,W,H`` box (W and H > 0), or None for an empty cell."""
    if not text:
        return None
    (box,) = _parse_points(text, where, "box", 4) or ((),)
    if box[2] <= 0 or box[3] <= 0:
        raise InputError(f"{where}: box {text!r} must have W and H > 0")
    return box


def _parse_points(text: str, where: str, column: str, size: int) -> tuple:
    """``X,Y;X,Y`` (or ``X,Y,W,H`` for a box, ``size`` 4) as tuples of floats."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            values = tuple(float(v) for v in part.split(","))
        except ValueError:
            values = ()
        if len(values) != size:
            raise InputError(f"{where}: {column} {text!r} must be {'X,Y,W,H' if size == 4 else 'X,Y;X,Y;...'} "
                             "in pixels")
        out.append(values)
    return tuple(out)


def dates_in_name(name: str) -> list[dt.date]:
    """The distinct ISO dates (YYYY-MM-DD) in a file name, in order, or else those a phone camera
    writes into its names (IMG_20240305_101112.jpg), or else day-first dates with dots (18.06.2024)."""
    for pattern, ymd in ((_ISO_DATE, (1, 2, 3)), (_CAMERA_DATE, (1, 2, 3)), (_DOTTED_DATE, (3, 2, 1))):
        found = []
        for m in pattern.finditer(name):
            try:
                day = dt.date(*(int(m[i]) for i in ymd))
            except ValueError:
                continue
            if day not in found:
                found.append(day)
        if found:
            return found
    return []


def date_from_name(name: str) -> dt.date | None:
    """The visit date a file name gives: its latest date (:func:`dates_in_name`; another date in a name,
    such as a birth date, is earlier than the visit), or None."""
    return max(dates_in_name(name), default=None)


def given_date(spec: PhotoSpec) -> dt.date | None:
    """The date a person gave a photo: in the manifest, else in the file name."""
    return spec.date or date_from_name(spec.image.name)


def visit_date(spec: PhotoSpec) -> dt.date | None:
    """A photo's visit date: the one given (:func:`given_date`), else the camera's capture date (EXIF)."""
    from woundmeasure.io import read_capture_date

    given = given_date(spec)
    if given:
        return given
    captured = read_capture_date(spec.image)
    return captured.date() if captured else None


def date_warning(date: dt.date | None, captured: str | None, name: str = "") -> str | None:
    """A warning where a visit's date may be wrong: more than ``DATE_SLACK_DAYS`` from the camera's
    capture date (``captured``, ISO), not the date in the photo's file ``name`` (a manifest's date
    with day and month swapped), or chosen among several dates in the name. The given date is
    used (a person gave it; a camera's clock may be wrong), but a date off by weeks shifts every
    day count and the 4-week PAR."""
    if date is None:
        return None
    said = []
    named = dates_in_name(name)
    listed = ", ".join(d.isoformat() for d in named)
    if named and date not in named and any(abs((d - date).days) <= 366 for d in named):  # not a birth date
        said.append(f"the visit's date ({date.isoformat()}) is not the date in its file name ({listed}): "
                    "check the date in the manifest")
    elif len(named) > 1:
        said.append(f"the file name holds {len(named)} dates ({listed}): the visit is dated {date.isoformat()}; "
                    "check it")
    if captured:
        shot = dt.datetime.fromisoformat(captured).date()
        days = abs((date - shot).days)
        if days > DATE_SLACK_DAYS:
            said.append(f"the visit's date ({date.isoformat()}) is {days} days from the camera's capture date "
                        f"({shot.isoformat()}): check the date in the file name or manifest")
    return "; ".join(said) or None


def no_date_error(image) -> str:
    """The error of a photo with no date: what is wrong with the date it seems to have, and where to put one."""
    name = Path(image).name
    iso, camera = _ISO_DATE.search(name), _CAMERA_DATE.search(name)
    looks = iso[0] if iso else "".join(camera.groups()) if camera else None
    said = f"{looks} in its name is not a date" if looks else "no date"
    return (f"{image}: {said}: put an ISO date (YYYY-MM-DD) in the file name, a date column in the manifest, "
            "or keep the photo's EXIF date")


def is_photo(path: Path) -> bool:
    name = path.name.lower()
    return path.suffix.lower() in IMAGE_SUFFIXES and not name.endswith(".mask.png") and not name.startswith(".")


def wound_sidecars(image) -> dict[str, dict]:
    """Per-wound sidecars of a photo that shows several wounds: ``<stem>.<wound>.mask.png``,
    ``<stem>.<wound>.roi`` and ``<stem>.<wound>.hints.json``, as ``{wound: {"mask"|"roi"|"hints": path}}``."""
    image = Path(image)
    found: dict[str, dict] = {}
    for path in image.parent.glob(f"{glob.escape(image.stem)}.*"):
        rest = path.name[len(image.stem) + 1:]
        for suffix, kind in ((".mask.png", "mask"), (".roi", "roi"), (".hints.json", "hints")):
            wound = rest[: -len(suffix)] if rest.endswith(suffix) else ""
            if any(image.with_name(f"{image.stem}.{wound}{ext}").exists() for ext in IMAGE_SUFFIXES):
                continue  # the sidecar of another photo, "<stem>.<wound>.jpg": not a wound of this one
            if wound and "." not in wound and wound != "before-review":
                found.setdefault(wound, {})[kind] = path
    return found


def _two_tone(path: Path) -> bool:
    """Whether an image file has at most two colours (a mask), read without keeping its pixels."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.convert("L").getcolors(maxcolors=2) is not None
    except Exception:  # noqa: BLE001 - unreadable: a photo whose reading names the fault
        return False


def masks_beside_photos(files) -> list[Path]:
    """Black-and-white images named as another image of their folder (``x.png`` beside ``x.jpg``): the
    outlines ``measure --mask-out`` writes, not photos of a visit."""
    files = [Path(p) for p in files]
    stems = Counter((p.parent, p.stem.lower()) for p in files)
    return [p for p in files if stems[p.parent, p.stem.lower()] > 1 and _two_tone(p)]


def skipped_masks(folder, *, recursive: bool = False) -> list[Path]:
    """The masks beside photos that :func:`folder_photos` leaves out of a folder (none for a manifest)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return masks_beside_photos(sorted(p for p in folder.glob("**/*" if recursive else "*")
                                      if p.is_file() and is_photo(p)))


def folder_photos(folder: Path, *, recursive: bool = False) -> list[PhotoSpec]:
    """Photos of a folder (sorted by name), dated from their names where possible; a photo with
    per-wound sidecars (:func:`wound_sidecars`) is listed once per wound; masks beside their photos
    (:func:`masks_beside_photos`) are not photos."""
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in Path(folder).glob(pattern) if p.is_file() and is_photo(p))
    masks = set(masks_beside_photos(files))
    return [spec for p in files if p not in masks for spec in photo_with_sidecars(p)]


def photo_subfolders(folder) -> list[tuple[Path, int]]:
    """The subfolders of ``folder`` that hold photos, each with how many: a series is one folder, and
    ``track`` does not look into them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    out = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        count = sum(1 for p in sub.rglob("*") if p.is_file() and is_photo(p))
        if count:
            out.append((sub, count))
    return out


SIDECAR_SUFFIXES = (".roi", ".zip", ".mask.png", ".hints.json", ".wounds.json")


def orphan_sidecars(folder) -> list[Path]:
    """Outline, click and name files in ``folder`` that belong to no photo there (``<stem>...`` of no
    photo's stem): a photo renamed (to correct its date) and its corrections left under the old name."""
    import zipfile

    folder = Path(folder)
    if not folder.is_dir():
        return []
    stems = {p.stem.lower() for p in folder.iterdir() if p.is_file() and is_photo(p)}

    def sidecar(p):  # not a hidden file (macOS's ._name), and a .zip only if it holds ImageJ ROIs
        if p.name.startswith(".") or not p.name.lower().endswith(SIDECAR_SUFFIXES):
            return False
        if p.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(p) as z:
                    return any(n.lower().endswith(".roi") for n in z.namelist())
            except (zipfile.BadZipFile, OSError):
                return False
        return True

    return sorted(p for p in folder.iterdir() if p.is_file() and sidecar(p)
                  and not any(p.name.lower().startswith(f"{stem}.") for stem in stems))


def photo_with_sidecars(p: Path) -> list[PhotoSpec]:
    """One photo as a folder lists it: dated from its name where possible, with its sidecars; once per
    wound when it has per-wound sidecars (:func:`wound_sidecars`)."""
    wounds = wound_sidecars(p)
    if not wounds:
        return [PhotoSpec(p, date_from_name(p.name)).with_sidecars()]
    specs = []
    for wound, files_ in sorted(wounds.items()):
        spec = PhotoSpec(p, date_from_name(p.name), wound=wound, mask=files_.get("mask"), roi=files_.get("roi"))
        if "hints" in files_:
            try:
                spec = replace(spec, **read_hints(files_["hints"]))
            except InputError as exc:
                spec = replace(spec, problem=str(exc))
        specs.append(spec)
    return specs


def _parse_date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{where}: date {text!r} is not an ISO date (YYYY-MM-DD)") from None


MANIFEST_COLUMNS = ("image", "date", "wound", "px_per_mm", "mask", "roi", "note", "box", "points",
                    "background_points")


def _misspelt(fields: list[str], path: Path) -> None:
    """Refuse a column that is nearly one of the manifest's own (``point`` for ``points``): it would be
    left unread without a word. Other columns (a clinic's own notes) are left alone."""
    import difflib

    for name in fields:
        if name not in MANIFEST_COLUMNS:
            near = difflib.get_close_matches(name, MANIFEST_COLUMNS, n=1, cutoff=0.8)
            if near:
                raise InputError(f"manifest {path}: has a column {name!r}; did you mean {near[0]!r}? "
                                 f"(the columns read are {', '.join(MANIFEST_COLUMNS)})")


def _manifest_row(row: dict, base: Path, where: str) -> PhotoSpec:
    """One manifest row (keys lower case, values stripped) as a photo to measure."""
    scale = None
    if row.get("px_per_mm"):
        try:
            scale = float(row["px_per_mm"])
        except ValueError:
            raise InputError(f"{where}: px_per_mm {row['px_per_mm']!r} is not a number") from None
        if not scale > 0 or scale == float("inf"):
            raise InputError(f"{where}: px_per_mm {row['px_per_mm']!r} must be a positive number")
    outline = [k for k in ("mask", "roi") if row.get(k)]
    if len(outline) == 2:
        raise InputError(f"{where}: gives both a mask and an ROI; keep one, the outline to measure")
    steering = [k for k in ("box", "points", "background_points") if row.get(k)]
    if outline and steering:
        raise InputError(f"{where}: gives a {outline[0]} (the outline) and {steering[0]}, which steers the model's "
                         f"outline; leave one out")
    return PhotoSpec(
        image=base / row["image"], date=_parse_date(row["date"], where) if row.get("date") else None,
        wound=row.get("wound") or "wound", px_per_mm=scale,
        mask=base / row["mask"] if row.get("mask") else None,
        roi=base / row["roi"] if row.get("roi") else None, note=row.get("note", ""),
        box=_parse_box(row.get("box", ""), where),
        points=_parse_points(row.get("points", ""), where, "points", 2),
        background_points=_parse_points(row.get("background_points", ""), where, "background_points", 2))


def _date_if_valid(row: dict, where: str) -> dt.date | None:
    """A failed row's date where it is a good one: its error stays in the table at its place in time."""
    try:
        return _parse_date(row["date"], where) if row.get("date") else None
    except InputError:
        return None


def read_manifest(path: Path) -> list[PhotoSpec]:
    """Read a CSV manifest (see the module notes). A row with a bad date, scale or hint is its
    photo's error (:attr:`PhotoSpec.problem`): the other rows are measured.

    Raises
    ------
    InputError
        If the file cannot be read as CSV, has no ``image`` or ``date`` column, or a row has no
        image or more fields than the header.
    """
    path = Path(path)
    base = path.parent
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise InputError(f"manifest {path}: cannot be read as CSV ({exc})") from None
    try:  # UTF-8 (with or without a byte-order mark), else Windows' Western code page, as Excel saves "CSV"
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw_bytes.decode("cp1252", errors="replace")
    header = text.split("\n", 1)[0]
    # a spreadsheet's export in a comma-decimal locale (German, French, ...): columns by ';', 7,5 for 7.5
    semicolons = ";" in header and "," not in header
    try:
        with io.StringIO(text, newline="") as f:
            reader = csv.DictReader(f, delimiter=";" if semicolons else ",")
            fields = [c.strip().lower() for c in reader.fieldnames or []]
            if "image" not in fields or "date" not in fields:
                raise InputError(f"manifest {path}: needs the columns image,date (found: {', '.join(fields) or 'none'})")
            _misspelt(fields, path)
            specs = []
            for n, raw in enumerate(reader, start=2):
                where = f"manifest {path}, line {n}"
                if None in raw:
                    raise InputError(f"{where}: has more fields than the header; quote values with commas in them "
                                     '("X,Y,W,H")')
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
                if not any(row.values()):  # cells cleared in a spreadsheet leave ",,": a blank line
                    continue
                if not row.get("image"):
                    raise InputError(f"{where}: the image column is empty")
                try:
                    if semicolons and row.get("px_per_mm"):
                        row["px_per_mm"] = row["px_per_mm"].replace(",", ".")
                    for k in ("image", "mask", "roi"):  # a path written on Windows (photos\x.jpg), relative
                        if os.sep == "/" and "\\" in row.get(k, "") and not (base / row[k]).exists():
                            row[k] = row[k].replace("\\", "/")
                    specs.append(_manifest_row(row, base, where).with_sidecars())
                except InputError as exc:  # this photo's error, not the listing's: the other rows are measured
                    specs.append(PhotoSpec(image=base / row["image"], date=_date_if_valid(row, where),
                                           wound=row.get("wound") or "wound", note=row.get("note", ""),
                                           problem=str(exc)))
    except csv.Error as exc:
        raise InputError(f"manifest {path}: cannot be read as CSV ({exc})") from None
    return specs


def batch_specs(source) -> list[PhotoSpec]:
    """What a batch measures: the photos of a folder (searched recursively) or of a manifest, one photo, or a list
    of photo paths (each as a folder would list it, with its sidecars) or :class:`PhotoSpec`; an error
    when there is none."""
    if isinstance(source, (str, Path)):
        src = Path(source)
        if not src.exists():
            raise InputError(f"{src}: no such folder or manifest; check the path")
        specs = folder_photos(src, recursive=True) if src.is_dir() else \
            photo_with_sidecars(src) if is_photo(src) else photo_specs(src)
        if not specs:
            raise InputError(f"{src}: {NO_PHOTOS}")
        return specs
    specs = [s for item in source for s in ([item] if isinstance(item, PhotoSpec) else photo_with_sidecars(Path(item)))]
    if not specs:
        raise InputError("the list of photos to measure is empty")
    return specs


def photo_specs(source) -> list[PhotoSpec]:
    """Photos from a folder or a ``.csv`` manifest."""
    source = Path(source)
    if source.is_dir():
        return folder_photos(source)
    if source.suffix.lower() == ".csv":
        return read_manifest(source)
    raise InputError(f"{source}: give a folder of photos or a .csv manifest (a manifest's name ends in .csv)")
