"""The review page's web server: a Flask app over a :class:`~woundmeasure.review.session.ReviewSession`.

Safety, since the page shows patients' photos: it listens on 127.0.0.1 unless told
otherwise; every request carries the session's random token (in the URL the command
prints, then as a header or an HttpOnly cookie); it serves its own static files and the
series' photos by visit id only, never a path from the request; uploaded outlines are
checked before they are decoded.
"""

from __future__ import annotations

import base64
import hmac
import io
import re
from importlib import resources
from pathlib import Path

from woundmeasure.errors import WoundMeasureError
from woundmeasure.io import encode_jpeg, encode_mask, encode_png
from woundmeasure.review.session import PLACE, ReviewSession, UnknownVisit

TOKEN_HEADER = "X-Woundmeasure-Token"


def token_cookie(token: str) -> str:
    """The cookie that carries ``token``, named after it: cookies are not kept apart by port, so two review
    pages open at once (two ports of 127.0.0.1) would otherwise overwrite each other's and lock one out."""
    import hashlib

    return "wm_token_" + hashlib.sha256(token.encode()).hexdigest()[:12]

MAX_UPLOAD_BYTES = 64 << 20
PHOTO_LONG_SIDE = 2400  # the photo the page shows; outlines stay at full resolution


def _static_dir():
    return resources.files("woundmeasure.review") / "static"


def _wound_box(visit) -> list[float] | None:
    """The photo rectangle (x, y, w, h) the page zooms to: the wound's extent (none for a wound closed
    there: the whole photo is shown, where it was looked for may be wrong)."""
    lines = [visit.result.get(k) for k in ("length_line", "width_line")] if visit.result else []
    points = [(line[0], line[1]) for line in lines if line] + [(line[2], line[3]) for line in lines if line]
    if not points:
        return None
    xs, ys = zip(*points)
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def _size(visit) -> dict:
    """The photo's full size, which the page's clicks and outlines are in (it shows a smaller copy): from the
    measurement, or from the file where the photo has none (no scale found, say)."""
    from woundmeasure.io import image_size

    size = (visit.result["width_px"], visit.result["height_px"]) if visit.result else image_size(visit.image)
    return {"width_px": size[0] if size else None, "height_px": size[1] if size else None}


STATE_OF_ACTION = {"accept": "outline", "reset": "outline", "note": "note", "exclude": "excluded",
                   "closed": "closed_confirmed"}
"""What of a visit each change overwrites: a change made on a view of that which is no longer true is refused."""


def _states(visit: dict) -> dict:
    """A short digest of each part of a visit a person may change (:data:`STATE_OF_ACTION`): a page that
    sends back another (a second tab, opened before this one accepted) is out of date. The outline's is
    its kind, its clicks and its sidecar files' times (not its area, which moves when another visit is
    accepted and the series followed again)."""
    import hashlib
    import json

    from woundmeasure.sources import hints_path, mask_path

    photo = visit["photo"]
    sidecars = [p.stat().st_mtime_ns if p.exists() else None for p in (mask_path(photo), hints_path(photo))]
    seen = {"outline": [visit["outline"], visit["hints"], sidecars], "note": visit["note"],
            "excluded": visit["excluded"], "closed_confirmed": visit["closed_confirmed"]}
    return {k: hashlib.sha256(json.dumps(v, sort_keys=True, default=str).encode()).hexdigest()[:16]
            for k, v in seen.items()}


class OutOfDate(WoundMeasureError):
    """The page asked to change a visit as it last saw it, and the visit is no longer that."""


def check_seen(session: ReviewSession, visit_id: str, action: str, data: dict) -> None:
    """Refuse a change made on a view of the series that is no longer true: the visit id now names another
    photo or wound (ids are places in the series, and a split, merge or name moves them), or what the
    change overwrites was changed since (``states``, where given: :data:`STATE_OF_ACTION`). Without
    this, an edit made before a split was saved beside another photo, and a second tab undid the first
    tab's correction."""
    ref, _ = session.visit(visit_id)
    v = _visit_entry(session, ref.wound, ref.index)
    if "photo" in data and (data["photo"] != v["photo"] or data.get("wound", v["wound"]) != v["wound"]):
        raise OutOfDate(f"visit {visit_id} is now {v['wound']} in {v['image']}: the series changed since "
                        "this page showed it; reload the page")
    part = STATE_OF_ACTION.get(action)
    if part and isinstance(data.get("states"), dict) and data["states"].get(part) != v["states"][part]:
        raise OutOfDate(f"{v['image']} ({v['wound']}) was changed since this page showed it (in another tab "
                        "or window?); reload the page to see it before changing it")


