import datetime as dt
import math

import pytest

from tests.helpers import D0
from tests.helpers import visit as v
from woundmeasure.tracking import (
    Visit,
    analyse_series,
    gilman,
    par_at_day,
    percent_area_reduction,
)


def test_metrics_match_hand_computation():
    visits = [v(42, 300.0, 60.0), v(0, 1000.0, 110.0), v(14, 700.0, 95.0), v(35, 450.0, 75.0)]  # any order
    rows, s = analyse_series(visits)
    assert [r.day for r in rows] == [0, 14, 35, 42]
    assert [r.par_pct for r in rows] == pytest.approx([0, 30, 55, 70])
    assert [r.change_mm2 for r in rows] == [None, -300.0, -250.0, -150.0]
    # Gilman per pair: (A1 - A2) / mean perimeter / weeks
    assert rows[1].gilman_mm_per_week == pytest.approx(300 / ((110 + 95) / 2) / 2)
    assert rows[3].gilman_mm_per_week == pytest.approx(150 / ((75 + 60) / 2) / 1)
    assert s.par_pct == pytest.approx(70)
    # day 28 lies between day 14 (30%) and day 35 (55%): 30 + 25 * 14/21
    assert s.par_4wk_pct == pytest.approx(30 + 25 * 14 / 21)
    assert s.meets_4wk_threshold is False  # 46.7% < 50%
    assert s.healing_rate_cm2_per_week == pytest.approx((1000 - 300) / 100 / 6)
    assert s.gilman_mm_per_week == pytest.approx(700 / ((110 + 60) / 2) / 6)
    assert s.log_area_ratio == pytest.approx(math.log(0.3))
    t = [0, 14, 35, 42]
    y = [math.log(a / 1000) for a in (1000, 700, 450, 300)]
    k = -sum(a * b for a, b in zip(t, y)) / sum(a * a for a in t)
    assert s.exp_k_per_day == pytest.approx(k)
    assert s.projected_closure_date_exponential == (D0 + dt.timedelta(days=math.ceil(math.log(100) / k))).isoformat()
    import numpy as np

    slope = np.polyfit(t, [1000, 700, 450, 300], 1)[0]
    assert s.projected_closure_date == (D0 + dt.timedelta(days=42 + math.ceil((300 - 10) / -slope))).isoformat()
    assert s.threshold_pct == 50


def test_threshold_and_exact_day_28():
    rows, s = analyse_series([v(0, 100.0), v(28, 65.0), v(56, 30.0)], threshold_pct=40)
    assert s.par_4wk_pct == pytest.approx(35) and s.meets_4wk_threshold is False


def test_one_visit():
    rows, s = analyse_series([v(0, 500.0)])
    assert s.par_pct == 0 and s.par_4wk_pct is None and s.healing_rate_cm2_per_week is None
    assert s.projected_closure_date is None and "only one measured visit" in s.projection_note


def test_identical_dates_are_kept_and_flagged():
    rows, s = analyse_series([v(0, 500.0), Visit(D0 + dt.timedelta(days=10), "b.jpg", 400.0, 70.0),
                              Visit(D0 + dt.timedelta(days=10), "c.jpg", 410.0, 71.0)])
    assert len(rows) == 3 and rows[2].gilman_mm_per_week is None  # zero interval: no rate
    assert any("2 measured photos of 2024-01-11 (b.jpg 400.0 mm², c.jpg 410.0 mm²): the summary counts the "
               "first, b.jpg" in w for w in s.warnings)


