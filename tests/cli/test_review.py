import logging

from click.testing import CliRunner

from tests.helpers import fresh
from woundmeasure.cli.main import cli


def test_review_prints_its_tokened_address_once_and_logs_no_request(series_dir, tmp_path, monkeypatch):
    import werkzeug.serving

    served = []

    class Server:  # stands in for Werkzeug's: records the app, stops at once as Ctrl+C would
        server_port = 5999

        def __init__(self, host, port, app, threaded):
            served.append((host, app))

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            served.append("closed")

    monkeypatch.setattr(werkzeug.serving, "make_server", Server)
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    d = fresh(series_dir, tmp_path)
    r = CliRunner().invoke(cli, ["review", str(d), "--no-browser", "--db", str(tmp_path / "r.db")])
    assert r.exit_code == 0, r.output
    assert served[0][0] == "127.0.0.1" and served[-1] == "closed"
    assert r.stdout.count("?token=") == 1 and "http://127.0.0.1:5999/?token=" in r.stdout
    assert logging.getLogger("werkzeug").getEffectiveLevel() >= logging.WARNING  # a request's line would carry it
