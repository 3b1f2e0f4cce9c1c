"""Train the topic model from the development data and write models/topic_weights.json.gz.

    newsbeam train topic [--data ../shared/data] [--output DIR]

Needs numpy and scipy (the `train` extra); scoring needs neither.

Recipe ("residual"): the cue lexicon's evidence (its words and the known actors of
topic_actors.tsv), times a gain that calibrates the lexicon alone, is a fixed offset, and a
softmax model over word and character n-gram features (model.py) learns what the lexicon
misses: final logits = (gain * lexicon + model) / temperature. The model has no intercept (the
lexicon's "other" prior plays that part, so an item without a word the model knows scores as
the calibrated lexicon does). The temperature is fitted on out-of-fold logits of the modern
corpora's single-topic sections, full items and their title + first sentence copies.

Training data (data.py reads and maps the sets; the modern development set's items are never
trained on): English: AG News test split (2004-05), HuffPost (2012-22, headline + teaser),
MasakhaNEWS English (BBC, 2021-22); Arabic: ANT v1.1 (Tunisia 2016-17), Hespress (Morocco
2019-20), SANAD AlKhaleej (UAE). Which items are trusted as training labels:
- single-topic sections: their label;
- sections that mix topics: a label only where the cue lexicon is sure, per section
  (SELECTION): AG World and HuffPost WORLD NEWS are politics only with politics evidence
  (disasters, crime, Covid and oddities are left out); HuffPost U.S. NEWS and Hespress societe,
  economie are politics only when the lexicon is very sure, other only without politics or
  sport evidence; ANT's internationalNews and localNews take the lexicon's label when it is
  sure (>= 0.9);
- "other" sections that also carry political items (HuffPost COMEDY, MEDIA, the VOICES
  sections, ...; MasakhaNEWS business, health, technology; Hespress regions; SANAD Medical,
  Religion): other, except items with politics or sport evidence, which are left out.
- Each item also gives a half-weight copy of its title and first sentence (short feed items).

Printed dev figures are out of fold and scored with the evaluation labels (data.py): English
in 5 folds grouped by story key (the first content word of the title: all items about Iran,
Google or Celtic are in one fold); Arabic in 6 folds by publication month (ANT, Hespress) or
by item (SANAD, undated). The temperature used for a fold's figures is fitted on the other
folds. `newsbeam eval topic --data ../shared/data --format modern` then scores the shipped
model on the modern development set, which training never sees.

Deterministic: sorted inputs, no randomness, L-BFGS, weights rounded to integers of 1e-4,
gzip without a timestamp: a rerun writes the same bytes (its md5 is printed).
"""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import re
import time
import zlib
from pathlib import Path

from newsbeam.training.topic import data as topic_data
from newsbeam.training.topic import evaluation
from newsbeam.transforms.enrich.topic.lexicon import LABELS, lexicon, lexicon_fingerprint
from newsbeam.transforms.enrich.topic.model import MODEL_LANGUAGES, MODEL_PATH, key_features
from newsbeam.transforms.enrich.topic.scoring import (
    distinct_words, document_words, has_sport_evidence)

L2 = 3e-4
PRUNE = 2e-3  # a feature whose two weights are both smaller is left out of the file
UNIT = 1e-4  # weights are stored as integers of this unit
MIN_DF = 2  # features seen in fewer documents are dropped (no labels used for that)
SHORT_COPY_WEIGHT = 0.5
# The lexicon's temperature when it picks which items of mixed sections are trusted as
# training labels (a fixed rule of the training data, not the shipped calibration).
SELECTION_TEMPERATURE = 2.0
EN_FOLDS = 5
AR_FOLDS = 6
MODERN_CORPORA = {"en": ("huffpost", "masakhane"), "ar": ("hespress", "sanad")}
_EN_FUNCTION_WORDS = frozenset("""a an the of in on at to for from by with and or but as is are
was were be new us u.s says say said after over into up out not no it its this that will than
more how why what who when""".split())
_SENTENCE_END = re.compile(r"[.!?؟\n]")

