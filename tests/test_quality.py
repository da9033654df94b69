"""Photo-quality checks: each against a photo with a known defect, and no alarm on clean photos."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from woundmeasure import measure_image
from woundmeasure.cli.main import cli
from woundmeasure.io import write_rgb
from woundmeasure.pipeline import WoundMeasureWarning
from woundmeasure.quality import CLIPPED_LIMIT_PCT, GLARE_LIMIT_PCT, WOUND_BLUR_LIMIT_PX, assess
from woundmeasure.synthetic import make_phantom

EXAMPLES = Path(__file__).parents[1] / "examples"


def quality_of(rgb, mask):
    """The quality of a photo measured on its true mask; the warnings a defect raises are expected."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WoundMeasureWarning)
        return measure_image(rgb, mask=mask).quality


@pytest.mark.parametrize("tilt", [0.0, 15.0, 30.0])
def test_the_camera_tilt_is_read_from_the_markers_homography(tilt):
    p = make_phantom(4200 + int(tilt), tilt_deg=tilt, px_per_mm=6.0)
    q = measure_image(p.rgb, mask=p.mask).quality
    assert q.tilt_deg == pytest.approx(tilt, abs=2.0)


def test_a_clean_photo_raises_no_alarm_and_a_defocused_one_does():
    p = make_phantom(4210, px_per_mm=6.0)
    clean = measure_image(p.rgb, mask=p.mask).quality
    assert clean.problems() == () and clean.wound_blur_px < WOUND_BLUR_LIMIT_PX
    blurred = quality_of(cv2.GaussianBlur(p.rgb, (0, 0), 8.0), p.mask)
    assert blurred.wound_blur_px > WOUND_BLUR_LIMIT_PX
    assert any("blurred at the wound" in w for w in blurred.problems())


def test_glare_on_the_wound_bed_and_clipped_exposure_are_measured():
    p = make_phantom(4211, px_per_mm=6.0)
    rgb = p.rgb.copy()
    ys, xs = np.nonzero(p.mask)
    rgb[ys[::3], xs[::3]] = 255  # a third of the bed white
    q = quality_of(rgb, p.mask)
    assert q.glare_pct == pytest.approx(100 / 3, abs=3) and q.glare_pct > GLARE_LIMIT_PCT
    assert any("glare" in w for w in q.problems())
    over = np.clip(p.rgb.astype(np.float32) * 3.0, 0, 255).astype(np.uint8)
    q = quality_of(over, p.mask)
    assert q.clipped_pct > CLIPPED_LIMIT_PCT and any("clipped" in w for w in q.problems())


def test_no_false_alarm_on_the_bundled_examples():
    from woundmeasure.io import read_mask

    photo = EXAMPLES / "single" / "wound.jpg"
    r = measure_image(photo, mask=read_mask(EXAMPLES / "single" / "wound.mask.png"))
    assert r.quality.problems() == ()
    for photo in sorted((EXAMPLES / "series").glob("*.jpg")):
        assert measure_image(photo).quality.problems() == (), photo.name


def test_strict_refuses_a_poor_photo_with_one_line_and_measures_a_good_one(tmp_path):
    p = make_phantom(4212, px_per_mm=6.0)
    write_rgb(tmp_path / "good.jpg", p.rgb, quality=95)
    near = cv2.dilate(p.mask.astype(np.uint8), np.ones((81, 81), np.uint8)).astype(bool)
    out_of_focus = np.where(near[..., None], cv2.GaussianBlur(p.rgb, (0, 0), 9.0), p.rgb)  # the card stays sharp
    write_rgb(tmp_path / "blurred.jpg", out_of_focus, quality=95)
    r = CliRunner().invoke(cli, ["measure", str(tmp_path / "good.jpg"), "--strict"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["measure", str(tmp_path / "blurred.jpg"), "--strict", "--mask-out",
                                 str(tmp_path / "masks")])
    assert r.exit_code == 1
    assert not (tmp_path / "masks" / "blurred.png").exists()  # a refused photo leaves no files behind
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert "refused (--strict)" in line and "blurred" in line and "blurred.jpg" in line


def test_assess_without_a_wound_judges_only_the_reference():
    p = make_phantom(4213, px_per_mm=6.0)
    from woundmeasure.pipeline import calibrate

    q = assess(p.rgb, np.zeros(p.mask.shape, bool), calibrate(p.rgb))
    assert q.wound_blur_px is None and q.glare_pct is None and q.reference_blur_px is not None
