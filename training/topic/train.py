"""Train the topic model from the development data and write models/topic_weights.json.gz.

    newsbeam train topic [--data ../shared/data] [--output DIR]

Needs numpy and scipy (the `train` extra); scoring needs neither.

Recipe ("residual"): the cue lexicon's evidence, times a gain that calibrates the lexicon alone,
is a fixed offset, and a softmax model over word and character n-gram features (model.py)
learns only what the lexicon misses: final logits = (gain * lexicon + model) / temperature. The
model has no intercept (the lexicon's "other" prior plays that part, so an item without a word
the model knows scores as the calibrated lexicon does), and no features for cue words (the
hand weights stand). The temperature is fitted on out-of-fold logits.

Training labels (data.py maps the sets; here, which items are trusted for training):
- English, AG News test split (7,600): Sports -> sport; Business, Sci/Tech -> other; World ->
  politics only when the lexicon finds some politics evidence (its probability >= 0.2), else
  left out of training (disasters, crime and oddities are World but not politics).
- Arabic, ANT v1.1 (10,161): the seven single-topic sections as data.py maps them; the mixed
  sections internationalNews and localNews only where the lexicon is confident (>= 0.9), with
  the lexicon's label, so that the model also sees international and local politics.
- Each item also gives a half-weight copy of its title and first sentence (short feed items).

Printed dev figures are out of fold and scored with the evaluation labels (World -> politics):
English in 5 folds grouped by story key (the first content word of the title: all items about
Iran, Google or Celtic are in one fold, so the model cannot score by remembering a story's
names); Arabic in 6 time blocks by publication month. The temperature used for a fold's
figures is fitted on the other folds.

Deterministic: sorted inputs, no randomness, L-BFGS, weights rounded to integers of 1e-4,
gzip without a timestamp: a rerun writes the same bytes (its md5 is printed).
"""
from __future__ import annotations

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
from newsbeam.transforms.enrich.topic.scoring import distinct_words, document_words

L2 = 3e-4  # chosen by comparisons of 1e-4 to 3e-3 (within 0.01 up to 1e-3)
PRUNE = 2e-3  # a feature whose two weights are both smaller is left out of the file
UNIT = 1e-4  # weights are stored as integers of this unit
MIN_DF = 2  # features seen in fewer documents are dropped (no labels used for that)
SHORT_COPY_WEIGHT = 0.5
# The v1 lexicon's temperature: it decides which World and mixed-section items are trusted
# as training labels (a fixed rule of the training data, not the shipped calibration).
SELECTION_TEMPERATURE = 2.0
WORLD_MIN_POLITICS = 0.2
MIXED_MIN_CONFIDENCE = 0.9
EN_FOLDS = 5
# Arabic time blocks: publication months up to and including each of these.
AR_BLOCKS = ("2016-12", "2017-01", "2017-02", "2017-03", "2017-04", "9999-99")
_EN_FUNCTION_WORDS = frozenset("""a an the of in on at to for from by with and or but as is are
was were be new us u.s says say said after over into up out not no it its this that will than
more how why what who when""".split())
_SENTENCE_END = re.compile(r"[.!?؟\n]")


def train(data: Path, output: Path | None = None) -> None:
    """Train both languages on the development data under `data`, print the dev figures
    and write topic_weights.json.gz into `output` (default: the package's models/)."""
    try:  # training only: fail here, before reading any data
        import numpy  # noqa: F401
        import scipy.optimize  # noqa: F401
    except ImportError as error:
        raise ImportError(f"training the topic model needs numpy and scipy ({error}): "
                          "pip install -e '.[train]'") from error

    ag_path, ant_path = topic_data.development_sets(data)
    target = MODEL_PATH if output is None else output / MODEL_PATH.name
    spec = {"languages": list(MODEL_LANGUAGES), "l2": L2,
            "lexicon_fingerprint": lexicon_fingerprint(MODEL_LANGUAGES),
            "data": "AG News test split (7,600) and ANT v1.1 (10,161); see the README"}
    for language in MODEL_LANGUAGES:
        items = topic_data.read_gold(ag_path, "ag") if language == "en" else \
            sorted(topic_data.read_gold(ant_path, "ant"), key=lambda item: item.key)
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


