"""French text through the English tagger: spans cut to the words a French name can have.

There is no French training data here, so French is read by the English tagger, whose sense of
a name rests on capitals and context. French writes titles, nationalities and function words in
lower case ("le président russe Vladimir Poutine", "au sujet de la Syrie"), which the English
model sometimes takes into a name; a French name is made of capitalised words (or acronyms)
joined only by particles ("Mohammed ben Salmane", "Conseil de sécurité"). So each span is cut
at the other words, and its leading articles ("Le Hamas", "l'ONU") are left out.
"""
from __future__ import annotations

# Lower-case words a name may contain between two of its capitalised words.
PARTICLES = frozenset(("de", "du", "des", "d'", "d’", "la", "le", "les", "l'", "l’", "et", "von",
                       "van", "der", "den", "da", "di", "dos", "al", "el", "ben", "bin", "ibn",
                       "bou", "abou"))
# Capitalised words that open a sentence or a name without being part of it.
ARTICLES = frozenset(("le", "la", "les", "l'", "l’", "un", "une", "des", "du", "de", "d'", "d’",
                       "au", "aux", "à", "en", "et", "ce", "cette", "ces", "selon"))


def is_name_word(token: str) -> bool:
    """A word that can be part of a French name: capitalised ("Poutine", "Etats-Unis"), an
    acronym ("ONU", "FMI"), a number in a name ("G20"), or an Arabic article before a
    capital ("al-Assad")."""
    if token[:1].isupper():
        return token.lower() not in ARTICLES
    return token[:3] in ("al-", "el-") and token[3:4].isupper()


def _name_run_end(tokens: list[str], index: int, last: int,
                  claimed: set[int] = frozenset()) -> int:
    """The last token of the run of name words (joined by particles) that starts at `index`,
    going no further than `last` and through no claimed token."""
    end = index
    while end < last and end + 1 not in claimed:
        following = tokens[end + 1]
        if is_name_word(following):
            end += 1
        elif following.lower() in PARTICLES and end + 2 <= last and end + 2 not in claimed \
                and is_name_word(tokens[end + 2]):
            end += 2
        else:
            break
    return end


def name_spans(tokens: list[str], spans: list[tuple[int, int, str]]
               ) -> list[tuple[int, int, str]]:
    """The parts of each (first, last, kind) span that a French name can be: runs of name words
    joined by particles, each keeping the span's kind."""
    parts = []
    for first, last, kind in spans:
        index = first
        while index <= last:
            if not is_name_word(tokens[index]):
                index += 1
                continue
            end = _name_run_end(tokens, index, last)
            parts.append((index, end, kind))
            index = end + 1
    return parts


def unclaimed_runs(tokens: list[str], claimed: set[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of name words (with inner particles) that no span covers: the
    names the tagger missed, to be kept only when they are known entities."""
    runs = []
    index = 0
    while index < len(tokens):
        if index in claimed or not is_name_word(tokens[index]):
            index += 1
            continue
        end = _name_run_end(tokens, index, len(tokens) - 1, claimed)
        runs.append((index, end))
        index = end + 1
    return runs


MAX_LOWER_WORDS = 3  # "Cour pénale internationale", "Union européenne", "mer Rouge"


def widenings(tokens: list[str], first: int, last: int) -> list[tuple[int, int]]:
    """Wider spans around a name that add the lower-case words French writes inside names
    ("Union" -> "Union européenne", "Rouge" -> "mer Rouge"), widest first; the caller keeps
    one only if it is a known name."""
    right = [last]
    while len(right) <= MAX_LOWER_WORDS and right[-1] + 1 < len(tokens) \
            and _inner_word(tokens[right[-1] + 1]):
        right.append(right[-1] + 1)
    left = [first]
    before = tokens[first - 1] if first > 0 else ""
    if before[:1].islower() and _inner_word(before) and before not in ARTICLES:
        left.append(first - 1)
    spans = [(start, end) for start in left for end in right if (start, end) != (first, last)]
    return sorted(spans, key=lambda span: span[0] - span[1])


def _inner_word(token: str) -> bool:
    # A word, not an elided article ("l'", "d'") or punctuation.
    return token[:1].isalpha() and not token.endswith(("'", "’"))

