"""Rulers found by their ticks: each design, on any background, and nothing else read as a ruler."""

import math

import numpy as np
import pytest

from woundmeasure.calibration.ruler import find_tick_rows, ruler_calibration
from woundmeasure.errors import CalibrationError
from woundmeasure.measurement import measure_mask
from woundmeasure.synthetic import CLUTTER, RULER_DESIGNS, add_clutter, make_phantom


def area_error_pct(p, cal):
    """Calibration alone under test: the true mask measured with the found calibration."""
    return 100 * (measure_mask(p.mask, calibration=cal).area_mm2 / p.area_mm2 - 1)


@pytest.mark.parametrize("design", [*RULER_DESIGNS, True])
@pytest.mark.parametrize("seed,background", [(301, None), (302, "drape"), (303, "gauze")])
def test_every_design_on_every_background_gives_the_scale(design, seed, background):
    p = make_phantom(seed, ruler=design, marker=False, width=1600, height=1200, px_per_mm=7.0,
                     ruler_background=background)
    cal = ruler_calibration(p.rgb)
    assert cal.method == "ruler"
    assert abs(area_error_pct(p, cal)) < 1.0
    assert dict(cal.details)["ticks"] >= 15


def test_a_dual_scale_ruler_is_read_on_its_mm_edge_never_its_inch_edge():
    p = make_phantom(311, ruler="dual", marker=False, width=1600, height=1200, px_per_mm=7.0)
    rows = find_tick_rows(__import__("cv2").cvtColor(p.rgb, __import__("cv2").COLOR_RGB2GRAY))
    assert {r.unit for r in rows} == {"mm", "inch/16"}  # both edges seen, each for what it is
    inch = next(r for r in rows if r.unit == "inch/16")
    assert inch.period_px == pytest.approx(7.0 * 25.4 / 16, rel=0.03)
    cal = ruler_calibration(p.rgb)
    assert cal.px_per_mm == pytest.approx(p.px_per_mm, rel=0.01)


@pytest.mark.parametrize("seed,tilt", [(321, 15.0), (322, 25.0), (323, 30.0)])
def test_an_l_shaped_guide_corrects_perspective(seed, tilt):
    kwargs = dict(marker=False, width=1800, height=1350, px_per_mm=7.0, tilt_deg=tilt)
    p = make_phantom(seed, ruler="lguide", **kwargs)
    cal = ruler_calibration(p.rgb)
    assert cal.perspective_corrected and cal.control_points is not None
    straight = make_phantom(seed, ruler="plain", **kwargs)  # the same camera, a straight ruler
    e_l, e_straight = area_error_pct(p, cal), area_error_pct(straight, ruler_calibration(straight.rgb))
    assert abs(e_l) < 1.0
    # a straight ruler sees the perspective in its ticks, not the foreshortening across it
    assert abs(e_straight) < 100 * (1 / math.cos(math.radians(tilt)) - 1) + 1.0


def test_a_straight_ruler_carries_its_scale_along_itself_and_claims_no_more():
    from woundmeasure.imageops import homography_area_scale

    p = make_phantom(331, ruler="plain", marker=False, width=1800, height=1350, px_per_mm=7.0, tilt_deg=10.0,
                     tilt_axis_deg=0.0)
    cal = ruler_calibration(p.rgb)
    assert not cal.perspective_corrected
    assert any("tilted" in w for w in cal.warnings)
    to_plane = np.linalg.inv(p.plane_to_image)
    scales = []
    for x, y in p.ruler_ends:  # the true scale differs from one end to the other; the found one follows it
        true = 1 / np.sqrt(homography_area_scale(to_plane, np.array([[x, y]]))[0])
        assert cal.at(x, y).px_per_mm == pytest.approx(true, rel=0.01)
        scales.append(true)
    assert abs(scales[0] / scales[1] - 1) > 0.02


