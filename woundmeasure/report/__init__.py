"""Overlays, plots and reports."""


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return text.lstrip("-") if float(text) == 0 else text  # a tiny negative number is 0, not -0.0000


def fmt(value, digits: int = 1, suffix: str = "", *, none: str = "–") -> str:
    """A number as the reports show it (``none`` for none)."""
    return none if value is None else f"{_number(value, digits)}{suffix}"


def fmt_range(low, high, digits: int = 1, suffix: str = "", dash: str = "–") -> str:
    """A 95% interval as the reports show it, ``low–high`` with ``dash`` between (a lone dash for none;
    an open end as '…')."""
    if low is None and high is None:
        return "–"
    ends = ["…" if v is None else _number(v, digits) for v in (low, high)]
    return f"{ends[0]}{dash}{ends[1]}{suffix}"


def open_end_note(track) -> str:
    """"; … an open end" where any PAR interval of the wound's visits or summary has one ('…'), else ""."""
    intervals = [(v.par_pct_low, v.par_pct_high) for v in track.visits]
    intervals.append((track.summary.par_pct_low, track.summary.par_pct_high))
    return "; … an open end" if any(low is None and high is not None for low, high in intervals) else ""


def visit_photo(visit):
    """The visit's photo as a person is shown it: read again, with the card's colour correction it was measured
    with (raises as :func:`~woundmeasure.io.read_image` does)."""
    from woundmeasure.color_correction import as_shown
    from woundmeasure.io import read_image

    return as_shown(read_image(visit.image).rgb, visit.result)