def _visit_entry(session: ReviewSession, w: int, i: int) -> dict:
    """What the page shows of visit ``i`` of wound ``w``, as tracking computed it."""
    from woundmeasure.calibration.detect import NO_SCALE_HELP
    from woundmeasure.sources import mask_path, written_by_review

    t = session.tracks[w]
    v = t.stored[i]
    m = next(m for m in t.visits if (m.date, m.image) == (v.date.isoformat() if v.date else None, v.image))
    corrected = f"override: {mask_path(v.image).name}" in v.outline and written_by_review(v.image)
    entry = {
        "id": f"{w}-{i}", "wound": t.wound, "date": m.date, "day": m.day, "image": Path(v.image).name,
        "photo": str(v.image),
        "area_mm2": m.area_mm2, "area_cm2": m.area_cm2, "perimeter_mm": m.perimeter_mm, "par_pct": m.par_pct,
        "area_mm2_low": m.area_mm2_low, "area_mm2_high": m.area_mm2_high, "par_pct_low": m.par_pct_low,
        "par_pct_high": m.par_pct_high, "change_beyond_noise": m.change_beyond_noise,
        "calibration": ({"method": v.calibration["method"], "px_per_mm": v.calibration["px_per_mm"]}
                        if v.calibration else None),
        "outline": "corrected" if corrected else "steered" if "(steered by " in v.outline
        else (v.outline.split(" (")[0] or None),
        "error": v.error, "no_scale": NO_SCALE_HELP in (v.error or ""),
        "hints": session.hints(f"{w}-{i}"), "warnings": list(v.warnings), "note": v.note, "excluded": v.excluded,
        "closed": v.closed, "closed_confirmed": v.closure_confirmed, "outside": v.outside,
        "expected": (v.result or {}).get("expected_px") or [] if v.closed else [],
        **_size(v), "wound_box": _wound_box(v)}
    return {**entry, "states": _states(entry)}


def series_payload(session: ReviewSession) -> dict:
    """Everything the page shows, as tracking computed it."""
    wounds = [{"wound": t.wound, "summary": t.summary.to_dict(),
               "visits": [_visit_entry(session, w, i) for i in range(len(t.stored))]}
              for w, t in enumerate(session.tracks)]
    return {"source": str(session.source), "patient": session.patient, "threshold_pct": session.threshold_pct,
            "wounds": wounds}


