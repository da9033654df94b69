"""The review page's server at the HTTP level: every endpoint, its token, its refusals."""

import base64
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import DATES, fresh
from woundmeasure.io import decode_mask, encode_mask, read_mask
from woundmeasure.review.app import create_app, token_cookie
from woundmeasure.review.session import ReviewSession

TOKEN = "s3cret-token"


@pytest.fixture()
def served(series_dir, tmp_path):
    d = fresh(series_dir, tmp_path)
    session = ReviewSession(d, db=tmp_path / "r.db")
    client = create_app(session, token=TOKEN).test_client()
    client.set_cookie(token_cookie(TOKEN), TOKEN)
    return d, session, client


def series(client):
    r = client.get("/api/series")
    assert r.status_code == 200
    return r.get_json()["wounds"][0]


def test_every_request_needs_the_token(served):
    d, session, _ = served
    bare = create_app(session, token=TOKEN).test_client()
    for url in ("/", "/api/series", "/static/app.js", "/api/visits/0-0/photo"):
        r = bare.get(url)
        assert r.status_code == 403 and "token" in r.get_json()["error"], url
    assert bare.get("/api/series", headers={"X-Woundmeasure-Token": "wrong"}).status_code == 403
    assert bare.get(f"/api/series?token={TOKEN}").status_code == 200
    page = bare.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and "wm_token" in page.headers["Set-Cookie"]
    assert "HttpOnly" in page.headers["Set-Cookie"]


def test_series_shows_the_tracked_numbers(served):
    d, session, client = served
    wound = series(client)
    assert [v["date"] for v in wound["visits"]] == DATES
    assert all(v["outline"] == "model" and v["area_mm2"] > 0 for v in wound["visits"])
    assert wound["visits"][0]["par_pct"] == 0.0
    assert wound["summary"]["par_pct"] == pytest.approx(wound["visits"][-1]["par_pct"])
    assert wound["visits"][0]["width_px"] == 900 and len(wound["visits"][0]["wound_box"]) == 4


