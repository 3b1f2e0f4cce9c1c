"""Arabic orthography shared by the language steps: normalisation for matching, clitic splitting.

Nothing here changes the text a user sees: normalised forms are lookup keys only, so offsets
into the original body stay valid.
"""
from __future__ import annotations

import regex

# Harakat, tanwin, shadda, sukun, dagger alef and Quranic marks: optional in news text, so two
# spellings of one word differ only by them.
_DIACRITICS = regex.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED]")
_TATWEEL = "\u0640"
_FOLD = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",  # hamza seats on alef are spelt inconsistently
    "ى": "ي",  # alef maqsura vs ya at word end (Egyptian usage writes ى for ي)
    "ة": "ه",  # ta marbuta is often typed as ha
})
ARABIC_LETTER = regex.compile(r"\p{Script=Arabic}")

# Proclitics that attach to a noun, longest first so that "وبال" wins over "و".
# Conjunctions و/ف, prepositions ب/ل/ك and the article ال, alone or stacked.
_PROCLITICS = (
    "وبال", "وكال", "فبال", "فكال", "وال", "فال", "بال", "كال",
    "ولل", "فلل", "لل", "وب", "ول", "وك", "فب", "فل", "فك",
    "و", "ف", "ب", "ل", "ك",
)
_MIN_STEM = 2


def normalise(text: str) -> str:
    """Fold the spelling variants that do not change an Arabic word: a key for lookups."""
    return _DIACRITICS.sub("", text).replace(_TATWEEL, "").translate(_FOLD)


def strip_diacritics(text: str) -> str:
    """Remove harakat and tatweel only: keeps ى and hamza seats, which tell some function words
    from names ("على" the preposition, "علي" the name)."""
    return _DIACRITICS.sub("", text).replace(_TATWEEL, "")


def proclitic_splits(token: str) -> list[tuple[int, str]]:
    """Ways to read `token` as proclitics + stem, most literal first.

    Each entry is (offset of the stem inside `token`, stem). The token itself comes first, so a
    name that happens to start with a clitic letter (وليد, فرنسا) is found before its false split.
    The article is kept on the stem ("وال" + "كرملين" gives "الكرملين" at offset 1) because many
    names carry it; callers that want the bare noun can also try strip_article. "لل" is ل + ال
    with the alef elided, so its stem is "ال" + rest, at the offset of the rest.
    """
    splits = [(0, token)]
    for prefix in _PROCLITICS:
        if not token.startswith(prefix) or len(token) - len(prefix) < _MIN_STEM:
            continue
        rest = token[len(prefix):]
        if prefix.endswith("لل"):
            splits.append((len(prefix), "ال" + rest))
        elif prefix.endswith("ال"):
            splits.append((len(prefix) - 2, "ال" + rest))
        else:
            splits.append((len(prefix), rest))
    seen, unique = set(), []
    for offset, stem in splits:
        if stem not in seen:
            seen.add(stem)
            unique.append((offset, stem))
    return unique


def strip_article(word: str) -> str:
    """The noun without a leading ال, if what remains is still a word."""
    if word.startswith("ال") and len(word) - 2 >= _MIN_STEM:
        return word[2:]
    return word


# Possessive/object pronouns that attach to the end of a noun or verb, longest first.
_ENCLITICS = ("هما", "هم", "هن", "ها", "كم", "نا", "ه")


def enclitic_stems(word: str) -> list[str]:
    """`word` without a trailing pronoun (فريقه -> فريق), most likely reading first.

    A ta marbuta turns into ت before a suffix (حكومة + ه = حكومته), so a stem ending in ت is
    also given with ة. The word itself is not included; callers try it first.
    """
    stems = []
    for suffix in _ENCLITICS:
        if not word.endswith(suffix) or len(word) - len(suffix) < _MIN_STEM:
            continue
        stem = word[: -len(suffix)]
        stems.append(stem)
        if stem.endswith("ت"):
            stems.append(stem[:-1] + "ة")
    return stems
