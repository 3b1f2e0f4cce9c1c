"""Parsing items per second: feedparser alone next to parse_feed with the lxml fast path.

    python benchmarks/parse_speed.py [--feeds ../shared/data/feeds/real] [--rounds 5]

Parses every feed in the folder, one core, through: feedparser (decode_feed, then
feedparser_records, what parse_feed did before the fast path); parse_feed (the fast path, with
feedparser for what it declines); and the fast path alone on the documents it takes. Then the
bare parsers, without building records (item ids, fingerprints), which both paths share:
feedparser.parse on every document, fast_feeds.parse_entries on those it takes. Reports
the best of `rounds` runs of each (another job may share the machine; the best run is the one
it disturbed least), the share of documents and items the fast path takes, and the load
average before and after.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import time
import warnings

import feedparser
from newsbeam.transforms.feeds.fast_path import NotOnFastPath, parse_entries
from newsbeam.transforms.feeds.parse import (
    decode_feed,
    fast_records,
    feedparser_records,
    parse_feed,
)

REAL_FEEDS = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "feeds" / "real"


def best_rate(parse, documents: list[tuple[str, bytes]], rounds: int) -> tuple[int, float]:
    """(items, best items/s) of `parse(name, bytes)` over the documents."""
    best = float("inf")
    items = 0
    for _ in range(rounds):
        start = time.perf_counter()
        items = sum(len(parse(name, data)) for name, data in documents)
        best = min(best, time.perf_counter() - start)
    return items, items / best


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=pathlib.Path, default=REAL_FEEDS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # feedparser's deprecation warnings
    documents = [(path.name, path.read_bytes()) for path in sorted(args.feeds.iterdir())
                 if path.suffix in (".xml", ".rss", ".atom")]
    taken = []
    for name, data in documents:
        try:
            taken.append((name, data, len(fast_records(name, decode_feed(data)[0], 0))))
        except NotOnFastPath:
            pass
    print(f"load average before: {load_average()}")
    items, feedparser_rate = best_rate(
        lambda name, data: feedparser_records(name, decode_feed(data)[0], 0), documents, args.rounds)
    _, parse_feed_rate = best_rate(lambda name, data: parse_feed(name, data, 0), documents,
                                   args.rounds)
    _, fast_rate = best_rate(lambda name, data: fast_records(name, decode_feed(data)[0], 0),
                             [(name, data) for name, data, _ in taken], args.rounds)
    _, bare_feedparser_rate = best_rate(
        lambda name, data: feedparser.parse(decode_feed(data)[0], sanitize_html=False,
                                            resolve_relative_uris=False)["entries"],
        documents, args.rounds)
    _, bare_fast_rate = best_rate(lambda name, data: parse_entries(decode_feed(data)[0])[0],
                                  [(name, data) for name, data, _ in taken], args.rounds)
    print(f"load average after: {load_average()}")
    taken_items = sum(count for _, _, count in taken)
    print(f"{len(documents)} documents, {items} items, best of {args.rounds} rounds, one core")
    print(f"fast path takes {len(taken)}/{len(documents)} documents, "
          f"{taken_items}/{items} items ({taken_items / items:.0%})")
    print(f"feedparser (before):            {feedparser_rate:>9,.0f} items/s")
    print(f"parse_feed (fast + fallback):   {parse_feed_rate:>9,.0f} items/s "
          f"({parse_feed_rate / feedparser_rate:.1f}x)")
    print(f"fast path on what it takes:     {fast_rate:>9,.0f} items/s")
    print("bare parsers, no records:")
    print(f"feedparser.parse:               {bare_feedparser_rate:>9,.0f} items/s")
    print(f"parse_entries on what it takes: {bare_fast_rate:>9,.0f} items/s "
          f"({bare_fast_rate / bare_feedparser_rate:.1f}x)")


if __name__ == "__main__":
    main()
