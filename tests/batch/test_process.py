import platform
import subprocess
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is chosen on Linux only")
def test_workers_fork_only_from_a_caller_without_threaded_libraries():
    from woundmeasure.batch.process import worker_context

    assert worker_context().get_start_method() == "forkserver"  # this test process has run OpenCV
    clean = subprocess.run([sys.executable, "-c", "from woundmeasure.batch.process import worker_context; "
                            "print(worker_context().get_start_method())"], capture_output=True, text=True)
    assert clean.stdout.strip() == "fork", clean.stderr
    loaded = subprocess.run([sys.executable, "-c", "import numpy; from woundmeasure.batch.process import worker_context; "
                             "print(worker_context().get_start_method())"], capture_output=True, text=True)
    assert loaded.stdout.strip() == "forkserver", loaded.stderr


FAULTS_OF_REUSED_BLOCK = """
import ctypes, resource, sys
from woundmeasure.batch.process import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
size = 40 << 20  # a 12 MP photo's RGB array is 36 MB
ctypes.memset(block := libc.malloc(size), 1, size)
libc.free(ctypes.c_void_p(block))
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
ctypes.memset(block := libc.malloc(size), 1, size)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_kept_memory_is_reused_without_page_faults():
    """A photo-sized block freed and allocated again is not faulted in from the kernel a second time."""
    faults = {how: int(subprocess.run([sys.executable, "-c", FAULTS_OF_REUSED_BLOCK, how], capture_output=True,
                                      text=True, check=True).stdout) for how in ("default", "keep")}
    assert faults["default"] > 5000  # 40 MB in 4 KiB pages: glibc unmapped it and maps it afresh
    assert faults["keep"] < 500
