"""Score the entity step against gold sets in CoNLL-style column files.

    newsbeam eval entities --data PATH [--format conll|crosslang] [--language ar|en|fr]

A file has one token a line, its tag in a column (`token TAG`, `token TAG TAG ...` for nested
sets, whose first tag is the outermost, or CoNLL-2003's `token POS chunk TAG`), blank lines
between sentences and `-DOCSTART-` lines between documents. Tags are IOB1 or IOB2; PER/PERS,
ORG, LOC/GPE and DATE are scored, the rest (MISC, NORP, ...) is not. DATE is scored only when
the gold has dates.

Each document becomes one text (tokens joined by spaces, a line per sentence) and goes through
`find_entities` as an article body would. Files without document breaks are cut into articles
of about 20 sentences. Reported: precision, recall and F1 per type, by exact span; for Arabic
also clitic-aware (gold tokens keep their clitics, newsbeam's spans leave them out: وأرمينيا
is found as أرمينيا) and by token.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import regex

GOLD_TYPES = {"PER": "PERSON", "PERS": "PERSON", "PERSON": "PERSON", "ORG": "ORGANIZATION",
              "ORGANIZATION": "ORGANIZATION", "LOC": "LOCATION", "GPE": "LOCATION",
              "LOCATION": "LOCATION", "DATE": "DATE"}
SENTENCES_PER_ARTICLE = 20
_IOB = regex.compile(r"^(?:O|[BIE]-\S+)$")
# What may precede a name inside a gold token: conjunctions and prepositions (و ف ب ل ك),
# alone or stacked ("وب", "لل" before an elided article).
_PROCLITIC_PREFIX = regex.compile(r"^[وفبلك]{1,3}$")

# Files that sit beside gold sets and are not gold.
_NOT_GOLD = regex.compile(r"(?i)^(?:SOURCE|LICEN[CS]E|README|NOTICE|COPYING)|\.(?:md|rst|py|json)$")

Span = tuple[int, int, str]


@dataclass
class Document:
    tokens: list[str]
    tags: list[str]
    sentence_ends: list[int]  # index after the last token of each sentence

    def text_and_spans(self) -> tuple[str, list[tuple[int, int]]]:
        """The text a user's item would carry: a sentence a line, tokens separated by spaces."""
        parts, spans, at, sentence = [], [], 0, 0
        for index, token in enumerate(self.tokens):
            spans.append((at, at + len(token)))
            parts.append(token)
            at += len(token)
            if sentence < len(self.sentence_ends) and index + 1 == self.sentence_ends[sentence]:
                parts.append("\n")
                sentence += 1
            else:
                parts.append(" ")
            at += 1
        return "".join(parts).rstrip(), spans


def _tag_column(columns: list[str]) -> int:
    # CoNLL-2003 puts POS and chunk tags (which look like IOB: "I-NP") before the entity tag.
    if len(columns) == 4 and not _IOB.match(columns[1]):
        return 3
    return 1


def read_conll(path: Path) -> list[Document]:
    documents, tokens, tags, ends = [], [], [], []
    has_breaks = False

    def close_document():
        if tokens:
            documents.append(Document(list(tokens), list(tags), list(ends)))
        tokens.clear(), tags.clear(), ends.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        columns = line.split()
        if not columns:
            if tokens and (not ends or ends[-1] != len(tokens)):
                ends.append(len(tokens))
            continue
        if columns[0] == "-DOCSTART-":
            has_breaks = True
            close_document()
            continue
        tag = columns[_tag_column(columns)] if len(columns) > 1 else "O"
        tokens.append(columns[0])
        tags.append(tag if _IOB.match(tag) else "O")
    if tokens and (not ends or ends[-1] != len(tokens)):
        ends.append(len(tokens))
    close_document()
    if has_breaks:
        return documents
    return [part for document in documents for part in _articles(document)]


def _articles(document: Document) -> Iterable[Document]:
    start = 0
    for first in range(0, len(document.sentence_ends), SENTENCES_PER_ARTICLE):
        ends = document.sentence_ends[first:first + SENTENCES_PER_ARTICLE]
        stop = ends[-1]
        yield Document(document.tokens[start:stop], document.tags[start:stop],
                       [end - start for end in ends])
        start = stop