def _fold(item: topic_data.Item) -> int:
    if item.language == "en":
        return zlib.crc32(_story_key(item.title).encode()) % EN_FOLDS
    month = _month(item.published)
    return next(k for k, last in enumerate(AR_BLOCKS) if month <= last)


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
    day, month, year = published[:10].split("/")
    return f"{year}-{month}"


def first_sentence(body: str) -> str:
    body = body.strip()
    match = _SENTENCE_END.search(body, 40)
    return body[: match.end()] if match else body[:300]


def _training_labels(items, short, lexicon_z):
    """(label index or -1, sample weight): which items the model is trained on (docstring)."""
    import numpy as np

    p = _softmax3(lexicon_z / SELECTION_TEMPERATURE)
    y = np.full(len(items), -1)
    w = np.zeros(len(items))
    for k, item in enumerate(items):
        label = item.label
        if item.language == "en" and item.section == "World":
            label = "politics" if p[k, 0] >= WORLD_MIN_POLITICS else None
        if item.language == "ar" and item.section in topic_data.ANT_MIXED:
            label = LABELS[int(p[k].argmax())] if p[k].max() >= MIXED_MIN_CONFIDENCE else None
        if label is not None:
            y[k] = LABELS.index(label)
            w[k] = SHORT_COPY_WEIGHT if short[k] else 1.0
    return y, w


# ---------------------------------------------------------------- features


