"""Printed millimetre ruler calibration, found by its tick marks.

A ruler is a row of short parallel lines, equally spaced, whose lengths follow the mm
pattern (longer every 5 and 10 mm). The ticks are found as thin dark (or light) line
marks wherever they are, whatever the ruler's colour and what it lies on; marks whose
base ends follow one another at a steady spacing, perpendicular to the marks, are chained
into rows (a chain bends with a ruler bent over a limb). A row whose tick lengths repeat
every 16 (a 1/16 inch edge) is never read as mm; on a 0.5 mm edge (every other tick longer)
only the whole-mm ticks are numbered. A ruler marked in tenths of an inch has the mm pattern
(longer every 5 and 10) and cannot be told from a mm ruler by its ticks. Along a row, tick position against tick
number is fitted with a 1D projective model, so a spacing that changes along the ruler
(a tilted camera) carries the scale to where the wound is; the ticks, parallel on the skin,
converge in a tilted photo toward the vanishing point across the ruler, which gives the
perspective across it too (a homography of the plane whose only unknown, the foreshortening
across the ruler, an area error between -(1 - cos tilt) and 1 / cos tilt - 1, is assumed away). Two rows at an angle meeting
at a corner (an L-shaped wound guide) are known points of the skin plane off one line:
they give a full homography, as the marker does. A weak, short or irregular row is a
failure, never a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from woundmeasure.calibration.record import Calibration, ControlPoints, polygons
from woundmeasure.errors import CalibrationError
from woundmeasure.imageops import shrink

WORK_LONG_SIDE = 2000
MIN_LONG_SIDE = 480  # the coarsest size a close-up is searched at
MIN_TICKS = 15  # a row of at least 14 mm
BEND_MEDIAN = 5  # ticks: a bend is judged on the running median of the base ends' distances from the line
TILT_WARN_DEG = 6.0  # the foreshortening left is then up to 0.5% of the area
FOCAL_GUESS = 1.2  # focal length / the photo's long side: longer than a phone's main camera (0.75-0.8), so
# that the tilt guessed from the vanishing line, and the uncertainty it sets, err large (a 3x telephoto is 2.3)
SIXTEENTH_INCH_MM = 25.4 / 16
# Share of the tick lengths' variance that "odd or even tick" explains, above which a mm-patterned row is
# a 0.5 mm edge (a steel rule's: its whole-mm ticks longer than the half-mm ones between them). A mm edge
# scores 0.01-0.06 (its 5 and 10 mm ticks fall on both), a 0.5 mm edge 0.45-0.7.
HALF_MM_ALTERNATE = 0.3
L_SQUARE_DEG = 5.0  # an L-shaped guide's arms are square: each arm's ticks run along the other arm
ACROSS = "along and across the ruler, its aspect assumed square"  # what a straight ruler's details say it corrected


@dataclass(frozen=True)
class TickRow:
    """One ruler edge: its ticks' base points (image px, in tick order), numbers (mm) and lengths (px)."""

    base: np.ndarray  # (K, 2)
    k: np.ndarray  # (K,) integer tick numbers
    length: np.ndarray  # (K,)
    direction: np.ndarray  # (2,) unit vector along the ticks, pointing from the base into the ruler
    period_px: float
    unit: str  # "mm", "inch/16", or "tens only" (longer every 10 ticks only: mm or 0.5 mm, not told)
    marks: frozenset = frozenset()  # which marks it is made of (to tell rows made of the same ticks)
    straightness_px: float = 0.0  # scatter of the base ends about a line: small on the ruler's edge
    tick_dir: np.ndarray | None = None  # (K, 2) each tick's own unit direction (they converge under perspective)

    @property
    def along(self) -> np.ndarray:
        """Unit vector along the row (the ruler's edge, fitted through all base points), toward higher
        tick numbers."""
        return self.edge[1]

    @cached_property
    def edge(self) -> tuple[np.ndarray, np.ndarray]:
        """The ruler's edge: a point on it and its direction, fitted through the base points (a tick cut
        by the photo's border or merged with a number does not tilt it)."""
        keep = np.ones(len(self.base), bool)
        for _ in range(3):
            centre = self.base[keep].mean(0)
            _, _, vt = np.linalg.svd(self.base[keep] - centre)
            d = vt[0] * np.sign(vt[0] @ (self.base[-1] - self.base[0]))
            off = np.abs((self.base - centre) @ np.array([-d[1], d[0]]))
            new = off <= max(3 * np.median(off[keep]), 0.5)
            if (new == keep).all():
                break
            keep = new
        return centre, d


