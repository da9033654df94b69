from tests.helpers import run_track as run


def test_a_series_with_no_measured_visit_says_n_a_without_units(tmp_path):
    (tmp_path / "m.csv").write_text("image,date\nmissing.jpg,2024-01-01\n")
    r = run(tmp_path / "m.csv", "--db", tmp_path / "m.db")
    assert r.exit_code == 1 and "FAILED" in r.stdout and "missing.jpg" in r.stdout
    assert "PAR at latest visit: n/a (" in r.stdout and "PAR at 4 weeks: n/a (threshold 50%: n/a)" in r.stdout
    assert "healing rate n/a; Gilman n/a; ln(At/A0) n/a; k n/a" in r.stdout
    assert "n/a%" not in r.stdout and "n/a cm2" not in r.stdout and "(None)" not in r.stdout
