"""One story across feeds: a `story_id` shared by the records that carry the same article.

The same article often arrives through several feeds: under the same link with different
tracking parameters, or as the same wire text under another guid and link. Every record is
kept (the feed it came from is data); records of one article share a `story_id`, the `id` of
the first record seen of it.

Story keys of a record (`story_keys`):
- its canonical link: scheme dropped, host lower-cased without `www.`/`m.`/`amp.`, default
  port, fragment and tracking parameters (utm_*, fbclid, ...) removed, the other parameters
  sorted, percent-encoding normalised;
- 16 band keys of a MinHash signature (64 hashes, 16 bands of 4) over the word 3-shingles of the
  clean body (lower-cased, Arabic spelling variants folded); only for bodies of at least
  20 words: shorter texts (titles, teasers) are too alike across unrelated stories.

A record joins a known story when its canonical link was seen on it, or when at least 3 of its
16 band keys were (two 3-shingle sets share a band with probability J^4, so 3 bands of 16 is a
soft threshold near Jaccard 0.65: 0.96 of pairs at J = 0.8 match, 0.07 at J = 0.5; unrelated
articles share almost no 3-shingles). When several known stories qualify, the oldest wins (by
the `published` time of its first record, else `fetched`). A record that joins no story starts
its own, with its own id. The threshold was measured on the real feed captures; see
benchmarks/evaluate_stories.py.

Where the keys live: follow mode keeps them in its SQLite state beside the item fingerprints,
the streaming job in Beam keyed state (`AssignStoriesInStream`), both forgotten after the
state TTL unseen; the batch job assigns over the whole run in publication order
(`AssignStoriesInRun`). All three apply `assign` / `match` and `choose` below.
"""
from __future__ import annotations

import hashlib
import struct
import zlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import apache_beam as beam
import numpy as np
import regex
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (BagStateSpec, ReadModifyWriteStateSpec, TimerSpec,
                                              on_timer)
from apache_beam.utils.timestamp import Duration

from transforms.arabic import normalise
from transforms.polling import JsonCoder

LINK_PREFIX = "l:"
BAND_PREFIX = "t"
BANDS = 16
ROWS = 4
MIN_BAND_HITS = 3
SHINGLE = 3
MIN_WORDS = 20
MAX_WORDS = 1500  # the head of a long article identifies it; the tail only costs time
MAX_STORIES_PER_KEY = 8  # a key shared by more stories than this keeps the latest ones

_TRACKING_EXACT = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "yclid", "msclkid", "igshid", "mkt_tok", "_ga", "_gl",
    "ocid", "cmp", "cmpid", "icid", "ito", "xtor", "smid", "smtyp", "ref", "ref_src", "spm",
    "soc_src", "soc_trk", "s_cid", "mbid", "rss", "fromrss", "feature", "ns_campaign",
})
_TRACKING_PREFIXES = ("utm_", "ns_", "wt.", "pk_", "mtm_", "hsa_", "at_", "_hs", "oly_", "vero_",
                      "mc_")
_HOST_PREFIXES = ("www.", "m.", "amp.")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_WORD = regex.compile(r"[\p{L}\p{N}]+")


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in _TRACKING_EXACT or name.startswith(_TRACKING_PREFIXES)


