"""Dead letters: what failed, where, why, and the input that made it fail.

Every stage sends failures here instead of raising, so one bad feed or item never stops a run and
nothing disappears without a trace.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

import apache_beam as beam
from apache_beam.metrics import Metrics

# Raw inputs are kept for replay and debugging, but a hostile feed can be huge: keep the head.
RAW_CAP_BYTES = 256 * 1024


def dead_letter(feed_url: str, stage: str, error: str, raw: bytes | str | None,
                at_millis: int | None = None) -> dict:
    """A dead-letter record (schemas/dead_letter.avsc) with the raw input capped."""
    if raw is None:
        raw = b""
    elif isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    return {
        "feed_url": feed_url or "",
        "stage": stage,
        "error": error,
        "raw": raw[:RAW_CAP_BYTES],
        "raw_size": len(raw),
        "raw_cap": RAW_CAP_BYTES,
        "at": at_millis if at_millis is not None else int(time.time() * 1000),
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


class ApplyStage(beam.PTransform):
    """Apply `fn` to each record; records it fails on become dead letters tagged with `stage`.

    Returns (records, dead_letters). Built on Beam's own `with_exception_handling`, so the
    failure is caught per element and the bundle goes on.
    """

    def __init__(self, stage: str, fn: Callable[[dict], dict]):
        super().__init__(label=stage)
        self._stage = stage
        self._fn = fn

    def expand(self, records):
        stage = self._stage
        failures = Metrics.counter("newsbeam", f"{stage}_failures")
        good, bad = records | "Apply" >> beam.Map(self._fn).with_exception_handling()

        def to_dead_letter(failure):
            # Beam hands over (input, (exception type, repr of the exception, traceback)).
            record, (_exc_type, exc_repr, _traceback) = failure
            failures.inc()
            feed_url = record.get("feed_url", "") if isinstance(record, dict) else ""
            return dead_letter(feed_url, stage, exc_repr, record_as_raw(record))

        return good, bad | "ToDeadLetter" >> beam.Map(to_dead_letter)
