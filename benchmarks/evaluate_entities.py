"""Score transforms.entities against public NER gold sets, when they are present.

    python benchmarks/evaluate_entities.py [--data /work/shared/data/ner]

- ANERcorp (Arabic, clitics attached to tokens): token-level, so a gold "وأرمينيا" LOC counts as
  found when a predicted LOCATION covers any part of that token.
- CoNLL-2003 eng.testa (English, IOB1): entity-level, exact character span.
- Wojood sample val (Arabic, nested): outermost tag per token, GPE+LOC -> LOCATION, entity-level
  exact span and token-level.
MISC gold and (where the gold has no dates) DATE predictions are left out of the scores.
Also prints the time per item on the Arabic seed article and a synthetic English article.
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from transforms.entities import find_entities

TYPES = {"PER": "PERSON", "PERS": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION",
         "GPE": "LOCATION", "DATE": "DATE"}
ROOT = Path(__file__).resolve().parents[1]


def join(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Tokens joined by spaces, with each token's character span."""
    spans, parts, at = [], [], 0
    for token in tokens:
        spans.append((at, at + len(token)))
        parts.append(token)
        at += len(token) + 1
    return " ".join(parts), spans


def gold_entities(tags: list[str], spans: list[tuple[int, int]]) -> set:
    """(start, end, type) from per-token IOB1 or IOB2 tags: B- always opens an entity, I- extends
    one of the same type (and opens one otherwise, as IOB1 does)."""
    entities, current = set(), None
    for tag, (start, end) in zip(tags, spans):
        kind = TYPES.get(tag[2:]) if tag != "O" else None
        if kind is not None and current is not None and current[2] == kind \
                and tag.startswith("I-"):
            current[1] = end
            continue
        if current is not None:
            entities.add(tuple(current))
            current = None
        if kind is not None:
            current = [start, end, kind]
    if current is not None:
        entities.add(tuple(current))
    return entities


class Score:
    def __init__(self):
        self.tp, self.fp, self.fn = Counter(), Counter(), Counter()

    def add(self, gold: set, predicted: set) -> None:
        for item in predicted & gold:
            self.tp[item[-1]] += 1
        for item in predicted - gold:
            self.fp[item[-1]] += 1
        for item in gold - predicted:
            self.fn[item[-1]] += 1

    def report(self, title: str) -> None:
        print(f"\n{title}")
        print(f"  {'type':<13} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn")
        kinds = sorted(set(self.tp) | set(self.fp) | set(self.fn))
        for kind in kinds + ["ALL"]:
            tp = sum(self.tp.values()) if kind == "ALL" else self.tp[kind]
            fp = sum(self.fp.values()) if kind == "ALL" else self.fp[kind]
            fn = sum(self.fn.values()) if kind == "ALL" else self.fn[kind]
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            print(f"  {kind:<13} {p:6.3f} {r:6.3f} {f:6.3f}   {tp}/{fp}/{fn}")


def predicted(text: str, language: str, keep: set[str]) -> set:
    return {(e.start, e.end, e.type) for e in find_entities(text, language) if e.type in keep}


def token_types(entities: set, spans: list[tuple[int, int]]) -> list[str | None]:
    types: list[str | None] = [None] * len(spans)
    for start, end, kind in entities:
        for index, (token_start, token_end) in enumerate(spans):
            if token_start < end and token_end > start:
                types[index] = kind
    return types


def token_score(score: Score, gold: list[str | None], guess: list[str | None]) -> None:
    score.add({(i, g) for i, g in enumerate(gold) if g}, {(i, g) for i, g in enumerate(guess) if g})


def read_columns(path: Path, tag_column: int) -> list[list[tuple[str, str]]]:
    """Sentences of (token, tag); -DOCSTART- lines become empty sentences (document breaks)."""
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            if current:
                sentences.append(current)
                current = []
            continue
        if parts[0] == "-DOCSTART-":
            sentences.append([])
            continue
        current.append((parts[0], parts[tag_column] if len(parts) > tag_column else "O"))
    if current:
        sentences.append(current)
    return sentences


def anercorp(path: Path) -> None:
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in rows if len(row) == 2]
    score = Score()
    # No sentence breaks in the file: score in chunks that end at a full stop, like short articles.
    chunk: list[list[str]] = []
    for row in rows + [[".", "O"]]:
        chunk.append(row)
        if row[0] in (".", "!", "؟", "?") and len(chunk) >= 150 or row is rows[-1]:
            tokens = [token for token, _ in chunk]
            text, spans = join(tokens)
            gold = [TYPES.get(tag[2:]) if tag != "O" else None for _, tag in chunk]
            guess = token_types(predicted(text, "ar", {"PERSON", "ORGANIZATION", "LOCATION"}), spans)
            token_score(score, gold, guess)
            chunk = []
    score.report(f"ANERcorp {path.name} (token level, {len(rows)} tokens)")


def conll(path: Path) -> None:
    score = Score()
    documents, current = [], []
    for sentence in read_columns(path, 3):
        if not sentence:
            if current:
                documents.append(current)
            current = []
        else:
            current.append(sentence)
    documents.append(current)
    for document in documents:
        tokens, tags = [], []
        for sentence in document:
            tokens += [token for token, _ in sentence] + ["\n"]
            tags += [tag for _, tag in sentence] + ["O"]
        text, spans = join(tokens)
        gold = gold_entities(tags, spans)
        score.add(gold, predicted(text, "en", {"PERSON", "ORGANIZATION", "LOCATION"}))
    score.report(f"CoNLL-2003 {path.name} (entity level, exact span)")


def wojood(path: Path) -> None:
    exact, tokens_score = Score(), Score()
    for sentence in read_columns(path, 1):
        if not sentence:
            continue
        tokens = [token for token, _ in sentence]
        tags = [tag for _, tag in sentence]
        text, spans = join(tokens)
        gold = gold_entities(tags, spans)
        guess = predicted(text, "ar", set(TYPES.values()))
        exact.add(gold, guess)
        token_score(tokens_score, token_types(gold, spans), token_types(guess, spans))
    exact.report(f"Wojood {path.name} (entity level, exact span; outermost tag)")
    tokens_score.report(f"Wojood {path.name} (token level)")


def timing() -> None:
    seed = (ROOT / "tests" / "fixtures" / "seed_ar.txt").read_text(encoding="utf-8")
    arabic = (seed.split("المصدر:")[0] * 3)[:3000]
    english = ("President Emmanuel Macron met Prime Minister Keir Starmer in London on "
               "Tuesday, November 9, 2021, before the European Union summit. Reuters reported "
               "that Acme Holdings Inc. and the Labour Party disagreed. ") * 14
    english = english[:3000]
    for language, text in (("ar", arabic), ("en", english)):
        find_entities(text, language)
        runs = 200
        started = time.perf_counter()
        for _ in range(runs):
            find_entities(text, language)
        elapsed = (time.perf_counter() - started) / runs
        print(f"\n{language}: {elapsed * 1000:.2f} ms per {len(text)}-character article "
              f"(warm token cache)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/ner"))
    args = parser.parse_args()
    sets = ((anercorp, args.data / "anercorp" / "anercorp_train_first5of6_approx.conll"),
            (conll, args.data / "conll2003" / "eng.testa"),
            (wojood, args.data / "wojood" / "wojood_sample_val.txt"))
    for evaluate, path in sets:
        if path.exists():
            evaluate(path)
        else:
            print(f"\n(skipped: {path} not found)")
    timing()


if __name__ == "__main__":
    main()