def canonical_link(url: str | None) -> str | None:
    """The link without what varies between copies of one article; None when not a web link."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and "." in host[len(prefix):]:
            host = host[len(prefix):]
            break
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_PATH_SAFE) or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted((name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
                   if not _is_tracking(name))
    return host + path + (f"?{urlencode(query)}" if query else "")


# ---------------------------------------------------------------------------------------------
# Near-duplicate text: MinHash over word shingles, in bands

def _constants(salt: bytes, count: int) -> np.ndarray:
    # Derived from a hash, not a random generator: the same keys in every version and process.
    words = [int.from_bytes(hashlib.blake2b(salt + struct.pack("<I", i), digest_size=8).digest(),
                            "little") for i in range(count)]
    return np.array(words, dtype=np.uint64)


_SEEDS = _constants(b"newsbeam-minhash-seed", BANDS * ROWS)
_MULTIPLIERS = _constants(b"newsbeam-minhash-mult", BANDS * ROWS) | np.uint64(1)


_SHINGLE_MIX = _constants(b"newsbeam-shingle", SHINGLE) | np.uint64(1)


def _shingle_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the text's distinct word 3-shingles (lower case, Arabic spelling
    variants folded); empty under MIN_WORDS words. Words are hashed once each (CRC-32) and
    combined per shingle in numpy: a tenth of the time of hashing every shingle string."""
    words = _WORD.findall(normalise(text.lower()))[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return np.empty(0, dtype=np.uint64)
    hashed = np.fromiter((zlib.crc32(word.encode("utf-8")) for word in words),
                         dtype=np.uint64, count=len(words))
    count = len(words) - SHINGLE + 1
    with np.errstate(over="ignore"):  # multiplications wrap around on purpose
        shingles = np.zeros(count, dtype=np.uint64)
        for offset in range(SHINGLE):
            shingles = (shingles ^ hashed[offset:offset + count]) * _SHINGLE_MIX[offset]
    return np.unique(shingles)


def text_bands(text: str) -> tuple[str, ...]:
    """The band keys of a text's MinHash signature; () for a text under MIN_WORDS words."""
    values = _shingle_hashes(text)
    if not len(values):
        return ()
    with np.errstate(over="ignore"):  # multiply-shift hashing wraps around on purpose
        hashed = ((values[None, :] ^ _SEEDS[:, None]) * _MULTIPLIERS[:, None]) >> np.uint64(32)
    signature = hashed.min(axis=1).astype("<u4").reshape(BANDS, ROWS)
    return tuple(f"{BAND_PREFIX}{band}:"
                 + hashlib.blake2b(signature[band].tobytes(), digest_size=8).hexdigest()
                 for band in range(BANDS))


@dataclass(frozen=True)
class StoryKeys:
    link: str | None  # LINK_PREFIX + hash of the canonical link
    bands: tuple[str, ...]  # () when the body is too short

    @property
    def all(self) -> list[str]:
        return ([self.link] if self.link else []) + list(self.bands)


def story_keys(link: str | None, body: str) -> StoryKeys:
    canonical = canonical_link(link)
    link_key = (LINK_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
                if canonical else None)
    return StoryKeys(link_key, text_bands(body or ""))


def record_story_keys(record: dict) -> StoryKeys:
    """Keys of a record with a clean `body`, or of a parsed item (raw `content`, cleaned here
    exactly as the boilerplate stage cleans it)."""
    if "body" not in record:
        from transforms.boilerplate import clean_item  # only follow mode needs it here

        record = clean_item(record)
    return story_keys(record.get("link"), record.get("body") or "")


def story_created(record: dict) -> int:
    """Orders stories: when the record was published, else fetched (epoch millis)."""
    published = record.get("published")
    return int(published if published is not None else record.get("fetched") or 0)


# ---------------------------------------------------------------------------------------------
# The rule, for any store of keys

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


def assign_in_order(rows: Iterable[tuple[int, str, StoryKeys]]) -> dict[str, str]:
    """{record id: story id} for (created, record id, keys) rows, assigned in that order."""
    index = MemoryIndex()
    stories: dict[str, str] = {}
    for created, record_id, keys in sorted(rows, key=lambda row: (row[0], row[1])):
        if record_id not in stories:
            stories[record_id] = assign(record_id, created, keys, index).story
    return stories


# ---------------------------------------------------------------------------------------------
# Beam: over one batch run, and in the unbounded job's keyed state

def _record_row(record: dict) -> tuple[int, str, StoryKeys]:
    return story_created(record), record["id"], record_story_keys(record)


class AssignStoriesInRun(beam.PTransform):
    """NewsItem records of one batch run -> the same records with `story_id`.

    The run's story keys (small: ids and hashes) are gathered on one worker and assigned in
    order of publication (then id), exactly as follow mode would had it seen the records in
    that order; the table goes back to the records as a side input. Stories span the run only:
    a batch run remembers nothing from the runs before it.
    """

    def expand(self, records):
        table = (records
                 | "StoryRows" >> beam.Map(_record_row)
                 | "AllRows" >> beam.combiners.ToList()
                 | "AssignInOrder" >> beam.Map(assign_in_order))
        return records | "SetStoryId" >> beam.Map(
            lambda record, stories: {**record,
                                     "story_id": stories.get(record["id"], record["id"])},
            stories=beam.pvalue.AsSingleton(table))


LOOKUPS = "lookups"
UNKEYED = "unkeyed"


class _StoryKeysFn(beam.DoFn):
    """record -> (record key, the record and how many answers to wait for) and one lookup per
    story key; a record without keys is its own story at once (UNKEYED)."""

    def process(self, record):
        keys = record_story_keys(record)
        created = story_created(record)
        if not keys.all:
            yield beam.pvalue.TaggedOutput(UNKEYED, {**record, "story_id": record["id"]})
            return
        record_key = f"{record['id']}/{record.get('revision', 1)}"
        yield record_key, {"record": record, "keys": keys.all, "bands": list(keys.bands),
                           "link": keys.link}
        for key in keys.all:
            yield beam.pvalue.TaggedOutput(
                LOOKUPS, (key, {"ask": record_key, "own": [created, record["id"]]}))


class _ClaimKeyFn(beam.DoFn):
    """(story key, lookup) -> (record key, the stories the key knew); then the key remembers
    the asking record's own story too.

    Keyed state holds the key's stories, forgotten `ttl_seconds` (event time) after the key
    was last looked up. Lookups of one key are serial, so two copies of one article in one
    poll still meet here: the second finds the first's story.
    """

    ENTRIES = ReadModifyWriteStateSpec("entries", JsonCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, ttl_seconds: float):
        self._ttl = Duration.of(ttl_seconds)
        self.forgotten = Metrics.counter("newsbeam", "story_keys_forgotten")

    def process(self, element, seen_at=beam.DoFn.TimestampParam,
                entries=beam.DoFn.StateParam(ENTRIES), expiry=beam.DoFn.TimerParam(EXPIRY)):
        key, lookup = element
        expiry.set(seen_at + self._ttl)
        known = [Entry(created, story) for created, story in entries.read() or []]
        # The record's story is decided downstream, so the key remembers the record's own id;
        # for a record that joined an older story this entry names no record (a later copy
        # reaching the story only through it starts a new one: rare, and documented).
        updated = add_entry(known, Entry(*lookup["own"]))
        entries.write([[e.created, e.story] for e in updated])
        yield lookup["ask"], {"key": key, "entries": [[e.created, e.story] for e in known]}

    @on_timer(EXPIRY)
    def forget(self, entries=beam.DoFn.StateParam(ENTRIES)):
        entries.clear()
        self.forgotten.inc()


class _GatherFn(beam.DoFn):
    """(record key, the record or one key's answer) -> the record with its `story_id`, once
    every key has answered."""

    PARTS = BagStateSpec("parts", JsonCoder())

    def __init__(self):
        self.joined = Metrics.counter("newsbeam", "records_joining_a_story")

    def process(self, element, parts=beam.DoFn.StateParam(PARTS)):
        _, part = element
        parts.add(part)
        gathered = list(parts.read())
        head = next((p for p in gathered if "record" in p), None)
        answers = [p for p in gathered if "key" in p]
        if head is None or len(answers) < len(head["keys"]):
            return
        parts.clear()
        record = head["record"]
        keys = StoryKeys(head["link"], tuple(head["bands"]))
        known = {a["key"]: [Entry(*e) for e in a["entries"]] for a in answers}
        story = choose(record["id"], story_created(record), match(keys, known))
        if story.story != record["id"]:
            self.joined.inc()
        yield {**record, "story_id": story.story}


class AssignStoriesInStream(beam.PTransform):
    """NewsItem records of the unbounded job -> the same records with `story_id`.

    Story keys live in Beam keyed state (one cell per key, expiring `ttl_seconds` unseen, like
    the item fingerprints), so a runner checkpoints them and a restart keeps every story.
    """

    def __init__(self, ttl_seconds: float):
        super().__init__()
        self._ttl_seconds = ttl_seconds

    def expand(self, records):
        keyed = records | "StoryKeys" >> beam.ParDo(_StoryKeysFn()).with_outputs(
            LOOKUPS, UNKEYED, main="records")
        answers = (keyed[LOOKUPS]
                   | "TypedLookups" >> beam.Map(lambda x: x).with_output_types(tuple[str, dict])
                   | "ClaimKeys" >> beam.ParDo(_ClaimKeyFn(self._ttl_seconds)))
        gathered = ((keyed.records, answers)
                    | "RecordsAndAnswers" >> beam.Flatten()
                    | "TypedParts" >> beam.Map(lambda x: x).with_output_types(tuple[str, dict])
                    | "Gather" >> beam.ParDo(_GatherFn()))
        return (gathered, keyed[UNKEYED]) | "AllRecords" >> beam.Flatten()
