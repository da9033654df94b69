"""Wound instances: splitting an outline into wounds, and following each across visits."""

import math

import numpy as np
import pytest

from woundmeasure.calibration import manual_calibration
from woundmeasure.measurement import measure_mask
from woundmeasure.wounds import Footprint, follow_wounds, letter, measure_wounds, name_wounds, split_wounds


def disks(shape, *circles):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    out = np.zeros(shape, bool)
    for x, y, r in circles:
        out |= (xx - x) ** 2 + (yy - y) ** 2 <= r**2
    return out


@pytest.mark.parametrize("px_per_mm", [2.0, 5.0])
def test_wounds_farther_apart_than_the_gap_are_separate_and_numbered_left_to_right(px_per_mm):
    s = px_per_mm
    # right wound first in the list: numbering must follow position, not drawing order
    mask = disks((int(120 * s), int(200 * s)), (150 * s, 60 * s, 20 * s), (40 * s, 60 * s, 10 * s))
    labels = split_wounds(mask, calibration=manual_calibration(s), gap_mm=10)
    assert set(np.unique(labels)) == {0, 1, 2}
    assert np.nonzero(labels == 1)[1].mean() < np.nonzero(labels == 2)[1].mean()
    assert ((labels > 0) == mask).all()


def test_fragments_nearer_than_the_gap_and_islands_of_new_skin_are_one_wound():
    s = 4.0
    mask = disks((400, 600), (200, 200, 60))
    mask &= ~disks(mask.shape, (200, 200, 15))  # an island of new skin inside
    mask |= disks(mask.shape, (200 + 60 + 4 * s + 8, 200, 8))  # a fragment 4 mm beyond the edge
    cal = manual_calibration(s)
    assert set(np.unique(split_wounds(mask, calibration=cal, gap_mm=10))) == {0, 1}
    assert set(np.unique(split_wounds(mask, calibration=cal, gap_mm=2))) == {0, 1, 2}


def test_the_gap_is_on_the_plane_not_in_pixels():
    mask = disks((300, 600), (150, 150, 40), (330, 150, 40))  # 100 px apart, edge to edge
    assert split_wounds(mask, calibration=manual_calibration(4.0), gap_mm=10).max() == 2  # 25 mm apart
    assert split_wounds(mask, calibration=manual_calibration(20.0), gap_mm=10).max() == 1  # 5 mm apart


def test_empty_mask_has_no_wound():
    assert split_wounds(np.zeros((50, 50), bool), calibration=manual_calibration(3.0)).max() == 0


def test_each_wound_measured_on_its_own_against_truth():
    s = 5.0
    mask = disks((500, 900), (200, 250, 50), (650, 250, 100))
    cal = manual_calibration(s)
    whole = measure_mask(mask, calibration=cal)
    wounds = measure_wounds(split_wounds(mask, calibration=cal), calibration=cal, whole=whole)
    assert [w.number for w in wounds] == [1, 2]
    for w, r in zip(wounds, (50, 100)):
        assert w.measurement.area_mm2 == pytest.approx(math.pi * r**2 / s**2, rel=0.01)
        assert w.measurement.length_mm == pytest.approx(2 * r / s, rel=0.02)
    assert sum(w.measurement.area_mm2 for w in wounds) == pytest.approx(whole.area_mm2, abs=1e-9)
    assert wounds[0].centre_mm == pytest.approx((200 / s, 250 / s), abs=0.05)


def test_letters():
    assert [letter(n) for n in (1, 2, 26, 27, 28)] == ["A", "B", "Z", "AA", "AB"]


# ---- following wounds across visits ----

def layout(wounds, theta_deg=0.0, shift=(0.0, 0.0)):
    """Footprints of wounds {number: (x, y, area)} seen in a frame turned by theta and shifted."""
    th = math.radians(theta_deg)
    R = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    out = []
    for n, (x, y, area) in wounds.items():
        cx, cy = R @ np.array([x, y]) + shift
        out.append(Footprint(n, (float(cx), float(cy)), area, 2 * math.sqrt(area / math.pi)))
    return out


