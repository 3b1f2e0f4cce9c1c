"""Measure transforms.topic on the development sets: accuracy, per-label P/R/F1, confusion matrix.

    python benchmarks/evaluate_topic.py [--data /work/shared/data/topic]

Sets that are not present are skipped. Dataset classes are mapped onto politics/sport/other:
- AG News (English): World -> politics, Sports -> sport, Business and Sci/Tech -> other.
  World is international news, mostly but not only politics, so politics recall is bounded.
- ANT v1.1 (Arabic): politic -> politics, sport -> sport, economy/culture/technology/society/
  diverse -> other. internationalNews and localNews are mixed sections (wars, elections and
  crime; ministries, strikes and weather), so they are reported two ways: left out, and mapped
  internationalNews -> politics, localNews -> other.
Also printed: mean confidence against accuracy (calibration) and time per item.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.topic import LABELS, score_topic  # noqa: E402

AG_CLASSES = {"1": "politics", "2": "sport", "3": "other", "4": "other"}
ANT_CORE = {"politic": "politics", "sport": "sport", "economy": "other", "culture": "other",
            "technology": "other", "society": "other", "diverse": "other"}
ANT_MIXED = {"internationalNews": "politics", "localNews": "other"}


def ag_news(root: Path):
    path = root / "ag_news" / "test.csv"
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return [(AG_CLASSES[row[0]], _ag_text(row[1]), _ag_text(row[2]))
                for row in csv.reader(handle)]


def _ag_text(text: str) -> str:
    # The set escapes newlines as a backslash + "n", uses "\" for some line breaks and keeps
    # HTML entities without their "&" (" #39;s", "quot;"): undo what the pipeline would not see.
    text = text.replace("\\n", "\n").replace("\\", " ")
    return text.replace(" #39;", "'").replace("#39;", "'").replace("quot;", '"')


def ant(root: Path):
    path = root / "ant_v1.1" / "ant_v1.1.jsonl"
    if not path.exists():
        return None
    items = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            items.append((doc["cat"], doc["title"] or "", doc["text"] or ""))
    return items


def report(name: str, gold: list[str], predicted: list[str], confidence: list[float],
           seconds: float) -> None:
    n = len(gold)
    correct = sum(g == p for g, p in zip(gold, predicted))
    print(f"\n== {name}: {n} items, accuracy {correct / n:.3f}, "
          f"{seconds / n * 1e3:.3f} ms/item")
    print(f"{'label':10} {'prec':>6} {'recall':>6} {'F1':>6} {'gold':>6} {'pred':>6}")
    f1s = []
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        n_pred = predicted.count(label)
        n_gold = gold.count(label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        print(f"{label:10} {precision:6.3f} {recall:6.3f} {f1:6.3f} {n_gold:6d} {n_pred:6d}")
    print(f"macro F1 {sum(f1s) / len(f1s):.3f}")
    print("confusion (rows gold, columns predicted):")
    print(" " * 10 + "".join(f"{label:>10}" for label in LABELS))
    pairs = Counter(zip(gold, predicted))
    for g in LABELS:
        print(f"{g:10}" + "".join(f"{pairs[g, p]:10d}" for p in LABELS))
    # Calibration: within each confidence band, how often the prediction is right.
    bands = Counter()
    right = Counter()
    for g, p, c in zip(gold, predicted, confidence):
        band = min(int(c * 10), 9)
        bands[band] += 1
        right[band] += g == p
    print("confidence band: items, accuracy")
    for band in sorted(bands):
        print(f"  {band / 10:.1f}-{(band + 1) / 10:.1f}: {bands[band]:5d}, "
              f"{right[band] / bands[band]:.3f}")


def predict(items, language: str):
    start = time.perf_counter()
    topics = [score_topic(title, body, language) for _, title, body in items]
    return topics, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/topic"))
    args = parser.parse_args()

    items = ag_news(args.data)
    if items is not None:
        topics, seconds = predict(items, "en")
        report("AG News (en)", [g for g, _, _ in items], [t.label for t in topics],
               [t.confidence for t in topics], seconds)

    items = ant(args.data)
    if items is not None:
        topics, seconds = predict(items, "ar")
        for name, mapping in (("ANT v1.1 (ar), without internationalNews/localNews", ANT_CORE),
                              ("ANT v1.1 (ar), internationalNews -> politics, localNews -> "
                               "other", {**ANT_CORE, **ANT_MIXED})):
            kept = [(mapping[cat], t) for (cat, _, _), t in zip(items, topics) if cat in mapping]
            report(name, [g for g, _ in kept], [t.label for _, t in kept],
                   [t.confidence for _, t in kept], seconds * len(kept) / len(items))
        print("\nANT mixed sections, predicted label shares:")
        for cat in ANT_MIXED:
            labels = Counter(t.label for (c, _, _), t in zip(items, topics) if c == cat)
            total = sum(labels.values())
            print(f"  {cat}: " + ", ".join(f"{label} {labels[label] / total:.2f}"
                                          for label in LABELS))


if __name__ == "__main__":
    main()
