"""Dates in Arabic, English and French news: where they are, and their ISO 8601 value.

`find_dates` locates date expressions in English and French text with patterns (Arabic dates
are found by the trained Arabic tagger, whose training data has them). `date_value` turns a
date's text, in any of the three languages, into YYYY-MM-DD, YYYY-MM or YYYY: absolute dates
as written ("9 نوفمبر 2020", "24 شباط/ فبراير 2022", "12 March 2024", "5 mars 2020"), relative
ones ("اليوم الثلاثاء", "yesterday", "mardi dernier") against the item's publication time when
it is known.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Iterable

import regex

from newsbeam.transforms.enrich.arabic import normalise

# --- Vocabulary: month and day names, relative words -------------------------------------------

_AR_MONTHS = {
    # Egyptian / Gulf (Gregorian transliterated)
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9,
    "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Levantine / Iraqi (Syriac)
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7,
    "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
    # Maghreb (French transliterated)
    "جانفي": 1, "فيفري": 2, "أفريل": 4, "ماي": 5, "جوان": 6, "جويلية": 7, "أوت": 8,
}
_EN_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_FR_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "janv": 1, "févr": 2, "avr": 4, "juil": 7, "sept": 9,
    "oct": 10, "nov": 11, "déc": 12,
}
# Monday = 0, as datetime.weekday().
_AR_DAYS = {"الاثنين": 0, "الإثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الاربعاء": 2,
            "الخميس": 3, "الجمعة": 4, "السبت": 5, "الأحد": 6, "الاحد": 6}
_EN_DAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6}
_FR_DAYS = {"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
            "dimanche": 6}

# Relative days: offset from the publication date.
_RELATIVE_DAYS = {
    "today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1,
    "aujourd'hui": 0, "aujourd’hui": 0, "hier": -1, "demain": 1, "avant-hier": -2,
    "après-demain": 2,
    normalise("اليوم"): 0, normalise("الليلة"): 0, normalise("أمس"): -1, normalise("الأمس"): -1,
    normalise("البارحة"): -1, normalise("غدا"): 1, normalise("غداً"): 1,
    normalise("أول أمس"): -2, normalise("اول امس"): -2,
}
_PAST = {"last", "past", "dernier", "dernière", "passé", "passée", normalise("الماضي"),
         normalise("الماضية"), normalise("المنصرم"), normalise("المنصرمة"), normalise("السابق")}
_NEXT = {"next", "coming", "prochain", "prochaine", normalise("المقبل"), normalise("المقبلة"),
         normalise("القادم"), normalise("القادمة")}
_THIS = {"this", "ce", "cette", normalise("الجاري"), normalise("الجارية"), normalise("الحالي"),
         normalise("الحالية")}
_YEAR_WORDS = {"year", "an", "année", normalise("العام"), normalise("عام"), normalise("السنة"),
               normalise("سنة")}
_MONTH_WORDS = {"month", "mois", normalise("الشهر"), normalise("شهر")}

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _folded(word: str) -> str:
    """The lookup form of a word in any of the three languages."""
    return normalise(word).lower()


_MONTH_BY_WORD: dict[str, int] = {}
for _table in (_EN_MONTHS, _FR_MONTHS):
    _MONTH_BY_WORD.update(_table)
_AR_MONTH_PHRASES = {tuple(_folded(w) for w in name.split()): month
                     for name, month in _AR_MONTHS.items()}
_DAY_BY_WORD = {**_EN_DAYS, **_FR_DAYS, **{_folded(k): v for k, v in _AR_DAYS.items()}}
# "الثلاثاء" may come as "يوم الثلاثاء" or "بالثلاثاء"; the article-less form too ("ثلاثاء").
_DAY_BY_WORD.update({_folded(k)[2:]: v for k, v in _AR_DAYS.items()})

# --- Finding dates ------------------------------------------------------------------------------

_EN_MONTH = ("(?:January|February|March|April|May|June|July|August|September|October|"
             r"November|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)")
# "May" and "March" are everyday words, so alone they are not dates.
_EN_LONE_MONTH = ("(?:January|February|April|June|July|August|September|October|November|"
                  "December)")
_EN_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_EN_DATE = regex.compile(
    rf"\b(?:"
    rf"(?:{_EN_DAY},?\s+)?{_EN_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|(?:{_EN_DAY},?\s+)?(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_EN_MONTH}\s+(?:of\s+)?\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|(?:(?:last|next|this)\s+)?{_EN_DAY}|{_EN_LONE_MONTH}"
    rf"|(?:[Tt]oday|[Yy]esterday|[Tt]omorrow)"
    rf"|(?:[Ll]ast|[Nn]ext|[Tt]his)\s+(?:year|month)"
    rf"|(?<=\b(?:[Ii]n|[Ss]ince|[Uu]ntil|[Bb]y|[Bb]efore|[Aa]fter|[Ee]arly|[Ll]ate)\s)(?:1[89]|20)\d\d"
    rf")\b")
_FR_MONTH = ("(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|"
             "octobre|novembre|décembre|decembre)")
_FR_DAY = "(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_FR_DATE = regex.compile(
    rf"(?i)(?<![\p{{L}}\p{{N}}])(?:"
    rf"(?:{_FR_DAY}\s+)?(?:1er|\d{{1,2}})\s+{_FR_MONTH}(?:\s+\d{{4}})?"
    rf"|{_FR_MONTH}\s+\d{{4}}"
    rf"|{_FR_DAY}(?:\s+(?:dernier|prochain))?"
    rf"|aujourd['’]hui|avant-hier|après-demain|hier|demain"
    rf"|l['’](?:an|année)\s+(?:derni(?:er|ère)|prochaine?)"
    rf"|(?<=\b(?:[Ee]n|[Dd]epuis|[Jj]usqu'en)\s)(?:1[89]|20)\d\d"
    rf")(?![\p{{L}}\p{{N}}])")
# Day/month/year; some wires put spaces around the slashes ("29 / 12 / 2011").
_NUMERIC_DATE = regex.compile(
    r"(?<![\d/.-])(?:[0-9٠-٩]{1,2}(?:[.-]|\s*/\s*)){2}[0-9٠-٩]{4}(?![\d/.-])")


def find_dates(text: str, language: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each date expression the patterns know, in order, not overlapping:
    French patterns for "fr", English ones otherwise."""
    if language == "fr":
        spans = [match.span() for match in _FR_DATE.finditer(text)]
    else:
        spans = [match.span() for match in _EN_DATE.finditer(text)]
    spans += [match.span() for match in _NUMERIC_DATE.finditer(text)]
    spans.sort()
    last_end = -1
    for start, end in spans:
        if start >= last_end:
            yield start, end
            last_end = end