def labelled(assignments):
    return {a.label: (a.status, a.numbers) for a in assignments}


@pytest.mark.parametrize("seed", range(6))
def test_labels_follow_each_wound_whatever_the_frame_does(seed):
    rng = np.random.default_rng(seed)
    a, b, c = (0.0, 0.0), (60.0, 10.0), (20.0, 45.0)  # three wounds on the body, mm
    sizes = {"a": 700.0, "b": 300.0, "c": 120.0}
    photos, truth = [], []
    for visit in range(5):
        shrink = 0.85**visit
        order = rng.permutation(3)  # the photo numbers them in any order
        names = ["a", "b", "c"]
        wounds = {int(order[i]) + 1: (*(a, b, c)[i], sizes[names[i]] * shrink) for i in range(3)}
        photos.append((layout(wounds, rng.uniform(-180, 180), rng.uniform(-80, 80, 2)), None))
        truth.append({names[i]: int(order[i]) + 1 for i in range(3)})
    result = follow_wounds(photos)
    first = {v[1][0]: k for k, v in labelled(result[0]).items()}  # number -> label at the first photo
    name_of = {first[truth[0][n]]: n for n in truth[0]}  # label -> true wound
    for photo, t in zip(result, truth):
        for label, (status, numbers) in labelled(photo).items():
            assert status == "found" and numbers == (t[name_of[label]],)


def test_a_wound_that_is_not_found_inside_the_photo_is_closed_and_outside_it_is_not_measured():
    frame = np.array([[-100, -100], [100, -100], [100, 100], [-100, 100]], float)
    first = layout({1: (0, 0, 500), 2: (50, 0, 200)})
    gone = layout({1: (0, 0, 400)}, theta_deg=30, shift=(5, 5))
    result = follow_wounds([(first, frame), (gone, frame)])
    assert labelled(result[1]) == {"A": ("found", (1,)), "B": ("closed", ())}
    assert result[1][1].unsure  # a person should confirm a closure
    small = np.array([[-20, -20], [20, -20], [20, 20], [-20, 20]], float)  # B's place is out of this photo
    result = follow_wounds([(first, frame), (layout({1: (0, 0, 400)}), small)])
    assert labelled(result[1])["B"] == ("outside", ())


def _turned(theta_deg, shift, x, y):
    th = math.radians(theta_deg)
    return (math.cos(th) * x - math.sin(th) * y + shift[0], math.sin(th) * x + math.cos(th) * y + shift[1])


@pytest.mark.parametrize("fragments", [1, 2])
@pytest.mark.parametrize("theta_deg", [0, 70, 160, -110])
def test_where_a_wound_that_was_not_found_should_be_is_known_whatever_the_frame_did(theta_deg, fragments):
    # A is elongated (30 x 10 mm along 20 degrees): its long axis, or the line through its two
    # fragments, tells how the frame turned when B (60 mm away) was not found
    first = [Footprint(1, (0.0, 0.0), 240.0, 30.0, None, 10.0, 20.0),
             Footprint(2, (45.0, 40.0), 150.0, 14.0, None, 12.0, 90.0)]
    shift = (-35.0, 60.0)
    axis = (20.0 + theta_deg) % 180
    if fragments == 1:
        later = [Footprint(1, _turned(theta_deg, shift, 0, 0), 220.0, 29.0, None, 10.0, axis)]
    else:
        d = 7.0 * np.array([math.cos(math.radians(20)), math.sin(math.radians(20))])
        later = [Footprint(n, _turned(theta_deg, shift, *(s * d)), 110.0, 12.0, None, 10.0, (axis + 80) % 180)
                 for n, s in ((1, -1), (2, 1))]
    result = follow_wounds([(first, None), (later, None)])
    b = next(a for a in result[1] if a.label == "B")
    assert b.status == "closed" and 1 <= len(b.expected_mm) <= 3  # a place for each layout that matches as well
    truth = _turned(theta_deg, shift, 45.0, 40.0)
    assert min(math.dist(p, truth) for p in b.expected_mm) < 0.2 * b.reach_mm
    assert b.reach_mm >= 10.0
    a = next(a for a in result[1] if a.label == "A")  # a wound found: where its last place lies on this photo
    assert a.status == "found" and len(a.expected_mm) == 1
    assert math.dist(a.expected_mm[0], _turned(theta_deg, shift, 0, 0)) < 2.0  # mm


