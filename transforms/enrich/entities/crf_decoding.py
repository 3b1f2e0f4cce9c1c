"""Tagging with a trained CRFsuite model without handing CRFsuite a list of attribute strings
per token.

CRFsuite scores a token by looking up each of its attribute strings (40 to 60 of them) in the
model's dictionary, on every call; a news worker tags the same words again and again. Here a
word's attributes are looked up and summed into one weight vector per label once, when the word
is first seen (`WordScores`), and a sentence's scores are those vectors added up, plus the few
attributes that depend on the sentence (`extras`). Viterbi decoding is CRFsuite's own: the same
weights, the same first-best tie rule. A score differs from CRFsuite's only in the order of
its floating-point additions.

The loop over tokens is compiled by numba once per machine (cached beside this file, or in
the user's cache folder when the package folder is read-only; see _compiled).
"""
from __future__ import annotations

import struct
import tempfile
from itertools import accumulate
from pathlib import Path
from typing import Iterable, Sequence

import numba
import numpy as np
import pycrfsuite

# crfsuite's model file (crf1dmodel.c): a 48-byte header of little-endian fields, then chunks;
# the feature chunk ("FEAT", size, count) holds 20-byte features (type, source, target, weight):
# type 0 is attribute -> label, type 1 is label -> label.
_HEADER = struct.Struct("<4sI4sIIIIIIIII")
_CHUNK = struct.Struct("<4sII")
_FEATURE = np.dtype([("type", "<u4"), ("source", "<u4"), ("target", "<u4"), ("weight", "<f8")])
_STATE, _TRANSITION = 0, 1


class CrfWeights:
    """A trained CRFsuite model as arrays: per attribute a weight per label, and the label
    transition weights."""

    def __init__(self, path: Path):
        if not path.exists():
            raise FileNotFoundError(f"{path}: entity model file missing; rebuild the models "
                                    "with newsbeam train entities")
        data = path.read_bytes()
        try:
            magic, _size, kind, _version, _features, label_count, attribute_count, \
                features_at, *_ = _HEADER.unpack_from(data, 0)
            chunk, _chunk_size, feature_count = _CHUNK.unpack_from(data, features_at) \
                if magic == b"lCRF" and kind == b"FOMC" else (None, 0, 0)
        except struct.error:
            chunk = None
        if chunk != b"FEAT":
            raise ValueError(f"{path}: not a CRFsuite first-order model")
        features = np.frombuffer(data, _FEATURE, feature_count, features_at + _CHUNK.size)
        self.labels, self.attribute_ids = _names(path)
        if len(self.labels) != label_count or len(self.attribute_ids) != attribute_count:
            raise ValueError(f"{path}: the model's label or attribute table does not match "
                             "its header")
        state = features[features["type"] == _STATE]
        self.state_weights = np.zeros((attribute_count, label_count))
        self.state_weights[state["source"], state["target"]] = state["weight"]
        transition = features[features["type"] == _TRANSITION]
        self.transitions = np.zeros((label_count, label_count))
        self.transitions[transition["source"], transition["target"]] = transition["weight"]
        # the attributes with a weight: the others cannot change a score
        weighted = set(state["source"].tolist())
        self.attributes = frozenset(name for name, index in self.attribute_ids.items()
                                    if index in weighted)


def _names(path: Path) -> tuple[list[str], dict[str, int]]:
    """The label names in id order and the attribute ids, from CRFsuite's text dump (the
    binary file keeps them in hashed tables)."""
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    with tempfile.TemporaryDirectory(prefix="newsbeam-crf-") as folder:
        dump = Path(folder) / "model.txt"
        tagger.dump(str(dump))
        text = dump.read_text(encoding="utf-8")
    start = text.index("ATTRIBUTES = {\n") + len("ATTRIBUTES = {\n")
    lines = text[start:text.index("\n}\n", start)].split("\n") if text[start] != "}" else []
    attribute_ids = {}
    for line in lines:
        index, _, name = line.lstrip().partition(": ")
        attribute_ids[name] = int(index)
    return tagger.labels(), attribute_ids