def test_two_photos_of_one_visit_count_the_first_everywhere():
    """The 4-week PAR drew its line from the last photo of the day before day 28 and the latest PAR took the
    last photo of its day, so the same two photos of one visit gave 36.7% or 59.0%: the summary counts the
    first photo of each date everywhere, the next visit's change is from it, and none is called excluded."""
    def series(day28):
        return analyse_series([v(0, 800.0), *(Visit(D0 + dt.timedelta(days=21), n, a, 100.0) for n, a in day28),
                               v(42, 300.0)])[1]

    for photos in ([("a.jpg", 500.0), ("b.jpg", 330.0)], [("a.jpg", 330.0), ("b.jpg", 500.0)]):
        s = series(photos)
        first = photos[0][1]
        assert s.par_4wk_pct == pytest.approx(100 * (1 - (first + (300 - first) * 7 / 21) / 800))
    s = analyse_series([v(0, 800.0), v(28, 300.0), Visit(D0 + dt.timedelta(days=28), "z.jpg", 700.0, 100.0)])[1]
    assert s.latest_area_mm2 == 300.0 and s.par_pct == pytest.approx(62.5) and s.par_4wk_pct == pytest.approx(62.5)
    rows, s = analyse_series([v(0, 800.0), Visit(D0 + dt.timedelta(days=21), "a.jpg", 500.0, 100.0),
                              Visit(D0 + dt.timedelta(days=21), "b.jpg", 330.0, 100.0), v(42, 300.0)])
    assert rows[-1].change_mm2 == pytest.approx(-200.0)  # from a.jpg, the photo counted
    assert (s.visits, s.measured_visits, s.failed_visits) == (4, 4, 0)  # b.jpg measured, not excluded


def test_growing_wound_is_not_projectable():
    rows, s = analyse_series([v(0, 100.0), v(14, 130.0), v(28, 160.0)])
    assert s.par_pct == pytest.approx(-60) and s.healing_rate_cm2_per_week < 0
    assert s.projected_closure_date is None and s.projected_closure_date_exponential is None
    assert "not shrinking" in s.projection_note


def test_failed_visit_is_reported_not_dropped():
    bad = Visit(D0 + dt.timedelta(days=7), "bad.jpg", error="bad.jpg: damaged")
    rows, s = analyse_series([v(0, 100.0), bad, v(14, 50.0)])
    assert [r.image for r in rows] == ["0.jpg", "bad.jpg", "14.jpg"]
    assert rows[1].error == "bad.jpg: damaged" and rows[1].par_pct is None
    assert rows[2].change_mm2 == -50.0  # against the last measured visit
    assert s.failed_visits == 1 and any("bad.jpg" in w for w in s.warnings)


def test_no_4_week_par_is_drawn_across_a_long_gap_and_the_summary_says_why():
    # day 0 and day 205 (closed to 3.8%): a line between them would read 13% at day 28, "not met", for a wound
    # that healed
    rows, s = analyse_series([v(0, 1000.0), v(205, 38.0)])
    assert s.par_4wk_pct is None and s.meets_4wk_threshold is None
    assert any("no 4-week PAR: no visit within 14 days of day 28" in w and "days 0, 205" in w for w in s.warnings)
    # a visit within two weeks of day 28 gives it: 14 (30%) and 56 (70%) -> 43.3%; 0 and 30 (60%) -> 56%
    _, s = analyse_series([v(0, 1000.0), v(14, 700.0), v(56, 300.0)])
    assert s.par_4wk_pct == pytest.approx(30 + 40 / 3) and not any("4-week" in w for w in s.warnings)
    assert par_at_day([0, 30], [0, 60]) == pytest.approx(56)
    assert par_at_day([0, 13, 43], [0, 30, 70]) is None  # 15 days either side
    assert par_at_day([0, 15, 205], [0, 10, 96]) is None  # day 15 is near, but day 205 is 190 days on
    assert par_at_day([0, 30], [0, 60]) == pytest.approx(56) and par_at_day([0, 15, 58], [0, 10, 50]) is None
    # a series that has not reached day 28 says nothing of it
    _, s = analyse_series([v(0, 1000.0), v(21, 600.0)])
    assert s.par_4wk_pct is None and not any("4-week" in w for w in s.warnings)


def test_helpers():
    assert percent_area_reduction(200, 50) == 75
    with pytest.raises(ValueError, match="baseline area is 0"):
        percent_area_reduction(0, 5)
    assert par_at_day([0, 10], [0, 20]) is None
    assert gilman(10, 5, 1, 1, 0) is None


