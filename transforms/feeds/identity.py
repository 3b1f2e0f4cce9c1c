"""Which item a feed entry is, and whether a sighting of it is new, an edit or a repeat.

The item id says *which* item (the feed plus the entry's most durable key); the fingerprint
says *what it said*. Same id and fingerprint: a repeat from another poll. Same id, new
fingerprint: the publisher edited the item, and it is written again as a new revision. Batch,
follow mode and the unbounded job all apply these rules.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import regex

NEW, REVISED, DUPLICATE = "new", "revised", "duplicate"

_TAG = regex.compile(r"<[^<>]*>")
_SPACE = regex.compile(r"\s+")


def item_id(feed_url: str, guid: str | None, link: str | None, title: str,
            published: int | None) -> str:
    """Stable across runs and machines: the feed plus the item's most durable key."""
    key = guid or link or f"{title}\x1f{published}"
    return hashlib.sha256(f"{feed_url}\x1f{key}".encode("utf-8")).hexdigest()[:32]


def fingerprint(title: str, content: str) -> str:
    """A short hash of an item's visible text.

    Markup and whitespace are left out: feeds re-serialise HTML and rotate tracking pixels
    between polls without the text changing, and that is not a new revision.
    """
    text = _SPACE.sub(" ", _TAG.sub(" ", f"{title}\n{content}")).strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Sighting:
    """What an item seen in a poll is, compared with what was written before."""
    kind: str  # NEW, REVISED or DUPLICATE
    revision: int


def next_revision(previous: tuple[str, int] | None, fingerprint: str) -> Sighting:
    """New (revision 1), revised (the last revision + 1) or a duplicate of what was written.

    `previous` is the (fingerprint, revision) last written for the item's id, None if none.
    """
    if previous is None:
        return Sighting(NEW, 1)
    if previous[0] == fingerprint:
        return Sighting(DUPLICATE, previous[1])
    return Sighting(REVISED, previous[1] + 1)
