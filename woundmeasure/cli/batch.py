"""``woundmeasure batch SOURCE --out DIR``: many photos, in parallel, resumable."""

from __future__ import annotations

import sys

import click

from woundmeasure.cli.options import measure_options, series_options, warn_skipped_masks


@click.command()
@click.argument("source", type=click.Path(exists=True))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Write DIR/results.csv (one row per photo), DIR/wounds.csv (one row per wound) and "
                   "DIR/results.jsonl (the record a re-run resumes from), and masks/, overlays/ when asked.")
@measure_options(series=True)
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes [default: all cores].")
@click.option("--dask", "dask_address", metavar="ADDRESS", help="Run on this Dask scheduler (needs the dask extra).")
@click.option("--masks", is_flag=True, help="Also write DIR/masks/<stem>.png (in the photos' own subfolders).")
@click.option("--overlays", is_flag=True, help="Also write DIR/overlays/<stem>.jpg (in the photos' own subfolders).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def batch(source, out_dir, workers, dask_address, masks, overlays, quiet, **params):
    """Measure every photo of SOURCE (a folder, searched recursively, or a CSV manifest).

    A re-run skips photos already measured with the same content and parameters; a
    failed photo is a row with its error and the batch goes on. Exit status 1 when any
    photo failed.
    """
    from pathlib import Path

    from woundmeasure.batch import run_batch
    from woundmeasure.errors import WoundMeasureError
    from woundmeasure.sources import batch_specs

    options = series_options(params, "batch")
    try:
        specs = batch_specs(Path(source))
    except WoundMeasureError as exc:
        raise click.ClickException(str(exc)) from None
    warn_skipped_masks(source, recursive=True)
    if dask_address:
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise click.ClickException("--dask needs dask.distributed: pip install -e \".[dask]\" from the clone") from None
    counts = run_batch(specs, out_dir, options=options, workers=workers, dask_address=dask_address, masks=masks,
                       overlays=overlays, progress=not quiet)
    for error in counts["errors"]:
        click.echo(error, err=True)
    click.echo(f"{counts['measured'] - counts['failed']} measured, {counts['failed']} failed, {counts['skipped']} already done; "
               f"results in {Path(out_dir) / 'results.csv'}", err=True)
    sys.exit(1 if counts["failed"] else 0)
