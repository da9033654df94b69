"""Run real ImageJ (Debian's ``imagej`` package, headless under ``xvfb-run``) on masks and ROIs.

Used by ``bench_imagej.py`` and by the parity test (skipped where ImageJ is not installed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

IJ_JAR = Path("/usr/share/java/ij.jar")


def available() -> bool:
    return IJ_JAR.is_file() and shutil.which("xvfb-run") is not None and shutil.which("java") is not None


def measure_in_imagej(mask_png: Path, roi: Path, px_per_mm: float) -> dict:
    """ImageJ's Area, Perim. and Feret for the ROI file, and for Analyze Particles on the mask (mm, mm^2)."""
    macro = f"""
open("{mask_png}");
run("Set Scale...", "distance={px_per_mm} known=1 unit=mm");
run("Set Measurements...", "area perimeter feret's redirect=None decimal=9");
open("{roi}");
run("Measure");
print("ROI " + getResult("Area", 0) + " " + getResult("Perim.", 0) + " " + getResult("Feret", 0));
run("Select None");
setThreshold(128, 255);
run("Analyze Particles...", "display clear");
a = 0; p = 0;
for (i = 0; i < nResults; i++) {{ a += getResult("Area", i); p += getResult("Perim.", i); }}
print("PARTICLES " + a + " " + p);
"""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.ijm"
        path.write_text(macro)
        out = subprocess.run(["xvfb-run", "-a", "java", "-jar", str(IJ_JAR), "-batch", str(path)],
                             capture_output=True, text=True, timeout=300).stdout
    roi = re.search(r"^ROI ([\d.eE+-]+) ([\d.eE+-]+) ([\d.eE+-]+)", out, re.M)
    part = re.search(r"^PARTICLES ([\d.eE+-]+) ([\d.eE+-]+)", out, re.M)
    if not roi or not part:
        raise RuntimeError(f"ImageJ gave no result:\n{out}")
    return {"roi_area": float(roi[1]), "roi_perimeter": float(roi[2]), "roi_feret": float(roi[3]),
            "particles_area": float(part[1]), "particles_perimeter": float(part[2])}
