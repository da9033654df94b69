import subprocess
import sys


def test_the_command_line_starts_without_numpy():
    """What lets ``woundmeasure batch`` fork its workers before any thread pool exists."""
    code = ("import sys; from woundmeasure.cli.main import cli; import woundmeasure.batch, woundmeasure.sources; "
            "print(sorted(m for m in ('numpy', 'cv2', 'onnxruntime') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "[]", r.stderr