def gold_spans(tags: list[str], spans: list[tuple[int, int]]) -> set[Span]:
    """(start, end, type) from IOB1 or IOB2 tags: B- always opens an entity, I- extends one of
    the same type and opens one otherwise (as IOB1 does)."""
    entities, current = set(), None
    for tag, (start, end) in zip(tags, spans):
        kind = GOLD_TYPES.get(tag[2:]) if tag != "O" else None
        if kind is not None and current is not None and current[2] == kind \
                and tag.startswith("I-"):
            current[1] = end
            continue
        if current is not None:
            entities.add(tuple(current))
            current = None
        if kind is not None:
            current = [start, end, kind]
    if current is not None:
        entities.add(tuple(current))
    return entities


@dataclass
class Score:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)

    def add(self, gold: set, predicted: set) -> None:
        for item in predicted & gold:
            self.tp[item[-1]] += 1
        for item in predicted - gold:
            self.fp[item[-1]] += 1
        for item in gold - predicted:
            self.fn[item[-1]] += 1

    def figures(self, kind: str | None = None) -> tuple[float, float, float, int, int, int]:
        """(precision, recall, F1, tp, fp, fn) for one type, or over all types."""
        pick = (lambda c: sum(c.values())) if kind is None else (lambda c: c[kind])
        tp, fp, fn = pick(self.tp), pick(self.fp), pick(self.fn)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, tp, fp, fn

    def report(self, title: str) -> str:
        lines = [title, f"  {'type':<13} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn"]
        kinds = sorted(set(self.tp) | set(self.fp) | set(self.fn))
        for kind in kinds + [None]:
            p, r, f, tp, fp, fn = self.figures(kind)
            lines.append(f"  {kind or 'ALL':<13} {p:6.3f} {r:6.3f} {f:6.3f}   {tp}/{fp}/{fn}")
        return "\n".join(lines)


def clitic_aware(gold: set[Span], predicted: set[Span], text: str) -> set[Span]:
    """Gold spans moved to the predicted start when all that lies between is proclitics, so
    that a name found without its clitic counts as found."""
    starts = {(end, kind): start for start, end, kind in predicted}
    moved = set()
    for start, end, kind in gold:
        found = starts.get((end, kind))
        if found is not None and start < found and _PROCLITIC_PREFIX.match(text[start:found]):
            start = found
        moved.add((start, end, kind))
    return moved


def token_types(entities: Iterable[Span], spans: list[tuple[int, int]]) -> list[str | None]:
    types: list[str | None] = [None] * len(spans)
    by_start = sorted(entities)
    for start, end, kind in by_start:
        for index, (token_start, token_end) in enumerate(spans):
            if token_start < end and token_end > start:
                types[index] = kind
    return types


@dataclass
class Evaluation:
    exact: Score = field(default_factory=Score)
    clitic: Score = field(default_factory=Score)
    tokens: Score = field(default_factory=Score)
    documents: int = 0
    token_count: int = 0


Tagger = Callable[[str, str], Iterable[tuple[int, int, str]]]


def evaluate(documents: list[Document], language: str, tagger: Tagger) -> Evaluation:
    """Scores `tagger(text, language) -> (start, end, type)...` on `documents`."""
    with_dates = any(tag[2:] == "DATE" for document in documents for tag in document.tags)
    scored = {"PERSON", "ORGANIZATION", "LOCATION"} | ({"DATE"} if with_dates else set())
    result = Evaluation()
    for document in documents:
        text, spans = document.text_and_spans()
        gold = gold_spans(document.tags, spans)
        predicted = {(s, e, k) for s, e, k in tagger(text, language) if k in scored}
        result.exact.add(gold, predicted)
        result.clitic.add(clitic_aware(gold, predicted, text), predicted)
        guess_types = token_types(predicted, spans)
        gold_types = token_types(gold, spans)
        result.tokens.add({(i, g) for i, g in enumerate(gold_types) if g},
                          {(i, g) for i, g in enumerate(guess_types) if g})
        result.documents += 1
        result.token_count += len(document.tokens)
    return result


def guess_language(documents: list[Document]) -> str:
    sample = " ".join(token for document in documents[:50] for token in document.tokens[:200])
    arabic = len(regex.findall(r"\p{Script=Arabic}", sample))
    return "ar" if arabic > len(sample) / 4 else "en"


def find_entities_tagger(text: str, language: str) -> Iterable[tuple[int, int, str]]:
    from newsbeam.transforms.enrich.entities import find_entities

    return ((e.start, e.end, e.type) for e in find_entities(text, language))