# --- Values -------------------------------------------------------------------------------------

# Elided articles ("l'an") are words of their own; "aujourd'hui" is one word.
_WORD = regex.compile(r"[\p{L}\p{M}\-]+(?:['’]hui)?|[0-9٠-٩۰-۹]+")
_ISO = regex.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = regex.compile(r"(\d{1,2})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{4})")
_ORDINAL = regex.compile(r"^(\d{1,2})(?:st|nd|rd|th|er)$")
_MIN_YEAR, _MAX_YEAR = 1000, 2200


def _day_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _published_date(published_millis: int | None) -> dt.date | None:
    if published_millis is None:
        return None
    return dt.datetime.fromtimestamp(published_millis / 1000, tz=dt.timezone.utc).date()


def date_value(text: str, language: str, published_millis: int | None = None) -> str | None:
    """ISO 8601 value of a date expression, or None when it names no calendar day, month or
    year (or is relative and the publication time is unknown)."""
    return _date_value(text.translate(_DIGITS), language, _published_date(published_millis))


@lru_cache(maxsize=50_000)
def _date_value(text: str, language: str, published: dt.date | None) -> str | None:
    iso = _ISO.search(text)
    if iso:
        day = _day_or_none(*map(int, iso.groups()))
        return day.isoformat() if day else None
    numeric = _NUMERIC.search(text)
    if numeric:
        first, second, year = map(int, numeric.groups())
        # Day first everywhere but in US English, where month comes first unless it cannot.
        month_first = language == "en" and first <= 12 and not second > 12 or first > 31
        day = _day_or_none(year, first, second) if month_first else _day_or_none(year, second, first)
        return day.isoformat() if day else None

    words = [_folded(word) for word in _WORD.findall(text)]
    year = month = day = weekday = relative_day = None
    direction = 0
    period = None
    index = 0
    while index < len(words):
        word = words[index]
        pair = tuple(words[index:index + 2])
        if len(pair) == 2 and pair in _AR_MONTH_PHRASES:
            month = _AR_MONTH_PHRASES[pair]
            index += 2
            continue
        if word.isdigit():
            number = int(word)
            if len(word) == 4 and _MIN_YEAR <= number <= _MAX_YEAR:
                year = number
            elif len(word) <= 2 and 1 <= number <= 31 and day is None:
                day = number
        elif _ORDINAL.match(word):
            day = int(_ORDINAL.match(word).group(1))
        elif word == "1er":
            day = 1
        elif (word,) in _AR_MONTH_PHRASES:
            month = _AR_MONTH_PHRASES[(word,)]
        elif word.rstrip(".") in _MONTH_BY_WORD:
            month = _MONTH_BY_WORD[word.rstrip(".")]
        elif word in _DAY_BY_WORD or _strip_clitic(word) in _DAY_BY_WORD:
            weekday = _DAY_BY_WORD.get(word, _DAY_BY_WORD.get(_strip_clitic(word)))
        elif word in _RELATIVE_DAYS or _strip_clitic(word) in _RELATIVE_DAYS:
            relative_day = _RELATIVE_DAYS.get(word, _RELATIVE_DAYS.get(_strip_clitic(word)))
        elif " ".join(pair) in _RELATIVE_DAYS:
            relative_day = _RELATIVE_DAYS[" ".join(pair)]
            index += 1
        elif word in _PAST:
            direction = -1
        elif word in _NEXT:
            direction = 1
        elif word in _THIS:
            direction = direction or 0
        elif word in _YEAR_WORDS:
            period = period or "year"
        elif word in _MONTH_WORDS:
            period = period or "month"
        index += 1

    if year and month and day:
        found = _day_or_none(year, month, day)
        return found.isoformat() if found else None
    if month and day:
        if published is None:
            return None
        # "12 March" without a year: the 12 March nearest the publication date.
        candidates = [d for y in (published.year - 1, published.year, published.year + 1)
                      if (d := _day_or_none(y, month, day))]
        return min(candidates, key=lambda d: abs((d - published).days)).isoformat() \
            if candidates else None
    if year and month:
        return f"{year:04d}-{month:02d}"
    if year:
        return f"{year:04d}"
    if published is None:
        return None
    if relative_day is not None:
        return (published + dt.timedelta(days=relative_day)).isoformat()
    if weekday is not None:
        return _weekday_date(published, weekday, direction).isoformat()
    if period == "year" and (direction or any(w in _THIS for w in words)):
        return f"{published.year + direction:04d}"
    if period == "month" and (direction or any(w in _THIS for w in words)):
        month_index = published.year * 12 + published.month - 1 + direction
        return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
    return None


def _strip_clitic(word: str) -> str:
    # "بالثلاثاء", "والخميس", "ويوم": a conjunction or preposition glued to a day word.
    return word[1:] if word[:1] in ("و", "ف", "ب", "ل") and len(word) > 3 else word


def _weekday_date(published: dt.date, weekday: int, direction: int) -> dt.date:
    """The day named `weekday` that a news item published on `published` means: "next X" the
    coming one, "last X" the previous one, a bare day name the latest one on or before the
    publication date (news mostly reports what happened)."""
    back = (published.weekday() - weekday) % 7
    if direction > 0:
        return published + dt.timedelta(days=(weekday - published.weekday()) % 7 or 7)
    if direction < 0:
        return published - dt.timedelta(days=back or 7)
    return published - dt.timedelta(days=back)
