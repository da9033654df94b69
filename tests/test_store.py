import sqlite3

import pytest
from click.testing import CliRunner

from woundmeasure.cli.main import cli
from woundmeasure.errors import InputError
from woundmeasure.store import Store


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