def evaluate_path(path: Path, language: str | None = None, data_format: str | None = None,
                  tagger: Tagger = find_entities_tagger) -> str:
    """The report for one gold file, or every file in a folder (each scored on its own)."""
    if data_format not in (None, "conll", "crosslang", "feeds"):
        raise ValueError(f"unknown gold format {data_format!r}: entities are read as conll, "
                         "crosslang or feeds")
    if not path.exists():
        raise ValueError(f"{path}: no such file or folder")
    if data_format == "crosslang":
        return _cross_language_report(path)
    if data_format == "feeds":
        return _feed_items_report(path)
    files = sorted(p for p in path.rglob("*") if p.is_file() and not _NOT_GOLD.search(p.name)) \
        if path.is_dir() else [path]
    reports = []
    for file in files:
        documents = read_conll(file)
        if not documents:
            continue
        lang = language or guess_language(documents)
        result = evaluate(documents, lang, tagger)
        title = f"{file} ({lang}, {result.documents} documents, {result.token_count} tokens)"
        parts = [result.exact.report(f"{title}\n entity level, exact span")]
        if lang == "ar":
            parts.append(result.clitic.report(" entity level, name without its proclitic"))
        parts.append(result.tokens.report(" token level"))
        reports.append("\n".join(parts))
    if not reports:
        raise ValueError(f"{path}: no gold file with tokens found")
    return "\n\n".join(reports)


# --- The same entities across languages ---------------------------------------------------------

@dataclass
class CrossLanguage:
    entities: int = 0  # gold entities named in all three languages
    shared: int = 0  # ... found in every mention with one canonical value
    collisions: list = field(default_factory=list)  # canonical values given to two entities
    split: list = field(default_factory=list)  # entities whose mentions got several values
    dates: int = 0
    dates_right: int = 0
    wrong_dates: list = field(default_factory=list)

    def report(self) -> str:
        lines = []
        if self.entities:
            lines.append(f"entities named in ar, en and fr: {self.entities}; one canonical value "
                         f"in all three: {self.shared} ({self.shared / self.entities:.1%}); "
                         f"collisions between distinct entities: {len(self.collisions)}")
        lines += [f"  split: {gold}: {values}" for gold, values in self.split]
        lines += [f"  collision: {value!r} <- {golds}" for value, golds in self.collisions]
        if self.dates:
            lines.append(f"absolute dates: {self.dates}; with their ISO value: {self.dates_right} "
                         f"({self.dates_right / self.dates:.1%})")
            lines += [f"  date: {sentence!r}: {found}, expected {iso}"
                      for sentence, found, iso in self.wrong_dates]
        return "\n".join(lines)


def cross_language(entities_path: Path | None, dates_path: Path | None = None) -> CrossLanguage:
    """Finds the entities of parallel Arabic, English and French sentences and checks that one
    real-world entity gets one canonical value in all of them, and no two share one.

    `entities_path`: `item <TAB> language <TAB> sentence <TAB> mentions`, mentions being
    `surface=TYPE=gold; ...` (gold: a label shared by the languages). `dates_path`:
    `language <TAB> sentence <TAB> ISO value`. A mention counts as found by the entity that
    overlaps it most (the gold and newsbeam may draw a title or an article in or out)."""
    from newsbeam.transforms.enrich.entities import find_entities

    values: dict[str, dict[str, set]] = {}
    for line in _rows(entities_path) if entities_path is not None else ():
        _item, language, sentence, mentions = line
        found = find_entities(sentence, language)
        taken: list[tuple[int, int]] = []
        parsed = [tuple(part.strip() for part in mention.strip().split("="))
                  for mention in mentions.split(";")]
        # Longest mention first, each at an occurrence no other mention holds ("Sudan" in
        # "South Sudan accused Sudan").
        for surface, _kind, gold in sorted(parsed, key=lambda m: -len(m[0])):
            start, end = _free_occurrence(sentence, surface, taken)
            taken.append((start, end))
            overlap = max(((min(end, e.end) - max(start, e.start), e.canonical) for e in found
                           if e.type != "DATE" and e.start < end and start < e.end),
                          default=(0, None))
            values.setdefault(gold, {}).setdefault(language, set()).add(overlap[1])
    result = CrossLanguage()
    owners: dict[str, set] = {}
    for gold, by_language in sorted(values.items()):
        for value in set().union(*by_language.values()) - {None}:
            owners.setdefault(value, set()).add(gold)
        if set(by_language) != {"ar", "en", "fr"}:
            continue
        result.entities += 1
        every = set().union(*by_language.values())
        if len(every) == 1 and None not in every:
            result.shared += 1
        else:
            result.split.append((gold, {lang: sorted(map(str, v)) for lang, v in
                                        sorted(by_language.items())}))
    result.collisions = sorted((value, sorted(golds)) for value, golds in owners.items()
                               if len(golds) > 1)
    if dates_path is not None:
        for language, sentence, iso in _rows(dates_path):
            found = [e.canonical for e in find_entities(sentence, language) if e.type == "DATE"]
            result.dates += 1
            if iso in found:
                result.dates_right += 1
            else:
                result.wrong_dates.append((sentence, found, iso))
    return result


