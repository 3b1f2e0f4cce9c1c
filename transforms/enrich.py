"""The enrichment stages, defined once: the batch job, follow mode, the streaming job and the
benchmarks all run this list, in this order.

Each stage is a plain function on a record (dict in, dict out). EnrichItems runs them all in
one DoFn (one Beam step per item instead of five, each with its own tagged outputs), and an
item a stage raises on becomes a dead letter naming that stage. Each stage also has its own
thin Beam wrapper beside its function (StripBoilerplate, DetectLanguage, DetectTopic,
ExtractEntities, ToNewsItems) for graphs that need one stage alone. Follow mode calls
`enrich_or_dead_letter` directly, without a pipeline.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.boilerplate import clean_item
from transforms.dead_letters import dead_letter, record_as_raw
from transforms.entities import add_entities
from transforms.language import add_language
from transforms.records import to_news_item
from transforms.topic import add_topic


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


def enrich(item: dict) -> dict:
    """A parsed item -> its NewsItem record, every stage in order (raises what a stage raises)."""
    for stage in STAGES:
        item = stage.fn(item)
    return item


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


DEAD_LETTERS = "dead_letters"


class _EnrichFn(beam.DoFn):
    """A parsed item -> its record, or a dead letter naming the stage that raised."""

    def __init__(self):
        self._failures = {stage.name: Metrics.counter("newsbeam", f"{stage.name}_failures")
                          for stage in STAGES}

    def process(self, item):
        record, letter = enrich_or_dead_letter(item)
        if letter is None:
            yield record
        else:
            self._failures[letter["stage"]].inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTERS, letter)


class EnrichItems(beam.PTransform):
    """Partial item records -> schema-checked NewsItem records; returns (records, dead letters).

    Every stage runs in one step; an item that breaks a stage becomes a dead letter naming
    that stage (with the stage's input as its raw input) while the rest go on.
    """

    def expand(self, items):
        enriched = items | "Stages" >> beam.ParDo(_EnrichFn()).with_outputs(
            DEAD_LETTERS, main="records")
        return enriched.records, enriched[DEAD_LETTERS]
