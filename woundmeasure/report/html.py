"""A self-contained HTML report of a wound series (opens from disk, no network)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from woundmeasure import __version__
from woundmeasure.io import encode_jpeg
from woundmeasure.report import fmt, fmt_range, visit_photo

CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}td{white-space:nowrap}td:last-child{white-space:normal;min-width:240px}
table{border-collapse:collapse;font-size:13px;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.warn{color:#a04000}.err{color:#b00020}
.visits{display:flex;flex-wrap:wrap;gap:12px}.visit{width:340px;font-size:12px}.visit img{width:340px;border:1px solid #ccc}
.ok{color:#1b7837;font-weight:bold}.bad{color:#b00020;font-weight:bold}code{font-size:12px}
"""

# set once every image has loaded, so a headless browser can check the report
ONLOAD = """<script>window.addEventListener('load',function(){var i=Array.from(document.images);
document.body.setAttribute('data-images-loaded',String(i.length>0&&i.every(function(x){return x.complete&&x.naturalWidth>0})));});</script>"""


def _data_uri(png_or_jpeg: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(png_or_jpeg).decode()}"


def _jpeg(rgb: np.ndarray, max_side: int = 900) -> bytes:
    return encode_jpeg(rgb, quality=85, long_side=max_side)


def _plot_png(track) -> bytes:
    from woundmeasure.report.plots import plot_series

    ax = plot_series(track)  # on a figure of its own, outside pyplot: nothing to close, no backend to set
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _summary_html(s) -> str:
    left_out = s.visits - s.measured_visits - s.failed_visits  # excluded by a person, with a reason
    meets = ("–" if s.meets_4wk_threshold is None else
             '<span class="ok">meets</span>' if s.verdict_4wk == "met" else
             '<span class="bad">below</span>' if s.verdict_4wk == "not met" else
             f'<span class="bad">{html.escape(s.verdict_4wk)}:</span>')
    rows = [
        ("baseline", f"{s.baseline_date} · {fmt(s.baseline_area_mm2, 1, ' mm²')}"),
        ("latest", f"{s.latest_date} · {fmt(s.latest_area_mm2, 1, ' mm²')} (day {s.days})"),
        ("PAR at latest visit", f'<b id="par">{fmt(s.par_pct, 1, "%")}</b> '
                                f'(95% interval {fmt_range(s.par_pct_low, s.par_pct_high, 1, "%", dash=" to ")})'),
        ("PAR at 4 weeks", f"{fmt(s.par_4wk_pct, 1, '%')} — {meets} the {s.threshold_pct:g}% threshold "
                           "(50% DFU: Sheehan 2003, Coerper 2009; 40% VLU)"),
        ("healing rate", fmt(s.healing_rate_cm2_per_week, 3, " cm²/week")),
        ("Gilman edge advance", fmt(s.gilman_mm_per_week, 3, " mm/week")),
        ("log area ratio ln(At/A0)", fmt(s.log_area_ratio, 3)),
        ("exponential k", fmt(s.exp_k_per_day, 4, " /day") + (f" (half-life {s.half_life_days:.0f} days)"
                                                                if s.half_life_days else "")),
        ("projected closure (linear)", s.projected_closure_date or "not projectable"),
        ("projected closure (exponential)", s.projected_closure_date_exponential or "not projectable"),
        ("projection", html.escape(s.projection_note)),
        ("visits", f"{s.visits} ({s.measured_visits} measured, " + (f"{left_out} excluded, " if left_out else "")
                   + f"{s.failed_visits} failed)"),
    ]
    body = "".join(f'<tr><th class="l">{k}</th><td class="l">{v}</td></tr>' for k, v in rows)
    warn = "".join(f'<p class="warn">⚠ {html.escape(w)}</p>' for w in s.warnings)
    return f"<table>{body}</table>{warn}"


def _table_html(track) -> str:
    head = ("<tr><th class='l'>date</th><th>day</th><th class='l'>photo</th><th>area mm²</th><th>95% interval</th>"
            "<th>area cm²</th><th>perimeter mm</th><th>change mm²</th><th>PAR %</th><th>PAR 95%</th>"
            "<th>Gilman mm/wk</th><th class='l'>scale</th><th class='l'>outline</th><th class='l'>notes</th></tr>")
    real = {True: " <span title='beyond the measurement noise'>*</span>",
            False: " <span title='cannot be told from the measurement noise'>~</span>", None: ""}
    body = []
    for v in track.visits:
        cal = v.calibration or {}
        scale = f"{cal.get('method', '–')} {cal.get('px_per_mm', 0):.2f} px/mm" if cal else "–"
        excluded = [f"<b>excluded: {html.escape(v.excluded)}</b>"] if v.excluded else []
        notes = "; ".join(excluded + [html.escape(v.note)] * bool(v.note) + [html.escape(w) for w in v.warnings])
        if v.error:
            notes = f'<span class="err">{html.escape(v.error)}</span>'
        body.append(f"<tr><td class='l'>{v.date or 'undated'}</td><td>{v.day if v.day is not None else '–'}</td>"
                    f"<td class='l'>{html.escape(Path(v.image).name)}</td><td>{fmt(v.area_mm2)}</td>"
                    f"<td>{fmt_range(v.area_mm2_low, v.area_mm2_high)}</td>"
                    f"<td>{fmt(v.area_cm2, 2)}</td><td>{fmt(v.perimeter_mm)}</td>"
                    f"<td>{fmt(v.change_mm2)}{real[v.change_beyond_noise]}</td>"
                    f"<td>{fmt(v.par_pct)}</td><td>{fmt_range(v.par_pct_low, v.par_pct_high, dash=' to ')}</td>"
                    f"<td>{fmt(v.gilman_mm_per_week, 3)}</td><td class='l'>{scale}</td>"
                    f"<td class='l'>{html.escape(v.outline)}</td><td class='l'>{notes}</td></tr>")
    note = ("<p class='note'>95% intervals from the outline's uncertainty and the scale's; change: * beyond "
            "the measurement noise of both visits, ~ cannot be told from it</p>")
    return f"<table>{head}{''.join(body)}</table>{note}"


