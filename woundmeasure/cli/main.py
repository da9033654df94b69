"""Entry point: ``woundmeasure COMMAND``."""

from __future__ import annotations

import logging

import click

from woundmeasure import __version__


@click.group()
@click.version_option(__version__, prog_name="woundmeasure")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Measure wounds from photographs with a scale reference."""
    logging.basicConfig(level=logging.WARNING - 10 * verbose, format="%(levelname)s %(name)s: %(message)s")
    from woundmeasure.batch.process import keep_freed_memory

    keep_freed_memory()  # this process is ours: photo-sized arrays are reused, not faulted in afresh


def _add_commands() -> None:
    from woundmeasure.cli.batch import batch
    from woundmeasure.cli.export import export
    from woundmeasure.cli.measure import measure
    from woundmeasure.cli.review import review
    from woundmeasure.cli.track import track

    cli.add_command(measure)
    cli.add_command(track)
    cli.add_command(export)
    cli.add_command(batch)
    cli.add_command(review)


_add_commands()


def main() -> None:
    cli(prog_name="woundmeasure")


if __name__ == "__main__":
    main()
