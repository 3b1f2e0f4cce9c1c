"""The entity step on records: a thin wrapper over finder.find_entities.

A record's title and the head of its body are read as one document, the title a sentence of
its own before the body: the taggers see the body's evidence when they read a headline (how
it writes a word, what it was tagged as elsewhere), a person named in full in one and by
surname in the other is one person, and each entity is reported with the field it was found
in, its offsets into that field.
"""
from __future__ import annotations

from newsbeam.transforms.enrich.entities.finder import find_entities

# The entities of a body are looked for in its head: a long article names its people and places
# early, and the taggers' cost grows faster than the text (a 5 MB body took minutes). Offsets
# stay offsets into the whole body.
ENTITY_TEXT_CHARS = 20_000
TITLE, BODY = "title", "body"
# Between the title and the body: a line break ends a sentence, so no name runs across it.
_SEPARATOR = "\n"


def add_entities(record: dict) -> dict:
    """A copy of `record` with "entities" found in its title and in the first
    ENTITY_TEXT_CHARS characters of its body, each with the `field` its offsets point into
    (relative dates are resolved against its `published` time, when it has one). A body that
    is the title itself (an item with nothing but a title) is read once, as the body."""
    enriched = dict(record)
    body = record["body"][:ENTITY_TEXT_CHARS]
    title = record.get("title") or ""
    if record.get("content_source") == TITLE or not title.strip() \
            or title.strip() == body.strip():
        title = ""
    head = len(title) + len(_SEPARATOR) if title else 0
    found = find_entities(title + _SEPARATOR + body if title else body,
                          record.get("language") or "und", record.get("published"))
    entities = []
    for entity in found:
        if entity.end <= len(title):
            field, start, end = TITLE, entity.start, entity.end
        elif entity.start >= head:
            field, start, end = BODY, entity.start - head, entity.end - head
        else:
            # Across the break: a pattern date made of the title's last word and the body's
            # first ("... in March" + "5 killed ..."); it is a date of neither field.
            continue
        # Field by field: dataclasses.asdict deep-copies each value and is 30 times slower.
        entities.append({"text": entity.text, "type": entity.type, "start": start, "end": end,
                         "canonical": entity.canonical, "field": field})
    enriched["entities"] = entities
    return enriched