# Mixed sections: (politics when the lexicon's politics probability is at least this, other
# when it is below this (None: never) and sport below OTHER_MAX_SPORT; else left out).
SELECTION = {
    ("ag", "World"): (0.2, None),
    ("huffpost", "WORLD NEWS"): (0.4, 0.1),
    ("huffpost", "WORLDPOST"): (0.4, 0.1),
    ("huffpost", "THE WORLDPOST"): (0.4, 0.1),
    ("huffpost", "U.S. NEWS"): (0.7, 0.1),
    ("hespress", "societe"): (0.7, 0.1),
    ("hespress", "economie"): (0.7, 0.1),
}
OTHER_MAX_SPORT = 0.3
# "Other" sections that also carry politics: other unless politics or sport is this likely.
SOFT_OTHER_MAX = 0.5
# Any other section of a modern corpus: other unless politics or sport is this likely.
OTHER_SECTION_MAX = 0.8
MIXED_MIN_CONFIDENCE = 0.9  # ANT's mixed sections: the lexicon's label when it is this sure
SOFT_OTHER = {corpus: spec[3] for corpus, spec in topic_data.CORPORA.items()}


def train(data: Path, output: Path | None = None) -> None:
    """Train both languages on the development data under `data`, print the dev figures
    and write topic_weights.json.gz into `output` (default: the package's models/)."""
    try:  # training only: fail here, before reading any data
        import numpy  # noqa: F401
        import scipy.optimize  # noqa: F401
    except ImportError as error:
        raise ImportError(f"training the topic model needs numpy and scipy ({error}): "
                          "pip install -e '.[train]'") from error

    target = MODEL_PATH if output is None else output / MODEL_PATH.name
    spec = {"languages": list(MODEL_LANGUAGES), "l2": L2,
            "lexicon_fingerprint": lexicon_fingerprint(MODEL_LANGUAGES),
            "data": "AG News test split, HuffPost News Category (partial), MasakhaNEWS "
                    "English, ANT v1.1, Hespress, SANAD AlKhaleej; see docs/models.md"}
    for language in MODEL_LANGUAGES:
        items = training_items(data, language)
        spec[language], lexicon_temperature = _train_language(language, items)
        if language == "en":
            spec["lexicon_only_temperature"] = round(lexicon_temperature, 6)
    raw = json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0, filename="") as out:
        out.write(raw)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())
    print(f"\nwrote {target} ({len(buffer.getvalue()) / 1e6:.2f} MB, "
          f"md5 {hashlib.md5(buffer.getvalue()).hexdigest()})")


# ---------------------------------------------------------------- items, folds and labels


def training_items(data: Path, language: str) -> list[topic_data.Item]:
    """The training items of `language` under `data`: the 2004-17 set (AG News or ANT), then
    the modern corpora that are present, without the modern development set's items."""
    ag, ant = topic_data.development_sets(data)
    if language == "en":
        base, base_corpus = topic_data.read_gold(ag, "ag"), "ag"
    else:
        base = sorted(topic_data.read_gold(ant, "ant"), key=lambda item: item.key)
        base_corpus = "ant"
    items = [dataclasses.replace(item, corpus=base_corpus) for item in base]
    for corpus in MODERN_CORPORA[language]:
        try:
            path = topic_data.corpus_path(data, corpus)
        except ValueError:
            continue  # a data folder without the modern corpora trains on the rest
        items.extend(topic_data.read_corpus(path, corpus))
    held_out = topic_data.modern_dev_keys()
    return [item for item in items if (item.source, item.key) not in held_out]


def _fold(item: topic_data.Item) -> int:
    if item.language == "en":
        return zlib.crc32(_story_key(item.title).encode()) % EN_FOLDS
    month = _month(item.published)
    if month:
        return (int(month[:4]) * 12 + int(month[5:7])) % AR_FOLDS
    return zlib.crc32(item.key.encode()) % AR_FOLDS


def _story_key(title: str) -> str:
    """The first content word of a title (Iran, Google, Celtic): items about one entity share
    a fold, so the model cannot score by remembering the names of a story it was trained on."""
    for token in re.findall(r"[A-Za-z][A-Za-z.&'-]+", title):
        token = token.lower().strip(".'")
        if len(token) >= 3 and token not in _EN_FUNCTION_WORDS:
            return token
    return title.lower()


def _month(published: str) -> str:
    if re.match(r"\d{4}-\d{2}", published):
        return published[:7]
    if re.match(r"\d{2}/\d{2}/\d{4}", published):
        day, month, year = published[:10].split("/")
        return f"{year}-{month}"
    return ""


def first_sentence(body: str) -> str:
    body = body.strip()
    match = _SENTENCE_END.search(body, 40)
    return body[: match.end()] if match else body[:300]


def trusted_label(item: topic_data.Item, corpus: str, p) -> str | None:
    """The label an item is trained with, or None (left out); `p` is the lexicon's
    (politics, sport, other) probabilities at SELECTION_TEMPERATURE (module docstring)."""
    politics, sport = p[0], p[1]
    rule = SELECTION.get((corpus, item.section))
    if rule is not None:
        politics_min, other_max = rule
        if politics >= politics_min:
            return "politics"
        if other_max is not None and politics < other_max and sport < OTHER_MAX_SPORT:
            return "other"
        return None
    if corpus == "ant" and item.section in topic_data.ANT_MIXED:
        best = max(range(3), key=lambda k: p[k])
        return LABELS[best] if p[best] >= MIXED_MIN_CONFIDENCE else None
    if item.label == "other" and corpus in topic_data.CORPORA:
        # Other sections of the modern corpora file sport and politics stories too (HuffPost
        # ENTERTAINMENT: the Super Bowl show, Olympic tennis; COMEDY: politics): left out
        # where the lexicon sees sport or politics, more readily in the sections that mix.
        limit = SOFT_OTHER_MAX if item.section in SOFT_OTHER[corpus] else OTHER_SECTION_MAX
        return "other" if politics < limit and sport < limit else None
    return item.label


def _training_labels(items, corpora, short, lexicon_z):
    """(label index or -1, sample weight): which items the model is trained on."""
    import numpy as np

    p = _softmax3(lexicon_z / SELECTION_TEMPERATURE)
    y = np.full(len(items), -1)
    w = np.zeros(len(items))
    for k, item in enumerate(items):
        label = trusted_label(item, corpora[k], p[k])
        if label is not None:
            y[k] = LABELS.index(label)
            w[k] = SHORT_COPY_WEIGHT if short[k] else 1.0
    return y, w


# ---------------------------------------------------------------- features


class _Featurizer:
    """Items -> X = A @ M with exactly the arithmetic of scoring: A[item, word] = count *
    scale (scoring.distinct_words), M[word] = the feature counts of the word key
    (model.key_features). X is never built: the fit multiplies by A and M in turn."""

    def __init__(self, language: str):
        self.language = language

    def fit(self, items, short):
        import numpy as np
        import scipy.sparse as sp

        word_index: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for row, item in enumerate(items):
            title_list, body_list = document_words(item.title, item.body, self.language)
            words, title_words, scale = distinct_words(title_list, body_list)
            for word in words:
                rows.append(row)
                cols.append(word_index.setdefault(word.key, len(word_index)))
                vals.append((2 if word in title_words else 1) * scale)
        self.A = sp.csr_matrix((vals, (rows, cols)), shape=(len(items), len(word_index)))
        feature_index: dict[str, int] = {}
        m_rows, m_cols = [], []
        for key, t in word_index.items():
            for name in key_features(key, self.language):
                m_rows.append(t)
                m_cols.append(feature_index.setdefault(name, len(feature_index)))
        M = sp.csr_matrix((np.ones(len(m_rows)), (m_rows, m_cols)),
                          shape=(len(word_index), len(feature_index)))
        # Document frequency of each feature over the original items (not their copies).
        presence = self.A[np.flatnonzero(~short)].copy()
        presence.data[:] = 1.0
        df = np.asarray(((presence @ M) > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= MIN_DF)
        names = sorted(feature_index, key=feature_index.__getitem__)
        self.features = [names[k] for k in keep]
        self.M = M[:, keep].tocsr()
        return self

    def salient_norm(self, W, share: float = 0.05) -> float:
        """The word-vector size that the strongest `share` of word occurrences reach."""
        import numpy as np

        norms = np.hypot(*(self.M @ W).T)
        return float(np.quantile(norms[self.A.indices], 1 - share))


# ---------------------------------------------------------------- the linear model


def _fit_softmax(A, M, y, sample_weight, offset, max_iter=400):
    """Multinomial logistic regression with "other" as the zero reference class and no
    intercept: logits = offset + A @ M @ W (two columns: politics, sport). L-BFGS."""
    import numpy as np
    from scipy.optimize import minimize

    n = A.shape[0]
    f = M.shape[1]
    Y = np.zeros((n, 3))
    Y[np.arange(n), y] = 1.0
    sw = sample_weight / sample_weight.sum()
    At = A.T.tocsr()
    Mt = M.T.tocsr()

    def objective(theta):
        W = theta.reshape(f, 2)
        z = np.zeros((n, 3))
        z[:, :2] = offset + A @ (M @ W)
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -(sw * (logp * Y).sum(axis=1)).sum() + 0.5 * L2 * (W * W).sum()
        g = (np.exp(logp) - Y)[:, :2] * sw[:, None]
        return loss, (Mt @ (At @ g) + L2 * W).ravel()

    result = minimize(objective, np.zeros(2 * f), jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "maxcor": 20})
    return result.x.reshape(f, 2)


