"""The time stamp every log line of newsbeam starts with: UTC, to the second, ISO 8601."""
from __future__ import annotations

import time


def utc_timestamp(now: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if now is None else now))
