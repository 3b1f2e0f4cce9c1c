"""What makes two sightings of a feed item the same item, or a new revision of it.

The item id (transforms.feeds.item_id) says *which* item; the fingerprint says *what it said*.
Same id and fingerprint: a duplicate from another poll. Same id, new fingerprint: the
publisher edited the item, and it is written again as a new revision.
"""
from __future__ import annotations

import hashlib

import regex

_TAG = regex.compile(r"<[^<>]*>")
_SPACE = regex.compile(r"\s+")


def fingerprint(title: str, content: str) -> str:
    """A short hash of an item's visible text.

    Markup and whitespace are left out: feeds re-serialise HTML and rotate tracking pixels
    between polls without the text changing, and that is not a new revision.
    """
    text = _SPACE.sub(" ", _TAG.sub(" ", f"{title}\n{content}")).strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