def test_one_round_wound_left_cannot_tell_where_a_missed_one_is():
    first = [Footprint(1, (0.0, 0.0), 300.0, 20.0, None, 19.0, 0.0),
             Footprint(2, (45.0, 40.0), 150.0, 14.0, None, 12.0, 90.0)]
    later = [Footprint(1, _turned(70, (-35.0, 60.0), 0, 0), 280.0, 19.5, None, 18.5, 70.0)]  # round: no axis to go by
    b = next(a for a in follow_wounds([(first, None), (later, None)])[1] if a.label == "B")
    assert b.status == "closed" and b.expected_mm == ()  # closed, with nowhere to look again


def test_a_new_wound_gets_a_new_label_and_a_wound_that_splits_keeps_its_own():
    first = layout({1: (0, 0, 500), 2: (80, 0, 300)})
    later = layout({1: (-9, 0, 150), 2: (9, 0, 150), 3: (80, 0, 250), 4: (40, 60, 50)}, theta_deg=90)
    result = labelled(follow_wounds([(first, None), (later, None)])[1])
    assert result["A"] == ("found", (1, 2))  # split in two: both parts are A
    assert result["B"] == ("found", (3,))
    assert result["C"] == ("found", (4,))


def test_named_wounds_keep_their_names():
    first = [Footprint(1, (0, 0), 500, 25, "heel"), Footprint(2, (60, 0), 200, 16, "ankle")]
    later = [Footprint(1, (0, 0), 150, 14, "ankle"), Footprint(2, (60, 0), 400, 22, "heel")]
    result = follow_wounds([(first, None), (later, None)])
    assert labelled(result[1]) == {"heel": ("found", (2,)), "ankle": ("found", (1,))}


def test_two_alike_wounds_placed_symmetrically_are_marked_unsure():
    first = layout({1: (0, 0, 300), 2: (50, 0, 300)})
    later = layout({1: (0, 0, 300), 2: (50, 0, 300)}, theta_deg=180)
    assert all(a.unsure for a in follow_wounds([(first, None), (later, None)])[1])


def test_a_persons_names_split_one_wound_and_join_two():
    s = 4.0
    # a dumbbell: two disks joined by a bridge (one wound by the gap rule), and a third disk far away
    mask = disks((300, 900), (150, 150, 50), (300, 150, 50), (750, 150, 40))
    mask[140:160, 150:300] = True
    labels = split_wounds(mask, calibration=manual_calibration(s))
    assert labels.max() == 2
    split, names, warnings = name_wounds(labels, [("A", 150, 150), ("B", 300, 150)])
    assert split.max() == 3 and not warnings
    assert names == {1: "A", 2: "B"}  # left to right: A, then B, then the far wound (unnamed)
    assert (split == 1).sum() == pytest.approx((split == 2).sum(), rel=0.02)  # cut at the bridge's middle
    assert ((split > 0) == mask).all()
    joined, names, _ = name_wounds(labels, [("heel", 150, 150), ("heel", 750, 150)])
    assert names == {1: "heel", 2: "heel"} and (joined == labels).all()
    _, names, warnings = name_wounds(labels, [("C", 5, 5)])
    assert names == {} and "on no wound" in warnings[0]


def test_two_names_on_one_point_do_not_break_the_outline():
    labels = split_wounds(disks((200, 300), (150, 100, 40)), calibration=manual_calibration(4.0))
    named, names, warnings = name_wounds(labels, [("A", 150, 100), ("B", 150, 100)])
    assert (named == labels).all() and names == {1: "A"} and "ignored" in warnings[0]


