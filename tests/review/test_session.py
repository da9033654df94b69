"""The review session's own work: what it keeps between a person's clicks."""

import shutil

import pytest

import woundmeasure.pipeline as pipeline
from tests.helpers import fresh
from woundmeasure.review.session import ReviewSession


def test_clicks_on_one_photo_find_its_reference_once_and_measure_as_a_fresh_run(series_dir, tmp_path, monkeypatch):
    d = fresh(series_dir, tmp_path)
    session = ReviewSession(d, db=tmp_path / "r.db")
    calls = []
    real = pipeline.calibrate
    monkeypatch.setattr(pipeline, "calibrate", lambda rgb, options: calls.append(1) or real(rgb, options))
    _, visit = session.visit("0-1")
    h, w = session.photo("0-1").shape
    clicks = [(w / 2, h / 2)]
    first = session.segment("0-1", points=clicks)
    again = session.segment("0-1", points=clicks, background_points=[(5.0, 5.0)])
    assert len(calls) == 1  # the second click reused the photo and its calibration
    fresh_run = pipeline.measure_photo(session.photo("0-1"), session.options.with_hints(points=clicks))
    assert first[1] == pytest.approx(fresh_run.measurement.area_mm2, rel=1e-9)
    assert again[0].shape == first[0].shape
    calls.clear()
    session.segment("0-2", points=clicks)
    assert len(calls) == 1  # another photo is read and calibrated


def test_a_photo_changed_on_disk_is_read_again(series_dir, tmp_path, monkeypatch):
    d = fresh(series_dir, tmp_path)
    session = ReviewSession(d, db=tmp_path / "r.db")
    _, visit = session.visit("0-1")
    _, other = session.visit("0-3")
    h, w = session.photo("0-1").shape
    before = session.segment("0-1", points=[(w / 2, h / 2)])[1]
    shutil.copyfile(other.image, visit.image)  # the file now holds another visit's photo
    after = session.segment("0-1", points=[(w / 2, h / 2)])[1]
    assert after != pytest.approx(before, rel=0.01)
