from woundmeasure.report import fmt, fmt_range


def test_numbers_as_the_reports_show_them():
    assert fmt(-0.00001, 4, "/day") == "0.0000/day"  # not -0.0000: a wound that is not changing
    assert fmt(-0.0123, 4) == "-0.0123" and fmt(None) == "–" and fmt(None, none="n/a") == "n/a"
    assert fmt_range(1.0, None, 1, " mm²") == "1.0–… mm²" and fmt_range(-0.01, 0.5) == "0.0–0.5"


def test_the_open_end_is_explained_only_where_an_interval_has_one():
    from tests.helpers import visit as v
    from woundmeasure.report import open_end_note
    from woundmeasure.series import analyse_wound

    sure = analyse_wound("A", [v(0, 500.0, area_mm2_low=480.0, area_mm2_high=520.0),
                               v(28, 300.0, area_mm2_low=290.0, area_mm2_high=310.0)], threshold_pct=50, db="x.db")
    assert open_end_note(sure) == ""
    wide = analyse_wound("A", [v(0, 500.0, area_mm2_low=10.0, area_mm2_high=900.0),  # an outline's band nearly empty
                               v(28, 300.0, area_mm2_low=290.0, area_mm2_high=310.0)], threshold_pct=50, db="x.db")
    assert wide.summary.par_pct_low is None and open_end_note(wide) == "; … an open end"
