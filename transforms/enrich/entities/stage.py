"""The entity step on records: a thin wrapper over finder.find_entities."""
from __future__ import annotations

from newsbeam.transforms.enrich.entities.finder import find_entities


def add_entities(record: dict) -> dict:
    """A copy of `record` with "entities" found in its body (relative dates are resolved against
    its `published` time, when it has one)."""
    enriched = dict(record)
    found = find_entities(record["body"], record.get("language") or "und", record.get("published"))
    # Field by field: dataclasses.asdict deep-copies each value and is 30 times slower.
    enriched["entities"] = [{"text": entity.text, "type": entity.type, "start": entity.start,
                             "end": entity.end, "canonical": entity.canonical}
                            for entity in found]
    return enriched
