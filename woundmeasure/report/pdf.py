"""A print-ready PDF report: one wound per page (more pages for a long series).

Drawn with matplotlib's PDF backend (already a dependency: vector text and lines, fonts
embedded as TrueType subsets) on Figures of its own, so no plotting backend is chosen or
changed for the process. Each wound's page carries the patient and wound label, the
summary (PAR, 4-week threshold, healing rate, projection), the area/PAR plot, the visit
table and a strip of the wound at every visit on one common mm scale.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from woundmeasure.report import fmt, fmt_range, open_end_note, visit_photo
from woundmeasure.tracking import closure_state, closure_unconfirmed

PAPERS = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}  # inches
NOTE_WIDTH = 50  # characters that fit the notes column at 7.5 pt on A4 and Letter
NOTE_LINES = 2
ROW_INCH = 10 / 72 * 1.2 * 1.25  # a one-line row: matplotlib's table row for its 10-pt default, scaled by 1.25
EXTRA_LINE = 0.8  # each further line of notes makes a row this much taller (in one-line rows)
FIRST_TABLE = (0.07, 0.03, 0.86, 0.26)  # where the table lies on a wound's first page and on the next (figure
NEXT_TABLE = (0.07, 0.05, 0.86, 0.85)  # fractions: left, bottom, width, height)


def _summary_lines(track) -> list[str]:
    s = track.summary
    lines = [f"Baseline: {s.baseline_date or '–'}, {fmt(s.baseline_area_mm2, 1, ' mm²')}",
             f"PAR at the latest visit ({s.latest_date or '–'}): {fmt(s.par_pct, 1, '%')} "
             f"(95% interval {fmt_range(s.par_pct_low, s.par_pct_high, 1, '%', dash=' to ')}{open_end_note(track)})",
             f"PAR at 4 weeks: {fmt(s.par_4wk_pct, 1, '%')} (threshold {s.threshold_pct:g}%: {s.verdict_4wk})",
             f"Healing rate {fmt(s.healing_rate_cm2_per_week, 3)} cm²/week; "
             f"Gilman {fmt(s.gilman_mm_per_week, 3)} mm/week",
             f"Projected closure: linear {s.projected_closure_date or 'not projectable'}, exponential "
             f"{s.projected_closure_date_exponential or 'not projectable'}"]
    if s.closed_date:
        closing = next((v for v in track.visits if v.closed and v.date == s.closed_date), None)
        lines.append(f"Closed at {s.closed_date} ({closure_state(closing)})")
    return lines


def _notes(v) -> str:
    """A visit's notes cell: its state, then its error or warnings, wrapped to the column (whole words,
    at most ``NOTE_LINES`` lines; the HTML report has them all)."""
    if v.closed:
        head = f"closed? {closure_state(v)}" if closure_unconfirmed(v) else f"closed ({closure_state(v)})"
        text = "; ".join([head] + [w for w in v.warnings if "(counted as area 0)" not in w])
    else:
        text = f"excluded: {v.excluded}" if v.excluded else (v.error or "; ".join(v.warnings))
    text = "; ".join(filter(None, (v.note, text)))  # a reviewer's remark first: a person said it
    lines = textwrap.wrap(text, NOTE_WIDTH, max_lines=NOTE_LINES, placeholder=" … (see the HTML report)")
    return "\n".join(lines)


def _rows(v) -> float:
    """How tall a visit's row is, in one-line rows."""
    return 1 + EXTRA_LINE * _notes(v).count("\n")


def _pages(rows, first_inch: float, next_inch: float) -> list[list]:
    """The visits split into pages whose tables hold them, the first page's table ``first_inch`` tall and
    the others ``next_inch``: rows are as tall as their notes, so a fixed count per page would run the
    last ones off the page."""
    pages, page, used = [], [], 1.0  # the header row
    for v in rows:
        room, tall = (first_inch if not pages else next_inch) / ROW_INCH, _rows(v)
        if page and used + tall > room:
            pages.append(page)
            page, used = [], 1.0
        page.append(v)
        used += tall
    return pages + [page]


