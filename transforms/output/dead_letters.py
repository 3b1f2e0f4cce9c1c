"""Dead letters: what failed, where, why, and the input that made it fail.

Every stage sends failures here instead of raising, so one bad feed or item never stops a run and
nothing disappears without a trace.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import Any

# Raw inputs are kept for replay and debugging, but a hostile feed can be huge: keep the head.
RAW_CAP_BYTES = 256 * 1024
# A document that is not a feed may be anything a list named (an admin page, a private file):
# only its first bytes are kept, enough to see what it was, and its hash.
DOCUMENT_CAP_BYTES = 4 * 1024


def dead_letter(feed_url: str, stage: str, error: str, raw: bytes | str | None,
                at_millis: int | None = None, cap: int = RAW_CAP_BYTES) -> dict:
    """A dead-letter record (schemas/dead_letter.avsc): the raw input capped at `cap` bytes,
    its whole size and SHA-256."""
    if raw is None:
        raw = b""
    elif isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    return {
        "feed_url": feed_url or "",
        "stage": stage,
        "error": error,
        "raw": raw[:cap],
        "raw_size": len(raw),
        "raw_cap": cap,
        "at": at_millis if at_millis is not None else int(time.time() * 1000),
        "raw_sha256": hashlib.sha256(raw).hexdigest() if raw else None,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def record_as_raw(record: Any) -> bytes:
    """The input of a failed item stage, serialised so that it can be replayed."""
    if isinstance(record, (bytes, str)):
        return record if isinstance(record, bytes) else record.encode("utf-8")
    return json.dumps(record, ensure_ascii=False, default=_json_default).encode("utf-8")