def _visit(day, area, low, high):
    return Visit(dt.date(2024, 1, 1) + dt.timedelta(days=day), f"{day}.jpg", area_mm2=area, perimeter_mm=10.0,
                 area_mm2_low=low, area_mm2_high=high)


def test_par_interval_and_change_beyond_noise():
    rows, summary = analyse_series([_visit(0, 100.0, 90.0, 110.0), _visit(14, 50.0, 45.0, 55.0),
                                    _visit(28, 48.0, 43.0, 53.0)])
    base, half, same = rows
    assert base.par_pct_low is None and base.change_beyond_noise is None  # the baseline is PAR 0 by definition
    assert half.par_pct_low < 50.0 < half.par_pct_high
    # independent errors at both ends, in quadrature: wider than either end alone, narrower than both extremes
    assert 100 * (1 - 55 / 90) < half.par_pct_low < 100 * (1 - 50 / 90)
    assert 100 * (1 - 45 / 110) > half.par_pct_high > 100 * (1 - 45 / 100)
    assert half.change_beyond_noise is True and same.change_beyond_noise is False
    assert (summary.par_pct_low, summary.par_pct_high) == (same.par_pct_low, same.par_pct_high)


def test_intervals_of_a_closed_wound_and_of_a_record_without_them():
    rows, summary = analyse_series([_visit(0, 100.0, 80.0, 120.0), _visit(30, 0.0, 0.0, 0.0)])
    assert rows[1].par_pct == 100.0 and rows[1].par_pct_high == 100.0 and rows[1].par_pct_low == 100.0
    assert rows[1].change_beyond_noise is True
    rows, summary = analyse_series([_visit(0, 100.0, None, None), _visit(30, 60.0, None, None)])
    assert rows[1].par_pct == pytest.approx(40.0) and rows[1].par_pct_low is None
    assert rows[1].change_beyond_noise is None and summary.par_pct_low is None


def test_a_wound_at_area_0_has_no_closure_date_to_come():
    """A shrinking series that reaches 0 was projected to close weeks after the visit that measured 0."""
    rows, s = analyse_series([v(0, 400.0), v(28, 200.0), v(56, 0.0)])
    assert s.par_pct == 100 and s.projected_closure_date is None and s.projected_closure_date_exponential is None
    assert "area is 0" in s.projection_note


def test_a_baseline_with_a_nearly_empty_inner_band_leaves_the_par_interval_open_below():
    """An outline the model is unsure of (inner band 0.04 of 172 mm²) gave PAR intervals like -455522 to 77%."""
    rows, _ = analyse_series([_visit(0, 172.4, 0.04, 575.7), _visit(28, 40.0, 20.0, 60.0)])
    assert rows[1].par_pct_low is None and 76 < rows[1].par_pct_high < 100
    rows, _ = analyse_series([_visit(0, 100.0, 90.0, 110.0), _visit(14, 220.0, 210.0, 230.0)])
    assert -180 < rows[1].par_pct_low < -120  # a well-measured wound that more than doubled keeps its figure


def test_a_threshold_given_as_a_fraction_is_refused_not_read_as_half_a_percent():
    visits = [v(0, 1000.0), v(28, 633.0)]  # PAR 36.7% at week 4: "met" against 0.5
    for bad in (0.5, -10, 150):
        with pytest.raises(ValueError, match=f"threshold {bad!r} must be a percentage from 1 to 100"):
            analyse_series(visits, threshold_pct=bad)
    assert analyse_series(visits, threshold_pct=40)[1].meets_4wk_threshold is False
    import numpy as np

    assert analyse_series(visits, threshold_pct=np.float32(30))[1].meets_4wk_threshold is True  # numpy numbers too


