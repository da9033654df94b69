"""Overlays, plots and reports."""


def fmt(value, digits: int = 1, suffix: str = "") -> str:
    """A number as the reports show it (a dash for none)."""
    return "–" if value is None else f"{value:.{digits}f}{suffix}"
