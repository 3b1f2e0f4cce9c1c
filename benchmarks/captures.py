"""The real feed captures' items as the enrichment steps see them: parsed, stripped of
boilerplate, with their language. Shared by the per-step speed benchmarks."""
from __future__ import annotations

from pathlib import Path

from newsbeam.transforms.enrich.boilerplate import clean_item
from newsbeam.transforms.enrich.language import detect_language
from newsbeam.transforms.feeds.parse import FeedParseError, parse_feed

FEEDS = "feeds/real"
FEED_SUFFIXES = (".xml", ".rss", ".atom")


def clean_items(data: Path) -> list[dict]:
    """Records with `title`, `body` and `language`, in file order (unparseable files skipped)."""
    records = []
    for path in sorted((data / FEEDS).iterdir()):
        if path.suffix not in FEED_SUFFIXES:
            continue
        try:
            items = parse_feed(path.resolve().as_uri(), path.read_bytes(), 0)
        except FeedParseError:
            continue
        for item in items:
            record = clean_item(item)
            record["language"] = detect_language(record["title"] + "\n" + record["body"])
            records.append(record)
    return records
