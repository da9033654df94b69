"""Visits over time: percent area reduction, healing rates, projections.

Pure functions over plain records; dates are ``datetime.date``. Definitions:

* PAR (percent area reduction) = (A0 - At) / A0 x 100 against the first measured visit.
* PAR at 4 weeks: at day 28, linearly interpolated between the visits that straddle it when
  one of them lies within two weeks of it and they lie at most six weeks apart (or the visit on
  day 28; none otherwise); flagged against a threshold (50% for diabetic foot ulcers,
  Sheehan et al. 2003, Coerper et al. 2009; 40% for venous leg ulcers).
* Healing rate (cm^2/week) = (A0 - A_latest) / weeks elapsed.
* Gilman's edge advance (mm/week) = (A1 - A2) / ((p1 + p2) / 2) / weeks, between
  consecutive visits and from baseline to latest (Gilman 1990).
* Log area ratio = ln(A_latest / A0).
* Exponential model A(t) = A0 e^(-k t), k fitted by least squares on ln(At / A0).
* Intervals: each area carries its 95% interval (low, high); PAR's interval and whether a change
  between consecutive visits exceeds the noise follow from the two areas' intervals, taken as
  independent errors in log area (their half-widths add in quadrature).
* Projected closure: when the area reaches ``closure_fraction`` of the baseline (default
  1%): linearly, from the latest visit at the least-squares rate of all visits; or by
  the exponential model from baseline. "Not projectable" when the wound is not
  shrinking or there are fewer than two measured visits.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

THRESHOLDS = {"dfu": 50.0, "vlu": 40.0}
OPEN_BELOW = 0.25  # a baseline whose interval reaches below this share of its area leaves PARs open below


@dataclass(frozen=True)
class Visit:
    """One photo of one wound on one date, measured or failed (an undated photo has ``date`` None)."""

    date: dt.date | None
    image: str
    area_mm2: float | None = None
    perimeter_mm: float | None = None
    calibration: dict | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    wound: str = "wound"
    note: str = ""
    outline: str = ""  # how the outline was obtained: model, color, roi, mask, ...
    sha256: str = ""
    result: dict = field(default_factory=dict, compare=False, repr=False)  # the measurement's to_dict()
    measurement_id: int | None = None  # its row in the record, which also keeps the mask
    excluded: str | None = None  # why a person left this visit out of the metrics
    numbers: tuple[int, ...] = ()  # which numbered wounds of the photo's outline this wound is (empty: all)
    closed: bool = False  # not found in this photo where it was: counted as healed (area 0)
    closure_confirmed: bool = False  # closed, and a person confirmed it (not a missed outline)
    outside: bool = False  # where it should be lies outside this photo: not measured (a person may confirm it closed)
    area_mm2_low: float | None = None  # the area's 95% interval (None: not known, e.g. an older record)
    area_mm2_high: float | None = None

    @property
    def measured(self) -> bool:
        return self.error is None and self.area_mm2 is not None and self.date is not None

    @property
    def counted(self) -> bool:
        """Measured and not excluded: it enters the metrics."""
        return self.measured and self.excluded is None

    def order(self) -> tuple:
        """Sort key: date order, undated photos last, then by photo."""
        return (self.date is None, self.date or dt.date.max, self.image)


def closure_unconfirmed(visit) -> bool:
    """Whether a visit (:class:`Visit` or :class:`VisitMetrics`) counts its wound closed without a person
    having confirmed it: the wound was not found where it was, which may also be a missed outline."""
    return visit.closed and not visit.closure_confirmed


def closure_state(visit) -> str:
    """What every report says of a closed visit's closure: whether a person confirmed it (``None``, a
    closure whose visit is not at hand: not known to be confirmed)."""
    if visit is None:
        return "a person should confirm it"
    return "a person should confirm it" if closure_unconfirmed(visit) else "confirmed by a person"


@dataclass(frozen=True)
class VisitMetrics:
    date: str | None
    day: int | None
    image: str
    area_mm2: float | None
    area_cm2: float | None
    perimeter_mm: float | None
    change_mm2: float | None
    par_pct: float | None
    gilman_mm_per_week: float | None
    calibration: dict | None
    warnings: list[str]
    error: str | None
    outline: str
    note: str
    excluded: str | None = None
    closed: bool = False
    closure_confirmed: bool = False
    area_mm2_low: float | None = None
    area_mm2_high: float | None = None
    par_pct_low: float | None = None
    par_pct_high: float | None = None
    change_beyond_noise: bool | None = None  # the change since the previous visit exceeds both areas' noise
    length_mm: float | None = None  # maximum Feret diameter, as measure gives it
    width_mm: float | None = None  # greatest extent perpendicular to it

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SeriesSummary:
    wound: str
    visits: int
    measured_visits: int
    failed_visits: int
    baseline_date: str | None
    baseline_area_mm2: float | None
    latest_date: str | None
    latest_area_mm2: float | None
    days: int | None
    par_pct: float | None
    par_4wk_pct: float | None
    threshold_pct: float
    meets_4wk_threshold: bool | None
    healing_rate_cm2_per_week: float | None
    gilman_mm_per_week: float | None
    log_area_ratio: float | None
    exp_k_per_day: float | None
    half_life_days: float | None
    projected_closure_date: str | None
    projected_closure_date_exponential: str | None
    projection_note: str
    warnings: list[str]
    linear_rate_mm2_per_day: float | None = None  # least-squares slope of area over all measured visits
    closed_date: str | None = None  # where the series ends closed: the first visit of its last closed run
    par_pct_low: float | None = None  # the latest PAR's 95% interval
    par_pct_high: float | None = None
    par_4wk_pct_low: float | None = None  # the 4-week PAR's 95% interval (None: unbounded or unknown)
    par_4wk_pct_high: float | None = None

    def to_dict(self) -> dict:
        return {**asdict(self), "verdict_4wk": self.verdict_4wk}

    @property
    def verdict_4wk(self) -> str:
        """The 4-week PAR against its threshold, in words: ``met``, ``not met``, ``n/a``, or, where its 95%
        interval reaches across the threshold, which side the figure falls on and that it cannot be told
        (one doubtful outline near day 28 must not decide a prognosis unsaid)."""
        if self.meets_4wk_threshold is None:
            return "n/a"
        said = "met" if self.meets_4wk_threshold else "not met"
        low, high = self.par_4wk_pct_low, self.par_4wk_pct_high  # high None: no interval known
        if high is not None and high >= self.threshold_pct and (low is None or low < self.threshold_pct):
            span = f"{'…' if low is None else f'{low:.1f}%'} to {high:.1f}%"
            return f"{said} by the figure, but uncertain: its 95% interval, {span}, spans the threshold"
        return said


def percent_area_reduction(a0: float, at: float) -> float:
    """PAR = (A0 - At) / A0 x 100 (%); undefined for a zero baseline."""
    if a0 <= 0:
        raise ValueError("the baseline area is 0: percent area reduction is undefined")
    return 100.0 * (a0 - at) / a0


def _spread(v: Visit) -> tuple[float, float] | None:
    """The log-area half-widths (down, up) of a visit's interval; None when it has none."""
    if v.area_mm2_low is None or v.area_mm2_high is None or v.area_mm2 is None or v.area_mm2 <= 0:
        return None
    down = math.log(v.area_mm2 / v.area_mm2_low) if v.area_mm2_low > 0 else math.inf
    return down, math.log(v.area_mm2_high / v.area_mm2)


