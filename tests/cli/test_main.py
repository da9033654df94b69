import subprocess
import sys


def test_the_command_line_starts_without_numpy():
    """What lets ``woundmeasure batch`` fork its workers before any thread pool exists."""
    code = ("import sys; from woundmeasure.cli.main import cli; import woundmeasure.batch, woundmeasure.sources; "
            "print(sorted(m for m in ('numpy', 'cv2', 'onnxruntime') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stderr


def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path):
    from click.testing import CliRunner

    from woundmeasure.cli.main import cli
    from woundmeasure.io import write_rgb
    from woundmeasure.synthetic import make_phantom

    src = tmp_path / "in"
    src.mkdir()
    write_rgb(src / "2024-01-08.jpg", make_phantom(40, width=640, height=480, marker=False).rgb)
    (tmp_path / "afile").write_text("")
    for args in (["batch", str(src), "--out", str(tmp_path / "afile" / "sub"), "--px-per-mm", "6", "--workers", "1"],
                 ["track", str(src), "--db", str(tmp_path / "afile" / "x.db"), "--px-per-mm", "6"]):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 1 and "Traceback" not in r.output, r.output
        assert "afile" in r.output and "choose a path" in r.output
    db = tmp_path / "w.db"
    assert CliRunner().invoke(cli, ["track", str(src), "--db", str(db), "--px-per-mm", "6"]).exit_code == 0
    r = CliRunner().invoke(cli, ["export", "--db", str(db), "--out", str(tmp_path / "exports" / "visits.csv")])
    assert r.exit_code == 0 and (tmp_path / "exports" / "visits.csv").read_text().startswith("\ufeffPatient,")
    # a byte-order mark: Excel reads the file as UTF-8 (names such as Müller), and so does utf-8-sig
    import csv

    with open(tmp_path / "exports" / "visits.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and "Warnings" in rows[0] and rows[0]["Patient"]