def _cross_language_report(path: Path) -> str:
    """cross_language() on a file of parallel items (four columns) or of dates (three), or on a
    folder holding one of each."""
    files = sorted(p for p in path.iterdir() if p.suffix == ".tsv") if path.is_dir() else [path]
    by_columns = {}
    for file in files:
        row = next(_rows(file), None)
        if row is not None and len(row) in (3, 4):
            by_columns.setdefault(len(row), file)
    if 4 not in by_columns and 3 not in by_columns:
        raise ValueError(f"{path}: no crosslang file (item, language, sentence, mentions; or "
                         "language, sentence, ISO date)")
    if 4 in by_columns:
        return cross_language(by_columns[4], by_columns.get(3)).report()
    return cross_language(None, by_columns[3]).report()


def _free_occurrence(sentence: str, surface: str, taken: list[tuple[int, int]]) -> tuple[int, int]:
    """The first occurrence of `surface` as whole words ("Niger" not inside "Nigeria"; an
    Arabic proclitic may precede it) that no longer mention holds; the first occurrence at all
    when there is none."""
    pattern = regex.compile(r"(?<![\p{L}\p{M}])(?:[وفبلك]{1,2})??(" + regex.escape(surface)
                            + r")(?![\p{L}\p{M}])")
    for match in pattern.finditer(sentence, overlapped=True):
        start, end = match.span(1)
        if not any(s <= start < e for s, e in taken):
            return start, end
    start = sentence.find(surface)
    return start, start + len(surface)


