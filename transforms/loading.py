"""Heavy things (models, tables) built on first use and kept for the life of the process."""
from __future__ import annotations

import functools
import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def loaded_once(build: Callable[[], T]) -> Callable[[], T]:
    """`build` wrapped so that it runs on the first call only, once even when several threads
    ask first (a Beam worker runs bundles on threads); later calls return what it built.
    `.is_loaded()` tells whether it has run (nothing heavy may load at import)."""
    lock = threading.Lock()
    built: list[T] = []

    @functools.wraps(build)
    def get() -> T:
        if not built:
            with lock:
                if not built:
                    built.append(build())
        return built[0]

    get.is_loaded = lambda: bool(built)
    return get
