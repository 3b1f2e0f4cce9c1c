"""Fuzzing with a fixed budget: mutated sample feeds and hostile documents through parsing and
every enrichment stage. Every input ends as records or dead letters, every entity's offsets
stay inside its field (title or body), and no exception escapes.

The mutator is seeded, so a failure names a case that fails again: run the test with
NEWSBEAM_FUZZ_SEED and NEWSBEAM_FUZZ_CASES to explore further.
"""
import os
import random

import pytest

from newsbeam.transforms.enrich.stages import enrich_or_dead_letter
from newsbeam.transforms.feeds.parse import parse_feed
from newsbeam.transforms.feeds.triage import parse_body
from tests.support.paths import FEEDS, REPO

SEED = int(os.environ.get("NEWSBEAM_FUZZ_SEED", "20261206"))
CASES = int(os.environ.get("NEWSBEAM_FUZZ_CASES", "400"))

HOSTILE = [
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b"<rss><channel><item><title>&b;&b;</title></item></channel></rss>",
    b"<rss><channel>" + b"<item><title>x</title>" * 2000 + b"</channel></rss>",
    b"<rss><channel><item><title>" + b"<b>" * 5000 + b"deep</title></item></channel></rss>",
    b"\xff\xfe<\x00r\x00s\x00s\x00>\x00",
    b"<rss><channel><item><title>\x00\x01\x02&#0;&#xD800;&#99999999999;</title>"
    b"<link>javascript:alert(1)</link><description><![CDATA[<script>x</script>]]>"
    b"</description></item></channel></rss>",
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml"><div>'
    b"<a href='x'>t</a></div></title><content type='base64'>!!!</content></entry></feed>",
    b"<rss><channel><item><pubDate>2024-13-45T99:99:99Z</pubDate><title>t</title></item>"
    b"<item><pubDate>Fri, 31 Feb 10000 25:61:61 +9999</pubDate><title>u</title></item>"
    b"</channel></rss>",
]
TOKENS = [b"<", b">", b"&", b"&#0;", b"&nbsp;", b"]]>", b"<![CDATA[", b"<item>", b"</item>",
          b"\xff", b"\xc3", b"\x00", b"\xef\xbb\xbf", "ــ و".encode(), b"<title>", b"\n"]


def seeds() -> list[bytes]:
    paths = sorted((REPO / "samples" / "feeds").iterdir()) + sorted(FEEDS.iterdir())
    return [path.read_bytes() for path in paths if path.is_file()] + HOSTILE


def mutate(document: bytes, others: list[bytes], rng: random.Random) -> bytes:
    data = bytearray(document)
    for _ in range(rng.randint(1, 8)):
        action = rng.randrange(6)
        at = rng.randrange(len(data) + 1)
        if action == 0 and data:  # flip a byte
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif action == 1:  # insert a token that matters to a parser
            data[at:at] = rng.choice(TOKENS)
        elif action == 2:  # cut a piece out
            del data[at:at + rng.randint(1, 64)]
        elif action == 3:  # repeat a piece
            data[at:at] = data[at:at + rng.randint(1, 256)] * rng.randint(1, 4)
        elif action == 4:  # splice in a piece of another document
            other = rng.choice(others)
            start = rng.randrange(len(other) + 1)
            data[at:at] = other[start:start + rng.randint(1, 512)]
        else:  # truncate
            del data[at:]
    return bytes(data)


def cases() -> list[tuple[int, bytes]]:
    rng = random.Random(SEED)
    documents = seeds()
    return [(n, mutate(rng.choice(documents), documents, rng)) for n in range(CASES)]


@pytest.mark.parametrize("chunk", range(4))
def test_every_mutated_document_ends_as_records_or_dead_letters(chunk):
    for case, document in cases()[chunk::4]:
        parsed = parse_body(f"fuzz:{case}", document, 0, parse_feed)
        assert parsed.items or parsed.dead_letters or not parsed.failed, case
        for item in parsed.items:
            record, letter = enrich_or_dead_letter({**item, "revision": 1})
            assert (record is None) != (letter is None), case
            if record is None:
                continue
            for entity in record["entities"]:
                text = record[entity["field"]]
                assert 0 <= entity["start"] < entity["end"] <= len(text), (case, entity)
                assert text[entity["start"]:entity["end"]] == entity["text"], (case, entity)
