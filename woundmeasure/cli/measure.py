"""``woundmeasure measure IMAGE...``: measure each photo, print a table or JSON."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click

from woundmeasure.cli.options import measure_options, pipeline_kwargs


def write_outputs(result, rgb, *, mask_out, roi_out, overlay_out) -> None:
    """Write the mask, ROI and overlay files asked for."""
    from woundmeasure.io import write_mask, write_rgb

    stem = Path(result.image).stem
    if mask_out:
        write_mask(Path(mask_out) / f"{stem}.png", result.mask)
    if roi_out and result.mask.any():
        from woundmeasure.roi import write_roi

        write_roi(Path(roi_out) / f"{stem}.roi", result.mask, name=stem)
    if overlay_out:
        from woundmeasure.report.overlay import draw_overlay

        write_rgb(Path(overlay_out) / f"{stem}.jpg", draw_overlay(rgb, result))


def measure_one(image: str, kwargs: dict, *, mask_out=None, roi_out=None, overlay_out=None,
                debug: bool = False) -> dict:
    """Measure one photo and write its outputs; a failure becomes ``{"image", "error"}``."""
    from woundmeasure.errors import WoundMeasureError
    from woundmeasure.pipeline import measure_file

    try:
        photo, result = measure_file(image, **kwargs)
        write_outputs(result, photo.rgb, mask_out=mask_out, roi_out=roi_out, overlay_out=overlay_out)
        return result.to_dict()
    except WoundMeasureError as exc:
        if debug:
            traceback.print_exc()
        return {"image": image, "error": str(exc)}
    except OSError as exc:
        if debug:
            traceback.print_exc()
        return {"image": image, "error": f"{image}: {exc}"}


def format_table(rows: list[dict]) -> str:
    """A readable fixed-width table of results (errors on their own lines)."""
    head = f"{'image':<28} {'area mm2':>10} {'area cm2':>9} {'perim mm':>9} {'length mm':>9} {'width mm':>9} " \
           f"{'px/mm':>7} {'scale':<8} {'outline':<7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        name = Path(r["image"]).name
        name = name if len(name) <= 28 else "..." + name[-25:]
        if "error" in r:
            lines.append(f"{name:<28} ERROR: {r['error']}")
            continue
        c = r["calibration"]
        lines.append(f"{name:<28} {r['area_mm2']:>10.1f} {r['area_cm2']:>9.3f} {r['perimeter_mm']:>9.1f} "
                     f"{r['length_mm']:>9.1f} {r['width_mm']:>9.1f} {c['px_per_mm']:>7.2f} "
                     f"{c['method'] + ('*' if c['perspective_corrected'] else ''):<8} {r['segmentation']['method']:<7}")
        for w in r["warnings"]:
            lines.append(f"{'':<28}   warning: {w}")
    if any("error" not in r and r["calibration"]["perspective_corrected"] for r in rows):
        lines.append("* perspective corrected: measured on the rectified wound plane")
    return "\n".join(lines)


@click.command()
@click.argument("images", nargs=-1, required=True)
@measure_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per image, in input order.")
@click.option("--mask-out", type=click.Path(file_okay=False), help="Write DIR/<stem>.png wound masks (0/255).")
@click.option("--roi-out", type=click.Path(file_okay=False), help="Write DIR/<stem>.roi ImageJ outlines.")
@click.option("--overlay-out", type=click.Path(file_okay=False), help="Write DIR/<stem>.jpg annotated photos.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def measure(images, as_json, mask_out, roi_out, overlay_out, debug, **params):
    """Measure the wound in each IMAGE (area mm2/cm2, perimeter, length, width).

    Exit status: 0 when every image was measured, 1 when any failed, 2 for usage errors.
    """
    kwargs = pipeline_kwargs(params)
    rows = [measure_one(img, kwargs, mask_out=mask_out, roi_out=roi_out, overlay_out=overlay_out, debug=debug)
            for img in images]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(format_table(rows))
    failed = [r for r in rows if "error" in r]
    for r in failed:
        click.echo(f"error: {r['error']}", err=True)
    sys.exit(1 if failed else 0)
