"""Tokens with offsets into the original text, and the sentences a tagger reads.

The taggers were trained on CoNLL-style tokens: words, numbers and each punctuation mark apart,
"U.S." whole, "'s" split from its noun. Offsets always point into the text as given, so an
entity's span is a slice of the body whatever the tokeniser did.
"""
from __future__ import annotations

from typing import NamedTuple

import regex


class Token(NamedTuple):
    start: int
    end: int
    text: str


# Abbreviations keep their full stop, as in the taggers' training data ("Gen.", "Inc.", an
# initial "J."): a full stop after them is not the end of a sentence.
# Titles and months (and initials) keep it before a capitalised word, company suffixes always.
_TITLE_ABBREVIATIONS = (
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Gen", "Lt", "Col", "Capt", "Sgt", "Maj", "Adm",
    "Gov", "Sen", "Rep", "Rev", "Mt", "Ft", "No", "Mme", "Mlle", "Jan", "Feb", "Mar", "Apr",
    "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")
_SUFFIX_ABBREVIATIONS = ("Inc", "Co", "Corp", "Ltd", "Bros", "Jr", "Sr")
# Dotted acronyms ("U.S."), abbreviations, numbers with inner separators ("1996-08-22", "3.5",
# "10:30"), words with inner hyphens or apostrophes ("Nagorno-Karabakh", "O'Brien"), else one
# character. The first three all start with a capital: one look ahead settles them for every
# other token (a fifth of the tokeniser's time).
_TOKEN = regex.compile(
    r"(?=\p{Lu})(?:(?:\p{Lu}\.){2,}"
    r"|\b(?:" + "|".join(_TITLE_ABBREVIATIONS) + r"|\p{Lu})\.(?=\s+\p{Lu})"
    r"|\b(?:" + "|".join(_SUFFIX_ABBREVIATIONS) + r")\.(?=\s))"
    r"|\d+(?:[.,:/\-]\d+)+"
    r"|[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*"
    r"|\S")
_POSSESSIVE = ("'s", "’s", "'S", "’S")
# French elision: "l'ONU", "d'Emmanuel", "qu'Israël" are two words, the second the name.
_FRENCH_ELISION = regex.compile(r"(?i)^(?:l|d|j|m|n|s|t|c|qu|lorsqu|puisqu|jusqu)['’]")
_SENTENCE_END = frozenset(".!?؟")


def tokenise(text: str, language: str = "und") -> list[Token]:
    tokens = []
    french = language == "fr"
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        word = match.group()
        if word.endswith(_POSSESSIVE) and len(word) > 3:
            tokens.append(Token(start, end - 2, word[:-2]))
            tokens.append(Token(end - 2, end, word[-2:]))
            continue
        if french:
            elision = _FRENCH_ELISION.match(word)
            if elision and elision.end() < len(word):
                cut = start + elision.end()
                tokens.append(Token(start, cut, word[:elision.end()]))
                tokens.append(Token(cut, end, word[elision.end():]))
                continue
        tokens.append(Token(start, end, word))
    return tokens


def sentences(text: str, tokens: list[Token]) -> list[list[Token]]:
    """Tokens grouped into sentences: a sequence ends at a line break or at . ! ? ؟, so that no
    name runs across one."""
    groups: list[list[Token]] = []
    current: list[Token] = []
    for token in tokens:
        if current and "\n" in text[current[-1].end:token.start]:
            groups.append(current)
            current = []
        current.append(token)
        if token.text in _SENTENCE_END:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups
