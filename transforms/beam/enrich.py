"""Beam: parsed items -> NewsItem records, every stage of enrich.stages in one step."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics

from newsbeam.transforms.beam.progress import ProgressCounter
from newsbeam.transforms.enrich.stages import STAGES, enrich_or_dead_letter

DEAD_LETTERS = "dead_letters"


class _EnrichFn(beam.DoFn):
    """A parsed item -> its record, or a dead letter naming the stage that raised."""

    def __init__(self):
        self._failures = {stage.name: Metrics.counter("newsbeam", f"{stage.name}_failures")
                          for stage in STAGES}
        self._enriched = ProgressCounter("items_enriched")
        self._dead_letters = ProgressCounter("dead_letters")

    def process(self, item):
        record, letter = enrich_or_dead_letter(item)
        if letter is None:
            self._enriched.inc()
            yield record
        else:
            self._failures[letter["stage"]].inc()
            self._dead_letters.inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTERS, letter)


class EnrichItems(beam.PTransform):
    """Partial item records -> schema-checked NewsItem records; returns (records, dead letters).

    Every stage runs in one step (one Beam step per item instead of five, each with its own
    tagged outputs); an item that breaks a stage becomes a dead letter naming that stage, with
    the stage's input as its raw input, while the rest go on.
    """

    def expand(self, items):
        enriched = items | "Stages" >> beam.ParDo(_EnrichFn()).with_outputs(
            DEAD_LETTERS, main="records")
        return enriched.records, enriched[DEAD_LETTERS]
