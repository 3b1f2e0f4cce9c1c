"""Pipeline records to Avro records: the one place that knows the output field names.

Every stage passes a dict along and adds its fields; here the dict is checked against
schemas/news_item.avsc so that a bad value becomes a dead letter, not a failed file write.
"""
from __future__ import annotations

import math

import fastavro.validation

from newsbeam.schemas import NEWS_ITEM, load_schema
from newsbeam.transforms.output.schema_types import with_defaults


def _field_defaults(schema: dict) -> dict:
    return {field["name"]: field.get("default") for field in schema["fields"]}


def to_news_item(record: dict) -> dict:
    """The Avro record for `record`: schema fields only, missing ones at their defaults, in
    nested records too (an entity without `field`), as every format then writes them.

    Raises ValueError (naming the bad field) when a value does not fit the schema.
    """
    schema = load_schema(NEWS_ITEM)
    item = {}
    for name, default in _field_defaults(schema).items():
        value = record.get(name, default)
        item[name] = list(value) if isinstance(value, tuple) else value
    item = with_defaults(NEWS_ITEM)(item)
    try:
        fastavro.validation.validate(item, schema, raise_errors=True)
    except fastavro.validation.ValidationError as error:
        detail = " ".join(str(error).split())
        raise ValueError(f"record does not fit {schema['name']}: {detail}") from None
    # Avro takes NaN and infinity for a float; JSON has no such number, and no reader would
    # make sense of a NaN confidence.
    confidence = item["topic"]["confidence"]
    if not math.isfinite(confidence):
        raise ValueError(f"record does not fit {schema['name']}: topic.confidence is "
                         f"{confidence}, not a number between 0 and 1")
    return item
