"""How often records are merged into stories, and how often wrongly, on real text.

    python benchmarks/evaluate_stories.py [--data ../shared/data] [--show 20]

Sets (each skipped when absent):
- the real feed captures (feeds/real): every item parsed and cleaned as the pipeline does; the
  share of records merged into a story with another record, and every merged group listed for
  review (a merge of two different articles is a false merge);
- AG News test (7,600 short English news descriptions) and ANT v1.1 (10,161 Arabic articles
  from one site's feeds): large sets of distinct articles, where a merge is either a real
  duplicate in the set (same text, or the same URL) or a false merge; the near-duplicate merges
  that are neither are listed for review;
- copies of the real captures' items made the way feeds make them (tracking parameters, a
  credit line, one word edited, a sentence added, the last 10% cut), to show what is merged.

Stories are assigned as in the batch job (newsbeam.transforms.stories.assign.stories_in_order).
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections import defaultdict
from pathlib import Path

from newsbeam.transforms.enrich.boilerplate import clean_item
from newsbeam.transforms.feeds.parse import parse_feed
from newsbeam.transforms.feeds.sources import expand_sources
from newsbeam.transforms.stories.assign import stories_in_order
from newsbeam.transforms.stories.keys import canonical_link, story_row, text_bands

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def real_feeds(root: Path) -> list[dict] | None:
    folder = root / "feeds" / "real"
    if not folder.is_dir():
        return None
    feeds, _ = expand_sources([str(folder)])
    records = []
    for feed in feeds:
        records += [clean_item(item) for item in parse_feed(feed, Path(feed).read_bytes(), 0)]
    return records


def ag_news(root: Path) -> list[dict] | None:
    path = root / "topic" / "ag_news" / "test.csv"
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return [{"id": f"ag{n}", "link": None, "title": title, "body": text.replace("\\", " ")}
            for n, (_, title, text) in enumerate(rows)]


def ant(root: Path) -> list[dict] | None:
    path = root / "topic" / "ant_v1.1" / "ant_v1.1.jsonl"
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as handle:
        docs = [json.loads(line) for line in handle]
    return [{"id": doc["docno"], "link": doc.get("url"), "title": doc.get("title") or "",
             "body": doc.get("text") or ""} for doc in docs]


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def stories_of(records: list[dict]) -> tuple[dict[str, list[dict]], float]:
    started = time.perf_counter()
    rows = [story_row({**record, "published": n}) for n, record in enumerate(records)]
    joined = stories_in_order(rows)
    stories = {record["id"]: joined.get(record["id"], record["id"]) for record in records}
    seconds = time.perf_counter() - started
    groups = defaultdict(list)
    for record in records:
        groups[stories[record["id"]]].append(record)
    return groups, seconds


def report(name: str, records: list[dict], show: int) -> None:
    groups, seconds = stories_of(records)
    merged = [group for group in groups.values() if len(group) > 1]
    in_merged = sum(len(group) for group in merged)
    with_text = sum(bool(text_bands(r.get("body") or "")) for r in records)
    kinds = defaultdict(int)
    review = []
    for group in merged:
        links = {canonical_link(r.get("link")) for r in group}
        texts = {_normalised(r.get("body") or "") for r in group}
        if len(links) == 1 and None not in links:
            kinds["same canonical link"] += 1
        elif len(texts) == 1:
            kinds["same text"] += 1
        else:
            kinds["near-duplicate text"] += 1
            review.append(group)
    print(f"\n{name}: {len(records)} records ({with_text} with text keys), {len(groups)} stories, "
          f"{seconds / len(records) * 1000:.2f} ms a record")
    print(f"  records merged into a story with another: {in_merged} "
          f"({in_merged / len(records):.2%}) in {len(merged)} stories: "
          + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
    for group in review[:show]:
        print("  - near-duplicate story:")
        for record in group:
            print(f"      {record['id'][:24]:24} {record.get('title', '')[:70]!r}")
            print(f"      {'':24} {(record.get('body') or '')[:110]!r}")
    for group in merged[:show] if name.startswith("real") else []:
        print("  - " + " | ".join(f"{r.get('feed_url', '').rsplit('/', 1)[-1]}: "
                                  f"{r.get('title', '')[:50]!r}" for r in group))


def copies(records: list[dict]) -> None:
    """What is merged among copies made the way feeds make them."""
    rng = random.Random(8)
    edits = {
        "tracking link, other guid": lambda r: {**r, "link": (r["link"] or "") + "?utm_source=rss"},
        "credit line added": lambda r: {**r, "body": r["body"] + "\nSource: Example Wire"},
        "one word edited": lambda r: {**r, "body": _edit(r["body"], rng, 1), "link": None},
        "three words edited": lambda r: {**r, "body": _edit(r["body"], rng, 3), "link": None},
        "a sentence added": lambda r: {**r, "link": None, "body": r["body"]
                                       + " Follow us for the latest news from the region."},
        "last 10% cut": lambda r: {**r, "link": None, "body": _head(r["body"], 0.9)},
    }
    base = [r for r in records if text_bands(r["body"]) and r.get("link")]
    print(f"\ncopies of {len(base)} real items with a link and text keys (copy under another id):")
    for name, edit in edits.items():
        joined = 0
        for n, record in enumerate(base):
            copy = {**edit(record), "id": f"copy{n}"}
            if name != "tracking link, other guid":
                copy["link"] = copy.get("link") and "https://other.example/" + str(n)
            groups, _ = stories_of([record, copy])
            joined += len(groups) == 1
        print(f"  {name:28} merged {joined / len(base):.1%}")


def _head(text: str, share: float) -> str:
    words = text.split()
    return " ".join(words[:int(len(words) * share)])


def _edit(text: str, rng: random.Random, words: int) -> str:
    tokens = text.split()
    for _ in range(words):
        tokens[rng.randrange(len(tokens))] = "edited"
    return " ".join(tokens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", type=int, default=20)
    args = parser.parse_args()
    real = real_feeds(args.data)
    for name, records in (("real feed captures", real), ("AG News test", ag_news(args.data)),
                          ("ANT v1.1", ant(args.data))):
        if records is None:
            print(f"\n{name}: not present under {args.data}")
            continue
        report(name, records, args.show)
    if real:
        copies(real)


if __name__ == "__main__":
    main()
