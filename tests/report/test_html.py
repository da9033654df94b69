import os
import shutil
import subprocess

import pytest

from tests.helpers import fresh
from tests.helpers import run_track as run


def test_report_renders_in_a_real_browser(series_dir, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    d = fresh(series_dir, tmp_path)
    assert run(d, "--report", tmp_path / "rep").exit_code == 0
    page = tmp_path / "rep" / "report.html"
    assert "http://" not in page.read_text() and "https://" not in page.read_text()
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert 'data-images-loaded="true"' in dom
    assert dom.count("<img") >= 5  # plot + four visits
    import re

    par = re.search(r'<b id="par">([-\d.]+)%</b> \(95% interval ([-\d.]+) to ([-\d.]+)%\)', dom)
    assert par and float(par.group(1)) > 50
    assert float(par.group(2)) < float(par.group(1)) < float(par.group(3))


def test_the_report_names_the_patient_and_says_which_visit_a_person_left_out_and_why(series_dir, tmp_path):
    from tests.helpers import DATES
    from woundmeasure.store import Store

    d = fresh(series_dir, tmp_path)
    assert run(d, "--db", tmp_path / "w.db", "--patient", "Jane Doe MRN123").exit_code == 0
    with Store(tmp_path / "w.db") as store:
        row = store.find_visit("Jane Doe MRN123", "wound", str(d / f"visit-{DATES[2]}.jpg"))
        store.set_flags(row, excluded="photo taken through the dressing", remark="debrided today")
    assert run(d, "--db", tmp_path / "w.db", "--patient", "Jane Doe MRN123", "--report", tmp_path / "rep").exit_code == 0
    page = (tmp_path / "rep" / "report.html").read_text()
    assert "<title>Wound healing report: Jane Doe MRN123</title>" in page
    row = next(r for r in page.split("<tr>") if r.startswith(f"<td class='l'>{DATES[2]}</td>"))
    assert "excluded: photo taken through the dressing" in row and "debrided today" in row
    assert f"{len(DATES)} ({len(DATES) - 1} measured, 1 excluded, 0 failed)" in page


def test_a_photo_of_two_wounds_is_listed_once_in_the_provenance(tmp_path):
    from tests.test_series import TWO
    from woundmeasure.io import read_mask, write_mask

    rows = ["image,date,mask"]
    for date in ("2024-03-04", "2024-04-01"):
        write_mask(tmp_path / f"{date}.png", read_mask(TWO / "truth" / f"{date}.A.png") |
                   read_mask(TWO / "truth" / f"{date}.B.png"))
        rows.append(f"{TWO / f'{date}.jpg'},{date},{tmp_path / f'{date}.png'}")
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    assert run(tmp_path / "m.csv", "--db", tmp_path / "w.db", "--report", tmp_path / "rep").exit_code == 0
    page = (tmp_path / "rep" / "report.html").read_text()
    assert page.count("<h2>") == 3  # wounds A and B, and the provenance
    provenance = page.split("<h2>Provenance</h2>")[1]
    assert [provenance.count(f">{date}.jpg<") for date in ("2024-03-04", "2024-04-01")] == [1, 1]
