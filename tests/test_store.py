import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from woundmeasure.cli.main import cli
from woundmeasure.errors import InputError
from woundmeasure.io import write_rgb
from woundmeasure.store import Store
from woundmeasure.synthetic import make_phantom


def test_a_file_that_is_not_a_record_is_a_clear_error_and_stays_as_it_was(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE patients_of_another_program (x)")
    for path in (text, other):
        with pytest.raises(InputError, match=f"{path.name} is not a woundmeasure record"):
            Store(path)
    assert text.read_text() == "not a database\n"
    with sqlite3.connect(other) as db:  # no table of ours was added to another program's database
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["patients_of_another_program"]
    result = CliRunner().invoke(cli, ["export", "--db", str(text)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [result.output.strip()] and "notes.db" in result.output


def test_a_new_file_becomes_an_empty_record_and_opens_again(tmp_path):
    with Store(tmp_path / "new" / "w.db") as store:
        assert store.table() == []
    with Store(tmp_path / "new" / "w.db") as store:
        assert store.table(latest=True) == []


def test_two_patients_folders_of_one_name_are_not_one_series(tmp_path):
    """smith/foot and jones/foot tracked into one record: the second is refused until its patient is named."""
    from tests.helpers import run_track

    for who, seed in (("smith", 70), ("jones", 71)):
        d = tmp_path / who / "foot"
        d.mkdir(parents=True)
        for i, day in enumerate(("2024-01-08", "2024-02-07")):
            write_rgb(d / f"{day}.jpg", make_phantom(seed + 10 * i, width=640, height=480, marker=False).rgb)
    db = tmp_path / "clinic.db"
    assert run_track(tmp_path / "smith" / "foot", "--db", db, "--px-per-mm", 6).exit_code == 0
    r = run_track(tmp_path / "jones" / "foot", "--db", db, "--px-per-mm", 6)
    assert r.exit_code == 1 and "already holds patient 'foot'" in r.output and "--patient" in r.output
    assert run_track(tmp_path / "jones" / "foot", "--db", db, "--px-per-mm", 6, "--patient", "jones").exit_code == 0
    with Store(db) as store:
        names = {(row["name"], Path(row["image"]).parts[-3]) for row in store.table(latest=True)}
    assert names == {("foot", "smith"), ("jones", "jones")}


def test_a_photo_or_wound_no_longer_in_the_series_leaves_the_export(tmp_path):
    """Removed, renamed photos and renamed wounds: export shows what track shows; the record keeps the rest."""
    import csv
    import io

    from tests.helpers import run_track

    d = tmp_path / "series"
    d.mkdir()
    days = ("2024-01-08", "2024-02-07", "2024-03-09")
    for i, day in enumerate(days):
        write_rgb(d / f"{day}.jpg", make_phantom(80 + i, width=640, height=480, marker=False).rgb)
    db = tmp_path / "w.db"
    manifest = tmp_path / "m.csv"
    manifest.write_text("image,date,wound\n" + "".join(f"{d / (day + '.jpg')},{day},L heel\n" for day in days))
    assert run_track(manifest, "--db", db, "--px-per-mm", 6).exit_code == 0
    (d / "2024-01-08.jpg").unlink()  # the first visit removed ...
    (d / "2024-02-07.jpg").rename(d / "2024-02-08.jpg")  # ... one renamed, and the wound renamed
    manifest.write_text("image,date,wound\n" + "".join(f"{d / (day + '.jpg')},{day},left heel\n"
                                                        for day in ("2024-02-08", "2024-03-09")))
    tracked = run_track(manifest, "--db", db, "--px-per-mm", 6, "--json")
    assert tracked.exit_code == 0, tracked.output
    par = json.loads(tracked.stdout)["summary"]["par_pct"]
    out = CliRunner().invoke(cli, ["export", "--db", str(db)])
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert sorted((r["Wound"], r["Date"]) for r in rows) == [("left heel", "2024-02-08"), ("left heel", "2024-03-09")]
    assert float(rows[-1]["PAR"]) == pytest.approx(par, abs=0.01)
    with Store(db) as store:
        assert len(store.table()) >= 5  # every measurement is still in the record


def _dated_series(d, seed, days=("2024-01-08", "2024-02-07", "2024-03-09")):
    d.mkdir(parents=True)
    for i, day in enumerate(days):
        write_rgb(d / f"{day}.jpg", make_phantom(seed + i, width=640, height=480, marker=False).rgb)


def _export_rows(db):
    out = CliRunner().invoke(cli, ["export", "--db", str(db), "--format", "json"])
    return sorted((r["Patient"], r["Date"]) for r in json.loads(out.stdout))


def test_a_series_moved_or_given_another_patient_keeps_one_visit_per_photo(tmp_path):
    import shutil

    from tests.helpers import run_track

    _dated_series(tmp_path / "a" / "foot", 90)
    db = tmp_path / "w.db"
    assert run_track(tmp_path / "a" / "foot", "--db", db, "--px-per-mm", 6).exit_code == 0
    with Store(db) as store:  # a person left a visit out
        store.set_flags(store.find_visit("foot", "wound", str(tmp_path / "a" / "foot" / "2024-02-07.jpg")),
                        excluded="blurred")
    shutil.move(tmp_path / "a", tmp_path / "b")  # the folder moved: its series is taken over, not refused
    r = run_track(tmp_path / "b" / "foot", "--db", db, "--px-per-mm", 6)
    assert r.exit_code == 0, r.output
    assert "measuring" not in r.stderr  # its measurements are its own still
    with Store(db) as store:
        assert store.flags(store.find_visit("foot", "wound", str(tmp_path / "b" / "foot" / "2024-02-07.jpg")))[0] \
            == "blurred"
    days = ["2024-01-08", "2024-02-07", "2024-03-09"]
    assert _export_rows(db) == [("foot", d) for d in days]
    assert run_track(tmp_path / "b" / "foot", "--db", db, "--px-per-mm", 6, "--patient", "smith").exit_code == 0
    assert _export_rows(db) == [("smith", d) for d in days]  # the series is now under this name alone


def test_a_record_made_before_series_were_kept_is_taken_over_by_its_folder(tmp_path):
    from tests.helpers import run_track

    _dated_series(tmp_path / "foot", 95)
    db = tmp_path / "w.db"
    assert run_track(tmp_path / "foot", "--db", db, "--px-per-mm", 6).exit_code == 0
    with sqlite3.connect(db) as con:
        con.execute("UPDATE visits SET source = NULL")  # as an earlier version left it
    (tmp_path / "foot" / "2024-01-08.jpg").unlink()
    assert run_track(tmp_path / "foot", "--db", db, "--px-per-mm", 6).exit_code == 0
    assert _export_rows(db) == [("foot", "2024-02-07"), ("foot", "2024-03-09")]


def test_another_patients_series_gone_from_its_folder_is_not_taken_over_by_a_name(tmp_path):
    import shutil

    from tests.helpers import run_track

    _dated_series(tmp_path / "smith" / "foot", 100)
    _dated_series(tmp_path / "jones" / "foot", 110, days=("2024-05-01", "2024-06-01"))
    db = tmp_path / "clinic.db"
    assert run_track(tmp_path / "smith" / "foot", "--db", db, "--px-per-mm", 6).exit_code == 0
    shutil.rmtree(tmp_path / "smith")  # archived elsewhere
    r = run_track(tmp_path / "jones" / "foot", "--db", db, "--px-per-mm", 6)
    assert r.exit_code == 1 and "already holds patient 'foot'" in r.output
    assert [d for _, d in _export_rows(db)] == ["2024-01-08", "2024-02-07", "2024-03-09"]


def test_a_renamed_folder_or_a_run_without_its_patient_continues_the_patient_its_record_holds(tmp_path):
    """A folder renamed changed its default patient: the series went to a new patient of the new name, and a
    person's exclusion and remark were lost, unsaid; so too a later run that left out --patient. The
    record's patient of the series is continued, and said; --patient still names another."""
    import shutil

    from tests.helpers import run_track

    _dated_series(tmp_path / "s", 120)
    db = tmp_path / "w.db"
    days = ("2024-01-08", "2024-02-07", "2024-03-09")
    assert run_track(tmp_path / "s", "--db", db, "--px-per-mm", 6).exit_code == 0
    with Store(db) as store:
        store.set_flags(store.find_visit("s", "wound", str(tmp_path / "s" / "2024-02-07.jpg")),
                        excluded="blurred", remark="dressing on")
    shutil.move(tmp_path / "s", tmp_path / "series2")
    r = run_track(tmp_path / "series2", "--db", db, "--px-per-mm", 6)
    assert r.exit_code == 0 and "continuing the record of patient 's'" in r.stderr
    assert "measuring" not in r.stderr  # its measurements are its own still
    assert _export_rows(db) == [("s", d) for d in days]
    with Store(db) as store:
        assert store.flags(store.find_visit("s", "wound", str(tmp_path / "series2" / "2024-02-07.jpg"))) \
            == ("blurred", "dressing on")
    assert run_track(tmp_path / "series2", "--db", db, "--px-per-mm", 6, "--patient", "Smith, J").exit_code == 0
    assert _export_rows(db) == [("Smith, J", d) for d in days]  # named: under that name alone
    r = run_track(tmp_path / "series2", "--db", db, "--px-per-mm", 6)  # --patient left out the next time
    assert "continuing the record of patient 'Smith, J'" in r.stderr
    assert _export_rows(db) == [("Smith, J", d) for d in days]


def test_a_photo_deleted_from_the_folder_is_said_to_have_left_the_series(tmp_path):
    """Its visit left the table and the export without a word."""
    from tests.helpers import run_track

    _dated_series(tmp_path / "s", 130)
    db = tmp_path / "w.db"
    assert run_track(tmp_path / "s", "--db", db, "--px-per-mm", 6).exit_code == 0
    (tmp_path / "s" / "2024-02-07.jpg").unlink()
    r = run_track(tmp_path / "s", "--db", db, "--px-per-mm", 6)
    assert f"{tmp_path / 's' / '2024-02-07.jpg'}: no longer in the series" in r.stderr
    assert "no longer in the series" not in run_track(tmp_path / "s", "--db", db, "--px-per-mm", 6).stderr  # once
    assert _export_rows(db) == [("s", "2024-01-08"), ("s", "2024-03-09")]


def test_a_patient_of_two_folders_continued_without_patient_is_neither_refused_nor_lost_on_the_review_page(tmp_path):
    """One patient, two wounds in two folders of one record, named with --patient once: a later run of one
    folder without --patient was refused as "another series' patient", and the review page looked the
    visits up under the folder's name (Exclude and Note failed: "not in the record")."""
    from tests.helpers import run_track
    from woundmeasure.review.session import ReviewSession

    _dated_series(tmp_path / "smith" / "foot", 140)
    _dated_series(tmp_path / "smith" / "heel", 150)
    db = tmp_path / "w.db"
    for folder in ("foot", "heel"):
        assert run_track(tmp_path / "smith" / folder, "--db", db, "--px-per-mm", 6, "--patient", "Smith, J") \
            .exit_code == 0
    r = run_track(tmp_path / "smith" / "foot", "--db", db, "--px-per-mm", 6)
    assert r.exit_code == 0, r.output
    session = ReviewSession(tmp_path / "smith" / "foot", db=db)
    assert session.patient == "Smith, J"
    session.exclude("0-1", "blurred")
    assert session.tracks[0].stored[1].excluded == "blurred"
