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
_new_token = tuple.__new__


def tokenise(text: str, language: str = "und") -> list[Token]:
    # Tuples made directly, without NamedTuple's keyword-checking constructor: a third of the
    # time per token. Only a word with an apostrophe can hold a possessive or a French elision.
    tokens = [_new_token(Token, (match.start(), match.end(), match.group()))
              for match in _TOKEN.finditer(text)]
    if "'" in text or "’" in text:
        tokens = _split_apostrophes(tokens, language == "fr")
    return tokens


def _split_apostrophes(tokens: list[Token], french: bool) -> list[Token]:
    """"Putin's" -> "Putin" "'s"; in French, "l'ONU" -> "l'" "ONU"."""
    out = []
    for token in tokens:
        start, end, word = token
        if word.endswith(_POSSESSIVE) and len(word) > 3:
            out.append(Token(start, end - 2, word[:-2]))
            out.append(Token(end - 2, end, word[-2:]))
            continue
        if french and ("'" in word or "’" in word):
            elision = _FRENCH_ELISION.match(word)
            if elision and elision.end() < len(word):
                cut = start + elision.end()
                out.append(Token(start, cut, word[:elision.end()]))
                out.append(Token(cut, end, word[elision.end():]))
                continue
        out.append(token)
    return out


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
