"""A small output folder for `newsbeam report`, with every section's content and hostile text:
12 records (7 English, 5 Arabic, one undated) from 4 feeds over 3 days, two stories of several
records, 5 dead letters, 3 runs (one complete, one not, one unreadable) and a follow state of 3
feeds (one failing and backing off). Written as Avro, Parquet or JSON Lines by the output package's
writer (write_files)."""
import json
import os
import struct
import time

import fastavro

from newsbeam.pipelines.follow.state import FollowState, state_file
from newsbeam.schemas import NEWS_ITEM, load_schema
from newsbeam.transforms.output.files import DEAD_LETTERS, NEWS_ITEMS, write_files

HOUR = 3_600_000
START = 1_780_000_000_000 - 1_780_000_000_000 % (24 * HOUR)  # 2026-05-28 00:00 UTC
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'
FEED_EN = "https://news.example/feed.xml"
FEED_AR = "https://akhbar.example/rss"
FEED_WIRE = 'https://wire.example/"><b>wire</b>'
FEED_OTHER = "https://other.example/atom"
FAILING_FEED = "https://down.example/feed"

# What the fixture holds, as the report should count it.
EXPECTED = {
    "records": 12, "feeds": 4, "undated": 1, "charted": 11, "languages": {"en": 7, "ar": 5},
    "topics": {"politics": 6, "sport": 4, "other": 2}, "stories": {"s-ar": 3, "s-en": 2},
    "dead_letters": 5, "dead_letter_groups": {("read", "HTTP 404 Not Found"): 3,
                                              ("read", "HTTP 503 Service Unavailable"): 1,
                                              ("parse", "XMLSyntaxError"): 1},
    "runs": 3, "incomplete_runs": 2, "follow_feeds": 3, "failing": 1, "backing_off": 1,
    "russia_mentions": 4,
}


def _entity(text, kind, canonical):
    return {"text": text, "type": kind, "start": 0, "end": len(text), "canonical": canonical}


RUSSIA_AR, RUSSIA_EN = _entity("روسيا", "LOCATION", "Russia"), _entity("Russia", "LOCATION",
                                                                        "Russia")
PUTIN = _entity("Putin", "PERSON", "Vladimir Putin")


def _record(number, *, feed, language, label, confidence, published, title, story=None,
            entities=(), link=None, revision=1):
    ident = f"{number:032x}"
    confidence = struct.unpack("f", struct.pack("f", confidence))[0]  # a float field: 32 bits
    return {
        "id": ident, "feed_url": feed, "guid": None,
        "link": link if link is not None else f"https://{language}.example/{number}",
        "title": title, "body": title, "language": language, "published": published,
        "fetched": (published or START) + 60_000, "authors": [], "feed_categories": [],
        "boilerplate": {"source_credit": None, "keywords": [], "related": [],
                        "removed_chars": 0},
        "topic": {"label": label, "confidence": confidence, "cues": []},
        "entities": list(entities), "content_source": "feed", "revision": revision,
        "fingerprint": ident[:16], "story_id": story or ident, "summary": title,
        "article": None, "published_raw": None,
    }


def records() -> list[dict]:
    day = 24 * HOUR
    return [
        _record(1, feed=FEED_AR, language="ar", label="politics", confidence=0.9,
                published=START + 1 * HOUR, title="الكرملين: محادثات مع روسيا", story="s-ar",
                entities=[RUSSIA_AR, RUSSIA_AR]),
        _record(2, feed=FEED_AR, language="ar", label="politics", confidence=0.8,
                published=START + 2 * HOUR, title="روسيا تعلن", story="s-ar",
                entities=[RUSSIA_AR]),
        _record(3, feed=FEED_WIRE, language="en", label="politics", confidence=0.7,
                published=START + 3 * HOUR, title=HOSTILE, story="s-ar",
                entities=[RUSSIA_EN, PUTIN], link="javascript:alert(3)"),
        _record(4, feed=FEED_EN, language="en", label="sport", confidence=0.95,
                published=START + day, title="Cup final tonight", story="s-en"),
        _record(5, feed=FEED_OTHER, language="en", label="sport", confidence=0.6,
                published=START + day + 5 * HOUR, title="Cup final: the result", story="s-en"),
        _record(6, feed=FEED_EN, language="en", label="sport", confidence=0.55,
                published=START + day + 6 * HOUR, title="Transfer news"),
        _record(7, feed=FEED_EN, language="en", label="sport", confidence=0.99,
                published=START + 2 * day, title="League table"),
        _record(8, feed=FEED_EN, language="en", label="politics", confidence=0.65,
                published=START + 2 * day + HOUR, title="Senate vote", entities=[PUTIN]),
        _record(9, feed=FEED_EN, language="en", label="politics", confidence=0.75,
                published=None, title="Undated politics"),
        _record(10, feed=FEED_AR, language="ar", label="politics", confidence=0.85,
                published=START + 2 * day + 2 * HOUR, title="خبر سياسي"),
        _record(11, feed=FEED_AR, language="ar", label="other", confidence=0.4,
                published=START + 2 * day + 3 * HOUR, title="طقس"),
        _record(12, feed=FEED_AR, language="ar", label="other", confidence=0.3,
                published=START + 2 * day + 4 * HOUR, title="منوعات"),
    ]


