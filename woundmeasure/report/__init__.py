"""Overlays, plots and reports."""


def fmt(value, digits: int = 1, suffix: str = "") -> str:
    """A number as the reports show it (a dash for none)."""
    return "–" if value is None else f"{value:.{digits}f}{suffix}"


def fmt_range(low, high, digits: int = 1, suffix: str = "", dash: str = "–") -> str:
    """A 95% interval as the reports show it, ``low–high`` (a dash for none; open ends as '…')."""
    if low is None and high is None:
        return dash
    ends = ["…" if v is None else f"{v:.{digits}f}" for v in (low, high)]
    return f"{ends[0]}{dash}{ends[1]}{suffix}"