def test_each_wound_gets_its_own_share_of_the_band():
    from tests.helpers import disk_mask
    from woundmeasure.calibration import manual_calibration
    from woundmeasure.measurement import measure_mask
    from woundmeasure.segmentation import Band
    from woundmeasure.wounds import measure_wounds, split_wounds

    mask = disk_mask((300, 600), (150, 150), 60) | disk_mask((300, 600), (150, 450), 30)
    wide = disk_mask((300, 600), (150, 150), 75) | disk_mask((300, 600), (150, 450), 40)  # outer band: +15 / +10 px
    core = disk_mask((300, 600), (150, 150), 50) | disk_mask((300, 600), (150, 450), 25)  # inner band: -10 / -5 px
    band = Band(core, wide, stretch=1.0, source="test")
    cal = manual_calibration(1.0)
    labels = split_wounds(mask, calibration=cal, gap_mm=10)
    whole = measure_mask(mask, calibration=cal, band=band)
    a, b = measure_wounds(labels, calibration=cal, whole=whole, band=band)
    assert a.measurement.area_mm2_high == pytest.approx(math.pi * 75**2, rel=0.02)
    assert b.measurement.area_mm2_high == pytest.approx(math.pi * 40**2, rel=0.03)
    assert a.measurement.area_mm2_low == pytest.approx(math.pi * 50**2, rel=0.02)
    assert b.measurement.area_mm2_low == pytest.approx(math.pi * 25**2, rel=0.03)


@pytest.mark.parametrize("name, other", [("A", "B"), ("heel", "B")])
def test_naming_one_wound_leaves_the_others_letter_as_it_was(name, other):
    # a person names the left wound (by its own letter, as a split on the review page does, or by a word):
    # the right wound is still B at every visit, so that what was said of B (a closure) still holds
    first = [Footprint(1, (0, 0), 500, 25, name), Footprint(2, (60, 0), 200, 16)]
    later = [Footprint(1, (1, 0), 450, 24), Footprint(2, (61, 0), 150, 14)]
    result = follow_wounds([(first, None), (later, None)])
    assert labelled(result[0]) == {name: ("found", (1,)), other: ("found", (2,))}
    assert labelled(result[1]) == {name: ("found", (1,)), other: ("found", (2,))}


def test_a_wound_named_at_a_later_visit_bears_that_name_at_every_visit():
    """A name given at the third visit (or at the first, before an earlier photo was added) names the
    wound found there; it closed nothing and made no new wound."""
    first = [Footprint(1, (0, 0), 500, 25), Footprint(2, (60, 0), 200, 16)]
    second = [Footprint(1, (2, 1), 450, 24), Footprint(2, (61, 1), 150, 14)]
    third = [Footprint(1, (1, 0), 400, 23), Footprint(2, (60, 0), 100, 12, "occipital")]
    result = follow_wounds([(first, None), (second, None), (third, None)])
    for photo in result:
        assert labelled(photo) == {"A": ("found", (1,)), "occipital": ("found", (2,))}
        assert next(a for a in photo if a.label == "occipital").formerly == ("B",)  # what was said of B holds
    elsewhere = [Footprint(1, (1, 0), 400, 23), Footprint(2, (60, 0), 100, 12), Footprint(3, (0, 90), 50, 8, "scalp")]
    result = follow_wounds([(first, None), (elsewhere, None)])  # a named wound where none was: new, under its name
    assert labelled(result[1]) == {"A": ("found", (1,)), "B": ("found", (2,)), "scalp": ("found", (3,))}


def test_a_later_name_names_a_lettered_wound_only_on_a_sure_match():
    """One lone footprint can be moved onto any place: a new name there is a new wound (the other closes);
    a person's own earlier name stands; two wounds given one new name are not one wound's history."""
    first = [Footprint(1, (0, 0), 500, 25, "heel"), Footprint(2, (60, 0), 200, 16, "toe")]
    later = [Footprint(1, (0, 0), 450, 24, "heel"), Footprint(2, (0, 120), 100, 12, "ankle")]
    result = labelled(follow_wounds([(first, None), (later, None)])[1])
    assert result["ankle"] == ("found", (2,)) and result["toe"][0] == "closed"
    first = [Footprint(1, (0, 0), 500, 25, "heel"), Footprint(2, (60, 0), 200, 16)]
    later = [Footprint(1, (1, 0), 450, 24, "sole"), Footprint(2, (61, 0), 150, 14)]
    result = follow_wounds([(first, None), (later, None)])
    assert labelled(result[0]) == {"heel": ("found", (1,)), "B": ("found", (2,))}  # not renamed "sole"
    first = [Footprint(1, (0, 0), 500, 25), Footprint(2, (60, 0), 200, 16)]
    later = [Footprint(1, (1, 0), 450, 24, "scalp"), Footprint(2, (61, 0), 150, 14, "scalp")]
    result = follow_wounds([(first, None), (later, None)])  # joined at that visit, B's history kept apart
    assert labelled(result[0]) == {"scalp": ("found", (1,)), "B": ("found", (2,))}
    assert labelled(result[1]) == {"scalp": ("found", (1, 2)), "B": ("closed", ())}