def _tick_marks(gray: np.ndarray, *, dark: bool):
    """Thin straight marks, dark on light (or light on dark): (centre, unit direction, length, width) arrays."""
    import cv2

    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))
    out = []
    for op in ((cv2.MORPH_BLACKHAT,) if dark else (cv2.MORPH_TOPHAT,)):
        resp = cv2.morphologyEx(gray, op, kernel)
        top = float(np.percentile(resp, 99.8))
        binary = (resp > max(18.0, 0.35 * top)).astype(np.uint8)
        n, lab, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        if n <= 1:
            continue
        area = stats[:, cv2.CC_STAT_AREA].astype(float)
        ys, xs = np.nonzero(lab)
        ids = lab[ys, xs]
        cnt = np.bincount(ids, minlength=n).astype(float)
        cnt[0] = 1
        mx, my = np.bincount(ids, xs, n) / cnt, np.bincount(ids, ys, n) / cnt
        sxx = np.bincount(ids, xs * xs, n) / cnt - mx**2
        syy = np.bincount(ids, ys * ys, n) / cnt - my**2
        sxy = np.bincount(ids, xs * ys, n) / cnt - mx * my
        tr, det = sxx + syy, sxx * syy - sxy**2
        disc = np.sqrt(np.maximum(tr**2 / 4 - det, 0))
        l1, l2 = tr / 2 + disc, np.maximum(tr / 2 - disc, 0)
        length, width = np.sqrt(12 * l1) + 1, np.sqrt(12 * l2) + 1
        theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)
        ok = (area >= 5) & (area <= 4000) & (length >= 5) & (width <= 6) & (length >= 2.5 * width)
        ok[0] = False
        idx = np.flatnonzero(ok)
        out.append((np.column_stack([mx[idx], my[idx]]), np.column_stack([np.cos(theta[idx]), np.sin(theta[idx])]),
                    length[idx], width[idx]))
    if not out:
        return np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0), np.zeros(0)
    return tuple(np.concatenate(parts) for parts in zip(*out))


def _chains(centre, direction, length) -> list[np.ndarray]:
    """Groups of marks whose base ends follow one another: each a candidate ruler edge (indices, either end)."""
    from scipy.spatial import cKDTree

    n = len(centre)
    if n < MIN_TICKS:
        return []
    out = []
    for sign in (-1.0, 1.0):
        ends = centre + sign * direction * (length[:, None] / 2)
        tree = cKDTree(ends)
        dist, nbr = tree.query(ends, k=min(7, n))
        parent = np.arange(n)

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(n):
            for d, j in zip(dist[i, 1:], nbr[i, 1:]):
                if not (2.0 <= d <= 80.0):
                    continue
                if abs(direction[i] @ direction[j]) < math.cos(math.radians(8)):
                    continue  # not parallel
                step = (ends[j] - ends[i]) / d
                if abs(step @ direction[i]) > math.sin(math.radians(20)):
                    continue  # not side by side
                if d > 2.6 * min(length[i], length[j]) + 4:
                    continue  # too far apart for marks this long: not neighbouring ticks
                parent[find(i)] = find(j)
        roots = np.array([find(i) for i in range(n)])
        for r in np.unique(roots):
            members = np.flatnonzero(roots == r)
            if len(members) >= MIN_TICKS:
                out.append((members, sign))
    return out


def _phase_r2(k: np.ndarray, values: np.ndarray, modulus: int) -> float:
    """Share of the variance of ``values`` explained by ``k mod modulus`` (0: none, 1: all)."""
    total = float(np.var(values))
    if total <= 0:
        return 0.0
    means = _phase_means(k, values, modulus)
    return float(1 - np.var(values - means[k % modulus]) / total)


def _phase_means(k: np.ndarray, values: np.ndarray, modulus: int) -> np.ndarray:
    """Mean of ``values`` for each ``k mod modulus`` (0 where a phase has none)."""
    phase = k % modulus
    return np.array([values[phase == p].mean() if np.any(phase == p) else 0.0 for p in range(modulus)])