def test_photo_outline_plot_and_strip(served):
    d, session, client = served
    photo = client.get("/api/visits/0-1/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and photo.data[:2] == b"\xff\xd8"
    outline = client.get("/api/visits/0-1/outline")
    mask = decode_mask(outline.data)
    assert mask.shape == (700, 900) and mask.any()
    for url in ("/api/wounds/0/plot.png", "/api/wounds/0/strip.png"):
        r = client.get(url)
        assert r.status_code == 200 and r.data[:8] == b"\x89PNG\r\n\x1a\n", url
    assert client.get("/api/wounds/5/plot.png").status_code == 404


@pytest.mark.parametrize("url", ["/api/visits/9-9/photo", "/api/visits/x/outline", "/api/visits/-1-0/photo",
                                 "/api/visits/0-99/outline", "/api/visits/0-00/photo", "/api/visits/+0-0/photo",
                                 "/api/visits/0-\u0661/photo", "/api/wounds/-1/plot.png", "/api/wounds/+0/plot.png",
                                 "/api/wounds/00/strip.png"])
def test_unknown_visits_are_404(served, url):
    r = served[2].get(url)
    assert r.status_code == 404 and r.get_json()["error"]


@pytest.mark.parametrize("url", ["/static/../pyproject.toml", "/static/%2e%2e%2fapp.py", "/static/..%2fsession.py",
                                 "/static//etc/passwd", "/static/%2Fetc%2Fpasswd", "/etc/passwd",
                                 "/static/link.js"])
def test_nothing_outside_its_own_files_is_served(served, url, tmp_path):
    from importlib import resources

    static = resources.files("woundmeasure.review") / "static"
    link = static / "link.js"
    try:
        if url.endswith("link.js"):
            link.symlink_to(tmp_path / "outside.js")
            (tmp_path / "outside.js").write_text("secret")
        r = served[2].get(url)
        assert r.status_code == 404 and b"secret" not in r.data and b"root:" not in r.data
    finally:
        if link.is_symlink():
            link.unlink()


def test_segment_accept_reset_change_the_record_and_the_sidecar(served):
    d, session, client = served
    before = series(client)["visits"][1]
    visit_photo = d / f"visit-{DATES[1]}.jpg"
    auto = decode_mask(client.get("/api/visits/0-1/outline").data)
    ys, xs = np.nonzero(auto)
    inside = [float(xs.mean()), float(ys.mean())]
    r = client.post("/api/visits/0-1/segment", json={"points": [inside], "background_points": [[5, 5]], "box": None})
    assert r.status_code == 200
    steered = decode_mask(base64.b64decode(r.get_json()["mask_png"]))
    assert steered.shape == auto.shape and steered[int(inside[1]), int(inside[0])] and not steered[5, 5]
    # a person trims the outline (here: its left half) and accepts it
    trimmed = auto.copy()
    trimmed[:, : int(xs.mean())] = False
    r = client.post("/api/visits/0-1/accept", json={"mask_png": base64.b64encode(encode_mask(trimmed)).decode(),
                                                    "points": [inside], "background_points": [], "box": None})
    assert r.status_code == 200
    after = r.get_json()["wounds"][0]["visits"][1]
    assert after["outline"] == "corrected" and after["area_mm2"] < 0.8 * before["area_mm2"]
    assert after["par_pct"] > before["par_pct"]
    sidecar = visit_photo.with_name(visit_photo.stem + ".mask.png")
    assert (read_mask(sidecar) == trimmed).all()
    assert visit_photo.with_name(visit_photo.stem + ".hints.json").is_file()
    # track, on the same record, reads the same correction
    import json

    from tests.helpers import run_track

    out = json.loads(run_track(d, "--json", "--db", session.db).stdout)
    assert out["visits"][1]["area_mm2"] == pytest.approx(after["area_mm2"])
    assert out["visits"][1]["par_pct"] == pytest.approx(after["par_pct"])
    # and so do export and the HTML report
    from click.testing import CliRunner

    from woundmeasure.cli.main import cli

    exported = json.loads(CliRunner().invoke(cli, ["export", "--db", str(session.db), "--format", "json"]).stdout)
    row = [r for r in exported if r["Label"] == visit_photo.name][0]
    assert row["Area"] == pytest.approx(after["area_mm2"]) and row["PAR"] == pytest.approx(after["par_pct"])
    assert row["Override"] == str(visit_photo.with_name(visit_photo.stem + ".mask.png"))
    report = run_track(d, "--db", session.db, "--report", d / "rep")
    assert report.exit_code == 0 and f"{after['area_mm2']:.1f}</td>" in (d / "rep" / "report.html").read_text()
    r = client.post("/api/visits/0-1/reset")
    assert r.get_json()["wounds"][0]["visits"][1]["area_mm2"] == pytest.approx(before["area_mm2"])
    assert not sidecar.exists()


def test_exclude_and_note_are_kept_in_the_record(served):
    d, session, client = served
    r = client.post("/api/visits/0-2/exclude", json={"reason": "photo blurred"})
    wound = r.get_json()["wounds"][0]
    assert wound["visits"][2]["excluded"] == "photo blurred" and wound["visits"][2]["par_pct"] is None
    assert any("photo blurred" in w for w in wound["summary"]["warnings"])
    client.post("/api/visits/0-2/note", json={"note": "dressing changed"})
    again = ReviewSession(d, db=session.db)  # a new session (a restart, a second tab) sees the same
    visit = again.tracks[0].stored[2]
    assert visit.excluded == "photo blurred" and "dressing changed" in visit.note
    from woundmeasure.cli.export import rows_from_store
    from woundmeasure.store import Store

    with Store(session.db) as store:  # export says why the visit's PAR is blank, and keeps the remark
        row = rows_from_store(store.table(latest=True), db=session.db)[2]
    assert (row["PAR"], row["Excluded"], row["Remark"]) == (None, "photo blurred", "dressing changed")
    r = client.post("/api/visits/0-2/exclude", json={"reason": ""})
    assert r.get_json()["wounds"][0]["visits"][2]["excluded"] is None


@pytest.mark.parametrize("payload, message", [
    ({"mask_png": "not base64!"}, "not base64"),
    ({"mask_png": base64.b64encode(b"GIF89a....").decode()}, "not a PNG"),
    ({"mask_png": base64.b64encode(encode_mask(np.ones((10, 10), bool))).decode()}, "10 x 10 px but the photo"),
    ({}, "needs the outline"),
    ({"mask_png": base64.b64encode(encode_mask(np.eye(700, 900, dtype=bool))).decode(), "points": [[5000, 5]]},
     "outside"),
    ({"mask_png": base64.b64encode(encode_mask(np.ones((700, 900), bool))).decode()}, "invert it"),
])
def test_bad_outlines_are_refused_with_a_clear_message(served, payload, message):
    d, session, client = served
    r = client.post("/api/visits/0-0/accept", json=payload)
    assert r.status_code == 400 and message in r.get_json()["error"]
    assert not (d / f"visit-{DATES[0]}.mask.png").exists()


def test_a_request_without_a_json_body_is_refused(served):
    r = served[2].post("/api/visits/0-0/segment", data="x", content_type="text/plain")
    assert r.status_code == 400 and "JSON" in r.get_json()["error"]


def test_an_excluded_visit_reaches_track_the_plot_and_the_report(served):
    from tests.helpers import run_track

    d, session, client = served
    client.post("/api/visits/0-2/exclude", json={"reason": "photo blurred"})
    assert client.get("/api/wounds/0/plot.png").status_code == 200
    r = run_track(d, "--db", session.db, "--report", d / "rep")
    assert r.exit_code == 0 and "excluded: photo blurred" in r.stdout
    assert "photo blurred" in (d / "rep" / "report.html").read_text()


def test_reset_brings_back_a_persons_own_mask_and_export_follows(served):
    import json

    from click.testing import CliRunner

    from woundmeasure.cli.main import cli
    from woundmeasure.io import write_mask

    d, session, client = served
    photo = d / f"visit-{DATES[0]}.jpg"
    own = decode_mask(client.get("/api/visits/0-0/outline").data)
    own[:, : own.shape[1] // 2] = False  # a person's own correction, made before the review
    write_mask(photo.with_name(photo.stem + ".mask.png"), own)
    session.refresh()
    own_area = series(client)["visits"][0]["area_mm2"]
    everything = np.ones_like(own)
    everything[:, :5] = False  # the photo's left edge is skin (a mask wound all round its border reads as inverted)
    client.post("/api/visits/0-0/accept", json={"mask_png": base64.b64encode(encode_mask(everything)).decode()})
    assert series(client)["visits"][0]["area_mm2"] > own_area
    client.post("/api/visits/0-0/reset")
    assert (read_mask(photo.with_name(photo.stem + ".mask.png")) == own).all()  # the person's mask is back
    assert series(client)["visits"][0]["area_mm2"] == pytest.approx(own_area)
    exported = json.loads(CliRunner().invoke(cli, ["export", "--db", str(session.db), "--format", "json"]).stdout)
    assert [r["Area"] for r in exported if r["Label"] == photo.name] == [pytest.approx(own_area)]


def test_naming_a_wound_and_confirming_a_closure_are_refused_where_they_make_no_sense(served):
    d, session, client = served
    for name, message in (("", "1 to 40"), ("x" * 41, "1 to 40")):
        r = client.post("/api/visits/0-0/name", json={"name": name})
        assert r.status_code == 400 and message in r.get_json()["error"]
    r = client.post("/api/visits/0-0/closed", json={"confirmed": True})
    assert r.status_code == 400 and "not closed" in r.get_json()["error"]
    r = client.post("/api/visits/0-1/name", json={"name": "left heel"})  # a new name: the wound is renamed
    assert r.status_code == 200
    assert [w["wound"] for w in r.get_json()["wounds"]] == ["left heel"]
    assert (d / f"visit-{DATES[0]}.wounds.json").is_file()  # kept where the wound is first seen
    assert len(r.get_json()["wounds"][0]["visits"]) == len(DATES)  # one wound throughout, as before
    r = client.post("/api/visits/0-2/name", json={"name": "heel"})  # renamed again: the old name goes
    assert [w["wound"] for w in r.get_json()["wounds"]] == ["heel"]


def test_splitting_a_wound_makes_two_wounds_from_that_visit(served):
    d, session, client = served
    before = series(client)["visits"][0]["area_mm2"]
    outline = decode_mask(client.get("/api/visits/0-0/outline").data)
    ys, xs = np.nonzero(outline)
    points = []
    for q in (20, 80):  # two points inside the outline, one on each side
        x = int(np.percentile(xs, q))
        points.append([x, int(np.median(ys[xs == x]))])
    r = client.post("/api/visits/0-0/split", json={"points": [[0, 0], points[1]]})
    assert r.status_code == 400 and "inside" in r.get_json()["error"]
    r = client.post("/api/visits/0-0/split", json={"points": points})
    assert r.status_code == 200, r.get_json()
    wounds = {w["wound"]: w for w in r.get_json()["wounds"]}
    assert set(wounds) == {"wound", "A"}  # the part at the first point keeps the name; the other is new
    parts = [wounds[w]["visits"][0] for w in ("wound", "A")]
    assert all(p["date"] == DATES[0] and p["area_mm2"] > 0.1 * before for p in parts)
    assert sum(p["area_mm2"] for p in parts) == pytest.approx(before, rel=1e-6)  # split, nothing lost
    assert (d / f"visit-{DATES[0]}.wounds.json").is_file()


def test_the_page_gives_the_pdf_report(served):
    d, session, client = served
    r = client.get("/api/report.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert b"attachment" in r.headers["Content-Disposition"].encode()
    assert 'href="/api/report.pdf"' in client.get("/").get_data(as_text=True)


def test_a_renamed_wound_keeps_its_exclusions_and_leaves_no_old_series_behind(served):
    from woundmeasure.cli.export import rows_from_store
    from woundmeasure.store import Store

    d, session, client = served
    assert client.post("/api/visits/0-1/exclude", json={"reason": "blurred"}).status_code == 200
    r = client.post("/api/visits/0-0/name", json={"name": "left heel"})
    (wound,) = r.get_json()["wounds"]
    assert wound["wound"] == "left heel" and wound["visits"][1]["excluded"] == "blurred"
    with Store(session.db) as store:
        rows = rows_from_store(store.table(latest=True), db=session.db)
    assert {row["Wound"] for row in rows} == {"left heel"} and len(rows) == len(DATES)
    assert client.post("/api/visits/0-0/name", json={"name": None}).status_code == 400
    assert client.post("/api/visits/0-0/closed", json={"confirmed": "false"}).status_code == 400


def test_a_split_needs_two_points_apart_and_reset_leaves_the_names(served):
    d, session, client = served
    outline = decode_mask(client.get("/api/visits/0-0/outline").data)
    ys, xs = np.nonzero(outline)
    x = int(np.median(xs))
    point = [x, int(np.median(ys[xs == x]))]
    r = client.post("/api/visits/0-0/split", json={"points": [point, point]})
    assert r.status_code == 400 and "apart" in r.get_json()["error"]
    assert client.post("/api/visits/0-0/name", json={"name": "heel"}).status_code == 200
    assert (d / f"visit-{DATES[0]}.wounds.json").is_file()
    r = client.post("/api/visits/0-0/reset")  # the outline goes back; the wound's name is a decision of its own
    assert r.status_code == 200 and (d / f"visit-{DATES[0]}.wounds.json").is_file()
    assert [w["wound"] for w in r.get_json()["wounds"]] == ["heel"]


def test_a_change_made_on_an_out_of_date_view_is_refused_and_changes_nothing(served):
    """Visit ids are places in the series (a split, merge or name moves them): an edit made before such a
    change was saved beside another photo; a second tab, opened before the first accepted, undid its
    correction. Every change names the visit as the page saw it, and a view no longer true of what the
    change overwrites is refused (409); other parts of the visit may have changed meanwhile."""
    d, session, client = served
    visits = series(client)["visits"]
    first, second = visits[0], visits[1]
    outline = base64.b64encode(client.get(f"/api/visits/{first['id']}/outline").data).decode()
    seen = {"photo": first["photo"], "wound": first["wound"], "states": first["states"]}
    wrong_photo = {**seen, "photo": second["photo"]}
    r = client.post(f"/api/visits/{first['id']}/accept", json={"mask_png": outline, **wrong_photo})
    assert r.status_code == 409 and "reload the page" in r.get_json()["error"]
    r = client.post(f"/api/visits/{first['id']}/segment", json={"points": [[450, 350]], **wrong_photo})
    assert r.status_code == 409
    assert not list(d.glob("*.mask.png")) and not list(d.glob("*.hints.json"))
    # one tab: a note, then an exclusion, on the view it had: the two overwrite different things
    assert client.post(f"/api/visits/{first['id']}/note", json={"note": "first tab", **seen}).status_code == 200
    assert client.post(f"/api/visits/{first['id']}/exclude", json={"reason": "blurred", **seen}).status_code == 200
    # a click accepted in one tab, then the old outline accepted "as it is" in another opened before
    rows, cols = np.nonzero(decode_mask(base64.b64decode(outline)))
    click = [[float(cols.mean()), float(rows.mean())]]
    steered = client.post(f"/api/visits/{first['id']}/segment", json={"points": click, **seen}).get_json()
    r = client.post(f"/api/visits/{first['id']}/accept", json={"mask_png": steered["mask_png"], "points": click, **seen})
    assert r.status_code == 200 and (d / f"{Path(first['photo']).stem}.hints.json").is_file()
    r = client.post(f"/api/visits/{first['id']}/accept", json={"mask_png": outline, **seen})
    assert r.status_code == 409 and "another tab" in r.get_json()["error"]
    now = series(client)["visits"][0]
    assert now["note"] == "first tab" and now["excluded"] == "blurred" and now["outline"] == "steered"


def test_two_review_pages_at_once_keep_their_own_token_cookies():
    assert token_cookie("one") != token_cookie("two") and token_cookie("one").startswith("wm_token_")


def test_a_photo_without_a_scale_gives_the_page_its_full_size(served):
    """The page draws a copy at most 2400 px wide and places clicks in the photo's pixels by its full size: a
    larger photo with no scale had none, and its clicks landed at preview pixels (on the background)."""
    from woundmeasure.io import write_rgb

    d, session, client = served
    first = sorted(d.glob("*.jpg"))[0]
    write_rgb(first, np.full((2000, 3000, 3), 180, np.uint8))  # no marker, no ruler: no scale
    session.refresh()
    visit = series(client)["visits"][0]
    assert visit["no_scale"] and (visit["width_px"], visit["height_px"]) == (3000, 2000)


def test_two_changes_at_once_on_one_view_cannot_both_pass(served):
    """Checked outside the session's lock, two tabs accepting at once both passed the check, and the later
    undid the earlier; checked and made under the lock, one of them is refused."""
    import threading

    d, session, client = served
    first = series(client)["visits"][0]
    seen = {"photo": first["photo"], "wound": first["wound"], "states": first["states"]}
    outline = decode_mask(client.get(f"/api/visits/{first['id']}/outline").data)
    codes = []

    def accept(mask):
        other = create_app(session, token=TOKEN).test_client()
        r = other.post(f"/api/visits/{first['id']}/accept", headers={"X-Woundmeasure-Token": TOKEN},
                       json={"mask_png": base64.b64encode(encode_mask(mask)).decode(), **seen})
        codes.append(r.status_code)

    trimmed = outline.copy()
    trimmed[:, : trimmed.shape[1] // 2] = False
    threads = [threading.Thread(target=accept, args=(m,)) for m in (trimmed, outline & ~trimmed)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