def _without_sport(z2, allowed):
    """Logits with sport ruled out where `allowed` is False (scoring.has_sport_evidence)."""
    import numpy as np

    z2 = z2.copy()
    z2[~allowed, 1] = -np.inf
    return z2


def _softmax3(z2):
    """(n, 2) logits against "other" -> (n, 3) probabilities."""
    import numpy as np

    z = np.zeros((len(z2), 3))
    z[:, :2] = z2
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_temperature(z2, y) -> float:
    """The scalar T minimising the log loss of softmax(z / T): calibration (grid, refined)."""
    import numpy as np

    def nll(t):
        p = _softmax3(z2 / t)
        return -np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean()
    grid = np.exp(np.linspace(np.log(0.2), np.log(5), 81))
    best = min(grid, key=nll)
    fine = best * np.exp(np.linspace(-0.05, 0.05, 21))
    return float(min(fine, key=nll))


# ---------------------------------------------------------------- one language


def _report(name, gold, z2):
    """evaluation.report of (n, 2) logits against integer gold labels."""
    p = _softmax3(z2)
    return evaluation.report(name, [LABELS[g] for g in gold], [LABELS[k] for k in p.argmax(1)],
                             [float(c) for c in p.max(1)])


def _macro_f1(gold, z2):
    predicted = _softmax3(z2).argmax(1)
    return evaluation.macro_f1([LABELS[g] for g in gold], [LABELS[k] for k in predicted])


