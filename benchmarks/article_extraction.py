"""Main-text extraction from article pages: newsbeam against trafilatura's defaults.

    python benchmarks/article_extraction.py [--data ../shared/data] [--rounds 1]

newsbeam is extract_article and then the boilerplate step (clean_item): the body a record
carries. trafilatura is `trafilatura.extract(html)` with its default settings. Both read the
same page bytes, on two development sets in <data>/boilerplate:

- trafilatura_subset: 240 pages with snippets that must appear in the text ("with") and
  snippets that must not ("without"), scored as trafilatura's own evaluation does: a "with"
  snippet found is a true positive, missing a false negative; a "without" snippet found is a
  false positive, absent a true negative; snippets and text whitespace-normalised; precision
  tp/(tp+fp), recall tp/(tp+fn) over all snippets of the set.
- scrapinghub_aeb: 181 pages with their gold article body, scored as that benchmark does:
  4-word shingles of the text against those of the gold body, precision and recall per page
  (shingle counts normalised so that long pages weigh no more than short ones), averaged over
  the pages, F1 of the two averages.

Arabic pages (Arabic script in the gold text) are also scored on their own. Speed is pages per
second of CPU time in this one process (one core), best of --rounds passes, after a warm-up;
the two extractors take turns page by page, and scoring is not timed.
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import trafilatura

from newsbeam.transforms.articles.extract import NotHtmlError, extract_article
from newsbeam.transforms.enrich.boilerplate import clean_item

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
ARABIC = re.compile(r"[\u0600-\u06FF]")


@dataclass
class Page:
    url: str | None
    html: bytes
    gold: dict  # {"with": [...], "without": [...]} or {"body": "..."}


def snippet_pages(folder: Path) -> list[Page]:
    evaldata = json.loads((folder / "evaldata_subset.json").read_text(encoding="utf-8"))
    return [Page(url, (folder / "html" / item["file"]).read_bytes(),
                 {"with": item["with"], "without": item["without"]})
            for url, item in evaldata.items()]


def gold_body_pages(folder: Path) -> list[Page]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [Page(item.get("url"),
                 gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()),
                 {"body": item["articleBody"]})
            for key, item in truth.items()]


def is_arabic(page: Page) -> bool:
    gold = page.gold.get("body") or " ".join(page.gold["with"])
    return len(ARABIC.findall(gold)) > 0.3 * len(gold.replace(" ", ""))


# ---------------------------------------------------------------------------------------------
# Scores

def _normalise(text: str) -> str:
    return " ".join(text.split())


def snippet_scores(pages: list[Page], texts: list[str]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for page, text in zip(pages, texts):
        text = _normalise(text)
        found = sum(_normalise(snippet) in text for snippet in page.gold["with"])
        tp += found
        fn += len(page.gold["with"]) - found
        fp += sum(_normalise(snippet) in text for snippet in page.gold["without"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, _f1(precision, recall)


_WORD = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter:
    words = _WORD.findall(text)
    return Counter(tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))
                   if words[i:i + n])


def shingle_scores(pages: list[Page], texts: list[str]) -> tuple[float, float, float]:
    precisions, recalls = [], []
    for page, text in zip(pages, texts):
        gold, found = _shingles(page.gold["body"]), _shingles(text)
        tp = sum((gold & found).values())
        fp = sum((found - gold).values())
        fn = sum((gold - found).values())
        if fp == fn == 0:  # both empty, or identical
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp:
            precisions.append(tp / (tp + fp))
        if tp + fn:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    return precision, recall, _f1(precision, recall)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# ---------------------------------------------------------------------------------------------
# Extractors

def newsbeam_body(page: Page) -> str:
    try:
        article = extract_article(page.html, page.url)
    except NotHtmlError:  # scored as no text, as trafilatura's evaluation scores a failure
        return ""
    return clean_item({"title": article.title or "", "content": article.content})["body"]


def trafilatura_default(page: Page) -> str:
    return trafilatura.extract(page.html) or ""


EXTRACTORS: dict[str, Callable[[Page], str]] = {
    "newsbeam": newsbeam_body,
    "trafilatura": trafilatura_default,
}


def run_all(pages: list[Page], rounds: int) -> dict[str, tuple[list[str], float]]:
    """Each extractor's texts and pages per second of CPU time (best of `rounds`). The
    extractors take turns page by page, so that both meet the same load on a shared machine."""
    seconds = {name: [0.0] * rounds for name in EXTRACTORS}
    texts: dict[str, list[str]] = {name: [] for name in EXTRACTORS}
    for round_ in range(rounds):
        for page in pages:
            for name, extractor in EXTRACTORS.items():
                start = time.process_time()
                text = extractor(page)
                seconds[name][round_] += time.process_time() - start
                if round_ == 0:
                    texts[name].append(text)
    return {name: (texts[name], len(pages) / min(seconds[name])) for name in EXTRACTORS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    folder = args.data / "boilerplate"
    if not folder.is_dir():
        print(f"no development data at {folder}", file=sys.stderr)
        return 2
    # trafilatura logs every page it finds no text in; the scores count those.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    warm_up = Page(None, b"<html><body><article><p>Warm-up text.</p></article></body></html>", {})
    for extractor in EXTRACTORS.values():
        extractor(warm_up)

    sets = (("trafilatura_subset", snippet_pages(folder / "trafilatura_subset"), snippet_scores,
             "snippets"),
            ("scrapinghub_aeb", gold_body_pages(folder / "scrapinghub_aeb"), shingle_scores,
             "4-word shingles"))
    print(f"{'set':<40} {'extractor':<12} {'precision':>9} {'recall':>7} {'F1':>6} "
          f"{'pages/s':>8}")
    for name, pages, score, measure in sets:
        arabic = [i for i, page in enumerate(pages) if is_arabic(page)]
        results = run_all(pages, args.rounds)
        for extractor_name, (texts, speed) in results.items():
            rows = [(f"{name} ({len(pages)}, {measure})", score(pages, texts), f"{speed:8.1f}")]
            if arabic:
                rows.append((f"  Arabic pages ({len(arabic)})",
                             score([pages[i] for i in arabic], [texts[i] for i in arabic]), ""))
            for label, (precision, recall, f1), speed_text in rows:
                print(f"{label:<40} {extractor_name:<12} {precision:9.3f} {recall:7.3f} "
                      f"{f1:6.3f} {speed_text:>8}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
