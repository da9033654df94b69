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
