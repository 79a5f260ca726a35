"""Whole-process figures of one command, for the bench scripts' paired runs (bench/oci-agent.sh, bench/pins-resolve.sh).

measure(argv) runs argv once and returns (wall seconds, CPU seconds, peak RSS MiB, stdout): wall from a monotonic
clock around start and reaping, CPU the kernel's user + system accounting of the child and every descendant it waited
for (wait4), peak RSS the largest of those processes. Finer than /usr/bin/time's 10 ms wall resolution.
"""
import os
import subprocess
import tempfile
import time


def measure(argv):
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)[:200]} exited {child.returncode}: {err.read().decode(errors='replace')[-2000:]}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read().decode(errors="replace")
