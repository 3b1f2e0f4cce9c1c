"""The enrichment stages, defined once: the batch job, follow mode, the streaming job and the
benchmarks all run this list, in this order.

Each stage is a plain function on a record (dict in, dict out) with a thin Beam wrapper that
turns an item the function raises on into a dead letter naming the stage.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import apache_beam as beam

from transforms.boilerplate import StripBoilerplate, clean_item
from transforms.dead_letters import ApplyStage
from transforms.entities import ExtractEntities, add_entities
from transforms.language import DetectLanguage, add_language
from transforms.records import ToNewsItems, to_news_item
from transforms.topic import DetectTopic, add_topic


@dataclass(frozen=True)
class Stage:
    name: str  # as in dead letters: boilerplate, language, topic, entities, record
    fn: Callable[[dict], dict]
    transform: type[ApplyStage]


STAGES = (
    Stage("boilerplate", clean_item, StripBoilerplate),
    Stage("language", add_language, DetectLanguage),
    Stage("topic", add_topic, DetectTopic),
    Stage("entities", add_entities, ExtractEntities),
    Stage("record", to_news_item, ToNewsItems),
)


def enrich(item: dict) -> dict:
    """A parsed item -> its NewsItem record, every stage in order (raises what a stage raises)."""
    for stage in STAGES:
        item = stage.fn(item)
    return item


class EnrichItems(beam.PTransform):
    """Partial item records -> schema-checked NewsItem records; returns (records, dead letters).

    Each stage is a plain function behind ApplyStage, so an item that breaks one stage
    becomes a dead letter naming that stage while the rest go on.
    """

    def expand(self, items):
        dead = []
        records = items
        for stage in STAGES:
            records, failed = records | stage.transform()
            dead.append(failed)
        return records, dead | "StageDeadLetters" >> beam.Flatten()
