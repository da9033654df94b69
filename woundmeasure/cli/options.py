"""Options shared by the commands, with units in their help."""

from __future__ import annotations

import math

import click


def _positive_float(ctx, param, value):
    if value is None:
        return None
    if not math.isfinite(value) or value <= 0:
        what = {"marker_mm": "the marker's side in mm", "wound_gap_mm": "a distance in mm"}.get(param.name,
                                                                                                "pixels per millimetre")
        raise click.BadParameter(f"{value} is not positive; give {what} > 0")
    return value


HINTS = ("box", "points", "background_points")
HINT_FLAGS = {"box": "--box", "points": "--point", "background_points": "--background-point"}


threshold_option = click.option(
    "--threshold", type=click.FloatRange(1, 100), default=50.0, show_default=True,
    help="4-week PAR threshold in % (50 for diabetic foot ulcers, 40 for venous leg ulcers).")


def one_photos_hints(params: dict, photos: int) -> None:
    """Refuse clicks and a box where they would land at the same pixels of several photos, or beside a
    given outline, which they cannot steer."""
    given = [HINT_FLAGS[k] for k in HINTS if params[k]]
    if not given:
        return
    if photos > 1:
        raise click.UsageError(f"{given[0]} is a place in one photo; give one photo, or put <stem>.hints.json beside "
                               "each photo (the review page writes them)")
    outline = next((f"--{k}" for k in ("mask", "roi") if params[k]), None)
    if outline:
        raise click.UsageError(f"{given[0]} steers the model's outline; with {outline} the outline is given: "
                               "leave one out")


def _ruler(ctx, param, value):
    if value is None:
        return None
    from woundmeasure.errors import WoundMeasureError
    from woundmeasure.pipeline import parse_ruler

    try:
        values = parse_ruler(value)
    except WoundMeasureError as exc:
        raise click.BadParameter(str(exc)) from None
    x1, y1, x2, y2, mm = values
    if not all(math.isfinite(v) for v in values):
        raise click.BadParameter(f"{value!r}: all five numbers must be finite")
    if mm <= 0:
        raise click.BadParameter(f"{value!r}: the distance MM must be > 0")
    if (x1, y1) == (x2, y2):
        raise click.BadParameter(f"{value!r}: the two points coincide")
    return values


def _box(ctx, param, value):
    if value is None:
        return None
    try:
        x, y, w, h = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r} must be X,Y,W,H in pixels (x = column, y = row)") from None
    if w <= 0 or h <= 0:
        raise click.BadParameter(f"{value!r}: width and height must be > 0")
    return (x, y, w, h)


def _points(ctx, param, value):
    out = []
    for v in value or ():
        try:
            x, y = (float(p) for p in v.split(","))
        except ValueError:
            raise click.BadParameter(f"{v!r} must be X,Y in pixels (x = column, y = row)") from None
        out.append((x, y))
    return tuple(out)


def measure_options(f=None, *, series: bool = False):
    """Decorate a command with the options that control one photo's measurement.

    ``series``: a many-photo command, whose outlines and clicks come from sidecars and the
    manifest: the one photo's options (--mask, --roi, --box, --point, --background-point) are
    left out of its help, and given anyway they say where to put them (:func:`series_options`)."""
    if f is None:
        return lambda g: measure_options(g, series=series)
    one = {"hidden": series}
    opts = [
        click.option("--px-per-mm", type=float, callback=_positive_float,
                     help="Manual scale: pixels per millimetre (overrides detection)."),
        click.option("--ruler", metavar="X1,Y1,X2,Y2,MM", callback=_ruler,
                     help="Manual scale from two points on a ruler (pixels, x = column, y = row) and their "
                          "distance in mm, as ImageJ's Set Scale."),
        click.option("--calibration", "calibration_method", default="auto", show_default=True,
                     type=click.Choice(["auto", "marker", "ruler", "manual"]),
                     help="Which scale reference to use."),
        click.option("--marker-mm", type=float, default=20.0, show_default=True, callback=_positive_float,
                     help="Side of the ArUco marker's black square, in mm."),
        click.option("--mask", **one, type=click.Path(exists=True), help="Wound mask image (white = wound, photo size), "
                     "or a folder of <image stem>.png masks."),
        click.option("--roi", **one, type=click.Path(exists=True), help="ImageJ .roi or RoiSet .zip outline, "
                     "or a folder of <image stem>.roi."),
        click.option("--segmenter", default="model", show_default=True, type=click.Choice(["model", "color"]),
                     help="Segmenter when no mask/ROI is given: model (the shipped CNN) or color (classical)."),
        click.option("--box", **one, metavar="X,Y,W,H", callback=_box, help="The wound lies inside this box (pixels)."),
        click.option("--point", "points", **one, metavar="X,Y", multiple=True, callback=_points,
                     help="A click inside the wound (pixels); repeatable."),
        click.option("--background-point", "background_points", **one, metavar="X,Y", multiple=True, callback=_points,
                     help="A click on what is not wound (pixels); repeatable."),
        click.option("--wound-gap", "wound_gap_mm", type=float, default=10.0, show_default=True, callback=_positive_float,
                     help="Outline regions farther apart than this (mm, on the skin) are separate wounds."),
        click.option("--max-megapixels", type=click.FloatRange(min=0.001), default=200.0, show_default=True,
                     help="Refuse photos larger than this many megapixels."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def build_options(params: dict):
    """The :class:`~woundmeasure.options.MeasureOptions` of the parsed shared options (built once per command)."""
    from woundmeasure.errors import WoundMeasureError
    from woundmeasure.options import MeasureOptions

    try:
        return MeasureOptions(calibration=params["calibration_method"], px_per_mm=params["px_per_mm"],
                              ruler=params["ruler"], marker_mm=params["marker_mm"], segmenter=params["segmenter"],
                              box=params["box"], points=params["points"],
                              background_points=params["background_points"], mask=params["mask"], roi=params["roi"],
                              max_pixels=int(params["max_megapixels"] * 1e6), wound_gap_mm=params["wound_gap_mm"])
    except WoundMeasureError as exc:
        raise click.UsageError(str(exc)) from None


def series_options(params: dict, command: str):
    """Shared options for the many-photo commands, which take outlines and clicks from sidecars and the
    manifest, not --mask/--roi/--box/--point (one photo's)."""
    for k in ("mask", "roi"):
        if params[k]:
            raise click.UsageError(f"--{k} is an option of measure; with {command} put <stem>.roi / <stem>.mask.png "
                                   "beside each photo or use the manifest's mask/roi columns")
    for k in HINTS:
        if params[k]:
            raise click.UsageError(f"{HINT_FLAGS[k]} is a place in one photo; with {command} put <stem>.hints.json "
                                   "beside each photo or use the manifest's box/points/background_points columns")
    return build_options(params)


def warn_skipped_masks(source, *, recursive: bool = False) -> None:
    """Name the masks beside photos that a folder's listing left out (``sources.skipped_masks``)."""
    from woundmeasure.sources import skipped_masks

    for path in skipped_masks(source, recursive=recursive):
        click.echo(f"warning: {path} is a black-and-white mask named as a photo beside it, so it was not "
                   f"measured as a photo; name it {path.stem}.mask.png to use it as that photo's outline", err=True)
