from tests.helpers import run_track as run


def test_a_series_with_no_measured_visit_says_n_a_without_units(tmp_path):
    (tmp_path / "m.csv").write_text("image,date\nmissing.jpg,2024-01-01\n")
    r = run(tmp_path / "m.csv", "--db", tmp_path / "m.db")
    assert r.exit_code == 1 and "FAILED" in r.stdout and "missing.jpg" in r.stdout
    assert f"{tmp_path / 'missing.jpg'}: no such file; check the path" in r.stderr.splitlines()  # one line
    assert "PAR at latest visit: n/a (" in r.stdout and "PAR at 4 weeks: n/a (threshold 50%: n/a)" in r.stdout
    assert "healing rate n/a; Gilman n/a; ln(At/A0) n/a; k n/a" in r.stdout
    assert "n/a%" not in r.stdout and "n/a cm2" not in r.stdout and "(None)" not in r.stdout


def test_one_photos_outline_and_clicks_are_refused_for_a_series(series_dir, tmp_path):
    from click.testing import CliRunner

    from woundmeasure.cli.main import cli

    series_dir, _ = series_dir
    for flag, value in (("--point", "10,10"), ("--background-point", "10,10"), ("--box", "1,1,50,50"),
                        ("--mask", str(next(series_dir.glob("*.jpg"))))):
        for command in ("track", "batch"):
            extra = ["--out", str(tmp_path / "o")] if command == "batch" else ["--db", str(tmp_path / "t.db")]
            r = CliRunner().invoke(cli, [command, str(series_dir), flag, value, *extra])
            assert r.exit_code == 2 and ("an option of measure" in r.output or "a place in one photo" in r.output), r.output
            assert "hints.json" in r.output or "mask.png" in r.output
    assert not (tmp_path / "t.db").exists() and not (tmp_path / "o").exists()  # nothing measured


def test_corrections_left_behind_by_a_renamed_photo_are_warned_of(tmp_path):
    from woundmeasure.io import write_rgb
    from woundmeasure.synthetic import make_phantom

    write_rgb(tmp_path / "2024-01-09.jpg", make_phantom(67, width=640, height=480, marker=False).rgb)
    (tmp_path / "2024-01-08.hints.json").write_text('{"points": [[10, 10]]}')  # the photo's name before
    (tmp_path / "2024-01-09.A.mask.png").write_bytes(b"")  # a per-wound sidecar of the photo: its own
    (tmp_path / "._2024-01-08.roi").write_bytes(b"")  # macOS's resource file, not an outline
    (tmp_path / "photos-backup.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: no ROIs in it
    r = run(tmp_path, "--px-per-mm", 6)
    orphans = "\n".join(line for line in r.stderr.splitlines() if "belongs to no photo" in line)
    assert "2024-01-08.hints.json belongs to no photo" in orphans and "2024-01-09.A.mask.png" not in orphans
    assert "._2024-01-08.roi" not in r.stderr and "photos-backup.zip" not in r.stderr


def test_masks_written_beside_the_photos_are_not_visits_and_are_named(tmp_path):
    """``measure --mask-out`` into the photo folder writes <stem>.png: no area-0 "closure", no PAR 100%."""
    from woundmeasure.cli.main import cli
    from woundmeasure.io import write_rgb
    from woundmeasure.synthetic import make_phantom

    for day, seed in (("2024-01-08", 67), ("2024-02-07", 68)):
        write_rgb(tmp_path / f"{day}.jpg", make_phantom(seed, width=640, height=480, marker=False).rgb)
    from click.testing import CliRunner

    r = CliRunner().invoke(cli, ["measure", str(tmp_path / "2024-01-08.jpg"), str(tmp_path / "2024-02-07.jpg"),
                                 "--px-per-mm", "8", "--mask-out", str(tmp_path)])
    assert r.exit_code == 0 and (tmp_path / "2024-01-08.png").exists()
    r = run(tmp_path, "--px-per-mm", 8, "--db", tmp_path / "t.db")
    assert r.exit_code == 0 and "2024-01-08.png" not in r.stdout and "closed" not in r.stdout
    assert r.stdout.count("2024-0") >= 2 and "100.0" not in r.stdout
    assert "2024-01-08.png is a black-and-white mask" in r.stderr and "2024-01-08.mask.png" in r.stderr


def test_the_table_shows_each_visits_warnings_under_it():
    from types import SimpleNamespace

    from tests.helpers import visit
    from woundmeasure.cli.track import format_track
    from woundmeasure.tracking import analyse_series

    far = "the scale reference is far from the wound (1285 px, 57% of the photo's diagonal)"
    rows, summary = analyse_series([visit(0, 500.0), visit(28, 300.0, warnings=(far,))])
    text = format_track(SimpleNamespace(wound="A", visits=rows, summary=summary))
    assert f"warning: 2024-01-29 (28.jpg): {far}" in text.splitlines()


def test_a_threshold_out_of_range_is_a_usage_error_before_any_photo_is_measured(tmp_path):
    r = run(tmp_path, "--threshold", "0.5")
    assert r.exit_code == 2 and "0.5 is not in the range 1<=x<=100" in r.output


def test_the_summary_names_its_baseline_and_says_when_the_first_photo_failed(tmp_path):
    """A damaged first photo moved the baseline to the second visit, and only the HTML report said from which
    visit every PAR counted."""
    from woundmeasure.io import write_rgb
    from woundmeasure.synthetic import make_phantom

    (tmp_path / "2024-01-01.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    for i, day in enumerate(("2024-01-29", "2024-02-26")):
        write_rgb(tmp_path / f"{day}.jpg", make_phantom(80 + i, width=480, height=360, px_per_mm=4.0,
                                                         marker=False).rgb)
    r = run(tmp_path, "--px-per-mm", 4, "--segmenter", "color", "--db", tmp_path / "t.db")
    assert "FAILED" in r.stdout and "\nbaseline: 2024-01-29, " in r.stdout
    assert "the earliest photo, 2024-01-01" in r.stdout and "every PAR counts from 2024-01-29" in r.stdout