def _table(ax, rows) -> None:
    ax.axis("off")
    if not rows:
        ax.text(0, 1, "no visit", va="top", fontsize=9)
        return
    def cm2(x):
        return None if x is None else x / 100

    cells = [[v.date or "undated", "" if v.day is None else str(v.day),
              "failed" if v.error else fmt(v.area_cm2, 2),
              "" if v.error else fmt_range(cm2(v.area_mm2_low), cm2(v.area_mm2_high), 2),
              fmt(v.par_pct, 1), fmt_range(v.par_pct_low, v.par_pct_high, 1, dash=" to "), _notes(v)] for v in rows]
    table = ax.table(cellText=cells, colLabels=["date", "day", "area cm²", "95%", "PAR %", "PAR 95%", "notes"],
                     loc="upper left", cellLoc="left", colLoc="left",
                     colWidths=[0.12, 0.06, 0.09, 0.12, 0.07, 0.11, 0.43])
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1, 1.25)
    for (row, _), cell in table.get_celld().items():  # a row as tall as its notes' lines
        if row > 0:
            cell.set_height(cell.get_height() * _rows(rows[row - 1]))


def write_pdf(path, tracks, *, store, patient: str, paper: str = "a4") -> Path:
    """Write the PDF report of ``tracks`` (a list of :class:`~woundmeasure.series.WoundTrack`).

    Parameters
    ----------
    path : str or Path
    tracks : list of WoundTrack
    store : Store
        The record the tracks were read from (it keeps each visit's outline, for the strip).
    patient : str
    paper : {"a4", "letter"}

    Returns
    -------
    Path
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from woundmeasure import __version__
    from woundmeasure.report.plots import plot_series
    from woundmeasure.report.strip import same_scale_strip, visit_tiles

    if paper not in PAPERS:
        raise ValueError(f"paper {paper!r}: use one of {', '.join(PAPERS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = PAPERS[paper]
    made = dt.date.today().isoformat()

    def read_rgb(_, visit):
        try:
            return visit_photo(visit)
        except Exception:  # noqa: BLE001 - a photo that moved is left out of the strip, not the report
            return None

    with matplotlib.rc_context({"pdf.fonttype": 42, "font.size": 9}), \
            PdfPages(path, metadata={"Title": f"Wound report: {patient}", "Creator": f"woundmeasure {__version__}"}) as pdf:
        for track in tracks:
            pages = _pages(track.visits, FIRST_TABLE[3] * height, NEXT_TABLE[3] * height)
            for page, chunk in enumerate(pages):
                fig = Figure(figsize=(width, height))
                fig.text(0.07, 0.955, f"Patient: {patient}    Wound: {track.wound}", fontsize=13, weight="bold")
                fig.text(0.07, 0.935, f"woundmeasure {__version__}  ·  made {made}  ·  page {page + 1} of "
                                      f"{len(pages)} for this wound", fontsize=7.5, color="0.35")
                if page == 0:
                    for i, line in enumerate(_summary_lines(track)):
                        fig.text(0.07, 0.905 - 0.018 * i, line, fontsize=9)
                    plot_series(track, ax=fig.add_axes((0.1, 0.6, 0.78, 0.2)))
                    tiles = visit_tiles(track, store, read_rgb)
                    if tiles:
                        ax = fig.add_axes((0.07, 0.33, 0.86, 0.12))
                        ax.imshow(same_scale_strip(tiles))
                        ax.set_axis_off()
                        ax.set_title("the wound at every visit, on the skin plane at one scale", fontsize=8)
                    _table(fig.add_axes(FIRST_TABLE), chunk)
                else:
                    _table(fig.add_axes(NEXT_TABLE), chunk)
                pdf.savefig(fig)
    return path