def _row(members, sign, centre, direction, length) -> TickRow | None:
    """Order a chain along itself, number its ticks and check that it is a mm (or 1/16 inch) scale."""
    d0 = direction[members[0]]
    dirs = direction[members] * np.sign(direction[members] @ d0)[:, None]
    ends = centre[members] + sign * direction[members] * (length[members, None] / 2)
    mean_dir = dirs.mean(0)
    mean_dir /= np.hypot(*mean_dir)
    axis = np.array([-mean_dir[1], mean_dir[0]])
    s = (ends - ends.mean(0)) @ axis
    order = np.argsort(s)
    members, s, ends, dirs = members[order], s[order], ends[order], dirs[order]
    gaps = np.diff(s)
    if len(gaps) < MIN_TICKS - 1 or np.any(gaps <= 0.5):
        return None
    period = float(np.median(gaps))
    if period < 2.5:
        return None
    steps = gaps / period
    whole = np.round(steps)
    regular = (np.abs(steps - whole) < 0.18) & (whole >= 1) & (whole <= 3)
    if regular.mean() < 0.85 or np.sum(whole == 1) < 0.7 * len(whole):
        return None
    # keep the longest run of regular steps
    best, start, run = (0, 0), 0, 0
    for i, ok in enumerate(list(regular) + [False]):
        if ok:
            run += 1
            if run > best[0]:
                best = (run, start)
        else:
            start, run = i + 1, 0
    run, start = best
    if run + 1 < MIN_TICKS:
        return None
    sel = slice(start, start + run + 1)
    members, ends, dirs = members[sel], ends[sel], dirs[sel]
    k = np.concatenate([[0], np.cumsum(whole[start:start + run])]).astype(int)
    lengths = length[members]
    short = np.percentile(lengths, 30)
    if not 1.0 <= short / period <= 8.0:
        return None  # stripes or a comb, not ruler ticks
    r_mm, r_in = max(_phase_r2(k, lengths, 10), _phase_r2(k, lengths, 5)), _phase_r2(k, lengths, 16)
    if max(r_mm, r_in) < 0.5:
        return None  # no hierarchy of tick lengths: not a ruler (or not one we can number)
    unit = "mm" if r_mm >= r_in else "inch/16"
    alternate = _phase_r2(k, lengths, 2)  # every other tick longer: 1/8 inch between 1/16, or 1 mm between 0.5 mm
    if unit == "inch/16" and alternate < 0.3:
        return None  # a 1/16 inch edge has its 1/8 ticks longer than the 1/16 ones between them
    even, odd = _phase_means(k, lengths, 2)
    whole = None  # on a 0.5 mm edge, the parity of its whole-mm ticks' numbers
    if unit == "mm" and alternate >= HALF_MM_ALTERNATE and abs(odd - even) >= max(1.5, 0.15 * min(odd, even)):
        # a 0.5 mm edge (its whole-mm ticks visibly longer, not alike lengths' noise)
        whole = int(odd > even)
        if lengths[k % 2 != whole].std() > 0.3 * abs(odd - even):
            return None  # the half-mm ticks are all alike; a mm row's odd ticks hold its 5 mm ones
    elif unit == "mm" and not _fives_longer(k, lengths):
        whole = _half_mm_whole(k, lengths)  # a 0.5 mm edge whose half-mm ticks are as long as its mm ones?
        if whole is None:  # or a mm edge without 5 mm ticks: which, its ticks cannot tell
            return TickRow(ends, k, lengths, -sign * mean_dir, period, "tens only", frozenset(int(m) for m in members))
    if whole is not None:  # keep the whole-mm ticks, numbered in mm
        sel = k % 2 == whole
        if sel.sum() < MIN_TICKS:
            return None
        members, ends, dirs, lengths, k, period = members[sel], ends[sel], dirs[sel], lengths[sel], \
            (k[sel] - whole) // 2, 2 * period
    inward = -sign * mean_dir  # from the base end into the ruler
    across = (ends - ends.mean(0)) @ mean_dir
    line = np.polyfit((ends - ends.mean(0)) @ axis, across, 2)
    scatter = float(np.std(across - np.polyval(line, (ends - ends.mean(0)) @ axis)))
    return TickRow(ends, k, lengths, inward, period, unit, frozenset(int(m) for m in members), scatter, dirs)


def _fives_longer(k: np.ndarray, lengths: np.ndarray) -> bool:
    """Whether a row with the mm pattern has a longer tick half-way between its longest ones, as a mm edge
    has its 5 mm ticks between its cm ticks (a 0.5 mm edge whose half-mm ticks are as long as its mm
    ones has nothing longer there: its long ticks, every 10, are its 5 and 10 mm ones)."""
    tens = _phase_means(k, lengths, 10)
    ten = int(np.argmax(tens))
    half_way = (ten + 5) % 10
    if np.sum(k % 10 == half_way) < 2:
        return True  # its 5 mm ticks unseen (merged with their numbers): nothing says they are not there
    ordinary = float(np.median(lengths))
    return bool(tens[half_way] > ordinary + max(1.0, 0.1 * ordinary))