class WordScores:
    """Per cached word, the summed weights of what it gives the token it is on (form 0) and
    each neighbour (forms 1...), for one model: row r is the word its cache numbered r."""

    def __init__(self, weights: CrfWeights, forms: int):
        self.weights = weights
        self.rows = np.zeros((1024, forms, len(weights.labels)))
        self.count = 0

    def add(self, forms: Sequence[Iterable[str]]) -> None:
        """Score the next word, given its attributes per form."""
        if self.count == len(self.rows):
            self.rows = np.concatenate((self.rows, np.zeros_like(self.rows)))
        ids = self.weights.attribute_ids
        found: list[int] = []
        starts, scored = [], []
        for form, attributes in enumerate(forms):
            known = [ids[attribute] for attribute in attributes if attribute in ids]
            if known:
                scored.append(form)
                starts.append(len(found))
                found += known
        row = self.rows[self.count]
        row[:] = 0.0
        if found:  # each form's weights summed in one call (a new word costs one, not five)
            row[scored] = np.add.reduceat(self.weights.state_weights[found], starts, axis=0)
        self.count += 1

    def clear(self) -> None:
        self.count = 0


def decode(scores: WordScores, rows: Sequence[int], sentence_starts: Sequence[int],
           offsets: Sequence[int], extras: Sequence[Sequence[str]]) -> list[list[str]]:
    """The labels of the tokens of a document, a list per sentence.
    rows: each token's word row in `scores`; sentence_starts: the index of each sentence's first
    token, then the token count; offsets: the neighbour of form k is the token offsets[k - 1]
    away; extras: per token, the attributes that come from its sentence rather than its word."""
    weights = scores.weights
    ids = weights.attribute_ids
    # -1: an attribute the model does not know
    extra_ids = [ids.get(attribute, -1) for attributes in extras for attribute in attributes]
    extra_starts = [0, *accumulate(map(len, extras))]
    labels = _decode(np.asarray(rows, dtype=np.int64), np.asarray(sentence_starts, np.int64),
                     np.asarray(offsets, np.int64), scores.rows,
                     np.asarray(extra_ids, np.int64), np.asarray(extra_starts, np.int64),
                     weights.state_weights, weights.transitions)
    names = weights.labels
    labels = [names[label] for label in labels.tolist()]
    return [labels[start:end] for start, end in zip(sentence_starts, sentence_starts[1:])]


def _compiled(function):
    """`function` compiled by numba, cached on disk where numba finds a folder it may write
    (NUMBA_CACHE_DIR, the package's __pycache__, the user's cache folder). Where it finds none
    (a read-only container with no home), numba refuses to cache; the function is then
    compiled in each process that uses it, about 2 s, rather than failing every item."""
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:
        return numba.njit(nogil=True)(function)


@_compiled
def _decode(rows, sentence_starts, offsets, word_scores, extra_ids, extra_starts,
            state_weights, transitions):  # pragma: no cover (compiled; tested through decode)
    label_count = transitions.shape[0]
    labels = np.zeros(rows.shape[0], np.int64)
    for sentence in range(sentence_starts.shape[0] - 1):
        first = sentence_starts[sentence]
        length = sentence_starts[sentence + 1] - first
        if length == 0:
            continue
        state = np.empty((length, label_count))
        for t in range(length):
            for y in range(label_count):
                state[t, y] = word_scores[rows[first + t], 0, y]
            for k in range(offsets.shape[0]):
                neighbour = t + offsets[k]
                if 0 <= neighbour < length:
                    for y in range(label_count):
                        state[t, y] += word_scores[rows[first + neighbour], k + 1, y]
            for x in range(extra_starts[first + t], extra_starts[first + t + 1]):
                if extra_ids[x] >= 0:
                    for y in range(label_count):
                        state[t, y] += state_weights[extra_ids[x], y]
        # CRFsuite's Viterbi (crf1dc_viterbi): the first of equal scores wins
        score = state[0].copy()
        current = np.empty(label_count)
        back = np.zeros((length, label_count), np.int64)
        for t in range(1, length):
            for y in range(label_count):
                best = -np.inf
                best_previous = 0
                for previous in range(label_count):
                    candidate = score[previous] + transitions[previous, y]
                    if best < candidate:
                        best = candidate
                        best_previous = previous
                back[t, y] = best_previous
                current[y] = best + state[t, y]
            score[:] = current
        best = -np.inf
        last = 0
        for y in range(label_count):
            if best < score[y]:
                best = score[y]
                last = y
        labels[first + length - 1] = last
        for t in range(length - 1, 0, -1):
            last = back[t, last]
            labels[first + t - 1] = last
    return labels