def ratio_interval(later: Visit, earlier: Visit) -> tuple[float, float] | None:
    """The 95% interval of the area ratio later / earlier, from both visits' intervals (None if unknown).

    The two photos' errors are taken as independent, so their log half-widths add in
    quadrature; a later area of 0 spans from 0 to the later high over the earlier low.
    """
    e = _spread(earlier)
    if e is None or later.area_mm2 is None or later.area_mm2_high is None:
        return None
    if later.area_mm2 <= 0:
        return 0.0, (later.area_mm2_high / earlier.area_mm2_low if earlier.area_mm2_low > 0 else math.inf)
    lt = _spread(later)
    if lt is None:
        return None
    r = later.area_mm2 / earlier.area_mm2
    return r * math.exp(-math.hypot(lt[0], e[1])), r * math.exp(math.hypot(lt[1], e[0]))


def par_interval(base: Visit, v: Visit) -> tuple[float | None, float | None]:
    """The 95% interval of the PAR of visit ``v`` against ``base`` (%; None where unbounded or unknown).

    Where the baseline's interval reaches below ``OPEN_BELOW`` of its area (an outline whose inner band
    is nearly empty), the lower end is left open: a figure such as -455522% says no more than
    "unbounded". A well-measured wound that really grew keeps its figure."""
    r = ratio_interval(v, base)
    if r is None:
        return None, None
    low = 100.0 * (1 - r[1]) if math.isfinite(r[1]) else None
    if base.area_mm2_low is not None and base.area_mm2_low < OPEN_BELOW * base.area_mm2:
        low = None
    return low, 100.0 * (1 - r[0])