def test_where_a_wound_is_missed_is_told_by_the_wounds_a_person_named_when_they_are_all_there_is():
    first = [Footprint(1, (0.0, 0.0), 200.0, 16.0, None, 14.0, 0.0),
             Footprint(2, (60.0, 10.0), 150.0, 14.0, None, 12.0, 90.0),
             Footprint(3, (20.0, 70.0), 180.0, 15.0, None, 13.0, 45.0)]
    theta_deg, shift = 70.0, (-35.0, 60.0)
    # the layout turned and moved; B has closed; A and C are named by a person (none left to match)
    later = [Footprint(1, _turned(theta_deg, shift, 0, 0), 190.0, 15.0, "A", 14.0, None),
             Footprint(2, _turned(theta_deg, shift, 20, 70), 170.0, 15.0, "C", 13.0, None)]
    result = follow_wounds([(first, None), (later, None)])
    b = next(a for a in result[1] if a.label == "B")
    assert b.status == "closed" and len(b.expected_mm) >= 1
    assert math.dist(b.expected_mm[0], _turned(theta_deg, shift, 60, 10)) < 2.0  # mm: where B was, turned as A and C


def test_the_same_photo_twice_is_labelled_the_same_a_fragment_seen_again_included():
    first = [Footprint(1, (0.0, 0.0), 60.0, 10.0, None, 8.0, 0.0),
             Footprint(2, (90.0, 0.0), 200.0, 16.0, None, 15.0, 90.0)]
    # the wound healed into a main part and a speck on either side of where its middle was
    later = [Footprint(1, (6.0, 0.0), 30.0, 8.0, None, 6.0, 0.0),
             Footprint(2, (-9.5, 0.0), 1.0, 1.0, None, 1.0, None),
             Footprint(3, (90.0, 0.0), 190.0, 16.0, None, 15.0, 90.0)]
    result = follow_wounds([(first, None), (later, None), (later, None)])
    assert [(a.label, a.status, a.numbers) for a in result[1]] == [("A", "found", (1, 2)), ("B", "found", (3,))]
    assert [(a.label, a.status, a.numbers) for a in result[2]] == [("A", "found", (1, 2)), ("B", "found", (3,))]


@pytest.mark.parametrize("theta_deg", [30, 120])
def test_a_named_wound_and_a_matched_one_place_a_missed_wound_where_it_was(theta_deg):
    first = [Footprint(1, (0.0, 0.0), 200.0, 16.0, None, 14.0, 0.0),
             Footprint(2, (60.0, 10.0), 150.0, 14.0, None, 12.0, 90.0),
             Footprint(3, (20.0, 70.0), 180.0, 15.0, None, 15.0, None)]
    shift = (-35.0, 60.0)
    later = [Footprint(1, _turned(theta_deg, shift, 0, 0), 190.0, 15.0, "A", 14.0, None),  # named by a person
             Footprint(2, _turned(theta_deg, shift, 20, 70), 170.0, 15.0, None, 15.0, None)]  # matched: C
    b = next(a for a in follow_wounds([(first, None), (later, None)])[1] if a.label == "B")
    assert b.status == "closed" and b.expected_mm
    assert math.dist(b.expected_mm[0], _turned(theta_deg, shift, 60, 10)) < 2.0  # mm: turned as A and C tell