@pytest.mark.parametrize("seed,axis", [(351, 0.0), (352, 60.0), (353, 120.0)])
def test_a_straight_ruler_corrects_the_perspective_its_ticks_show(seed, axis):
    from woundmeasure.imageops import homography_area_scale

    tilt = 10.0
    p = make_phantom(seed, ruler="plain", marker=False, width=2000, height=1500, px_per_mm=8.0, tilt_deg=tilt,
                     tilt_axis_deg=axis)
    cal = ruler_calibration(p.rgb)
    assert dict(cal.details)["perspective"].startswith("along and across") and not cal.perspective_corrected
    ys, xs = np.nonzero(p.mask)
    pts = np.column_stack([xs, ys])[::97].astype(float)
    ratio = cal.area_per_pixel(pts) / homography_area_scale(np.linalg.inv(p.plane_to_image), pts)
    assert np.std(ratio) / np.mean(ratio) < 0.003  # the scale's change across the wound is followed
    assert abs(np.mean(ratio) - 1) < (1 / math.cos(math.radians(tilt)) - 1) + 0.004  # only the foreshortening left


def test_a_ruler_partly_covered_is_still_read():
    import cv2

    p = make_phantom(341, ruler="plain", marker=False, width=1600, height=1200, px_per_mm=7.0)
    (x0, y0), (x1, y1) = p.ruler_ends
    mid = (int((x0 + x1) / 2), int((y0 + y1) / 2))
    rgb = p.rgb.copy()
    cv2.circle(rgb, mid, int(7.0 * 14), (150, 100, 80), -1)  # a gloved fingertip over 28 mm of it
    cal = ruler_calibration(rgb)
    assert cal.px_per_mm == pytest.approx(p.px_per_mm, rel=0.015)


@pytest.mark.parametrize("kind", CLUTTER)
@pytest.mark.parametrize("seed", [0, 1])
def test_nothing_that_is_not_a_ruler_gives_a_scale(kind, seed):
    p = make_phantom(350 + seed, marker=seed == 0, width=1600, height=1200, px_per_mm=7.0)
    with pytest.raises(CalibrationError):
        ruler_calibration(add_clutter(p.rgb, kind, seed=seed))


def test_a_strip_without_ticks_is_not_a_ruler():
    import cv2

    p = make_phantom(4, marker=False)
    rgb = p.rgb.copy()
    cv2.rectangle(rgb, (100, 700), (700, 800), (240, 240, 235), -1)  # a blank label, no ticks
    rng = np.random.default_rng(0)
    rgb[720:780, 120:680] = np.clip(rgb[720:780, 120:680] + rng.normal(0, 20, (60, 560, 1)), 0, 255).astype(np.uint8)
    with pytest.raises(CalibrationError):
        ruler_calibration(rgb)


def test_a_ruler_bent_over_a_limb_is_read_on_its_flat_part_and_says_so():
    import cv2

    p = make_phantom(361, ruler="plain", marker=False, width=1600, height=1200, px_per_mm=7.0)
    (x0, y0), (x1, y1) = p.ruler_ends
    u = np.array([x1 - x0, y1 - y0]) / np.hypot(x1 - x0, y1 - y0)
    n = np.array([-u[1], u[0]])
    yy, xx = np.mgrid[:1200, :1600].astype(np.float32)
    s = (xx - x0) * u[0] + (yy - y0) * u[1]
    bend = np.maximum(s - 0.55 * np.hypot(x1 - x0, y1 - y0), 0) ** 2 * 0.004  # the far end curls away
    near = np.abs((xx - x0) * n[0] + (yy - y0) * n[1]) < 7.0 * 40
    shift = np.where(near, bend, 0).astype(np.float32)
    mx, my = (xx - shift * n[0]).astype(np.float32), (yy - shift * n[1]).astype(np.float32)
    bent = cv2.remap(p.rgb, mx, my, cv2.INTER_LINEAR)
    cal = ruler_calibration(bent)
    assert any("not straight" in w for w in cal.warnings)
    assert cal.px_per_mm == pytest.approx(p.px_per_mm, rel=0.015)
    assert 15 <= dict(cal.details)["ticks"] < 90


