"""Score the topic step against labelled news: per-class precision, recall and F1, macro-F1,
the confusion matrix and a reliability table (is `confidence` the accuracy it claims?).

    newsbeam eval topic --data PATH [--format ag|ant|jsonl|tsv|modern|huffpost|...]
                        [--language ar|en|fr]

PATH is a gold file or a folder of them (every .csv, .tsv, .jsonl and .json file below it,
each reported on its own). The formats and the label mapping are described in data.py: AG
News CSV (class,title,description), ANT JSON lines, a generic JSON lines or TSV file of
label/title/body with labels politics|sport|other, and the modern corpora. `--format modern`
with PATH the shared data folder (../shared/data) scores the modern development set: its
keys and labels ship with the trainer (modern_dev_labels.jsonl), its texts are rebuilt from
the data folder. Items go through score_topic exactly as a record's title, clean body, link
and feed categories would. Reports of more than one language also give each language's.

The shipped model was trained on AG News, ANT v1.1 and the modern corpora (never on the
modern development set's items): scored on those sets, the figures are in-sample. `newsbeam
train topic` prints the out-of-fold figures of the training sets.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Sequence

from newsbeam.training.topic.data import Item, read_gold
from newsbeam.transforms.enrich.topic.lexicon import LABELS, OTHER
from newsbeam.transforms.enrich.topic.scoring import score_topic

GOLD_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json")
RELIABILITY_BANDS = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


def evaluate_path(path: Path, language: str | None, data_format: str | None = None) -> str:
    """The report of every gold file at `path` (see the module docstring)."""
    if data_format == "modern":
        return evaluate_items("modern development set", read_gold(path, "modern", language))
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file()
                       and p.suffix.lower() in GOLD_SUFFIXES)
        if not files:
            raise ValueError(f"{path}: no gold files ({', '.join(GOLD_SUFFIXES)})")
    elif path.is_file():
        files = [path]
    else:
        raise ValueError(f"{path}: no such file or folder")
    return "\n\n".join(evaluate_items(str(file), read_gold(file, data_format, language))
                       for file in files)


def evaluate_items(name: str, items: list[Item]) -> str:
    """The report of labelled items scored by score_topic."""
    topics = [score_topic(item.title, item.body, item.language, item.link or None,
                          item.categories) for item in items]
    scored = [(item.label, topic) for item, topic in zip(items, topics) if item.label]
    if not scored:
        raise ValueError(f"{name}: no labelled items")
    lines = [report(name, [gold for gold, _ in scored], [t.label for _, t in scored],
                    [t.confidence for _, t in scored])]
    languages = Counter(item.language for item in items)
    if len(languages) > 1:
        for language in sorted(languages):
            gold = [item.label for item in items if item.label and item.language == language]
            predicted = [topic.label for item, topic in zip(items, topics)
                         if item.label and item.language == language]
            if gold:
                right = sum(g == p for g, p in zip(gold, predicted))
                lines.append(f"-- {language}: {len(gold)} items, accuracy {right / len(gold):.3f}"
                             f", macro-F1 {macro_f1(gold, predicted):.3f}, non-sport items "
                             f"called sport {called_sport(gold, predicted)}")
    unlabelled = Counter(item.section for item in items if not item.label)
    for section, n in sorted(unlabelled.items()):
        shares = Counter(t.label for item, t in zip(items, topics)
                         if not item.label and item.section == section)
        lines.append(f"{section} ({n} items, mixed section, not scored): predicted "
                     + ", ".join(f"{label} {shares[label] / n:.2f}" for label in LABELS))
    return "\n".join(lines)


def called_sport(gold: Sequence[str], predicted: Sequence[str]) -> int:
    """How many items that are not sport were labelled sport."""
    return sum(g != "sport" and p == "sport" for g, p in zip(gold, predicted))


def per_class(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, tuple]:
    """label -> (precision, recall, F1, gold count, predicted count)."""
    out = {}
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        n_pred = sum(p == label for p in predicted)
        n_gold = sum(g == label for g in gold)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = (precision, recall, f1, n_gold, n_pred)
    return out


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the labels that occur in the gold or the predictions."""
    f1s = [f1 for f1, n_gold, n_pred in
           ((v[2], v[3], v[4]) for v in per_class(gold, predicted).values()) if n_gold or n_pred]
    return sum(f1s) / len(f1s)


def exact_topic_rate(gold: Sequence[str], predicted: Sequence[str]) -> float | None:
    """Share of politics and sport items labelled exactly right (None without any)."""
    pairs = [(g, p) for g, p in zip(gold, predicted) if g != OTHER]
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else None


def reliability(gold: Sequence[str], predicted: Sequence[str], confidence: Sequence[float]
                ) -> tuple[list[tuple[float, float, int, float, float]], float]:
    """([(band low, band high, items, mean confidence, accuracy)], expected calibration error
    over ten equal bands)."""
    right = [g == p for g, p in zip(gold, predicted)]
    rows = []
    for low, high in zip(RELIABILITY_BANDS, RELIABILITY_BANDS[1:]):
        band = [k for k, c in enumerate(confidence)
                if low <= c < high or (high == 1.0 and c == 1.0)]
        if band:
            rows.append((low, high, len(band), sum(confidence[k] for k in band) / len(band),
                         sum(right[k] for k in band) / len(band)))
    gaps = Counter()
    sizes = Counter()
    for c, r in zip(confidence, right):
        tenth = min(int(c * 10), 9)
        gaps[tenth] += c - r
        sizes[tenth] += 1
    ece = sum(abs(gaps[t]) for t in sizes) / len(confidence)
    return rows, ece


def report(name: str, gold: Sequence[str], predicted: Sequence[str],
           confidence: Sequence[float]) -> str:
    """Accuracy, per-class P/R/F1, macro-F1, the confusion matrix and the reliability table."""
    n = len(gold)
    accuracy = sum(g == p for g, p in zip(gold, predicted)) / n
    exact = exact_topic_rate(gold, predicted)
    lines = [f"== {name}: {n} items, accuracy {accuracy:.3f}, "
             f"macro-F1 {macro_f1(gold, predicted):.3f}"
             + (f", politics+sport labelled exactly {exact:.3f}" if exact is not None else "")
             + f", non-sport items called sport {called_sport(gold, predicted)}",
             f"{'label':10} {'prec':>6} {'recall':>6} {'F1':>6} {'gold':>6} {'pred':>6}"]
    for label, (p, r, f, n_gold, n_pred) in per_class(gold, predicted).items():
        lines.append(f"{label:10} {p:6.3f} {r:6.3f} {f:6.3f} {n_gold:6d} {n_pred:6d}")
    lines.append("confusion (rows gold, columns predicted):")
    lines.append(" " * 10 + "".join(f"{label:>10}" for label in LABELS))
    pairs = Counter(zip(gold, predicted))
    for g in LABELS:
        lines.append(f"{g:10}" + "".join(f"{pairs[g, p]:10d}" for p in LABELS))
    rows, ece = reliability(gold, predicted, confidence)
    lines.append(f"reliability (ECE {ece:.3f}): confidence band | items | mean confidence | "
                 "accuracy")
    for low, high, items, mean, right in rows:
        lines.append(f"  {low:.2f}-{high:.2f} | {items:5d} | {mean:.3f} | {right:.3f}")
    return "\n".join(lines)