def change_beyond_noise(prev: Visit, v: Visit) -> bool | None:
    """Whether the area changed from ``prev`` to ``v`` by more than both areas' noise (None if unknown)."""
    r = ratio_interval(v, prev)
    return None if r is None else bool(r[1] < 1 or r[0] > 1)


# The 4-week PAR needs a visit within this many days of day 28, and the visits it is drawn between at
# most PAR_4WK_GAP_DAYS apart: a line drawn across a long gap says nothing of week 4 (days 0 and 205 gave
# 13%, days 15 and 205 16%, for a wound that closed). Trials' week-4 visits allow about a week (Sheehan
# et al. 2003); two weeks either way, six between visits, keep monthly-or-closer schedules.
PAR_4WK_REACH_DAYS = 14
PAR_4WK_GAP_DAYS = 42


def par_at_day(days: list[int], pars: list[float], day: float = 28.0,
               reach: float = PAR_4WK_REACH_DAYS) -> float | None:
    """PAR at ``day``: a visit's on that day, else linearly interpolated between the visits that straddle it
    (None where none do, neither lies within ``reach`` days of it, or they lie more than
    :data:`PAR_4WK_GAP_DAYS` apart)."""
    for d, p in zip(days, pars):
        if d == day:
            return p
    before = [(d, p) for d, p in zip(days, pars) if d < day]
    after = [(d, p) for d, p in zip(days, pars) if d > day]
    if not before or not after or min(day - before[-1][0], after[0][0] - day) > reach:
        return None
    (d0, p0), (d1, p1) = before[-1], after[0]
    if d1 - d0 > PAR_4WK_GAP_DAYS:
        return None
    return p0 + (p1 - p0) * (day - d0) / (d1 - d0)


def gilman(a1: float, a2: float, p1: float, p2: float, days: float) -> float | None:
    """Gilman's edge advance in mm/week: (A1 - A2) / mean perimeter / weeks."""
    if days <= 0 or p1 + p2 <= 0:
        return None
    return (a1 - a2) / ((p1 + p2) / 2) / (days / 7.0)


def _projections(days: np.ndarray, areas: np.ndarray, baseline: dt.date, closure_fraction: float):
    a0 = areas[0]
    target = closure_fraction * a0
    linear = exponential = None
    k = slope = None
    if len(days) >= 2 and np.ptp(days) > 0:
        slope, _ = np.polyfit(days, areas, 1)
        slope = float(slope)
        if slope < 0:  # from the latest visit, at the fitted rate (a closure beyond 100 years is none)
            ahead = days[-1] + math.ceil(max(areas[-1] - target, 0) / -slope)
            linear = baseline + dt.timedelta(days=int(ahead)) if ahead < 36500 else None
        pos = areas > 0
        t, y = days[pos], np.log(areas[pos] / a0)
        if np.sum(t**2) > 0:
            k = float(-np.sum(t * y) / np.sum(t**2))
            if k > 0 and math.log(1 / closure_fraction) / k < 36500:
                exponential = baseline + dt.timedelta(days=int(math.ceil(math.log(1 / closure_fraction) / k)))
    return linear, exponential, k, slope


def _extent(v: Visit) -> dict:
    """A visit's length and width from its measurement (0 for a closed wound; None where not known)."""
    if v.closed:
        return {"length_mm": 0.0, "width_mm": 0.0}
    return {"length_mm": v.result.get("length_mm"), "width_mm": v.result.get("width_mm")}


def check_threshold(threshold_pct: float) -> float:
    """The 4-week PAR threshold as a percentage; a ValueError for one that is not (0.5 meant as 50%)."""
    if isinstance(threshold_pct, bool) or not (isinstance(threshold_pct, numbers.Real) and 1 <= threshold_pct <= 100):
        raise ValueError(f"4-week PAR threshold {threshold_pct!r} must be a percentage from 1 to 100 "
                         "(50 for diabetic foot ulcers, 40 for venous leg ulcers)")
    return float(threshold_pct)