def _half_mm_whole(k: np.ndarray, lengths: np.ndarray) -> int | None:
    """The parity of the whole-mm ticks' numbers (``k mod 2``) of a row that is a 0.5 mm edge whose half-mm
    ticks are as long as its mm ones (no longer tick half-way between its long ones, :func:`_fives_longer`),
    or None: its long ticks, every 10 (5 mm), alternate in length (5 and 10 mm), where a mm edge's cm
    ticks are alike. Read as mm, such an edge halves the scale (every area four times too large)."""
    if len(k) < 30 or k.max() - k.min() < 30:
        return None  # both kinds of long tick seen at least once more
    tens = _phase_means(k, lengths, 10)
    ten = int(np.argmax(tens))
    ordinary = float(np.median(lengths))
    twenties = _phase_means(k, lengths, 20)
    a, b = twenties[ten], twenties[ten + 10]
    if min(a, b) <= ordinary or abs(a - b) < max(1.5, 0.15 * (min(a, b) - ordinary)):
        return None  # the long ticks are alike: cm ticks
    return ten % 2  # its long ticks, 5 and 10 mm, are whole-mm ticks


def find_tick_rows(gray: np.ndarray, *, full_size: bool = True) -> list[TickRow]:
    """Every ruler edge in a grayscale photo (image px), longest first (``full_size=False``: not at the
    photo's full size when it is larger than the working size, the slowest look, for a quick check)."""
    import cv2

    gray = np.asarray(gray)
    h, w = gray.shape
    rows = []
    first = min(1.0, WORK_LONG_SIDE / max(h, w))
    # the working size, then full size (ticks too fine for it), then coarser (a close-up's ticks are too
    # wide and long for the tick filter: 0.18 mm ticks at 20 px/mm are 4-6 px wide)
    sizes = (first, 1.0 if full_size else first, first / 2, first / 4)
    for scale in dict.fromkeys(s for s in sizes if s * max(h, w) >= MIN_LONG_SIDE):
        work = shrink(gray, scale) if scale < 1 else gray
        work = cv2.GaussianBlur(work, (0, 0), 0.6)
        for dark in (True, False):  # black ticks on paper, white ticks on a dark ruler: never mixed
            centre, direction, length, _ = _tick_marks(work, dark=dark)
            # a chain needs its ticks' directions alike, base end to base end: each mark's direction points
            # right (x >= 0), which flips at random between marks that stand straight up (a level ruler's),
            # or down (y >= 0), which flips between level marks: the rows of both are looked for
            down = direction * np.where(direction[:, 1] < 0, -1.0, 1.0)[:, None]
            found = [r for d in (direction, down) for r in (_row(m, sign, centre, d, length)
                                                            for m, sign in _chains(centre, d, length)) if r is not None]
            for row in _distinct(found):
                if scale < first and not _tens_longer(row):
                    continue  # coarser than the photo's own: every 2nd mm tick can vanish, long every 5 of them
                rows.append(TickRow((row.base + 0.5) / scale - 0.5, row.k, row.length / scale, row.direction,
                                    row.period_px / scale, row.unit, row.marks, row.straightness_px / scale,
                                    row.tick_dir))
        if rows:
            break
    rows.sort(key=lambda r: -len(r.k))
    return rows


def _tens_longer(row: TickRow) -> bool:
    """Whether a row's 10 mm ticks are longer than its 5 mm ones, as on a mm ruler (an inch row passes):
    a row of every other mm tick, the 10 mm ones long, has the 5-tick pattern of mm but not this."""
    if row.unit != "mm":
        return True
    means = _phase_means(row.k, row.length, 10)
    ten = int(np.argmax(means))  # the row's numbering starts anywhere: its longest phase is the 10 mm ticks
    five = means[(ten + 5) % 10]
    return bool(five > 0) and means[ten] >= five + max(1.0, 0.03 * five)


