"""Items per second of the topic step alone (score_topic), one process on one core.

    python benchmarks/topic_speed.py [--data ../shared/data] [--items 2000] [--rounds 5]

Two kinds of items per language. Feed items: the real feed captures' items (feeds/real),
parsed and stripped of boilerplate as the pipeline does: the items users meet. Long items: a
title and ~3,000 characters of body (the step reads no further), the worst case. Arabic: ANT
articles, long ones cut at 3,000 characters and shorter ones joined within their section up to
3,000; English: AG News descriptions joined within their class up to 3,000 (the dev sets have
no long English articles). French: the English items are not French, so French is measured on
the test fixtures repeated (short items) only as a check that the lexicon-only path is cheap.

Reported per language: the first pass (the per-process word memos are empty: every word is
new) and the best of the warm passes (a worker that has read a few thousand items), in CPU
time of this process, with the load average of the machine: the figures are only meaningful on
a quiet core.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from captures import clean_items
from newsbeam.training.topic.data import development_sets, read_gold
from newsbeam.transforms.enrich.topic import score_topic
from newsbeam.transforms.enrich.topic.model import shipped_models

FRENCH_FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "topic" / "fr.jsonl"


def typical_items(items, n: int, chars: int = 3000) -> list[tuple[str, str]]:
    """`n` (title, body) pairs with bodies of ~`chars` characters: long items cut, shorter
    ones of one section joined."""
    by_section: dict[str, list] = {}
    for item in items:
        if item.body.strip():
            by_section.setdefault(item.section, []).append(item)
    sections = sorted(by_section)
    out = []
    k = 0
    while len(out) < n:
        group = by_section[sections[k % len(sections)]]
        start = (k // len(sections)) * 7 % len(group)
        body, j = "", start
        while len(body) < chars:
            body += group[j % len(group)].body + "\n"
            j += 1
        out.append((group[start].title, body[:chars]))
        k += 1
    return out


def items_per_second(items: list[tuple[str, str]], language: str) -> float:
    start = time.process_time()
    for title, body in items:
        score_topic(title, body, language)
    return len(items) / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ag, ant = development_sets(args.data)
    sets = {}
    for language in ("ar", "en"):
        sets[language + " feed items"] = [(r["title"], r["body"]) for r in clean_items(args.data)
                                          if r["language"] == language]
    sets["en long items"] = typical_items(read_gold(ag), args.items)
    sets["ar long items"] = typical_items(read_gold(ant), args.items)
    if FRENCH_FIXTURES.is_file():
        french = [json.loads(line) for line in FRENCH_FIXTURES.read_text("utf-8").splitlines()]
        sets["fr fixtures"] = [(r["title"], r["body"]) for r in french] * (args.items // len(french) + 1)
    shipped_models()  # loading the weights (once per worker) is not part of an item's cost
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, items in sets.items():
        language = name[:2]
        chars = sum(len(t) + len(b) for t, b in items) / len(items)
        cold = items_per_second(items, language)
        warm = max(items_per_second(items, language) for _ in range(args.rounds))
        print(f"{name}: {len(items)} items of {chars:,.0f} characters: first pass "
              f"{cold:,.0f} items/s, warm {warm:,.0f} items/s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
