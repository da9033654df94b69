"""``woundmeasure review SOURCE``: serve the review page of a series on this computer."""

from __future__ import annotations

import click

from woundmeasure.cli.options import measure_options, series_options, threshold_option, warn_skipped_masks


@click.command()
@click.argument("source", type=click.Path(exists=True))
@measure_options(series=True)
@click.option("--db", type=click.Path(dir_okay=False), help="SQLite record [default: SOURCE/woundmeasure.db].")
@click.option("--patient", help="Patient name in the record [default: the folder's name, or the manifest's without .csv].")
@threshold_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 lets other computers ask for the page.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port [default: a free one].")
@click.option("--no-browser", is_flag=True, help="Print the address but do not open a browser.")
def review(source, db, patient, threshold, host, port, no_browser, **params):
    """Review and correct a series' outlines in the browser (clicks, box, brush), offline.

    Corrections are kept beside each photo (<stem>.mask.png and <stem>.hints.json) and in
    the record, so track, export and the report show them too. Stop with Ctrl+C.
    """
    import logging
    import secrets
    import webbrowser

    from werkzeug.serving import make_server

    from woundmeasure.errors import WoundMeasureError
    from woundmeasure.review.app import create_app
    from woundmeasure.review.session import ReviewSession

    options = series_options(params, "review")
    try:
        session = ReviewSession(source, db=db, options=options, patient=patient, threshold_pct=threshold,
                                progress=lambda msg: click.echo(msg, err=True))
    except WoundMeasureError as exc:
        raise click.ClickException(str(exc)) from None
    warn_skipped_masks(source)
    if host != "127.0.0.1":
        click.echo(f"warning: listening on {host}: other computers on the network can ask for the page "
                   "(the token still guards it)", err=True)
    token = secrets.token_urlsafe(24)
    # no line per request on the terminal: the first request's address carries the token, and a log
    # kept of the terminal would keep it too (errors still show)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        server = make_server(host, port, create_app(session, token=token), threaded=True)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                                   "give another --port or --host") from None
    url = f"http://{host}:{server.server_port}/?token={token}"
    click.echo(f"review page: {url}")
    if not no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
