"""The Avro schemas: the .avsc files beside this module are the one source of truth."""
from __future__ import annotations

import functools
import json
from importlib import resources

import fastavro


@functools.lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """The parsed schema `name` ("news_item" or "dead_letter"), ready for fastavro."""
    text = resources.files(__package__).joinpath(f"{name}.avsc").read_text(encoding="utf-8")
    return fastavro.parse_schema(json.loads(text))


NEWS_ITEM = "news_item"
DEAD_LETTER = "dead_letter"
