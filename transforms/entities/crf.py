"""What both taggers need of a CRFsuite model: opening it, the attributes it has weights for,
and the entities in the labels it gives."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pycrfsuite
import regex


def open_crf(path: Path) -> pycrfsuite.Tagger:
    """A tagger over the model file at `path`."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: entity model file missing; rebuild the models with "
                                "newsbeam train entities")
    model = pycrfsuite.Tagger()
    model.open(str(path))
    return model


_STATE_FEATURE = regex.compile(r"^  \(\d+\) (\S+) --> ", regex.MULTILINE)


def model_attributes(model: pycrfsuite.Tagger) -> frozenset[str]:
    """The attributes with a weight in a loaded CRF, read from crfsuite's text dump of the model
    (pycrfsuite's info() parses the same dump ten times slower)."""
    with tempfile.TemporaryDirectory(prefix="newsbeam-crf-") as folder:
        path = Path(folder) / "model.txt"
        model.dump(str(path))
        text = path.read_text(encoding="utf-8")
    start = text.index("STATE_FEATURES = {")
    return frozenset(_STATE_FEATURE.findall(text, start, text.index("\n}\n", start)))


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(first, last, label) of the entities in IOB2 tags; an I- that does not continue an
    entity of its label starts one (the conlleval convention)."""
    spans = []
    start, label = 0, None
    for index, tag in enumerate(tags):
        if tag == "O" or tag.startswith("B-") or tag[2:] != label:
            if label is not None:
                spans.append((start, index - 1, label))
                label = None
            if tag != "O":
                start, label = index, tag[2:]
    if label is not None:
        spans.append((start, len(tags) - 1, label))
    return spans