def analyse_series(visits: list[Visit], *, threshold_pct: float = THRESHOLDS["dfu"],
                   closure_fraction: float = 0.01) -> tuple[list[VisitMetrics], SeriesSummary]:
    """Order one wound's visits by date and compute per-visit and summary metrics.

    Parameters
    ----------
    visits : list of Visit
        One wound's visits, any order; failed visits (``error``) are kept and reported.
    threshold_pct : float
        The 4-week PAR that predicts healing (50 for DFU, 40 for VLU).
    closure_fraction : float
        Area, as a fraction of baseline, that counts as closed for projections.

    Returns
    -------
    (list of VisitMetrics in date order, SeriesSummary)
    """
    threshold_pct = check_threshold(threshold_pct)
    ordered = sorted(visits, key=Visit.order)
    measured = [v for v in ordered if v.counted]
    warnings: list[str] = []
    failed = [v for v in ordered if not v.measured]
    if failed:
        warnings.append(f"{len(failed)} visit(s) could not be measured and are left out of the metrics: "
                        + ", ".join(f"{v.date.isoformat() if v.date else 'undated'} {v.image}" for v in failed))
    for v in ordered:
        if v.measured and v.excluded:
            warnings.append(f"{v.date.isoformat()} {v.image} is left out of the metrics: {v.excluded}")
    dates = [v.date for v in measured]
    for day in sorted({d for d in dates if dates.count(d) > 1}):
        same = [v for v in measured if v.date == day]
        warnings.append(f"{len(same)} measured photos of {day.isoformat()} ("
                        + ", ".join(f"{Path(v.image).name} {v.area_mm2:.1f} mm²" for v in same)
                        + f"): the summary counts the first, {Path(same[0].image).name}; exclude the one not to count")
    photos_counted = len(measured)
    measured = [v for i, v in enumerate(measured) if v.date not in dates[:i]]  # one photo per visit date
    # the closure that stands is the last run of closed visits; an earlier one was found open again
    last_open = max((i for i, v in enumerate(measured) if not v.closed), default=-1)
    closing = measured[last_open + 1] if last_open + 1 < len(measured) else None
    earlier = next((v for v in measured[:last_open + 1] if v.closed), None)
    if earlier is not None:
        again = next(v for v in measured if v.date > earlier.date and not v.closed)
        warnings.append(f"counted as closed at {earlier.date.isoformat()} ({earlier.image}), but found again at "
                        f"{again.date.isoformat()}: reopened, or that photo's outline missed it (a dressing left on?); "
                        "check it")
    if closing is not None:
        warnings.append(f"closed at {closing.date.isoformat()} ({closing.image}): {closure_state(closing)}")
    if measured and (early := [v for v in failed if v.date and v.date < measured[0].date]):
        warnings.append(f"the earliest photo, {early[0].date.isoformat()} {early[0].image}, could not be measured: "
                        f"every PAR counts from {measured[0].date.isoformat()}, the first measured visit, instead; "
                        "correct that photo to count from it")
    wound = ordered[0].wound if ordered else "wound"
    base = measured[0] if measured else None
    rows: list[VisitMetrics] = []
    measured_rows: list[VisitMetrics] = []  # the rows of the visits the metrics count, one per date
    prev = None
    counted = {id(v) for v in measured}
    for v in ordered:
        if not v.counted or base is None:
            area = v.area_mm2 if v.measured else None
            rows.append(VisitMetrics(v.date.isoformat() if v.date else None,
                                     (v.date - base.date).days if base and v.date else None, v.image,
                                     area, None if area is None else area / 100, v.perimeter_mm if v.measured else None,
                                     None, None, None, v.calibration, list(v.warnings), v.error, v.outline, v.note,
                                     v.excluded, area_mm2_low=v.area_mm2_low if v.measured else None,
                                     area_mm2_high=v.area_mm2_high if v.measured else None,
                                     **(_extent(v) if v.measured else {})))
            continue
        day = (v.date - base.date).days
        par = percent_area_reduction(base.area_mm2, v.area_mm2) if base.area_mm2 > 0 else None
        change = v.area_mm2 - prev.area_mm2 if prev else None
        g = gilman(prev.area_mm2, v.area_mm2, prev.perimeter_mm, v.perimeter_mm, (v.date - prev.date).days) \
            if prev else None
        par_low, par_high = par_interval(base, v) if par is not None and v is not base else (None, None)
        rows.append(VisitMetrics(v.date.isoformat(), day, v.image, v.area_mm2, v.area_mm2 / 100, v.perimeter_mm,
                                 change, par, g, v.calibration, list(v.warnings), None, v.outline, v.note,
                                 closed=v.closed, closure_confirmed=v.closure_confirmed, area_mm2_low=v.area_mm2_low,
                                 area_mm2_high=v.area_mm2_high, par_pct_low=par_low, par_pct_high=par_high,
                                 change_beyond_noise=change_beyond_noise(prev, v) if prev else None, **_extent(v)))
        if id(v) in counted:  # a second photo of a date is measured against the visit before, not followed from
            measured_rows.append(rows[-1])
            prev = v
    if base is None:
        summary = SeriesSummary(wound, len(ordered), 0, len(failed), None, None, None, None, None, None, None,
                                threshold_pct, None, None, None, None, None, None, None, None,
                                "not projectable: no measured visit", warnings)
        return rows, summary
    last = measured[-1]
    days_total = (last.date - base.date).days
    if base.area_mm2 <= 0:
        warnings.append("the baseline area is 0: PAR and projections are undefined")
    par_latest = measured_rows[-1].par_pct
    days_of = [r.day for r in measured_rows]
    par4 = par_at_day(days_of, [r.par_pct for r in measured_rows], 28.0) if base.area_mm2 > 0 else None
    par4_low = par4_high = None
    if par4 is not None:  # the bounds drawn between the same visits (the baseline's PAR is 0 exactly)
        bounds = [(0.0, 0.0) if r.day == 0 else (r.par_pct_low, r.par_pct_high) for r in measured_rows]
        par4_low, par4_high = (par_at_day(days_of, [math.nan if b[i] is None else b[i] for b in bounds], 28.0)
                               for i in (0, 1))  # an open or unknown end at either visit leaves it so (None)
        par4_low, par4_high = (None if p is None or math.isnan(p) else p for p in (par4_low, par4_high))
    if par4 is None and base.area_mm2 > 0 and days_total > 28:
        warnings.append(f"no 4-week PAR: no visit within {PAR_4WK_REACH_DAYS} days of day 28, or none on its "
                        f"other side within {PAR_4WK_GAP_DAYS} days of it "
                        f"(visits on days {', '.join(str(r.day) for r in measured_rows)})")
    weeks = days_total / 7.0
    rate = (base.area_mm2 - last.area_mm2) / 100 / weeks if weeks > 0 else None
    g_total = gilman(base.area_mm2, last.area_mm2, base.perimeter_mm, last.perimeter_mm, days_total) \
        if len(measured) > 1 else None
    lar = math.log(last.area_mm2 / base.area_mm2) if base.area_mm2 > 0 and last.area_mm2 > 0 else None
    days_arr = np.array([r.day for r in measured_rows], float)
    areas = np.array([r.area_mm2 for r in measured_rows], float)
    linear = exponential = k = slope = None
    if base.area_mm2 > 0:
        linear, exponential, k, slope = _projections(days_arr, areas, base.date, closure_fraction)
    if last.area_mm2 <= 0 < base.area_mm2:  # closed (or drawn as nothing): a closure date to come means nothing
        linear = exponential = None
        note = f"not projected: the area is 0 at {last.date.isoformat()}"
    elif len(measured) < 2:
        note = "not projectable: only one measured visit"
    elif linear is None and exponential is None:
        note = "not projectable: the wound is not shrinking"
    else:
        note = f"closure = area below {100 * closure_fraction:g}% of baseline"
    summary = SeriesSummary(
        wound=wound, visits=len(ordered), measured_visits=photos_counted, failed_visits=len(failed),
        baseline_date=base.date.isoformat(), baseline_area_mm2=base.area_mm2, latest_date=last.date.isoformat(),
        latest_area_mm2=last.area_mm2, days=days_total, par_pct=par_latest, par_4wk_pct=par4,
        threshold_pct=threshold_pct, meets_4wk_threshold=None if par4 is None else bool(par4 >= threshold_pct),
        healing_rate_cm2_per_week=rate, gilman_mm_per_week=g_total, log_area_ratio=lar, exp_k_per_day=k,
        half_life_days=math.log(2) / k if k and k > 0 else None,
        projected_closure_date=linear.isoformat() if linear else None,
        projected_closure_date_exponential=exponential.isoformat() if exponential else None,
        projection_note=note, warnings=warnings, linear_rate_mm2_per_day=slope,
        closed_date=closing.date.isoformat() if closing is not None else None,
        par_pct_low=measured_rows[-1].par_pct_low, par_pct_high=measured_rows[-1].par_pct_high,
        par_4wk_pct_low=par4_low, par_4wk_pct_high=par4_high)
    return rows, summary
