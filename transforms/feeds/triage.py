"""What one poll of one feed gives: a dead letter, nothing, or items (no Beam graph).

Follow mode (state in SQLite) and the unbounded job (state in Beam) are thin shells over these
rules, so the two cannot drift:

1. `triage`: given a feed's state before a poll, the poll's result and the hash of the last
   body passed on, the poll is a dead letter (a failure not reported yet), nothing (a failure
   already reported, a 304, or the same bytes again), or a body to parse;
2. `parse_body`: the body's items (and dead letters for empty ones), or one dead letter for
   the feed whatever the parser raised;
3. `safe_poll`: a poll function that raised (a bug, not a feed problem) still gives a result,
   so one feed never stops the others.

Whether each item is new, an edit or a repeat is feeds.identity.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Callable

from newsbeam.transforms.output.dead_letters import DOCUMENT_CAP_BYTES, dead_letter
from newsbeam.transforms.feeds.poll import FeedPollState, PollResult, backoff, failed_poll

DEAD_LETTER = "dead_letter"  # a failure reported now
FAILING = "failing"  # a failure already reported
NOT_MODIFIED = "not_modified"  # 304
UNCHANGED = "unchanged"  # a 200 with the bytes of the last body passed on
PARSE = "parse"  # new bytes

Parser = Callable[[str, bytes, int], list]


@dataclass(frozen=True)
class Triage:
    kind: str  # DEAD_LETTER, FAILING, NOT_MODIFIED, UNCHANGED or PARSE
    dead_letter: dict | None = None  # for DEAD_LETTER
    body: bytes | None = None  # for PARSE
    body_hash: str | None = None  # for PARSE: remember it as the last body passed on

    @property
    def failed(self) -> bool:
        return self.kind in (DEAD_LETTER, FAILING)


def body_hash(body: bytes) -> str:
    """Identifies a response body: a server that ignores conditional GET and sends the same
    bytes again can be recognised without parsing them."""
    return hashlib.sha256(body).hexdigest()[:32]


def triage(before: FeedPollState, result: PollResult, last_body_hash: str | None) -> Triage:
    """What a poll of a feed in state `before` gave, as far as writing goes.

    A failing feed gives one dead letter when it starts failing or its error changes, not one
    per poll of its backoff: `before.last_error` is the error of the previous poll, None after
    a success.
    """
    if result.error is not None:
        if result.error != before.last_error:
            return Triage(DEAD_LETTER, dead_letter(before.feed, "read", result.error, b"",
                                                   at_millis=result.fetched_millis))
        return Triage(FAILING)
    if result.body is None:
        return Triage(NOT_MODIFIED)
    digest = body_hash(result.body)
    if digest == last_body_hash:
        return Triage(UNCHANGED)
    return Triage(PARSE, body=result.body, body_hash=digest)


@dataclass(frozen=True)
class Parsed:
    """What parsing one feed body gave."""
    items: list[dict]
    dead_letters: list[dict]  # the feed's own (it is not a feed), or its empty items'
    stats: dict[str, int]  # counts for the run summary: bytes replaced, item repeats

    @property
    def failed(self) -> bool:
        """Whether the body as a whole could not be read as a feed."""
        return any(letter["stage"] == "parse" for letter in self.dead_letters)


def parse_body(feed: str, body: bytes, fetched_millis: int, parser: Parser) -> Parsed:
    """The body's items, dead letters and counts; whatever `parser` raised, one parse dead
    letter for the feed.

    A document that is not a feed raises FeedParseError; anything else the parser raises on
    hostile input (a bug, a library's own error) is caught all the same, so one feed's bytes
    never fail the cycle or the bundle of the feeds around it.
    """
    try:
        parsed = parser(feed, body, fetched_millis)
    except Exception as error:  # noqa: BLE001 (every failure becomes the feed's dead letter)
        detail = " ".join(str(error).split())[:500]
        return Parsed([], [dead_letter(feed, "parse", f"{type(error).__name__}: {detail}",
                                       body, cap=DOCUMENT_CAP_BYTES,
                                       at_millis=fetched_millis)], {})
    return Parsed(list(parsed), list(getattr(parsed, "dead_letters", [])),
                  dict(getattr(parsed, "stats", {})))


def safe_poll(poll_fn: Callable[..., PollResult], state: FeedPollState, *, interval: float,
              now: float, **kwargs) -> PollResult:
    """`poll_fn(state, ...)`, or a failed poll with backoff when it raised unexpectedly."""
    try:
        return poll_fn(state, interval=interval, now=now, **kwargs)
    except Exception as error:  # noqa: BLE001 (a bug for one feed must not stop the others)
        detail = " ".join(str(error).split())[:300]
        return failed_poll(state, now if now is not None else time.time(),
                           backoff(state, interval), None,
                           f"{state.feed}: unexpected error while polling: "
                           f"{type(error).__name__}: {detail}")