def test_each_visit_carries_its_length_and_width_and_a_closed_wound_none_left():
    rows, _ = analyse_series([v(0, 500.0, result={"length_mm": 30.0, "width_mm": 21.0}),
                              v(28, 0.0, closed=True), v(56, 80.0)])
    assert (rows[0].length_mm, rows[0].width_mm) == (30.0, 21.0)
    assert (rows[1].length_mm, rows[1].width_mm) == (0.0, 0.0)
    assert rows[2].length_mm is None and "length_mm" in rows[2].to_dict()  # not measured: unknown, not 0


def test_a_4_week_pas_whose_interval_spans_the_threshold_is_said_to_be_uncertain():
    """A doubtful outline near day 28 (a greyscale photo, -43% in area) read "61.2%: meets the 50% threshold"
    in every summary, its own interval -32 to 92% unsaid: the verdict now says it cannot be told."""
    sure = dict(area_mm2_low=None, area_mm2_high=None)

    def series(low, high):
        base = v(0, 800.0, area_mm2_low=760.0, area_mm2_high=840.0)
        return analyse_series([base, v(28, 310.0, area_mm2_low=low, area_mm2_high=high)])[1]

    s = series(290.0, 330.0)
    assert s.verdict_4wk == "met" and 55 < s.par_4wk_pct_low < s.par_4wk_pct < s.par_4wk_pct_high < 68
    s = series(60.0, 1000.0)
    assert s.meets_4wk_threshold and s.verdict_4wk.startswith("met by the figure, but uncertain")
    assert s.par_4wk_pct_low < 50 <= s.par_4wk_pct_high
    s = analyse_series([v(0, 800.0, area_mm2_low=760.0, area_mm2_high=840.0), v(28, 310.0, **sure)])[1]
    assert s.verdict_4wk == "met" and s.par_4wk_pct_high is None  # no interval known: the figure alone
    s = analyse_series([v(0, 800.0, area_mm2_low=760.0, area_mm2_high=840.0),  # drawn between two visits
                        v(21, 500.0, area_mm2_low=100.0, area_mm2_high=900.0), v(35, 300.0, area_mm2_low=280.0,
                                                                                 area_mm2_high=320.0)])[1]
    assert s.par_4wk_pct_low < s.par_4wk_pct < s.par_4wk_pct_high and "uncertain" in s.verdict_4wk


def test_a_failed_first_photo_and_a_reopened_closure_are_said_in_the_summary():
    failed = Visit(D0, "first.jpg", None, None, error="first.jpg: cannot be decoded")
    s = analyse_series([failed, v(30, 500.0), v(60, 300.0)])[1]
    assert s.baseline_date == "2024-01-31"
    assert any("the earliest photo, 2024-01-01 first.jpg, could not be measured: every PAR counts from 2024-01-31"
               in w for w in s.warnings)
    s = analyse_series([v(0, 500.0), v(30, 0.0, closed=True), v(60, 200.0)])[1]
    assert s.closed_date is None
    assert any("counted as closed at 2024-01-31 (30.jpg), but found again at 2024-03-01" in w for w in s.warnings)
    s = analyse_series([v(0, 500.0), v(30, 0.0, closed=True), v(60, 0.0, closed=True)])[1]
    assert s.closed_date == "2024-01-31" and any(w.startswith("closed at 2024-01-31") for w in s.warnings)
    s = analyse_series([v(0, 500.0), v(30, 0.0, closed=True), v(60, 200.0), v(90, 0.0, closed=True)])[1]
    assert s.closed_date == "2024-03-31" and any(w.startswith("closed at 2024-03-31") for w in s.warnings)
    assert any("counted as closed at 2024-01-31 (30.jpg), but found again at 2024-03-01" in w for w in s.warnings)


def test_the_4_week_verdict_is_in_the_summarys_record():
    """track --json and the review page read the summary as a dict: the verdict was left out of it."""
    s = analyse_series([v(0, 800.0, area_mm2_low=760.0, area_mm2_high=840.0),
                        v(28, 310.0, area_mm2_low=60.0, area_mm2_high=1000.0)])[1]
    assert s.to_dict()["verdict_4wk"] == s.verdict_4wk and "uncertain" in s.to_dict()["verdict_4wk"]