@pytest.mark.parametrize("seed", [371, 372])
def test_an_l_shaped_guide_never_gives_a_mirrored_plane(seed):
    import cv2

    p = make_phantom(seed, ruler="lguide", marker=False, width=1800, height=1350, px_per_mm=7.0, tilt_deg=12.0)
    (x0, y0), (x1, y1) = p.ruler_ends  # the long arm, from the corner; cover its far end, so that the short
    rgb = p.rgb.copy()                 # arm has more ticks and the arms come in the other order
    cv2.circle(rgb, (int(x0 + 0.78 * (x1 - x0)), int(y0 + 0.78 * (y1 - y0))), int(7.0 * 20), (150, 100, 80), -1)
    rows = find_tick_rows(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    assert abs(rows[0].along @ ((p.ruler_ends[1] - p.ruler_ends[0]) / np.hypot(x1 - x0, y1 - y0))) < 0.3
    cal = ruler_calibration(rgb)
    H = cal.matrix
    x, y = cal.reference_centre
    w = H[2, 0] * x + H[2, 1] * y + H[2, 2]
    J = (H[:2, :2] - np.outer(H[:2] @ [x, y, 1] / w, H[2, :2])) / w
    truth = np.linalg.inv(p.plane_to_image)
    wt = truth[2, 0] * x + truth[2, 1] * y + truth[2, 2]
    Jt = (truth[:2, :2] - np.outer(truth[:2] @ [x, y, 1] / wt, truth[2, :2])) / wt
    assert np.sign(np.linalg.det(J)) == np.sign(np.linalg.det(Jt))  # the plane as the skin lies, not its mirror


def _row(offsets, period=10.0):
    """A row of ticks every ``period`` px along a 30 degree line, each base end moved ``offsets`` px across it."""
    from woundmeasure.calibration.ruler import TickRow

    k = np.arange(len(offsets))
    along, across = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)]), np.array([-np.sin(np.pi / 6), np.cos(np.pi / 6)])
    base = 100 + k[:, None] * period * along + np.asarray(offsets, float)[:, None] * across
    return TickRow(base, k, np.full(len(k), 20.0), across, period, "mm")


def test_a_straight_ruler_with_a_few_ticks_read_off_their_base_is_not_called_bent():
    from woundmeasure.calibration.ruler import _straight_part

    rng = np.random.default_rng(3)
    offsets = rng.normal(0, 0.3, 100)
    offsets[17] = -9.0  # one tick merged with a printed number
    offsets[40:45] += 1.2  # a few beside a number, read a pixel off
    row, bent = _straight_part(_row(offsets))
    assert not bent and len(row.k) == 100
    curl = np.maximum(np.arange(100) - 60, 0) ** 2 * 0.05  # the far end curls away: 80 px at the end
    row, bent = _straight_part(_row(offsets + curl))
    assert bent and 50 <= len(row.k) <= 75


