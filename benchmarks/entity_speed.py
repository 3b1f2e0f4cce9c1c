"""Tokens per second of the entity step alone (find_entities), one process on one core.

    python benchmarks/entity_speed.py [--data ../shared/data] [--articles 400] [--rounds 3]

The whole step as a record goes through it: tokenising, the tagger, known names, offsets,
canonical values and dates. Texts, per language:
- feeds: the clean bodies of the real feed captures' items (feeds/real, parsed and stripped of
  boilerplate as the pipeline does), the items users meet;
- news: `articles` longer articles: the last ANT v1.1 articles (Arabic); CoNLL-2003 eng.testa
  documents (English).
Tokens are counted as the step cuts them (newsbeam.transforms.enrich.entities.tokens). Reported in CPU time of
this process, with the machine's load average (the figures mean something only on a quiet
core):
- load: reading the models and tables (once per worker);
- first pass: empty per-word caches, every word new (a worker's first items);
- warm: the best of `rounds` passes (a worker that has read a few thousand items).
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from captures import clean_items
from newsbeam.training.entities.evaluation import read_conll
from newsbeam.transforms.enrich.entities import find_entities
from newsbeam.transforms.enrich.entities.tokens import tokenise

ANT = "topic/ant_v1.1/ant_v1.1.jsonl"
CONLL_DEV = "ner/conll2003/eng.testa"


def feed_bodies(data: Path) -> dict[str, list[str]]:
    """Clean bodies of the captures' items by language (ar, en)."""
    bodies: dict[str, list[str]] = {"ar": [], "en": []}
    for record in clean_items(data):
        if record["language"] in bodies and record["body"].strip():
            bodies[record["language"]].append(record["body"])
    return bodies


def news_articles(data: Path, count: int) -> dict[str, list[str]]:
    with (data / ANT).open(encoding="utf-8") as handle:
        lines = handle.readlines()[-count:]
    arabic = []
    for line in lines:
        item = json.loads(line)
        arabic.append((item.get("title") or "") + "\n" + (item.get("text") or ""))
    english = [document.text_and_spans()[0] for document in read_conll(data / CONLL_DEV)][:count]
    return {"ar": arabic, "en": english}


def tokens_per_second(texts: list[str], language: str, tokens: int) -> float:
    start = time.process_time()
    for text in texts:
        find_entities(text, language)
    return tokens / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sets = {("feeds", language): texts for language, texts in feed_bodies(args.data).items()}
    sets.update({("news", language): texts
                 for language, texts in news_articles(args.data, args.articles).items()})
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for language in ("ar", "en"):
        start = time.process_time()
        find_entities("Warm-up." if language == "en" else "تمهيد.", language)
        print(f"{language}: load {time.process_time() - start:.2f} s CPU")
    for (source, language), texts in sorted(sets.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        tokens = sum(len(tokenise(text, language)) for text in texts)
        first = tokens_per_second(texts, language, tokens)
        warm = max(tokens_per_second(texts, language, tokens) for _ in range(args.rounds))
        print(f"{language} {source}: {len(texts)} texts, {tokens:,} tokens: first pass "
              f"{first:,.0f} tokens/s, warm {warm:,.0f} tokens/s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