def _letter(feed, stage, error, raw, at):
    return {"feed_url": feed, "stage": stage, "error": error, "raw": raw, "raw_size": len(raw),
            "raw_cap": 65536, "at": at, "raw_sha256": None}


def dead_letters() -> list[dict]:
    return [
        _letter(FEED_EN, "read", f"{FEED_EN}: HTTP 404 Not Found", b"", START + HOUR),
        _letter(FEED_EN, "read", f"{FEED_EN}: HTTP 404 Not Found", b"", START + 2 * HOUR),
        _letter(FEED_OTHER, "read", f"{FEED_OTHER}: HTTP 404 Not Found", b"", START + 3 * HOUR),
        _letter(FEED_OTHER, "read", f"{FEED_OTHER}: HTTP 503 Service Unavailable", b"",
                START + 4 * HOUR),
        _letter(FEED_WIRE, "parse", "XMLSyntaxError: " + HOSTILE,
                ("<rss>" + HOSTILE + "خبر").encode("utf-8"), START + 5 * HOUR),
    ]


# --- writing ------------------------------------------------------------------------------------

def write_output(output, file_format="avro") -> str:
    """The fixture output in `output` (made), its tables as `file_format` files."""
    output = str(output)
    run = "20260528T000000Z-aaaaaa"
    write_files(records(), output, NEWS_ITEMS, run, file_format)
    write_files(dead_letters(), output, DEAD_LETTERS, run, file_format)
    # Hidden folders are not output: a staging file must not be counted.
    staging = os.path.join(output, "items", ".staging-x", "published_date=2026-05-28")
    os.makedirs(staging)
    with open(os.path.join(staging, "part-x.avro"), "wb") as handle:
        fastavro.writer(handle, load_schema(NEWS_ITEM), records()[:1])
    summaries = {"20260528T000000Z-aaaaaa": {"feeds": 4, "records_written": 12,
                                             "dead_letters": 5, "complete": True},
                 "20260529T000000Z-bbbbbb": {"feeds": 4, "records_written": 0,
                                             "dead_letters": 0, "complete": False},
                 "20260530T000000Z-cccccc": None}
    for run_id, summary in summaries.items():
        folder = os.path.join(output, "_runs", run_id)
        os.makedirs(folder)
        with open(os.path.join(folder, "summary.json"), "w") as handle:
            handle.write(json.dumps(summary) if summary else '{"feeds": 4, ')
    write_state(os.path.join(output, "_state"))
    return output


def write_state(folder) -> None:
    """Times are from now: the failing feed is backing off for the next half hour."""
    from newsbeam.transforms.feeds.poll import FeedPollState

    now = time.time()
    os.makedirs(folder, exist_ok=True)
    state = FollowState(state_file(folder))
    state.commit(batch_id=None, items=[], seen_ids=[], body_hashes={}, feeds={
        FAILING_FEED: FeedPollState(FAILING_FEED, failures=4, last_status=503,
                                    next_due=now + 1800, last_success=now - 7200,
                                    last_error=f"{FAILING_FEED}: HTTP 503 <b>down</b>"),
        FEED_EN: FeedPollState(FEED_EN, last_status=200, last_success=now - 60,
                               next_due=now + 240),
        FEED_AR: FeedPollState(FEED_AR, last_status=304, last_success=now - 30,
                               next_due=now + 270),
    })
    state.close()
