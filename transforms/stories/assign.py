"""One story across feeds: which story a record joins, for any store of story keys.

Every record is kept (the feed it came from is data); records of one article share a
`story_id`, the `id` of the first record seen of it. A record joins a known story when its
canonical link was seen on it, or when at least 3 of its 16 band keys were (two 3-shingle sets
share a band with probability J^4, so 3 bands of 16 is a soft threshold near Jaccard 0.65: 0.96
of pairs at J = 0.8 match, 0.07 at J = 0.5; unrelated articles share almost no 3-shingles).
When several known stories qualify, the oldest wins (by the `published` time of its first
record, else `fetched`). A record that joins no story starts its own, with its own id. Every
key of the record then remembers the chosen story. The threshold was measured on the real
feed captures (benchmarks/evaluate_stories.py).

Follow mode keeps the keys in SQLite and the batch job in memory over one run; both apply
`assign` below. The unbounded job's keys remember records, and which story each record joined
is kept apart (a decision cannot flow back to the keys in a Beam graph); `choose_resolved`
reads such a store and gives the same choice.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

import numpy as np

from newsbeam.transforms.stories.keys import StoryKeys

MIN_BAND_HITS = 3
MAX_STORIES_PER_KEY = 8  # a key shared by more stories than this keeps the latest ones

@dataclass(frozen=True, order=True)
class Entry:
    """A story as a key remembers it: when its first record was published, and its id."""
    created: int
    story: str


def match(keys: StoryKeys, entries: dict[str, list[Entry]]) -> list[Entry]:
    """The known stories a record with `keys` belongs to: `entries` maps each of its keys to
    the stories seen under that key."""
    qualifying: set[Entry] = set(entries.get(keys.link, ())) if keys.link else set()
    hits: dict[Entry, int] = defaultdict(int)
    for band in keys.bands:
        for entry in set(entries.get(band, ())):
            hits[entry] += 1
    qualifying.update(entry for entry, count in hits.items() if count >= MIN_BAND_HITS)
    return sorted(qualifying)


def choose(record_id: str, created: int, qualifying: Iterable[Entry]) -> Entry:
    """The oldest qualifying story, or a new one founded by this record."""
    return min(qualifying, default=Entry(created, record_id))


class StoryIndex(Protocol):
    def entries(self, keys: list[str]) -> dict[str, list[Entry]]: ...

    def claim(self, key: str, entry: Entry) -> None: ...


def assign(record_id: str, created: int, keys: StoryKeys, index: StoryIndex) -> Entry:
    """The record's story (its id is the record's `story_id`); every key of the record
    remembers that story from now on."""
    all_keys = keys.all
    known = index.entries(all_keys)
    story = choose(record_id, created, match(keys, known))
    for key in all_keys:
        if story not in known.get(key, ()):
            index.claim(key, story)
    return story


def choose_resolved(record_id: str, created: int, keys: StoryKeys,
                    entries: dict[str, list[Entry]],
                    story_of: Callable[[str], Entry | None]) -> Entry:
    """`assign`'s choice over a store whose entries name records: `story_of(record id)` is
    the story that record joined, None when it founded its own."""
    resolved = {key: [story_of(entry.story) or entry for entry in found]
                for key, found in entries.items()}
    return choose(record_id, created, match(keys, resolved))


class MemoryIndex:
    """Story keys in a dict: the batch job's index over one run."""

    def __init__(self):
        self._keys: dict[str, list[Entry]] = {}

    def entries(self, keys: list[str]) -> dict[str, list[Entry]]:
        return {key: self._keys[key] for key in keys if key in self._keys}

    def claim(self, key: str, entry: Entry) -> None:
        self._keys[key] = add_entry(self._keys.get(key, []), entry)


def add_entry(entries: list[Entry], entry: Entry) -> list[Entry]:
    """`entries` with `entry` appended (latest last), capped at MAX_STORIES_PER_KEY."""
    kept = [e for e in entries if e != entry] + [entry]
    return kept[-MAX_STORIES_PER_KEY:]


def stories_in_order(rows: Iterable[tuple[int, str, bytes]]) -> dict[str, str]:
    """{record id: story id} of the records that join an older story (every other record is
    its own story), for keys.story_row rows assigned in order of (created, record id).

    A key that only one record carries can join nothing, so only keys carried twice or more
    are kept in the index: its memory follows the run's copies, not its size.
    """
    rows = sorted(rows, key=lambda row: (row[0], row[1]))
    numbers = np.frombuffer(b"".join(packed for _, _, packed in rows), dtype="<u8")
    found, counts = np.unique(numbers[numbers != 0], return_counts=True)
    shared = set(found[counts > 1].tolist())
    index = MemoryIndex()
    joined: dict[str, str] = {}
    seen: set[str] = set()
    for created, record_id, packed in rows:
        if record_id in seen:
            continue
        seen.add(record_id)
        link, *bands = np.frombuffer(packed, dtype="<u8").tolist()
        keys = StoryKeys(link if link in shared else None,
                         tuple(band for band in bands if band in shared))
        if keys.all:
            story = assign(record_id, created, keys, index)
            if story.story != record_id:
                joined[record_id] = story.story
    return joined