def create_app(session: ReviewSession, *, token: str):
    """The Flask app serving ``session`` to whoever holds ``token``."""
    from flask import Flask, Response, abort, g, jsonify, request, send_from_directory

    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES

    @app.before_request
    def check_token():
        given = (request.headers.get(TOKEN_HEADER) or request.args.get("token")
                 or request.cookies.get(token_cookie(token)))
        if not given or not hmac.compare_digest(given.encode("utf-8", "replace"), token.encode()):
            return jsonify(error="this page needs the token from the URL that 'woundmeasure review' printed (if the "
                                 "review was started again, open the new link it printed)"), 403
        return None

    @app.errorhandler(WoundMeasureError)
    def bad_input(exc):
        return jsonify(error=str(exc)), 404 if isinstance(exc, UnknownVisit) else 409 if isinstance(exc, OutOfDate) \
            else 400

    @app.before_request
    def seen_as_it_is():
        """Every change names the visit as the page saw it (its photo, wound and what the change
        overwrites), and is checked and made under the session's lock: two at once, from two tabs, cannot
        both pass the check."""
        if request.method == "POST" and request.view_args and "visit_id" in request.view_args:
            session.lock.acquire()
            g.locked = True
            data = request.get_json(silent=True)
            if isinstance(data, dict):
                check_seen(session, request.view_args["visit_id"], request.path.rsplit("/", 1)[-1], data)

    @app.teardown_request
    def unlock(_exc):
        if g.pop("locked", False):
            session.lock.release()

    @app.errorhandler(OSError)
    def cannot_write(exc):
        return jsonify(error=f"{getattr(exc, 'filename', None) or 'a file'}: {exc.strerror or exc}; "
                             "check that the series folder can be written"), 500

    @app.errorhandler(404)
    def not_found(_):
        return jsonify(error="not found"), 404

    @app.errorhandler(413)
    def too_large(_):
        return jsonify(error=f"the upload is larger than {MAX_UPLOAD_BYTES >> 20} MB"), 413

    def body() -> dict:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise WoundMeasureError("the request needs a JSON object body")
        return data

    def hints(data: dict) -> dict:
        from woundmeasure.options import MeasureOptions

        box = data.get("box") or None
        points, background = data.get("points") or (), data.get("background_points") or ()
        MeasureOptions(box=box, points=points, background_points=background)  # the same checks as the CLI's
        return {"box": tuple(box) if box else None, "points": tuple(map(tuple, points)),
                "background_points": tuple(map(tuple, background))}

    @app.get("/")
    def index():
        page = (_static_dir() / "index.html").read_bytes()
        response = Response(page, mimetype="text/html")
        response.set_cookie(token_cookie(token), token, httponly=True, samesite="Strict")
        return response

    @app.get("/static/<name>")
    def static(name):
        allowed = {p.name for p in _static_dir().iterdir() if p.is_file() and not p.is_symlink()}
        if name not in allowed:  # a file of our own, by name: no path from the request is joined, no link followed
            abort(404)
        return send_from_directory(str(_static_dir()), name, max_age=0)

    @app.get("/api/series")
    def series():
        return jsonify(series_payload(session))

    @app.get("/api/visits/<visit_id>/photo")
    def photo(visit_id):
        return Response(encode_jpeg(session.shown(visit_id), long_side=PHOTO_LONG_SIDE), mimetype="image/jpeg")

    @app.get("/api/visits/<visit_id>/outline")
    def outline(visit_id):
        mask = session.outline(visit_id)
        if mask is None:
            abort(404)
        return Response(encode_mask(mask), mimetype="image/png")

    @app.post("/api/visits/<visit_id>/segment")
    def segment(visit_id):
        mask, area = session.segment(visit_id, **hints(body()))
        return jsonify(mask_png=base64.b64encode(encode_mask(mask)).decode(), area_mm2=area)

    @app.post("/api/visits/<visit_id>/accept")
    def accept(visit_id):
        data = body()
        if not isinstance(data.get("mask_png"), str):
            raise WoundMeasureError("accept needs the outline as mask_png (base64 PNG, white = wound)")
        session.accept(visit_id, data["mask_png"], **hints(data))
        return jsonify(series_payload(session))

    @app.post("/api/visits/<visit_id>/reset")
    def reset(visit_id):
        session.reset(visit_id)
        return jsonify(series_payload(session))

    @app.post("/api/visits/<visit_id>/exclude")
    def exclude(visit_id):
        session.exclude(visit_id, str(body().get("reason", "")))
        return jsonify(series_payload(session))

    @app.post("/api/visits/<visit_id>/note")
    def note(visit_id):
        session.remark(visit_id, str(body().get("note", "")))
        return jsonify(series_payload(session))

    @app.post("/api/visits/<visit_id>/name")
    def name(visit_id):
        name = body().get("name")
        if not isinstance(name, str):
            raise WoundMeasureError("naming a wound needs its name as text")
        session.name_wound(visit_id, name)
        return jsonify(series_payload(session))

    @app.post("/api/visits/<visit_id>/split")
    def split(visit_id):
        data = body()
        session.split_wound(visit_id, data.get("points"), data.get("name"))
        return jsonify(series_payload(session))

    @app.post("/api/visits/<visit_id>/closed")
    def closed(visit_id):
        confirmed = body().get("confirmed", True)
        if not isinstance(confirmed, bool):
            raise WoundMeasureError("confirmed must be true or false")
        session.confirm_closed(visit_id, confirmed)
        return jsonify(series_payload(session))

    @app.get("/api/report.pdf")
    def report_pdf():
        import tempfile

        from woundmeasure.report.pdf import write_pdf
        from woundmeasure.store import Store

        with tempfile.TemporaryDirectory() as tmp, Store(session.db) as store:
            path = write_pdf(Path(tmp) / "report.pdf", session.tracks, store=store, patient=session.patient)
            data = path.read_bytes()
        return Response(data, mimetype="application/pdf",
                        headers={"Content-Disposition": 'attachment; filename="woundmeasure-report.pdf"'})

    def track_at(index: str):
        if not re.fullmatch(PLACE, index, re.ASCII):  # a place in the list, as the page writes it
            abort(404)
        try:
            return session.tracks[int(index)]
        except IndexError:
            abort(404)

    @app.get("/api/wounds/<index>/plot.png")
    def plot(index):
        from woundmeasure.report.plots import plot_series

        ax = plot_series(track_at(index))
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png", metadata={"Software": None})
        return Response(buf.getvalue(), mimetype="image/png")

    @app.get("/api/wounds/<index>/strip.png")
    def strip(index):
        from woundmeasure.report.strip import same_scale_strip, visit_tiles
        from woundmeasure.store import Store

        with Store(session.db) as store:
            tiles = visit_tiles(track_at(index), store, lambda i, _: session.shown(f"{index}-{i}"))
        return Response(encode_png(same_scale_strip(tiles)), mimetype="image/png")

    app.json.sort_keys = False
    return app
