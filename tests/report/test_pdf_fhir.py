"""The PDF report and the FHIR bundle of a record, read back with independent readers (poppler, fhir.resources)."""

import base64
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from tests.test_series import two_wound_manifest, two_wound_truth
from woundmeasure.cli.main import cli


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """examples/two-wounds tracked with its true masks: two wounds, one closing."""
    d = tmp_path_factory.mktemp("two")
    manifest = two_wound_manifest(d, per_wound=False)
    r = CliRunner().invoke(cli, ["track", str(manifest), "--db", str(d / "w.db"), "--json"])
    assert r.exit_code == 0, r.output
    return d, json.loads(r.stdout)


def _poppler(tool):
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed; .ci/run installs poppler-utils")
        pytest.skip(f"{tool} is not installed (apt-get install poppler-utils)")


@pytest.mark.parametrize("paper,size", [("a4", (595, 842)), ("letter", (612, 792))])
def test_the_pdf_opens_holds_the_dates_and_par_and_its_first_page_is_not_blank(record, tmp_path, paper, size):
    _poppler("pdftotext")
    d, tracked = record
    pdf = tmp_path / "report.pdf"
    r = CliRunner().invoke(cli, ["track", str(d / "manifest.csv"), "--db", str(d / "w.db"), "--pdf", str(pdf),
                                 "--paper", paper])
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    w, h = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (w, h) == pytest.approx(size, abs=1)
    for wound in tracked["wounds"]:
        assert f"Wound: {wound['wound']}" in text
        assert f"{wound['summary']['par_pct']:.1f}%" in text  # the PAR as the summary computed it
        for visit in wound["visits"]:
            assert visit["date"] in text
    # a closure no person confirmed is not stated as a fact, in the summary or the visit's row
    assert "Closed at 2024-07-22 (a person should confirm it)" in text
    assert "closed? a person should confirm it" in text
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes))
    assert right < 0.95 * w  # every word inside the page's margin: long notes wrap, none run off the page
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    from woundmeasure.io import read_image

    page = read_image(next(tmp_path.glob("page*.png"))).rgb
    ink = (page.mean(axis=2) < 200).mean()
    assert 0.02 < ink < 0.6  # text, plot, strip and table on the page; not blank, not a black page


def test_the_fhir_bundle_validates_and_carries_the_measured_numbers(record, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    d, tracked = record
    r = CliRunner().invoke(cli, ["export", "--db", str(d / "w.db"), "--format", "fhir", "--out",
                                 str(tmp_path / "b.json")])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "b.json").read_text())
    bundle = Bundle.model_validate(data)  # parses back through the FHIR models
    assert bundle.type == "collection"
    resources = [e.resource for e in bundle.entry]
    (patient,) = [x for x in resources if x.get_resource_type() == "Patient"]
    assert patient.identifier[0].value == "manifest" and patient.name is None and patient.birthDate is None
    panels = [x for x in resources if x.get_resource_type() == "Observation" and x.code.coding[0].code == "72287-6"]
    pars = [x for x in resources if x.get_resource_type() == "Observation"
            and x.code.coding[0].code == "percent-area-reduction"]
    visits = {(w["wound"], v["date"]): v for w in tracked["wounds"] for v in w["visits"]}
    assert len(panels) == len(pars) == len(visits) == 12
    for obs in panels:
        wound = obs.bodySite.text.removeprefix("wound ")
        visit = visits[(wound, str(obs.effectiveDateTime))]
        area = next(c for c in obs.component if c.code.coding[0].code == "89260-4")
        assert area.valueQuantity.unit == "cm2" and float(area.valueQuantity.value) == round(visit["area_cm2"], 2)
        notes = [n.text for n in obs.note or ()]
        if visit["area_mm2_low"] is None:  # a closure no person confirmed: no interval to give
            assert visit["closed"] and not any(n.startswith("95% interval") for n in notes)
        else:
            assert notes[0] == (f"95% interval of the area: {visit['area_mm2_low'] / 100:.2f}–"
                                f"{visit['area_mm2_high'] / 100:.2f} cm2")
        assert obs.derivedFrom and obs.device
    truth = two_wound_truth()
    for obs in pars:
        wound = obs.bodySite.text.removeprefix("wound ")
        assert float(obs.valueQuantity.value) == pytest.approx(truth[(str(obs.effectiveDateTime), wound)][1], abs=1.5)
    media = [x for x in resources if x.get_resource_type() == "Media"]
    assert all(m.content.data is None and m.identifier[0].value.startswith("ni:///sha-256;") for m in media)
    assert len(media) == len({v["date"] for v in visits.values()}) == 6  # one per photo, not one per wound
    refs = {e.fullUrl for e in bundle.entry if e.resource.get_resource_type() == "Media"}
    assert all(obs.derivedFrom[0].reference in refs for obs in panels)
    # the 4-week PAR is judged against the threshold given, as track judges it (40% for venous leg ulcers)
    for threshold, met in (("50", {"A": False, "B": False}), ("10", {"A": True, "B": True})):
        r = CliRunner().invoke(cli, ["export", "--db", str(d / "w.db"), "--format", "fhir", "--threshold", threshold])
        four = [e["resource"] for e in json.loads(r.stdout)["entry"]
                if e["resource"]["resourceType"] == "Observation" and "valueBoolean" in e["resource"]]
        assert {o["bodySite"]["text"].removeprefix("wound "): o["valueBoolean"] for o in four} == met
        assert all(f"threshold of {threshold}%" in o["note"][0]["text"] for o in four)


