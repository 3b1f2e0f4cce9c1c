"""The enrichment stages, defined once: the batch job, follow mode and the unbounded job all run
this list, in this order. Each stage is a plain function on a record (dict in, dict out); an
item a stage raises on becomes a dead letter naming that stage."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from newsbeam.transforms.enrich.boilerplate import clean_item
from newsbeam.transforms.enrich.entities import add_entities
from newsbeam.transforms.enrich.language import add_language
from newsbeam.transforms.enrich.topic import add_topic
from newsbeam.transforms.output.dead_letters import dead_letter, record_as_raw
from newsbeam.transforms.output.records import to_news_item


@dataclass(frozen=True)
class Stage:
    name: str  # as in dead letters: boilerplate, language, topic, entities, record
    fn: Callable[[dict], dict]


STAGES = (
    Stage("boilerplate", clean_item),
    Stage("language", add_language),
    Stage("topic", add_topic),
    Stage("entities", add_entities),
    Stage("record", to_news_item),
)


def enrich_or_dead_letter(item: dict) -> tuple[dict | None, dict | None]:
    """A parsed item -> (its record, None), or (None, a dead letter naming the stage that
    raised, with that stage's input as its raw input)."""
    record = item
    for stage in STAGES:
        try:
            record = stage.fn(record)
        except Exception as error:  # noqa: BLE001 - any failure of a stage is a dead letter
            feed_url = record.get("feed_url", "") if isinstance(record, dict) else ""
            return None, dead_letter(feed_url, stage.name, repr(error), record_as_raw(record))
    return record, None