def _rows(path: Path) -> Iterable[list[str]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")


# --- Titles and teasers of real feed items ------------------------------------------------------

# The gold's fields and the record's: a teaser is what the record carries as its body.
_RECORD_FIELD = {"title": "title", "teaser": "body"}
# What may stand before a name in one span and not in the other: a proclitic, the article
# (the gold writes للولايات المتحدة as ولايات المتحدة, a tagger may give الولايات المتحدة),
# English "the".
_NAME_PREFIX = regex.compile(r"^(?:[وفبلك]{0,2}(?:ال)?|[Tt]he\s+)$")

FeedSpan = tuple[str, int, int, str, str]  # field, start, end, type, canonical


def record_entities(item, step=None) -> list[FeedSpan]:
    """The entities the pipeline's entity step gives a record with the item's title (without
    the site's credit at its end, as the boilerplate step cuts it: the offsets before it
    hold) and its teaser as body, each as (gold field, start, end, type, canonical)."""
    from newsbeam.transforms.enrich.boilerplate import split_title_credit

    if step is None:
        from newsbeam.transforms.enrich.entities import add_entities as step
    title, _ = split_title_credit(item.title, item.link)
    record = step({"title": title, "body": item.teaser, "language": item.language,
                   "published": item.published})
    gold_field = {value: key for key, value in _RECORD_FIELD.items()}
    return [(gold_field[entity.get("field", "body")], entity["start"], entity["end"],
             entity["type"], entity["canonical"]) for entity in record["entities"]]


def _same_name(text: str, gold: tuple[int, int], found: tuple[int, int]) -> bool:
    """Exact span, or one that differs only by a proclitic, the article or "the" at its start."""
    if gold[1] != found[1]:
        return False
    first, last = sorted((gold[0], found[0]))
    return bool(_NAME_PREFIX.match(text[first:last]))


def _pairs(gold: list, found: list, accept) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, found index) of the same type that `accept`, the largest
    overlap first."""
    candidates = []
    for g, (gs, ge, gt) in enumerate(gold):
        for f, (fs, fe, ft) in enumerate(found):
            if gt == ft and accept((gs, ge), (fs, fe)):
                candidates.append((-(min(ge, fe) - max(gs, fs)), g, f))
    pairs, used_gold, used_found = [], set(), set()
    for _, g, f in sorted(candidates):
        if g not in used_gold and f not in used_found:
            pairs.append((g, f))
            used_gold.add(g)
            used_found.add(f)
    return pairs


def value_source(value: str) -> str:
    """Where a name's canonical value comes from: "linked" (the canonical table's English
    name), "written" (an English name as the text writes it, for a name the table does not
    know) or "key" (a transliteration key)."""
    from newsbeam.transforms.enrich.entities.canonical import gazetteer, is_key

    if is_key(value):
        return "key"
    return "linked" if value in gazetteer().values else "written"


def canonical_key(value: str | None) -> str | None:
    """What two canonical values must share to be the same: case, accents and punctuation
    folded ("Recep Tayyip Erdoğan" = "Recep Tayyip Erdogan")."""
    if value is None:
        return None
    from newsbeam.transforms.enrich.entities.canonical import latin_fold

    return latin_fold(value)


@dataclass
class FeedEvaluation:
    matching: dict = field(default_factory=dict)  # matching -> (language, field) -> Score
    names: Counter = field(default_factory=Counter)  # (language, "right"/"wrong"/...) -> n
    dates: Counter = field(default_factory=Counter)
    linked: Counter = field(default_factory=Counter)  # (language, "linked"/"key") -> n
    errors: list = field(default_factory=list)  # (item key, what, detail), for reading


MATCHINGS = ("exact", "name", "overlap")


def evaluate_feed_items(items, tagger=record_entities) -> FeedEvaluation:
    """Scores the entity step on the gold items: spans by field and language under three
    matchings (exact; the name without a proclitic, article or "the" either side; overlap with
    the same type), canonical values on the overlap matches, and the share of names found that
    are linked (an English name, not a "~" key)."""
    result = FeedEvaluation({matching: {} for matching in MATCHINGS})
    for item in items:
        found_all = tagger(item)
        for field_name in ("title", "teaser"):
            text = item.title if field_name == "title" else item.teaser
            gold = [e for e in item.entities if e.field == field_name]
            found = [f for f in found_all if f[0] == field_name]
            gold_spans = [(e.start, e.end, e.type) for e in gold]
            found_spans = [(s, e, t) for _, s, e, t, _ in found]
            accepts = {
                "exact": lambda g, f: g == f,
                "name": lambda g, f, text=text: _same_name(text, g, f),
                "overlap": lambda g, f: g[0] < f[1] and f[0] < g[1],
            }
            for matching, accept in accepts.items():
                score = result.matching[matching].setdefault(
                    (item.language, field_name), Score())
                pairs = _pairs(gold_spans, found_spans, accept)
                for g, f in pairs:
                    score.tp[gold[g].type] += 1
                for g in set(range(len(gold))) - {g for g, _ in pairs}:
                    score.fn[gold[g].type] += 1
                    if matching == "name":
                        result.errors.append((item.key, "missed", field_name,
                                              gold[g].text, gold[g].type))
                for f in set(range(len(found))) - {f for _, f in pairs}:
                    score.fp[found[f][3]] += 1
                    if matching == "name":
                        s, e = found[f][1], found[f][2]
                        result.errors.append((item.key, "spurious", field_name, text[s:e],
                                              found[f][3]))
                if matching != "overlap":
                    continue
                for g, f in pairs:
                    gold_entity, value = gold[g], found[f][4]
                    if gold_entity.type == "DATE":
                        if gold_entity.canonical is not None:
                            right = value == gold_entity.canonical
                            result.dates[(item.language, "right" if right else "wrong")] += 1
                        continue
                    if gold_entity.canonical is None:
                        unknown = value.startswith("~")
                        result.names[(item.language, "unknown keyed" if unknown
                                      else "unknown named")] += 1
                        continue
                    right = canonical_key(value) == canonical_key(gold_entity.canonical)
                    result.names[(item.language, "right" if right else "wrong")] += 1
                    if not right:
                        result.errors.append((item.key, "canonical", field_name,
                                              gold_entity.text,
                                              f"{value} (gold {gold_entity.canonical})"))
            for _, _, _, kind, value in found:
                if kind != "DATE":
                    result.linked[(item.language, value_source(value))] += 1
    return result


def _share(right: int, total: int) -> str:
    return f"{right / total:.3f} ({right}/{total})" if total else "- (0/0)"


def feed_items_report(result: FeedEvaluation) -> str:
    languages = sorted({language for scores in result.matching.values()
                        for language, _ in scores})
    lines = ["entities on titles and teasers of real feed items (training/entities/"
             "feed_items_dev.jsonl)"]
    for matching in MATCHINGS:
        scores = result.matching[matching]
        lines.append(f" spans, {matching} match: P R F1 (tp/fp/fn)")
        groups = [((language, field_name), [scores.get((language, field_name), Score())])
                  for language in languages for field_name in ("title", "teaser")]
        groups += [((language, "both"), [scores.get((language, f), Score())
                                         for f in ("title", "teaser")])
                   for language in languages]
        groups.append((("all", "both"), list(scores.values())))
        for (language, field_name), parts in groups:
            total = Score()
            for part in parts:
                total.tp.update(part.tp), total.fp.update(part.fp), total.fn.update(part.fn)
            p, r, f, tp, fp, fn = total.figures()
            lines.append(f"  {language:<4} {field_name:<7} {p:.3f} {r:.3f} {f:.3f}   "
                         f"{tp}/{fp}/{fn}")
    for language in languages + ["all"]:
        pick = (lambda c, key: sum(n for (lang, k), n in c.items() if k == key)) \
            if language == "all" else (lambda c, key: c[(language, key)])
        right, wrong = pick(result.names, "right"), pick(result.names, "wrong")
        keyed, named = pick(result.names, "unknown keyed"), pick(result.names, "unknown named")
        dates_right, dates_wrong = pick(result.dates, "right"), pick(result.dates, "wrong")
        linked, written, key = (pick(result.linked, source)
                                for source in ("linked", "written", "key"))
        names = linked + written + key
        lines.append(f" {language}: canonical name right on matched mentions "
                     f"{_share(right, right + wrong)}; unknown to the gold and given a name "
                     f"{_share(named, keyed + named)}; dates with their ISO value "
                     f"{_share(dates_right, dates_right + dates_wrong)}; names found: linked to "
                     f"the table {_share(linked, names)}, English as written "
                     f"{_share(written, names)}, keys {_share(key, names)}")
    return "\n".join(lines)


def capture_linked_share(data: Path) -> str:
    """The share of names found in every English and Arabic item of the development captures,
    through the pipeline's own steps (parsing, boilerplate, language, entities), that are linked
    to an English name rather than given a "~" key; by language and field."""
    from newsbeam.training.entities.feed_items import data_folder
    from newsbeam.transforms.enrich.boilerplate import clean_item
    from newsbeam.transforms.enrich.entities import add_entities
    from newsbeam.transforms.enrich.language import add_language
    from newsbeam.transforms.feeds.parse import FeedParseError, parse_feed

    folder = data_folder(data) / "feeds" / "real"
    counts: Counter = Counter()
    items = 0
    for path in sorted(folder.iterdir()):
        try:
            parsed = parse_feed(path.name, path.read_bytes(), 0)
        except FeedParseError:
            continue
        for item in parsed:
            record = add_language(clean_item(item))
            if record["language"] not in ("en", "ar"):
                continue
            items += 1
            for entity in add_entities(record)["entities"]:
                if entity["type"] == "DATE":
                    continue
                where = (record["language"], entity.get("field", "body"))
                counts[where + (value_source(entity["canonical"]),)] += 1
    lines = [f"names found in the {items} English and Arabic items of {folder}: share linked "
             "to the table / English as written / keys"]
    for language in ("en", "ar"):
        for field_name in ("title", "body", None):
            picked = {source: sum(n for (lang, f, s), n in counts.items()
                                  if lang == language and s == source
                                  and field_name in (None, f))
                      for source in ("linked", "written", "key")}
            total = sum(picked.values())
            lines.append(f"  {language} {field_name or 'both':<5} "
                         + " / ".join(_share(picked[source], total)
                                      for source in ("linked", "written", "key")))
    return "\n".join(lines)


def _feed_items_report(path: Path) -> str:
    from newsbeam.training.entities.feed_items import load

    return feed_items_report(evaluate_feed_items(load(path))) + "\n\n" + \
        capture_linked_share(path)
