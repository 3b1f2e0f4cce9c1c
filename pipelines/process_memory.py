"""glibc's malloc, tuned for newsbeam's processes (the runner and its workers).

glibc gives threads that allocate at once arenas of their own, up to eight per core, and each
arena keeps the memory freed into it. Beam's gRPC threads and the fetch pools allocate from
many threads, so a worker ends up holding several arenas' worth of freed memory. Two arenas,
and returning freed memory above 128 KiB to the system, take about a third off a worker's
peak at the same speed (docs/benchmarks.md).
"""
from __future__ import annotations

import ctypes
import os
import sys

# Environment variables glibc reads when a process starts, with their mallopt() parameters.
MALLOC_SETTINGS = {
    "MALLOC_ARENA_MAX": ("2", -8),  # M_ARENA_MAX
    "MALLOC_TRIM_THRESHOLD_": ("131072", -1),  # M_TRIM_THRESHOLD
    "MALLOC_MMAP_THRESHOLD_": ("131072", -3),  # M_MMAP_THRESHOLD
}


def tune_malloc() -> None:
    """Applies MALLOC_SETTINGS to this process and to the processes it starts (Beam's local
    workers inherit the environment). A value the user has set in the environment wins."""
    for name, (default, _) in MALLOC_SETTINGS.items():
        os.environ.setdefault(name, default)
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc (Alpine's musl has no arenas to tune)
    for name, (_, parameter) in MALLOC_SETTINGS.items():
        try:
            libc.mallopt(parameter, int(os.environ[name]))
        except ValueError:
            continue  # the user's value is not a number; glibc ignores it too