def _distinct(rows: list[TickRow]) -> list[TickRow]:
    """One row per set of ticks: a chain of the ticks' base ends, not of their tips (of the rows made of
    mostly the same marks, the one with the most ticks, then the straightest ends)."""
    kept: list[TickRow] = []
    for row in sorted(rows, key=lambda r: (-len(r.k), r.straightness_px)):
        if all(len(row.marks & other.marks) < 0.5 * min(len(row.marks), len(other.marks)) for other in kept):
            kept.append(row)
    return kept


def _fit_projective(k: np.ndarray, s: np.ndarray):
    """Fit s = (a + b k) / (1 + c k) robustly; returns (a, b, c, rms px, kept mask)."""
    keep = np.ones(len(k), bool)
    for _ in range(3):
        A = np.column_stack([np.ones(keep.sum()), k[keep], -k[keep] * s[keep]])
        (a, b, c), *_ = np.linalg.lstsq(A, s[keep], rcond=None)
        res = s - (a + b * k) / (1 + c * k)
        rms = float(np.sqrt(np.mean(res[keep] ** 2)))
        new = np.abs(res) < max(3 * rms, 0.3)
        if new.sum() < MIN_TICKS or (new == keep).all():
            break
        keep = new
    return float(a), float(b), float(c), rms, keep


def _tick_convergence(row: TickRow) -> tuple[np.ndarray, float, float] | None:
    """Where the ticks' lines meet (homogeneous image point; far away or at infinity when they are
    parallel), the turn of their direction from one end of the row to the other (rad) and its
    standard error; None without per-tick directions.

    The ticks are parallel on the skin, so under perspective their lines meet at the vanishing
    point of the direction across the ruler. Each tick's line is weighted by its length (its
    direction is that much surer).
    """
    if row.tick_dir is None or len(row.tick_dir) < MIN_TICKS:
        return None
    d = row.tick_dir * np.sign(row.tick_dir @ row.direction)[:, None]
    w = row.length / row.length.mean()
    s = (row.base - row.base[0]) @ row.along
    angle = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
    A = np.column_stack([np.ones_like(s), s])
    (start, slope), *_ = np.linalg.lstsq(A * np.sqrt(w)[:, None], angle * np.sqrt(w), rcond=None)
    resid = angle - (start + slope * s)
    sigma = math.sqrt(np.sum(w * resid**2) / max(len(s) - 2, 1))
    se = sigma / math.sqrt(max(np.sum(w * (s - np.average(s, weights=w)) ** 2), 1e-9))
    span = float(np.ptp(s))
    # the lines through each base end along its tick, in coordinates centred on the row (for conditioning)
    centre, unit = row.base.mean(0), max(span, 1.0)
    p = (row.base - centre) / unit
    n = np.column_stack([-d[:, 1], d[:, 0]])
    lines = np.column_stack([n, -(n * p).sum(1)]) * w[:, None]
    _, _, vt = np.linalg.svd(lines)
    v = vt[-1]
    point = np.array([v[0] * unit + centre[0] * v[2], v[1] * unit + centre[1] * v[2], v[2]])
    return point / np.linalg.norm(point), float(slope * span), float(se * span)


def _across_homography(origin, along, fit, vp: np.ndarray, centre_px) -> np.ndarray:
    """Image -> plane (mm) of a straight ruler whose ticks converge: the plane's X along the ruler (its
    tick numbers), Y across it, through both vanishing points.

    That leaves one unknown, the scale across the ruler, which a straight ruler does not show. It is
    taken equal to the scale along at the photo's centre, where the camera's axis meets the skin:
    there the plane is seen without perspective, only foreshortened by the cosine of the tilt, so
    that is all the area can be off by: a factor between cos(tilt) and 1 / cos(tilt) (1.5% at 10 degrees).
    """
    a, b, c = fit
    p0 = np.array([*(origin + a * along), 1.0])  # tick 0
    h1 = np.array([*(c * origin + b * along), c])  # the image of the direction along the ruler
    e = np.array([-along[1], along[0]])

    def d_image(h, x):  # the image's derivative along plane direction h at x = G (X, Y, 1)
        return (h[:2] * x[2] - x[:2] * h[2]) / x[2] ** 2

    G1 = np.column_stack([h1, vp, p0])  # plane -> image with the scale across still 1
    xy = np.linalg.solve(G1, np.array([*centre_px, 1.0]))
    x = G1 @ (xy / xy[2])
    dy = d_image(vp, x)
    beta = np.hypot(*d_image(h1, x)) / max(np.hypot(*dy), 1e-12) * np.sign(dy @ e)
    return np.linalg.inv(np.column_stack([h1, beta * vp, p0]))


