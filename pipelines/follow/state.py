"""What follow mode remembers between polls and across restarts, in one SQLite file.

- feeds: each feed's poll state (validators, schedule, failures, redirect) and the hash of its
  last body, so an unchanged 200 is not parsed again;
- items: each item's fingerprint and revision, to tell new items, edits and repeats apart,
  expiring after a TTL so the file stays bounded;
- story_keys: for each story key (canonical link, text band) the stories seen under it, expiring
  with the same TTL (stories.assign);
- batches: ids of the batches already written, so a batch replayed after a crash is written
  once.

SQLite commits atomically, so a batch's items, the feeds that produced them and the batch's
"done" mark land together or not at all.
"""
from __future__ import annotations

import json
import sqlite3
import time

from newsbeam.transforms.feeds.identity import DUPLICATE, Sighting, next_revision
from newsbeam.transforms.feeds.poll import FeedPollState, initial_state
from newsbeam.transforms.stories.assign import MAX_STORIES_PER_KEY, Entry, add_entry

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    feed TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    body_hash TEXT
);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    revision INTEGER NOT NULL,
    last_seen REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_last_seen ON items (last_seen);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    committed REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS story_keys (
    key TEXT NOT NULL,
    story TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (key, story)
);
CREATE INDEX IF NOT EXISTS story_keys_last_seen ON story_keys (last_seen);
"""

_CHUNK = 500  # SQLite caps the number of bound parameters


class FollowState:
    def __init__(self, path: str):
        # One connection, used by the follow loop's thread only (fetch threads never touch it).
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # --- feeds ------------------------------------------------------------------------------

    def feed_states(self, feeds: list[str], started: float = 0.0,
                    spread: float = 0.0) -> dict[str, FeedPollState]:
        """The stored state of each feed; for a feed never polled a fresh one, due at a point
        of the `spread` seconds after `started` (feeds.poll.initial_state)."""
        stored = {feed: FeedPollState.from_dict(json.loads(state)) for feed, state in
                  self._db.execute("SELECT feed, state FROM feeds")}
        return {feed: stored.get(feed) or initial_state(feed, started, spread) for feed in feeds}

    def body_hashes(self, feeds: list[str]) -> dict[str, str]:
        """The hash of the last body parsed, for those of `feeds` that have one."""
        hashes = {}
        for chunk in _chunks(feeds):
            hashes.update(self._db.execute(
                f"SELECT feed, body_hash FROM feeds WHERE body_hash IS NOT NULL AND feed IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return hashes

    # --- items ------------------------------------------------------------------------------

    def classify(self, items: list[dict]) -> list[Sighting]:
        """For each item (with `id` and `fingerprint`): new, a revision, or a duplicate.

        Items repeated within the list are judged against their first occurrence, so one
        batch never holds the same item twice.
        """
        known: dict[str, tuple[str, int]] = {}
        for chunk in _chunks(list({item["id"] for item in items})):
            rows = self._db.execute(
                f"SELECT id, fingerprint, revision FROM items WHERE id IN ({','.join('?' * len(chunk))})",
                chunk)
            known.update({row[0]: (row[1], row[2]) for row in rows})
        sightings = []
        for item in items:
            sighting = next_revision(known.get(item["id"]), item["fingerprint"])
            if sighting.kind != DUPLICATE:
                known[item["id"]] = (item["fingerprint"], sighting.revision)
            sightings.append(sighting)
        return sightings

    # --- stories ----------------------------------------------------------------------------

    def story_entries(self, keys: list[str]) -> dict[str, list[Entry]]:
        """The stories seen under each of `keys` (latest MAX_STORIES_PER_KEY, oldest first)."""
        found: dict[str, list[Entry]] = {}
        for chunk in _chunks(keys):
            for key, story, created in self._db.execute(
                    f"SELECT key, story, created FROM story_keys WHERE key IN "
                    f"({','.join('?' * len(chunk))}) ORDER BY rowid", chunk):
                found.setdefault(key, []).append(Entry(created, story))
        return {key: entries[-MAX_STORIES_PER_KEY:] for key, entries in found.items()}

    # --- batches ----------------------------------------------------------------------------

    def is_committed(self, batch_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM batches WHERE id = ?", (batch_id,)).fetchone() is not None

    def commit(self, *, batch_id: str | None, items: list[dict], seen_ids: list[str],
               feeds: dict[str, FeedPollState], body_hashes: dict[str, str],
               story_keys: list[tuple[str, Entry]] = (), now: float | None = None) -> None:
        """Record a poll cycle in one transaction: what was written, what was seen, feed states.

        `items` are the written ones (new or revised); `seen_ids` every item the cycle saw, so
        that an item still in its feed does not expire and come back as new; `story_keys` the
        (key, story) pairs of the written items, new or seen again.
        """
        now = time.time() if now is None else now
        with self._transaction():
            self._db.executemany(
                "INSERT INTO items (id, fingerprint, revision, last_seen) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "revision = excluded.revision, last_seen = excluded.last_seen",
                [(i["id"], i["fingerprint"], i["revision"], now) for i in items])
            self._db.executemany("UPDATE items SET last_seen = ? WHERE id = ?",
                                 [(now, item_id) for item_id in seen_ids])
            self._db.executemany(
                "INSERT INTO story_keys (key, story, created, last_seen) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (key, story) DO UPDATE SET last_seen = excluded.last_seen",
                [(key, entry.story, entry.created, now) for key, entry in story_keys])
            self._db.executemany(
                "INSERT INTO feeds (feed, state, body_hash) VALUES (?, ?, ?) "
                "ON CONFLICT (feed) DO UPDATE SET state = excluded.state, "
                "body_hash = COALESCE(excluded.body_hash, feeds.body_hash)",
                [(feed, json.dumps(state.as_dict()), body_hashes.get(feed))
                 for feed, state in feeds.items()])
            if batch_id is not None:
                self._db.execute("INSERT OR IGNORE INTO batches (id, committed) VALUES (?, ?)",
                                 (batch_id, now))

    def expire(self, ttl_seconds: float, now: float | None = None) -> int:
        """Forget items not seen for `ttl_seconds`, and old batch marks; returns items dropped."""
        cutoff = (time.time() if now is None else now) - ttl_seconds
        with self._transaction():
            dropped = self._db.execute("DELETE FROM items WHERE last_seen < ?", (cutoff,)).rowcount
            self._db.execute("DELETE FROM story_keys WHERE last_seen < ?", (cutoff,))
            self._db.execute("DELETE FROM batches WHERE committed < ?", (cutoff,))
        return dropped

    def _transaction(self):
        return _Transaction(self._db)


def _chunks(values: list) -> list[list]:
    return [values[start:start + _CHUNK] for start in range(0, len(values), _CHUNK)]


class StoryIndexView:
    """The stored story keys plus the claims of a group not committed yet (a StoryIndex of
    stories.assign): records of one group see each other's stories before the commit."""

    def __init__(self, state: FollowState):
        self._state = state
        self._cache: dict[str, list[Entry]] = {}

    def prefetch(self, keys) -> None:
        """Reads the stored stories of `keys` in a few queries rather than one per record."""
        missing = list({key for key in keys if key not in self._cache})
        if missing:
            stored = self._state.story_entries(missing)
            for key in missing:
                self._cache[key] = stored.get(key, [])

    def entries(self, keys: list[str]) -> dict[str, list[Entry]]:
        self.prefetch(keys)
        return {key: self._cache[key] for key in keys if self._cache[key]}

    def claim(self, key: str, entry: Entry) -> None:
        self._cache[key] = add_entry(self._cache.get(key, []), entry)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self):
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
