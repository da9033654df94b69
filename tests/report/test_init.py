from woundmeasure.report import fmt, fmt_range


def test_numbers_as_the_reports_show_them():
    assert fmt(-0.00001, 4, "/day") == "0.0000/day"  # not -0.0000: a wound that is not changing
    assert fmt(-0.0123, 4) == "-0.0123" and fmt(None) == "–" and fmt(None, none="n/a") == "n/a"
    assert fmt_range(1.0, None, 1, " mm²") == "1.0–… mm²" and fmt_range(-0.01, 0.5) == "0.0–0.5"