def _visit_cards(track, store) -> str:
    from woundmeasure.report.overlay import draw_overlay_dict

    cards = []
    metrics = {(v.date, v.image): v for v in track.visits}
    for visit in track.stored:
        if not visit.measured:
            continue
        m = metrics[(visit.date.isoformat(), visit.image)]
        try:
            rgb = visit_photo(visit)
        except Exception as exc:  # noqa: BLE001 - the photo moved since it was measured: say so, keep going
            cards.append(f"<div class='visit'><b>{visit.date}</b><p class='err'>{html.escape(str(exc))}</p></div>")
            continue
        mask = store.mask(visit.measurement_id, visit.numbers)
        over = draw_overlay_dict(rgb, mask, visit.result, around_wound=True)  # the figures are written below it
        r, cal = visit.result, visit.result["calibration"]
        cards.append(f"<div class='visit'><img alt='visit {visit.date}' src='{_data_uri(_jpeg(over), 'image/jpeg')}'>"
                     f"<br><b>{visit.date}</b> · {visit.area_mm2 / 100:.2f} cm² · PAR {fmt(m.par_pct, 1, '%')}"
                     f"<br>L {fmt(r.get('length_mm'), 1)} × W {fmt(r.get('width_mm'), 1)} mm · perimeter "
                     f"{fmt(r.get('perimeter_mm'), 1)} mm · {cal['px_per_mm']:.2f} px/mm "
                     f"({html.escape(cal['method'])})"
                     f"<br><code>{visit.sha256[:16]}…</code></div>")
    return f"<div class='visits'>{''.join(cards)}</div>"


def _strip_html(track, store) -> str:
    """Every visit's wound on the skin plane at one mm scale, side by side (see ``report.strip``)."""
    from woundmeasure.report.strip import same_scale_strip, visit_tiles

    def read_rgb(_, visit):
        try:
            return visit_photo(visit)
        except Exception:  # noqa: BLE001 - a moved photo is reported on its card; the strip goes on
            return None

    tiles = visit_tiles(track, store, read_rgb)
    if not tiles:
        return ""
    strip = encode_jpeg(same_scale_strip(tiles), quality=88)
    return (f"<h3>At one scale</h3><img alt='the wound at every visit, on the skin plane at one scale' "
            f"style='max-width:100%' src='{_data_uri(strip, 'image/jpeg')}'>")


def _provenance(tracks, options) -> str:
    params = options.key()
    rows = [("woundmeasure version", __version__),
            ("parameters", html.escape(", ".join(f"{k}={v}" for k, v in sorted(params.items()) if v not in (None, ()))))]
    seen = set()
    for v in (v for t in tracks for v in t.stored):  # each photo once, whichever of its wounds it is a visit of
        if v.image in seen:
            continue
        seen.add(v.image)
        cal = (v.calibration or {}).get("method", "–")
        rows.append((html.escape(Path(v.image).name),
                     f"SHA-256 {v.sha256 or '–'} · calibration {cal} · outline {html.escape(v.outline or '–')}"))
    return "<table>" + "".join(f"<tr><th class='l'>{k}</th><td class='l'><code>{v}</code></td></tr>"
                               for k, v in rows) + "</table>"


def write_report(out_dir, tracks, *, options, title: str = "Wound healing report", patient: str | None = None) -> Path:
    """Write ``out_dir/report.html`` (images and plots embedded) and return its path.

    ``tracks`` are :class:`~woundmeasure.series.WoundTrack`; every number shown is one
    ``tracking`` computed, and every outline is the one their record keeps. ``options``
    (a MeasureOptions) goes into the provenance table; ``patient`` names whose wounds these are
    in the title, as the PDF's pages do.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    title = f"{title}: {patient}" if patient else title
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"]
    from woundmeasure.store import Store

    for t in tracks:
        parts.append(f"<h2>{html.escape(t.wound)}</h2><h3>Summary</h3>{_summary_html(t.summary)}")
        parts.append(f"<img alt='area over time' src='{_data_uri(_plot_png(t), 'image/png')}'>")
        with Store(t.db) as store:  # the outlines as the record keeps them
            parts.append(f"<h3>Visits</h3>{_table_html(t)}{_strip_html(t, store)}{_visit_cards(t, store)}")
    parts.append(f"<h2>Provenance</h2>{_provenance(tracks, options)}")
    parts.append("<p style='font-size:11px'>Areas are measured on the wound plane (perspective corrected when a "
                 "marker is used). PAR = (A0 − At)/A0 × 100 against the first measured visit.</p>")
    parts.append(f"{ONLOAD}</body></html>")
    path = out_dir / "report.html"
    path.write_text("".join(parts), encoding="utf-8")
    return path