def _skin(h=1200, w=1600, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(np.array([205, 160, 140]) + rng.normal(0, 6, (h, w, 3)), 0, 255).astype(np.uint8)


def _edge(rgb, origin, angle_deg, ppm, length_mm, *, step_mm=1.0, inward=1, tick=None, hidden=()):
    """Black ticks on white paper along a line from ``origin`` (px): every ``step_mm``; the whole mm
    longer than the half mm between them, the 5 and 10 mm longer still (or ``tick(i)`` mm long, i the
    tick's number); none in the ``hidden`` (from, to) mm ranges (a finger over the ruler)."""
    import cv2

    a = math.radians(angle_deg)
    u, n = np.array([math.cos(a), math.sin(a)]), inward * np.array([-math.sin(a), math.cos(a)])
    o = np.asarray(origin, float)
    body = [o - 4 * ppm * u - 0.5 * ppm * n, o + (length_mm + 4) * ppm * u - 0.5 * ppm * n,
            o + (length_mm + 4) * ppm * u + 14 * ppm * n, o - 4 * ppm * u + 14 * ppm * n]
    cv2.fillPoly(rgb, [np.round(np.array(body) * 16).astype(np.int32)], (240, 238, 228), cv2.LINE_AA, shift=4)
    for i in range(int(round(length_mm / step_mm)) + 1):
        mm = i * step_mm
        if any(lo <= mm <= hi for lo, hi in hidden):
            continue
        long = tick(i) if tick else 7.0 if mm % 10 == 0 else 5.0 if mm % 5 == 0 else 3.0 if mm % 1 == 0 else 2.0
        p0, p1 = o + mm * ppm * u, o + (mm * ppm) * u + long * ppm * n
        cv2.line(rgb, tuple(np.round(p0 * 16).astype(int)), tuple(np.round(p1 * 16).astype(int)), (25, 25, 25),
                 max(1, round(0.2 * ppm)), cv2.LINE_AA, shift=4)


@pytest.mark.parametrize("ppm", [12.0, 20.0])
def test_a_half_mm_edge_is_numbered_in_mm_not_read_as_mm(ppm):
    """A steel rule's 0.5 mm ticks read as mm would halve the scale: every area four times too large."""
    rgb = _skin()
    _edge(rgb, (150, 300), 0, ppm, 1200 / ppm, step_mm=0.5)
    cal = ruler_calibration(rgb)
    assert cal.px_per_mm == pytest.approx(ppm, rel=0.005)


def test_a_steel_rule_with_a_half_mm_and_a_mm_edge_gives_one_scale():
    rgb = _skin(seed=1)
    _edge(rgb, (150, 300), 0, 8.0, 150, step_mm=0.5)
    _edge(rgb, (150, 300 + 28 * 8.0), 0, 8.0, 150, inward=-1)  # the other edge of a 28 mm wide rule
    cal = ruler_calibration(rgb)
    assert cal.px_per_mm == pytest.approx(8.0, rel=0.005) and not cal.warnings


@pytest.mark.parametrize("angle, guide", [(90, True), (70, False), (60, False)])
def test_two_rulers_meeting_at_a_corner_are_an_l_guide_only_when_square(angle, guide):
    """Two rulers at 70 degrees squared as an L would be wrong by 1/sin(70) = +6.4% in area, said to be
    perspective-corrected."""
    rgb = _skin(seed=2)
    _edge(rgb, (300, 900), 0, 10.0, 80)  # ticks on the arms' outer edges, as on an L-shaped guide
    _edge(rgb, (300, 900), -angle, 10.0, 60, inward=-1)
    cal = ruler_calibration(rgb)
    assert (dict(cal.details).get("design") == "L-shaped") is guide
    assert cal.px_per_mm == pytest.approx(10.0, rel=0.01)


@pytest.mark.parametrize("ppm", [20.0, 30.0])
def test_a_close_up_ruler_is_found_though_its_ticks_are_wide(ppm):
    """A small wound photographed close: 0.18 mm ticks are 4-6 px wide at 20 px/mm, too wide for the tick
    filter at full size; a coarser look finds them."""
    p = make_phantom(1, width=2000, height=1500, px_per_mm=ppm, marker=False, ruler="plain", wound_radius_mm=8)
    assert ruler_calibration(p.rgb).px_per_mm == pytest.approx(ppm, rel=0.002)


@pytest.mark.parametrize("ppm, step, blur, seed", [(8.0, 1.0, 2.0, 8), (18.0, 0.5, 1.5, 18)])
def test_a_blurred_ruler_is_never_read_at_twice_its_scale(ppm, step, blur, seed):
    """A blurred mm edge's ticks look alike (their noise alternating is no 0.5 mm edge); a blurred 0.5 mm edge
    seen coarser keeps every other mm tick, long every 5 of them (no mm ruler). Either is right or not found."""
    import cv2

    rgb = _skin(1500, 2000, seed=seed)
    _edge(rgb, (150, 750), 0, ppm, min(150, 1700 / ppm), step_mm=step)
    rgb = cv2.GaussianBlur(rgb, (0, 0), blur)
    try:
        scale = ruler_calibration(rgb).px_per_mm
    except CalibrationError:
        return
    assert scale == pytest.approx(ppm, rel=0.01)


@pytest.mark.parametrize("ppm", [6.0, 10.0])
def test_an_edge_longer_only_every_10_ticks_is_never_read_at_half_its_scale(ppm):
    """A 0.5 mm edge whose half-mm ticks are as long as its mm ones, longer only at 5 and 10 mm (every 10 and
    20 ticks), has the mm pattern's period: read as mm it halved the scale, every area four times too large,
    unsaid. It is read in mm (off its whole-mm ticks) or refused; a mm edge without 5 mm ticks looks the
    same at half the spacing and is refused: neither is guessed."""
    rgb = _skin(seed=3)
    _edge(rgb, (150, 300), 0, ppm, 1300 / ppm, step_mm=0.5, tick=lambda i: 6.0 if i % 20 == 0 else 4.5
          if i % 10 == 0 else 2.5)
    try:
        assert ruler_calibration(rgb).px_per_mm == pytest.approx(ppm, rel=0.005)
    except CalibrationError as exc:
        assert "longer only every 10th" in str(exc) and "--ruler" in str(exc)
    rgb = _skin(seed=3)
    _edge(rgb, (150, 300), 0, ppm, 1300 / ppm, tick=lambda i: 6.0 if i % 10 == 0 else 3.0)
    with pytest.raises(CalibrationError, match="longer only every 10th.*give the scale with --ruler"):
        ruler_calibration(rgb)


def test_a_dual_ruler_is_read_on_its_mm_edge_when_fingers_cover_part_of_it_not_on_its_tenth_inch_edge():
    """A tenth-inch edge has the mm pattern (longer every 5 and 10): with its mm edge partly covered it was the
    longer row and was read as mm, 2.54 times too coarse (the area 6.45 times too small)."""
    rgb = _skin(seed=5)
    ppm = 8.0
    _edge(rgb, (150, 300), 0, ppm, 150, hidden=((40, 52), (95, 108)))
    _edge(rgb, (150, 300 + 30 * ppm), 0, ppm, 150, inward=-1, step_mm=2.54,
          tick=lambda i: 7.0 if i % 10 == 0 else 5.0 if i % 5 == 0 else 3.0)
    assert ruler_calibration(rgb).px_per_mm == pytest.approx(ppm, rel=0.005)


def test_a_level_ruler_is_found_when_its_upright_ticks_point_either_way(monkeypatch):
    """A level ruler's ticks stand straight up, where a mark's direction (pointing right) flips between up and
    down with the photo's noise (61 up, 40 down in a JPEG of a clinic's ruler): the chain of base ends broke
    apart and the ruler was not found. Here every other mark's direction is turned round, as the noise does."""
    import woundmeasure.calibration.ruler as ruler

    rgb = _skin(seed=6)
    _edge(rgb, (230, 500), 0, 10.0, 100)
    marks = ruler._tick_marks

    def noisy(gray, *, dark):
        centre, direction, length, width = marks(gray, dark=dark)
        upright = np.abs(direction[:, 0]) < 0.05
        turn = upright & (np.arange(len(direction)) % 2 == 1)
        return centre, np.where(turn[:, None], -direction, direction), length, width

    monkeypatch.setattr(ruler, "_tick_marks", noisy)
    assert ruler_calibration(rgb).px_per_mm == pytest.approx(10.0, rel=0.005)