class _Featurizer:
    """Items -> sparse X (items x features) with exactly the arithmetic of scoring:
    X = A @ M, A[item, word] = count * scale (scoring.distinct_words), M[word] = the feature
    counts of the word key (model.key_features)."""

    def __init__(self, language: str):
        self.language = language

    def fit_transform(self, items, short):
        import numpy as np
        import scipy.sparse as sp

        word_index: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for row, item in enumerate(items):
            words, title_words, scale = distinct_words(*document_words(item.title, item.body,
                                                                       self.language))
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
        X = (self.A @ M).tocsr()
        originals = np.flatnonzero(~short)
        df = np.asarray((X[originals] > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= MIN_DF)
        names = sorted(feature_index, key=feature_index.__getitem__)
        self.features = [names[k] for k in keep]
        self.M = M[:, keep].tocsr()
        return X[:, keep].tocsr()

    def salient_norm(self, W, share: float = 0.05) -> float:
        """The word-vector size that the strongest `share` of word occurrences reach."""
        import numpy as np

        norms = np.hypot(*(self.M @ W).T)
        return float(np.quantile(norms[self.A.indices], 1 - share))


# ---------------------------------------------------------------- the linear model


def _fit_softmax(X, y, sample_weight, offset, max_iter=400):
    """Multinomial logistic regression with "other" as the zero reference class and no
    intercept: logits = offset + X @ W (two columns: politics, sport). L-BFGS."""
    import numpy as np
    from scipy.optimize import minimize

    n, f = X.shape
    Y = np.zeros((n, 3))
    Y[np.arange(n), y] = 1.0
    sw = sample_weight / sample_weight.sum()
    Xt = X.T.tocsr()

    def objective(theta):
        W = theta.reshape(f, 2)
        z = np.zeros((n, 3))
        z[:, :2] = offset + X @ W
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -(sw * (logp * Y).sum(axis=1)).sum() + 0.5 * L2 * (W * W).sum()
        g = (np.exp(logp) - Y)[:, :2] * sw[:, None]
        return loss, (Xt @ g + L2 * W).ravel()

    result = minimize(objective, np.zeros(2 * f), jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "maxcor": 20})
    return result.x.reshape(f, 2)


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
    items = base + [topic_data.Item(it.language, it.title, first_sentence(it.body), it.label,
                              it.section, it.published, it.key) for it in base if it.body.strip()]
    short = np.arange(len(items)) >= len(base)
    gold = np.array([LABELS.index(it.label) if it.label else -1 for it in items])
    folds = np.array([_fold(it) for it in items])
    cue_lexicon = lexicon(language)
    L = np.array([[e.real, e.imag] for e in
                  (cue_lexicon.evidence(*document_words(it.title, it.body, language))[0]
                   for it in items)])
    featurizer = _Featurizer(language)
    X = featurizer.fit_transform(items, short)
    y, w = _training_labels(items, short, L)
    print(f"\n######## {language}: {len(base)} items (+{int(short.sum())} title+sentence "
          f"copies), {X.shape[1]} features, {int((w > 0).sum())} training rows "
          f"(politics/sport/other {np.bincount(y[w > 0], minlength=3).tolist()})")

    # Cross-validation: out-of-fold logits of the lexicon alone and of the hybrid.
    fold_ids = sorted(set(folds.tolist()))
    lexicon_oof = np.zeros_like(L)
    hybrid_oof = np.zeros_like(L)
    for k in fold_ids:
        train_rows, test_rows = (folds != k) & (w > 0), folds == k
        gain = 1.0 / _fit_temperature(L[train_rows & ~short], y[train_rows & ~short])
        W = _fit_softmax(X[train_rows], y[train_rows], w[train_rows], L[train_rows] * gain)
        lexicon_oof[test_rows] = L[test_rows] * gain
        hybrid_oof[test_rows] = L[test_rows] * gain + X[test_rows] @ W
    scored = ~short & (gold >= 0)
    hybrid_cal = np.zeros_like(hybrid_oof)
    lexicon_cal = np.zeros_like(lexicon_oof)
    per_fold = []
    for k in fold_ids:
        others = scored & (folds != k)
        hybrid_cal[folds == k] = hybrid_oof[folds == k] / _fit_temperature(hybrid_oof[others],
                                                                           gold[others])
        lexicon_cal[folds == k] = lexicon_oof[folds == k] / _fit_temperature(
            lexicon_oof[others], gold[others])
        m = scored & (folds == k)
        per_fold.append((_macro_f1(gold[m], lexicon_cal[m]), _macro_f1(gold[m], hybrid_cal[m])))
    name = "AG News" if language == "en" else "ANT v1.1 single-topic sections"
    print(_report(f"{name}, cue lexicon alone (out of fold)", gold[scored], lexicon_cal[scored]))
    print(_report(f"{name}, hybrid (out of fold)", gold[scored], hybrid_cal[scored]))
    short_scored = short & (gold >= 0)
    print(f"title + first sentence copies: macro-F1 lexicon "
          f"{_macro_f1(gold[short_scored], lexicon_cal[short_scored]):.3f}, hybrid "
          f"{_macro_f1(gold[short_scored], hybrid_cal[short_scored]):.3f}")
    print("per fold macro-F1 (lexicon -> hybrid): "
          + ", ".join(f"{a:.3f}->{b:.3f}" for a, b in per_fold))
    for section in topic_data.ANT_MIXED if language == "ar" else ():
        m = ~short & np.array([it.section == section for it in items])
        if not m.any():
            continue
        shares = np.bincount(_softmax3(hybrid_cal[m]).argmax(1), minlength=3) / m.sum()
        print(f"{section} (mixed section, not scored): predicted "
              + ", ".join(f"{label} {share:.2f}" for label, share in zip(LABELS, shares)))

    # The shipped model: all folds.
    temperature = _fit_temperature(hybrid_oof[scored], gold[scored])
    lexicon_temperature = _fit_temperature(L[scored], gold[scored])
    trusted = (w > 0) & ~short
    gain = 1.0 / _fit_temperature(L[trusted], y[trusted])
    W = _fit_softmax(X, y, w, L * gain)
    keep = np.flatnonzero(np.abs(W).max(axis=1) >= PRUNE)
    features = {featurizer.features[i]: [int(round(W[i, 0] / UNIT)), int(round(W[i, 1] / UNIT))]
                for i in keep}
    W_shipped = np.zeros_like(W)
    W_shipped[keep] = np.round(W[keep] / UNIT) * UNIT
    print(f"\nshipped {language}: {len(features)} of {X.shape[1]} features (|w| >= {PRUNE}), "
          f"lexicon gain {gain:.4f}, temperature {temperature:.4f} (lexicon alone "
          f"{lexicon_temperature:.4f}), {time.process_time() - started:.0f} s CPU")
    return {
        "features": dict(sorted(features.items())),
        "unit": UNIT,
        "lexicon_gain": round(gain, 6),
        "temperature": round(temperature, 6),
        "salient_norm": round(featurizer.salient_norm(W_shipped), 6),
    }, lexicon_temperature
