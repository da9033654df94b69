"""Plots of a wound series (matplotlib, imported lazily)."""

from __future__ import annotations

import datetime as dt

import numpy as np


def _poor_photos(track) -> set[tuple[str, str]]:
    """(date, photo) of the visits whose photo failed a quality check (:mod:`woundmeasure.quality`)."""
    from woundmeasure.quality import Quality

    return {(v.date.isoformat(), v.image) for v in track.stored
            if v.date and v.result and Quality(**(v.result.get("quality") or {})).problems()}


def plot_series(track, *, ax=None):
    """Area over time (cm^2) with PAR (%) on a second axis and the projections.

    Parameters
    ----------
    track : WoundTrack
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes (the area axis)
    """
    own = ax is None
    if own:  # a figure of its own, outside pyplot: no backend is chosen or changed
        from matplotlib.figure import Figure

        ax = Figure(figsize=(8, 4.2), dpi=110).subplots()
    rows = [v for v in track.visits if v.area_mm2 is not None and v.excluded is None]  # what the metrics count
    s = track.summary
    if not rows:
        ax.text(0.5, 0.5, "no measured visit", ha="center", transform=ax.transAxes)
        return ax
    dates = [dt.date.fromisoformat(v.date) for v in rows]
    areas = np.array([v.area_cm2 for v in rows])
    ax.plot(dates, areas, "o-", color="#b2182b", label="area (cm²)")
    spans = [(i, v) for i, v in enumerate(rows) if v.area_mm2_low is not None and v.area_mm2_high is not None]
    if spans:  # each area's 95% interval
        ax.errorbar([dates[i] for i, _ in spans], [areas[i] for i, _ in spans],
                    yerr=np.array([[areas[i] - v.area_mm2_low / 100, v.area_mm2_high / 100 - areas[i]]
                                   for i, v in spans]).T, fmt="none", ecolor="#b2182b", elinewidth=1, capsize=3,
                    alpha=0.6, label="95% interval")
    poor_photos = _poor_photos(track)
    poor = [i for i, v in enumerate(rows) if (v.date, v.image) in poor_photos]
    if poor:  # a visit measured from a photo that failed a quality check: ringed, so it is read with care
        ax.plot([dates[i] for i in poor], areas[poor], "o", ms=13, mfc="none", mec="#e08214", mew=2,
                label="poor photo (a quality check failed)")
    base = dates[0]
    end = max(dates)
    for iso in (s.projected_closure_date, s.projected_closure_date_exponential):
        if iso:
            close = dt.date.fromisoformat(iso)
            end = max(end, min(close, base + dt.timedelta(days=3 * max(s.days or 1, 30))))
    span = np.arange(0, (end - base).days + 1)
    if s.projected_closure_date and s.linear_rate_mm2_per_day is not None and areas[-1] > 0:  # none once closed
        last_day = (dates[-1] - base).days
        t = span[span >= last_day]
        slope = s.linear_rate_mm2_per_day / 100  # cm2 per day, as tracking fitted it
        ax.plot([base + dt.timedelta(days=int(x)) for x in t], np.clip(areas[-1] + slope * (t - last_day), 0, None),
                "--", color="#555", label=f"linear: closure {s.projected_closure_date}")
    if s.exp_k_per_day and s.exp_k_per_day > 0:
        ax.plot([base + dt.timedelta(days=int(t)) for t in span], areas[0] * np.exp(-s.exp_k_per_day * span), ":",
                color="#2166ac", label="exponential" + (f": closure {s.projected_closure_date_exponential}"
                                                        if s.projected_closure_date_exponential else " fit"))
    ax.set_ylabel("wound area (cm²)")
    ax.set_xlabel("visit date")
    ax.set_ylim(bottom=0)
    ax2 = ax.twinx()
    ax2.plot(dates, [v.par_pct for v in rows], "s", color="#1b7837", alpha=0.7, label="PAR (%)")
    ax2.set_ylabel("percent area reduction (%)")
    ax2.set_ylim(min(-10, min(v.par_pct for v in rows) - 5), 105)
    ax2.axhline(s.threshold_pct, color="#1b7837", lw=0.8, ls="-.")
    if s.par_4wk_pct is not None:
        ax2.plot([base + dt.timedelta(days=28)], [s.par_4wk_pct], "D", color="#1b7837", ms=7,
                 label=f"PAR at 4 weeks {s.par_4wk_pct:.0f}% (threshold {s.threshold_pct:g}%)")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.set_title(f"{track.wound}: area and percent area reduction")
    for label in ax.get_xticklabels():  # dates slanted, as autofmt_xdate would, without touching the figure
        label.set(rotation=30, ha="right")
    # below the axes, where it cannot hide a visit (inside, the corners fill with late PAR or early area)
    ax.legend(h1 + h2, l1 + l2, fontsize=7, ncol=3, frameon=False, loc="upper center",
              bbox_to_anchor=(0.5, -0.3))
    if own:  # a caller's figure is laid out by the caller
        ax.figure.tight_layout()
    return ax
