"""Story keys: what two records of one article have in common, hashed.

The same article often arrives through several feeds: under the same link with different
tracking parameters, or as the same wire text under another guid and link. The keys of a
record (`story_keys`):
- its canonical link: scheme dropped, host lower-cased without `www.`/`m.`/`amp.`, default
  port, fragment and tracking parameters (utm_*, fbclid, ...) removed, the other parameters
  sorted, percent-encoding normalised;
- 16 band keys of a MinHash signature (64 hashes, 16 bands of 4) over the word 3-shingles of the
  clean body (lower-cased, Arabic spelling variants folded); only for bodies of at least
  20 words: shorter texts (titles, teasers) are too alike across unrelated stories.

Which story a record joins, given the stories seen under its keys, is stories.assign.
"""
from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import numpy as np
import regex

from newsbeam.transforms.enrich.arabic import normalise

LINK_PREFIX = "l:"
BAND_PREFIX = "t"
BANDS = 16
ROWS = 4
SHINGLE = 3
MIN_WORDS = 20
MAX_WORDS = 1500  # the head of a long article identifies it; the tail only costs time

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
    """Keys of an enriched record (its link and clean `body`)."""
    return story_keys(record.get("link"), record.get("body") or "")


def story_row(record: dict) -> tuple[int, str, bytes]:
    """A record's part in a batch run's story decision, compact: (created, id, its story keys
    as 8-byte integers, the link's first (0 without one), then the bands')."""
    keys = record_story_keys(record)
    numbers = [key_number(keys.link) if keys.link else 0, *map(key_number, keys.bands)]
    return story_created(record), record["id"], np.array(numbers, dtype="<u8").tobytes()


def key_number(key: str) -> int:
    """A story key as a 64-bit integer (a hash: two keys share one with odds of 2^-64)."""
    return int.from_bytes(hashlib.blake2b(key.encode("ascii"), digest_size=8).digest(), "little")


def story_created(record: dict) -> int:
    """Orders stories: when the record was published, else fetched (epoch millis)."""
    published = record.get("published")
    return int(published if published is not None else record.get("fetched") or 0)
