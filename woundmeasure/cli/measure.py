"""``woundmeasure measure IMAGE...``: measure each photo, print a table or JSON."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click

from woundmeasure.cli.options import build_options, measure_options, one_photos_hints


def format_table(rows: list[dict]) -> str:
    """A readable fixed-width table of results (errors on their own lines)."""
    head = f"{'image':<28} {'area mm2':>10} {'95% interval':>15} {'area cm2':>9} {'perim mm':>9} {'length mm':>9} " \
           f"{'width mm':>9} {'px/mm':>7} {'scale':<8} {'outline':<7}"
    from woundmeasure.report import fmt_range
    from woundmeasure.wounds import wound_label

    def interval(r):
        return fmt_range(r.get("area_mm2_low"), r.get("area_mm2_high"), 1, dash="-")

    lines = [head, "-" * len(head)]
    for r in rows:
        name = Path(r["image"]).name
        name = name if len(name) <= 28 else "..." + name[-25:]
        if "error" in r:
            lines.append(f"{name:<28} ERROR: {r['error']}")
            continue
        c = r["calibration"]
        lines.append(f"{name:<28} {r['area_mm2']:>10.1f} {interval(r):>15} {r['area_cm2']:>9.3f} {r['perimeter_mm']:>9.1f} "
                     f"{r['length_mm']:>9.1f} {r['width_mm']:>9.1f} {c['px_per_mm']:>7.2f} "
                     f"{c['method'] + ('*' if c['perspective_corrected'] else ''):<8} {r['segmentation']['method']:<7}")
        if len(r.get("wounds") or ()) > 1:
            lines[-1] = lines[-1].replace(f"{name:<28}", f"{name[:21]:<21} (total)", 1)
            for w in r["wounds"]:
                label = wound_label(w)
                label = f"  wound {label}" if len(label) <= 20 else f"  wound {label[:17]}..."
                lines.append(f"{label:<28} {w['area_mm2']:>10.1f} {interval(w):>15} {w['area_cm2']:>9.3f} "
                             f"{w['perimeter_mm']:>9.1f} "
                             f"{w['length_mm']:>9.1f} {w['width_mm']:>9.1f}")
        for w in r["warnings"]:
            lines.append(f"{'':<28}   warning: {w}")
    if any("error" not in r and r["calibration"]["perspective_corrected"] for r in rows):
        lines.append("* perspective corrected: measured on the rectified wound plane")
    if any("error" not in r for r in rows):
        lines.append("95% interval: where the true area lies, from the outline's uncertainty and the scale's")
    return "\n".join(lines)


@click.command()
@click.argument("images", nargs=-1, required=True)
@measure_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per image, in input order.")
@click.option("--mask-out", type=click.Path(file_okay=False), help="Write DIR/<stem>.png wound masks (0/255); photos from several folders keep them below DIR.")
@click.option("--roi-out", type=click.Path(file_okay=False),
              help="Write DIR/<stem>.roi ImageJ outlines (DIR/<stem>.zip, a RoiSet of one named ROI per wound, where a "
                   "photo shows several); photos from several folders keep them below DIR.")
@click.option("--overlay-out", type=click.Path(file_okay=False), help="Write DIR/<stem>.jpg annotated photos.")
@click.option("--strict", is_flag=True, help="Refuse a photo that fails a quality check (blur, glare, exposure, "
                                             "tilt): it is an error, not a number.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def measure(images, as_json, mask_out, roi_out, overlay_out, strict, debug, **params):
    """Measure the wound in each IMAGE (area mm2/cm2, perimeter, length, width).

    Exit status: 0 when every image was measured, 1 when any failed, 2 for usage errors.
    """
    from woundmeasure.options import Outputs
    from woundmeasure.pipeline import measure_spec
    from woundmeasure.sources import PhotoSpec

    one_photos_hints(params, len(images))
    options = build_options(params)
    if options.calibration == "manual" and options.px_per_mm is None and options.ruler is None:
        raise click.UsageError("--calibration manual needs a scale: --px-per-mm, or --ruler X1,Y1,X2,Y2,MM")
    outputs = Outputs(*(Path(d) if d else None for d in (mask_out, roi_out, overlay_out))).below(images)
    rows = []
    for image in images:
        outcome = measure_spec(PhotoSpec(Path(image)), options, outputs=outputs, strict=strict)
        if debug and outcome.exception is not None:
            traceback.print_exception(outcome.exception)
        row = outcome.row()
        del row["wound"], row["params_key"]  # a series' fields; one photo has none
        rows.append({**row, "image": image})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(format_table(rows))
    failed = [r for r in rows if "error" in r]
    for r in failed:
        click.echo(f"error: {r['error']}", err=True)
    sys.exit(1 if failed else 0)
