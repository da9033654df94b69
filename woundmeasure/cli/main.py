"""Entry point: ``woundmeasure COMMAND``."""

from __future__ import annotations

import errno
import logging

import click

from woundmeasure import __version__


PATH_ERRORS = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM, errno.EEXIST, errno.EROFS}


class _Commands(click.Group):
    """The commands, with an output path that cannot be written (a folder where a file is, a file
    where a folder must be, no permission) said in one line, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            hint = ": choose a path that can be written (a folder that can be made, not below a file)" \
                if exc.errno in PATH_ERRORS else ""  # not for a full disk or a failing drive
            raise click.ClickException(f"{where}{exc.strerror or exc}{hint}") from None


@click.group(cls=_Commands)
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