def _straight_part(row: TickRow) -> tuple[TickRow, bool]:
    """The longest run of ticks whose base ends lie on one straight line (a ruler bent over a limb
    is read on its flat part), and whether that is less than the whole row.

    A bend is a smooth departure from the line, so the base ends' distances from it are judged after
    a running median over ``BEND_MEDIAN`` ticks: one or two ticks read off their base (a printed
    number beside them, a highlight) do not make a straight ruler bent.
    """
    from dataclasses import replace

    from scipy.ndimage import median_filter

    def offsets(pts, fit):  # distances of pts from the line through fit's points
        centre = fit.mean(0)
        _, _, vt = np.linalg.svd(fit - centre)
        return (pts - centre) @ np.array([-vt[0][1], vt[0][0]])

    def deviation(lo, hi):
        pts = row.base[lo:hi]
        off = offsets(pts, pts)
        inliers = np.abs(off - np.median(off)) <= 2 * tol  # a tick read far off its base does not tilt the line
        if inliers.sum() >= max(MIN_TICKS // 2, len(pts) // 2):
            off = offsets(pts, pts[inliers])
        return float(np.max(np.abs(median_filter(off, size=min(BEND_MEDIAN, len(off)), mode="nearest"))))

    tol = 1.0 + 0.1 * row.period_px  # px: a sag this small changes the length along the ruler by far under 0.1%
    n = len(row.k)
    if deviation(0, n) <= tol:
        return row, False
    best, lo = (0, 0, 0), 0
    for hi in range(MIN_TICKS, n + 1):  # the longest window that is straight
        while hi - lo >= MIN_TICKS and deviation(lo, hi) > tol:
            lo += 1
        if hi - lo >= MIN_TICKS and hi - lo > best[0] and deviation(lo, hi) <= tol:
            best = (hi - lo, lo, hi)
    if best[0] == 0:
        return row, False
    _, lo, hi = best
    part = slice(lo, hi)
    return replace(row, base=row.base[part], k=row.k[part] - row.k[lo], length=row.length[part],
                   tick_dir=None if row.tick_dir is None else row.tick_dir[part]), True


def _straight_calibration(row: TickRow, shape: tuple[int, int]) -> Calibration:
    whole = int(row.k[-1] - row.k[0])
    row, bent = _straight_part(row)
    origin = row.base[0]
    along = row.along
    s = (row.base - origin) @ along
    a, b, c, rms, keep = _fit_projective(row.k.astype(float), s)
    kk = row.k[keep].astype(float)
    # the scale along the ruler at its middle, and how much it changes from end to end
    def px_per_mm(kv):
        return (b - a * c) / (1 + c * kv) ** 2

    kmid = (kk.min() + kk.max()) / 2
    mid = px_per_mm(kmid)
    change = float(100 * (px_per_mm(kk.max()) - px_per_mm(kk.min())) / mid)
    se = rms / math.sqrt(max(np.sum((kk - kk.mean()) ** 2), 1e-9))
    stderr_pct = float(100 * se / mid)
    centre = origin + along * ((a + b * kmid) / (1 + c * kmid))
    details = [("ticks", int(keep.sum())), ("tick_residual_px", rms), ("spacing_change_pct", change),
               ("edge", "mm" if row.unit == "mm" else row.unit)]
    warnings = []
    if bent:
        warnings.append(f"the ruler is not straight (bent over the limb?): its straight part, "
                        f"{int(row.k[-1] - row.k[0])} of {whole} mm, is used; lay it flat beside the wound")
    if mid < 4:
        warnings.append(f"the ruler's mm ticks are only {mid:.1f} px apart: photograph closer")
    outline = _row_outline(row)
    centre_px = ((shape[1] - 1) / 2, (shape[0] - 1) / 2)
    converge = _tick_convergence(row)
    across = converge is not None and abs(converge[1]) > max(3 * converge[2], 0.01)
    details.append(("tick_turn_rad", None if converge is None else converge[1]))
    if abs(change) <= 0.5 and not across:  # no measurable perspective: one scale, as ImageJ's
        return Calibration(float(mid), method="ruler", uncertainty_pct=stderr_pct, warnings=tuple(warnings),
                           details=tuple(details), reference_outline=outline,
                           reference_centre=(float(centre[0]), float(centre[1])))
    # the perspective across the ruler from where its ticks meet (parallel in the photo: at infinity)
    vp = converge[0] if across else np.array([*row.direction, 0.0])
    H = _across_homography(origin, along, (a, b, c), vp, centre_px)
    details.append(("perspective", ACROSS))
    tilt = _tilt_deg(np.array([*(c * origin + b * along), c]), vp, centre_px, max(shape))
    details.append(("tilt_deg_guess", tilt))
    if tilt > TILT_WARN_DEG:
        warnings.append(f"the camera is tilted to the ruler (about {tilt:.0f} deg): the perspective is corrected from "
                        "its ticks, but not the foreshortening across it, up to "
                        f"{100 * (1 / math.cos(math.radians(tilt)) - 1):.1f}% of the area; use an L-shaped ruler or "
                        "an ArUco marker for a tilted photo")
    # the foreshortening left: up to 1 / cos(tilt) - 1 of the area, half that of a length; taken as 2 sigma
    aspect_pct = 25 * (1 / math.cos(math.radians(tilt)) - 1)
    cal = Calibration(float(mid), method="ruler", uncertainty_pct=math.hypot(stderr_pct, aspect_pct),
                      homography=tuple((H / H[2, 2]).ravel()), warnings=tuple(warnings), details=tuple(details),
                      reference_outline=outline, reference_centre=(float(centre[0]), float(centre[1])))
    return cal.at(*centre)


def _tilt_deg(v1: np.ndarray, v2: np.ndarray, centre_px, long_side: int) -> float:
    """The camera's tilt to the skin, from the vanishing line through two vanishing points, for a camera of
    focal length FOCAL_GUESS x the photo's long side (the photo's centre on its axis)."""
    line = np.cross(v1, v2)
    d = abs(line @ np.array([*centre_px, 1.0])) / max(math.hypot(line[0], line[1]), 1e-12)
    return math.degrees(math.atan2(FOCAL_GUESS * long_side, d))


def _row_outline(*rows: TickRow):
    """Polygons over each row's ticks (the ruler's printed part: never wound)."""
    out = []
    for row in rows:
        reach = float(np.max(row.length)) * 1.6
        a, b = row.base[0], row.base[-1]
        pad = row.along * row.period_px * 2
        d = row.direction * reach
        out.append(np.array([a - pad - 0.2 * d, b + pad - 0.2 * d, b + pad + d, a - pad + d]))
    return polygons(out)


def _corner(r1: TickRow, r2: TickRow):
    """Where two rows' base lines cross, if they cross near an end of each (an L-shaped guide)."""
    p, u = r1.edge
    q, v = r2.edge
    cross = u[0] * v[1] - u[1] * v[0]
    if abs(cross) < math.sin(math.radians(35)):
        return None
    t = ((q - p)[0] * v[1] - (q - p)[1] * v[0]) / cross
    point = p + t * u
    for row in (r1, r2):
        near = min(np.hypot(*(row.base[0] - point)), np.hypot(*(row.base[-1] - point)))
        if near > 16 * row.period_px:  # a tilted far arm: its ticks are closer together, the gap more periods
            return None
    return point


def _turn(r1: TickRow, r2: TickRow, corner: np.ndarray) -> float:
    """The sign of the turn from r1's arm to r2's arm, each pointing away from the corner (image px)."""
    def away(row):
        far = max(row.base, key=lambda p: np.hypot(*(p - corner)))
        return far - corner

    u, v = away(r1), away(r2)
    return float(u[0] * v[1] - u[1] * v[0])


def _square(r1: TickRow, r2: TickRow, corner: np.ndarray) -> bool:
    """Whether each row's ticks near the corner run along the other row's edge, as on an L-shaped guide
    (arms at a right angle on the skin, whatever the camera's tilt); two rulers laid at another angle are
    not one, and a homography that squared them would be wrong by 1 / sin of their angle."""
    for row, other in ((r1, r2), (r2, r1)):
        if row.tick_dir is None:
            continue
        near = np.argsort(np.hypot(*(row.base - corner).T))[:10]
        cos = float(np.median(np.abs(row.tick_dir[near] @ other.along)))
        if math.degrees(math.acos(min(cos, 1.0))) > L_SQUARE_DEG:
            return False
    return True


def _l_calibration(r1: TickRow, r2: TickRow, corner: np.ndarray) -> Calibration | None:
    """A homography from two perpendicular rows of mm ticks that meet at the corner."""
    import cv2

    image, plane = [], []
    for axis, row in ((0, r1), (1, r2)):
        s = (row.base - row.base[0]) @ row.along
        a, b, c, rms, keep = _fit_projective(row.k.astype(float), s)
        s0 = (corner - row.base[0]) @ row.along
        k0 = (s0 - a) / (b - c * s0)  # the corner's tick number
        mm = np.abs(row.k[keep] - k0)
        image.append(row.base[keep])
        plane.append(np.column_stack([mm, np.zeros_like(mm)]) if axis == 0 else np.column_stack([np.zeros_like(mm), mm]))
    image, plane = np.vstack(image), np.vstack(plane)
    G = None
    for _ in range(3):  # plane -> image (the errors are the image points'), dropping ticks that do not fit
        G, _ = cv2.findHomography(plane, image, 0)
        if G is None:
            return None
        err = np.hypot(*(cv2.perspectiveTransform(plane[None].astype(np.float64), G)[0] - image).T)
        keep = err < max(3 * np.median(err), 0.5)
        if keep.all() or keep.sum() < 2 * MIN_TICKS:
            break
        image, plane = image[keep], plane[keep]
    H = np.linalg.inv(G)
    fitted = cv2.perspectiveTransform(plane[None].astype(np.float64), G)[0]
    rms = float(np.sqrt(np.mean(np.sum((fitted - image) ** 2, axis=1))))
    if rms > 0.25 * min(r1.period_px, r2.period_px):
        return None  # not one flat L: the rows do not agree
    centre = image.mean(0)
    details = (("ticks", int(len(image))), ("tick_residual_px", rms), ("design", "L-shaped"))
    cal = Calibration(1.0, method="ruler", homography=tuple((H / H[2, 2]).ravel()), details=details,
                      reference_outline=_row_outline(r1, r2), reference_centre=(float(centre[0]), float(centre[1])),
                      control_points=ControlPoints(image, plane, max(rms, 0.3)))
    return cal.at(*centre)


TENTH_INCH_MM = 2.54
PITCH_MATCH = 0.04  # how near the ratio of two rows' tick spacings must be to 2.54 (perspective and fit spread)


def _without_tenth_inch(rows: list[TickRow]) -> list[TickRow]:
    """The rows with the mm pattern less those whose ticks are 2.54 times as far apart as another's: the
    tenth-inch edge of a dual ruler (longer every 5 and 10, as mm) beside its mm edge. Read as mm it is
    2.54 times too coarse (the area 6.45 times too small), and when a finger covers the mm edge it is the
    longer row."""
    return [r for r in rows if not any(abs(r.period_px / o.period_px / TENTH_INCH_MM - 1) < PITCH_MATCH
                                       for o in rows)]


def ruler_calibration(rgb: np.ndarray, *, full_size: bool = True) -> Calibration:
    """Calibrate from a printed mm ruler in the photo.

    Returns
    -------
    Calibration
        ``method="ruler"``. From two rows of mm ticks at a corner (an L-shaped guide): a
        homography (perspective corrected). From one straight ruler: its scale; when the tick
        spacing changes along it or its ticks converge (a tilted camera), a homography from
        both (not claimed as perspective corrected: the foreshortening across the ruler is
        unknown); the uncertainty is the fit's standard error and that foreshortening.

    Raises
    ------
    CalibrationError
        If no row of mm ticks is found.
    """
    import cv2

    gray = cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2GRAY)
    rows = find_tick_rows(gray, full_size=full_size)
    mm = _without_tenth_inch([r for r in rows if r.unit == "mm"])
    if not mm:
        if any(r.unit == "tens only" for r in rows):
            raise CalibrationError("found a ruler edge whose ticks are longer only every 10th, with none longer "
                                   "half-way: it may be marked in mm or in 0.5 mm (4 times the area), which its "
                                   "ticks cannot tell; give the scale with --ruler X1,Y1,X2,Y2,MM (two points on "
                                   "it), or photograph a mm ruler with 5 mm ticks")
        if rows:
            raise CalibrationError("found a ruler's inch edge but no mm edge (an inch scale is not read as mm); "
                                   "photograph the mm edge")
        raise CalibrationError("no mm ruler with clear tick marks found")
    for i, r1 in enumerate(mm):
        for r2 in mm[i + 1:]:
            corner = _corner(r1, r2)
            if corner is not None and _square(r1, r2, corner):
                a, b = (r1, r2) if _turn(r1, r2, corner) > 0 else (r2, r1)  # one handedness: never a mirrored plane
                cal = _l_calibration(a, b, corner)
                if cal is not None:
                    return cal
    return _straight_calibration(mm[0], gray.shape)