def test_embedded_photos_are_the_photos_bytes(record, tmp_path):
    d, _ = record
    r = CliRunner().invoke(cli, ["export", "--db", str(d / "w.db"), "--format", "fhir", "--embed-photos"])
    assert r.exit_code == 0, r.output
    media = [e["resource"] for e in json.loads(r.stdout)["entry"] if e["resource"]["resourceType"] == "Media"]
    from pathlib import Path

    photo = Path(__file__).parents[2] / "examples" / "two-wounds" / media[0]["content"]["title"]
    assert base64.b64decode(media[0]["content"]["data"]) == photo.read_bytes()
    assert np.all([m["content"]["contentType"] == "image/jpeg" for m in media])


def test_every_observation_has_its_subject_date_and_status(record, tmp_path):
    d, _ = record
    r = CliRunner().invoke(cli, ["export", "--db", str(d / "w.db"), "--format", "fhir"])
    observations = [e["resource"] for e in json.loads(r.stdout)["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert all(o["subject"]["reference"].startswith("urn:uuid:") and o["effectiveDateTime"] for o in observations)
    closed = [o for o in observations if o["code"]["coding"][0]["code"] == "72287-6"
              and o["component"][0]["valueQuantity"]["value"] == 0]
    assert [o["status"] for o in closed] == ["preliminary"]  # B's closure, which no person confirmed


def test_a_photos_only_wound_is_the_site_wound_not_wound_wound():
    from woundmeasure.report.fhir import _site

    assert _site("wound") == "wound" and _site("A") == "wound A" and _site("frontal") == "wound frontal"


def test_a_long_series_whose_rows_carry_two_lines_of_notes_keeps_every_visit_on_its_pages(tmp_path):
    import datetime as dt

    from woundmeasure.io import write_mask, write_rgb
    from woundmeasure.synthetic import make_phantom

    _poppler("pdftotext")
    p = make_phantom(5, width=600, height=450, px_per_mm=6.0)
    dates = [(dt.date(2024, 1, 1) + dt.timedelta(weeks=i)).isoformat() for i in range(16)]
    for date in dates:
        write_rgb(tmp_path / f"{date}.jpg", p.rgb)
        write_mask(tmp_path / f"{date}.mask.png", p.mask)
    from woundmeasure.store import Store

    args = ["track", str(tmp_path), "--db", str(tmp_path / "w.db"), "--patient", "P", "--px-per-mm", "6"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    with Store(tmp_path / "w.db") as store:  # a reviewer's remark on every visit: two lines of notes each
        for date in dates:
            row = store.find_visit("P", "wound", str(tmp_path / f"{date}.jpg"))
            store.set_flags(row, remark=f"dressing changed on {date}; granulation tissue at the edge, slough less")
    pdf = tmp_path / "report.pdf"
    r = CliRunner().invoke(cli, [*args, "--pdf", str(pdf)])
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("dressing changed on") == len(dates)  # the remarks are in the notes
    assert [date for date in dates if text.count(date) < 2] == []  # each row's date and its remark's
    pages = text.split("\f")
    assert all(f"page {i + 1} of" in page for i, page in enumerate(p for p in pages if p.strip()))
