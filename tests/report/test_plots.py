from tests.helpers import visit as v
from woundmeasure.tracking import analyse_series


def test_plot_legend_lies_below_the_axes_where_it_hides_no_visit():
    from woundmeasure.report.plots import plot_series
    from woundmeasure.series import WoundTrack

    visits = [v(0, 1000.0), v(30, 600.0), v(60, 300.0), v(90, 100.0), v(120, 40.0)]
    rows, summary = analyse_series(visits)
    ax = plot_series(WoundTrack("w", rows, summary, visits, db=None))
    fig = ax.figure
    fig.canvas.draw()
    legend, frame = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y1 <= frame.y0 and fig.bbox.contains(legend.x0, legend.y0) and fig.bbox.contains(legend.x1, legend.y0)


def test_a_visit_from_a_poor_photo_is_ringed_in_the_plot():
    from woundmeasure.report.plots import plot_series
    from woundmeasure.series import WoundTrack

    blurred = {"quality": {"wound_blur_px": 9.0, "glare_pct": 0.0}}
    visits = [v(0, 1000.0), v(30, 600.0, result=blurred), v(60, 300.0)]
    rows, summary = analyse_series(visits)
    ax = plot_series(WoundTrack("w", rows, summary, visits, db=None))
    ringed = [line for line in ax.get_lines() if line.get_label().startswith("poor photo")]
    assert len(ringed) == 1 and list(ringed[0].get_ydata()) == [6.0]  # the second visit, 600 mm2
    clean = plot_series(WoundTrack("w", *analyse_series(visits[:1] + visits[2:]), visits[:1] + visits[2:], db=None))
    assert not [line for line in clean.get_lines() if line.get_label().startswith("poor photo")]


def test_each_area_is_drawn_with_its_95_percent_interval():
    from matplotlib.container import ErrorbarContainer

    from woundmeasure.report.plots import plot_series
    from woundmeasure.series import WoundTrack

    visits = [v(0, 1000.0, area_mm2_low=800.0, area_mm2_high=1300.0), v(30, 600.0, area_mm2_low=500.0,
                                                                        area_mm2_high=700.0), v(60, 300.0)]
    rows, summary = analyse_series(visits)
    ax = plot_series(WoundTrack("w", rows, summary, visits, db=None))
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 1  # one set of bars, for the two visits that have an interval
    segments = sorted(seg[:, 1].tolist() for seg in bars[0].lines[2][0].get_segments())
    assert segments == [[5.0, 7.0], [8.0, 13.0]]  # cm2, from each visit's low to its high


def test_a_wound_closed_at_its_last_visit_has_no_linear_projection_drawn_along_the_axis():
    from woundmeasure.report.plots import plot_series
    from woundmeasure.series import WoundTrack

    visits = [v(0, 1000.0), v(30, 600.0), v(60, 0.0)]
    rows, summary = analyse_series(visits)
    ax = plot_series(WoundTrack("w", rows, summary, visits, db=None))
    assert not [line for line in ax.get_lines() if line.get_label().startswith("linear")]
    assert not [line for line in ax.get_lines() if "None" in line.get_label()]  # "exponential: closure None"
    still_open = plot_series(WoundTrack("w", *analyse_series(visits[:2]), visits[:2], db=None))
    assert [line for line in still_open.get_lines() if line.get_label().startswith("linear")]
