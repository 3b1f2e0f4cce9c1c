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
"done" mark land together or not at all. One follower at a time holds a state folder (and a
local output folder): `FolderLock`.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import sqlite3
import time
import urllib.parse

from newsbeam.transforms.feeds.identity import DUPLICATE, Sighting, next_revision
from newsbeam.transforms.feeds.poll import FeedPollState, initial_state
from newsbeam.transforms.stories.assign import MAX_STORIES_PER_KEY, Entry, add_entry
from newsbeam.transforms.stories.keys import record_story_keys, story_created

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
STATE_FILE = "follow.sqlite"


def state_file(state_dir: str) -> str:
    """The SQLite file of the state folder `state_dir` (--state)."""
    return os.path.join(state_dir, STATE_FILE)


class StateError(Exception):
    """The state cannot be used (damaged, gone, or held by another follower): following must
    stop rather than write items twice or nothing at all; the message says what to do."""


class FolderLock:
    """An exclusive lock on a folder, held by one process until it closes it or exits (the
    kernel releases it even after kill -9). The lock file names the holder."""

    def __init__(self, folder: str, what: str):
        os.makedirs(folder, exist_ok=True)
        self.path = os.path.join(folder, ".newsbeam-follow.lock")
        self._handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.seek(0)
            holder = self._handle.read().strip() or "another process"
            self._handle.close()
            raise StateError(f"{what} {folder} is in use by another follower ({holder}); one "
                             f"follower at a time writes to a state and an output") from None
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since "
                           f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        self._handle.flush()

    def release(self) -> None:
        self._handle.close()


class FollowState:
    def __init__(self, path: str):
        self.path = path
        try:
            # One connection, used by the follow loop's thread only (fetch threads never
            # touch it).
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            [(verdict,)] = self._db.execute("PRAGMA quick_check(1)").fetchall()
        except sqlite3.DatabaseError as error:
            raise StateError(damaged(path, error)) from None
        if verdict != "ok":
            raise StateError(damaged(path, verdict))
        self._inode = os.stat(path).st_ino

    def close(self) -> None:
        self._db.close()

    def check_in_place(self) -> None:
        """StateError when the state file was deleted or replaced under the follower: its
        commits would go to a file nobody will read again."""
        try:
            same = os.stat(self.path).st_ino == self._inode
        except FileNotFoundError:
            same = False
        if not same:
            raise StateError(f"the state file {self.path} was deleted or replaced while "
                             f"following; what was committed since is lost. Restart with "
                             f"--rebuild_state to rebuild it from the output")

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


def read_feed_states(path: str) -> list[FeedPollState] | None:
    """The stored state of every feed in the state file `path`, by feed, read without
    disturbing a follower that has it open: a read-only connection (SQLite's `mode=ro`: no
    table made, no row written, no lock that blocks the follower's commits) that reads the last
    committed snapshot. None when there is no state file; StateError when it cannot be read."""
    if not os.path.isfile(path):
        return None
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            rows = db.execute("SELECT state FROM feeds ORDER BY feed").fetchall()
        finally:
            db.close()
        return [FeedPollState.from_dict(json.loads(state)) for (state,) in rows]
    except (sqlite3.DatabaseError, ValueError, TypeError) as error:
        raise StateError(f"the state file {path} cannot be read ({error})") from None


def damaged(path: str, detail) -> str:
    return (f"the state file {path} is damaged ({detail}); move it aside and restart with "
            f"--rebuild_state to rebuild it from the output without writing items again")


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


def rebuild(state: FollowState, records, now: float | None = None) -> int:
    """Fills an empty state from the records a follower wrote (its output): each item's last
    revision and fingerprint, and the story keys of every record, so that following again
    writes nothing twice and keeps every story. Feeds start afresh (their first polls fetch
    in full, and find their items already written). Returns the records read."""
    latest: dict[str, dict] = {}
    created_of: dict[str, int] = {}
    keyed: list[tuple[list[str], str]] = []
    count = 0
    for record in records:
        count += 1
        if record["revision"] >= latest.get(record["id"], {"revision": 0})["revision"]:
            latest[record["id"]] = {"id": record["id"], "fingerprint": record["fingerprint"],
                                    "revision": record["revision"]}
        created_of.setdefault(record["id"], story_created(record))
        if record.get("story_id"):
            keyed.append((record_story_keys(record).all, record["story_id"]))
    story_keys = [(key, Entry(created_of.get(story, 0), story))
                  for keys, story in keyed for key in keys]
    state.commit(batch_id=None, items=list(latest.values()), seen_ids=[], feeds={},
                 body_hashes={}, story_keys=story_keys, now=now)
    return count


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self):
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
