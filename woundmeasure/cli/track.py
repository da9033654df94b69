"""``woundmeasure track SOURCE``: a wound's visits over time, its healing metrics and report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from woundmeasure.cli.options import measure_options, series_options, threshold_option, warn_skipped_masks


def format_track(t) -> str:
    s = t.summary
    from woundmeasure.report import fmt, fmt_range, open_end_note

    lines = [f"wound: {t.wound}",
             f"{'date':<11} {'day':>4} {'area mm2':>9} {'95% interval':>15} {'area cm2':>8} {'perim mm':>8} "
             f"{'PAR %':>6} {'PAR 95%':>13} {'chg':>3} {'scale':<8} photo"]
    for v in t.visits:
        if v.error:
            lines.append(f"{v.date or 'undated':<11} {'':>4} FAILED: {v.error}")
            continue
        if v.excluded:
            lines.append(f"{v.date:<11} {v.day:>4} {v.area_mm2:>9.1f} {'':>15} {v.area_cm2:>8.2f} {'':>8} {'':>6} "
                         f"excluded: {v.excluded}  {v.image}")
            continue
        real = {True: "*", False: "~", None: ""}[v.change_beyond_noise]
        lines.append(f"{v.date:<11} {v.day:>4} {v.area_mm2:>9.1f} "
                     f"{fmt_range(v.area_mm2_low, v.area_mm2_high, 1, dash='-'):>15} {v.area_cm2:>8.2f} "
                     f"{v.perimeter_mm:>8.1f} {fmt(v.par_pct, 1):>6} {fmt_range(v.par_pct_low, v.par_pct_high, 1, dash=' to '):>13} "
                     f"{real:>3} {(v.calibration or {}).get('method', ''):<8} {v.image}")
    def f(x, d=1, unit=""):  # a value with its unit, or n/a alone
        return fmt(x, d, unit, none="n/a")
    latest = f" ({s.latest_date})" if s.latest_date else ""
    lines += [
        "chg: * the change since the previous visit exceeds the measurement noise; ~ it cannot be told from it",
        f"baseline: {s.baseline_date or 'none'}" + (f", {s.baseline_area_mm2:.1f} mm2" if s.baseline_date else ""),
        f"PAR at latest visit{latest}: {f(s.par_pct, 1, '%')} "
        f"(95% interval {fmt_range(s.par_pct_low, s.par_pct_high, 1, '%', dash=' to ')}{open_end_note(t)})",
        f"PAR at 4 weeks: {f(s.par_4wk_pct, 1, '%')} (threshold {s.threshold_pct:g}%: {s.verdict_4wk})",
        f"healing rate {f(s.healing_rate_cm2_per_week, 3, ' cm2/week')}; Gilman {f(s.gilman_mm_per_week, 3, ' mm/week')}; "
        f"ln(At/A0) {f(s.log_area_ratio, 3)}; k {f(s.exp_k_per_day, 4, '/day')}",
        f"projected closure: linear {s.projected_closure_date or 'not projectable'}, exponential "
        f"{s.projected_closure_date_exponential or 'not projectable'} ({s.projection_note})",
    ]
    lines += [f"warning: {v.date} ({Path(v.image).name}): {w}" for v in t.visits if not v.error for w in v.warnings]
    lines += [f"warning: {w}" for w in s.warnings]
    return "\n".join(lines)


def _patient(tracks, given, source) -> str:
    """The patient the record holds the series under (it may continue an earlier name), as the reports name it."""
    from woundmeasure.series import default_patient

    return next((t.patient for t in tracks if t.patient), None) or given or default_patient(source)


@click.command()
@click.argument("source", type=click.Path(exists=True))
@measure_options(series=True)
@click.option("--json", "as_json", is_flag=True,
              help="Print {visits, summary} as JSON ({wounds: [...]} of them when the photos show several wounds).")
@click.option("--db", type=click.Path(dir_okay=False), help="SQLite record [default: SOURCE/woundmeasure.db].")
@click.option("--report", "report_dir", type=click.Path(file_okay=False), help="Write DIR/report.html.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False), help="Write a print-ready PDF report to FILE.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
              help="Paper size of the PDF report.")
@click.option("--patient", help="Patient name in the record [default: the folder's name, or the manifest's without .csv].")
@threshold_option
@click.option("--debug", is_flag=True, help="Show tracebacks.")
def track(source, as_json, db, report_dir, pdf_path, paper, patient, threshold, debug, **params):
    """Measure a wound's photo series and report its healing (PAR, rates, projections).

    SOURCE is a folder of photos dated by an ISO date in the file name (or their EXIF
    date), or a CSV manifest (image,date[,wound,px_per_mm,mask,roi,note,box,points,background_points]).
    A <stem>.roi or <stem>.mask.png beside a photo overrides automatic segmentation.
    Several wounds in the photos are labelled A, B, ... and each is tracked on its own.
    """
    from woundmeasure.errors import WoundMeasureError
    from woundmeasure.series import track as run_track

    options = series_options(params, "track")
    try:
        tracks = run_track(source, db=db, patient=patient, options=options, threshold_pct=threshold,
                           progress=lambda msg: click.echo(msg, err=True) if not as_json else None)
        if report_dir:
            from woundmeasure.report.html import write_report

            path = write_report(report_dir, tracks, options=options, patient=_patient(tracks, patient, source))
            click.echo(f"report: {path}", err=True)
        if pdf_path:
            from woundmeasure.report.pdf import write_pdf
            from woundmeasure.store import Store

            with Store(tracks[0].db) as store:
                path = write_pdf(pdf_path, tracks, store=store, patient=_patient(tracks, patient, source), paper=paper)
            click.echo(f"PDF report: {path}", err=True)
    except WoundMeasureError as exc:
        if debug:
            raise
        raise click.ClickException(str(exc)) from None
    from woundmeasure.sources import orphan_sidecars, photo_subfolders

    for sub, count in photo_subfolders(source):
        click.echo(f"warning: {sub} holds {count} image(s), not measured: a series is one folder", err=True)
    for path in orphan_sidecars(source):
        click.echo(f"warning: {path} belongs to no photo in {source} (one renamed?): give it the photo's new name "
                   "so that its outline, clicks or names apply", err=True)
    warn_skipped_masks(source)
    if as_json:
        out = tracks[0].to_dict() if len(tracks) == 1 else {"wounds": [t.to_dict() for t in tracks]}
        click.echo(json.dumps(out, indent=2))
    else:
        click.echo("\n\n".join(format_track(t) for t in tracks))
    errors = dict.fromkeys(v.error for t in tracks for v in t.stored if v.error and not v.outside)
    for error in errors:  # each failed photo once on stderr, whichever wounds it failed for
        click.echo(error, err=True)
    failed = sum(t.summary.failed_visits for t in tracks)
    sys.exit(1 if failed else 0)