def _train_language(language: str, base: list[topic_data.Item]) -> tuple[dict, float]:
    """(the shipped spec of `language`, the temperature of its lexicon alone)."""
    import numpy as np

    started = time.process_time()
    items = base + [dataclasses.replace(it, body=first_sentence(it.body))
                    for it in base if it.body.strip()]
    short = np.arange(len(items)) >= len(base)
    corpora = [it.corpus for it in items]
    gold = np.array([LABELS.index(it.label) if it.label else -1 for it in items])
    folds = np.array([_fold(it) for it in items])
    cue_lexicon = lexicon(language)
    evidence = [cue_lexicon.evidence(*document_words(it.title, it.body, language))
                for it in items]
    L = np.array([[e.real, e.imag] for e, _ in evidence])
    # No sport without sport evidence, applied to the reported figures as scoring applies it;
    # no section evidence (the logits above have none either).
    sport_allowed = np.array([has_sport_evidence(cue_lexicon, contributions, {})
                              for _, contributions in evidence])
    featurizer = _Featurizer(language).fit(items, short)
    A, M = featurizer.A, featurizer.M
    y, w = _training_labels(items, corpora, short, L)
    print(f"\n######## {language}: {len(base)} items (+{int(short.sum())} title+sentence "
          f"copies), {M.shape[1]} features, {int((w > 0).sum())} training rows "
          f"(politics/sport/other {np.bincount(y[w > 0], minlength=3).tolist()})")
    names = sorted(set(corpora), key=corpora.index)
    for name in names:
        m = np.array([c == name for c in corpora]) & ~short
        print(f"  {name}: {int(m.sum())} items, trained on {int((m & (w > 0)).sum())} "
              f"(politics/sport/other {np.bincount(y[m & (w > 0)], minlength=3).tolist()})")

    # Cross-validation: out-of-fold logits of the lexicon alone and of the hybrid.
    fold_ids = sorted(set(folds.tolist()))
    lexicon_oof = np.zeros_like(L)
    hybrid_oof = np.zeros_like(L)
    for k in fold_ids:
        train_rows, test_rows = (folds != k) & (w > 0), folds == k
        gain = 1.0 / _fit_temperature(L[train_rows & ~short], y[train_rows & ~short])
        rows = np.flatnonzero(train_rows)
        W = _fit_softmax(A[rows], M, y[rows], w[rows], L[rows] * gain)
        lexicon_oof[test_rows] = L[test_rows] * gain
        hybrid_oof[test_rows] = L[test_rows] * gain + A[test_rows] @ (M @ W)
    scored = gold >= 0
    modern = np.array([c in MODERN_CORPORA[language] for c in corpora])
    single_topic = scored & np.array([it.section not in SOFT_OTHER.get(c, ())
                                      for it, c in zip(items, corpora)])
    calibration = single_topic & modern if (single_topic & modern).any() else single_topic
    hybrid_cal = np.zeros_like(hybrid_oof)
    lexicon_cal = np.zeros_like(lexicon_oof)
    for k in fold_ids:
        others = calibration & (folds != k)
        hybrid_cal[folds == k] = hybrid_oof[folds == k] / _fit_temperature(hybrid_oof[others],
                                                                           gold[others])
        lexicon_cal[folds == k] = lexicon_oof[folds == k] / _fit_temperature(
            lexicon_oof[others], gold[others])
    lexicon_cal = _without_sport(lexicon_cal, sport_allowed)
    hybrid_cal = _without_sport(hybrid_cal, sport_allowed)
    for name in names:
        in_set = np.array([c == name for c in corpora]) & scored
        m = in_set & ~short
        title = f"{name} ({language}), out of fold"
        print(_report(f"{title}, cue lexicon alone", gold[m], lexicon_cal[m]))
        print(_report(f"{title}, hybrid", gold[m], hybrid_cal[m]))
        copies = in_set & short
        if copies.any():
            print(f"{name} title + first sentence copies: macro-F1 lexicon "
                  f"{_macro_f1(gold[copies], lexicon_cal[copies]):.3f}, hybrid "
                  f"{_macro_f1(gold[copies], hybrid_cal[copies]):.3f}")
        per_fold = [(_macro_f1(gold[m & (folds == k)], lexicon_cal[m & (folds == k)]),
                     _macro_f1(gold[m & (folds == k)], hybrid_cal[m & (folds == k)]))
                    for k in fold_ids if (m & (folds == k)).any()]
        print("per fold macro-F1 (lexicon -> hybrid): "
              + ", ".join(f"{a:.3f}->{b:.3f}" for a, b in per_fold))
    for name, section in sorted({(c, it.section) for c, it, g in zip(corpora, items, gold)
                                 if g < 0}):
        m = ~short & np.array([c == name and it.section == section
                               for c, it in zip(corpora, items)])
        shares = np.bincount(_softmax3(hybrid_cal[m]).argmax(1), minlength=3) / m.sum()
        print(f"{name} {section} (mixed section, not scored): predicted "
              + ", ".join(f"{label} {share:.2f}" for label, share in zip(LABELS, shares)))

    # The shipped model: all folds.
    temperature = _fit_temperature(hybrid_oof[calibration], gold[calibration])
    lexicon_temperature = _fit_temperature(L[scored & ~short], gold[scored & ~short])
    trusted = (w > 0) & ~short
    gain = 1.0 / _fit_temperature(L[trusted], y[trusted])
    rows = np.flatnonzero(w > 0)
    W = _fit_softmax(A[rows], M, y[rows], w[rows], L[rows] * gain)
    keep = np.flatnonzero(np.abs(W).max(axis=1) >= PRUNE)
    features = {featurizer.features[i]: [int(round(W[i, 0] / UNIT)), int(round(W[i, 1] / UNIT))]
                for i in keep}
    W_shipped = np.zeros_like(W)
    W_shipped[keep] = np.round(W[keep] / UNIT) * UNIT
    print(f"\nshipped {language}: {len(features)} of {M.shape[1]} features (|w| >= {PRUNE}), "
          f"lexicon gain {gain:.4f}, temperature {temperature:.4f} (lexicon alone "
          f"{lexicon_temperature:.4f}), {time.process_time() - started:.0f} s CPU")
    return {
        "features": dict(sorted(features.items())),
        "unit": UNIT,
        "lexicon_gain": round(gain, 6),
        "temperature": round(temperature, 6),
        "salient_norm": round(featurizer.salient_norm(W_shipped), 6),
    }, lexicon_temperature
