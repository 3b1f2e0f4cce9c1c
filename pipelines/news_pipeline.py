"""The batch job: feeds -> items -> clean -> language -> topic -> entities -> Avro.

`run(argv)` turns options into a graph and runs it; `python -m pipelines.news_pipeline` is the
same as `newsbeam run`.
"""
from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from dataclasses import dataclass
from importlib import resources

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions, TestOptions
from apache_beam.runners.runner import PipelineResult

from pipelines.options import LOCAL_RUNNER, NewsPipelineOptions
from transforms.boilerplate import StripBoilerplate
from transforms.entities import ExtractEntities
from transforms.feeds import ReadFeeds, SourceProblem, expand_sources
from transforms.language import DetectLanguage
from transforms.records import ToNewsItems
from transforms.sinks import WriteDeadLetters, WriteNewsItems
from transforms.summary import SummarizeRun, read_json
from transforms.topic import DetectTopic

RUNS_DIR = "_runs"


class EnrichItems(beam.PTransform):
    """Partial item records -> schema-checked NewsItem records; returns (records, dead letters).

    Each stage is a plain function behind ApplyStage, so an item that breaks one stage
    becomes a dead letter naming that stage while the rest go on.
    """

    def expand(self, items):
        dead = []
        records = items
        for stage in (StripBoilerplate(), DetectLanguage(), DetectTopic(), ExtractEntities(),
                      ToNewsItems()):
            records, failed = records | stage
            dead.append(failed)
        return records, dead | "StageDeadLetters" >> beam.Flatten()


@dataclass
class RunPlan:
    feeds: list[str]
    problems: list[SourceProblem]
    output: str
    run_id: str
    shards: int

    @property
    def summary_path(self) -> str:
        return FileSystems.join(self.output, RUNS_DIR, self.run_id, "summary.json")


def build_pipeline(pipeline: beam.Pipeline, plan: RunPlan) -> None:
    """Adds the whole batch job for `plan` to `pipeline`."""
    sources = pipeline | "Feeds" >> beam.Create(plan.feeds)
    items, feed_dead = sources | "ReadFeeds" >> ReadFeeds()
    enrich_and_write(items, feed_dead, plan)


def enrich_and_write(items, feed_dead, plan: RunPlan) -> None:
    """Items and feed-level dead letters -> Avro records, dead letters and the run summary."""
    records, item_dead = items | "Enrich" >> EnrichItems()
    dead_letters = (feed_dead, item_dead) | "AllDeadLetters" >> beam.Flatten()
    records | "WriteItems" >> WriteNewsItems(plan.output, plan.run_id, plan.shards)
    dead_letters | "WriteDeadLetters" >> WriteDeadLetters(plan.output, plan.run_id, plan.shards)
    (records, dead_letters) | "Summarize" >> SummarizeRun(plan.summary_path, len(plan.feeds))


def sample_feeds() -> str:
    """The folder of sample feeds shipped with newsbeam (used when --feeds is not given)."""
    return str(resources.files("samples").joinpath("feeds"))


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def plan_run(options: PipelineOptions) -> RunPlan:
    news = options.view_as(NewsPipelineOptions)
    feeds, problems = expand_sources(news.feeds or [sample_feeds()])
    return RunPlan(feeds=feeds, problems=problems, output=news.output, run_id=new_run_id(),
                   shards=max(1, news.shards))


def pipeline_options(argv: list[str] | None) -> PipelineOptions:
    options = PipelineOptions(argv)
    standard = options.view_as(StandardOptions)
    if not standard.runner:
        standard.runner = LOCAL_RUNNER
    return options


@dataclass
class Submitted:
    """A job handed to its runner and not waited for (--no_wait_until_finish)."""
    run_id: str
    output: str
    summary_path: str
    result: PipelineResult


def run(argv: list[str] | None = None) -> dict | Submitted | None:
    """Runs the batch job and returns its summary; raises NothingToRead if no feed was usable.

    Returns None for a dry run (--dry_run=True: the runner builds the job without running it),
    and a Submitted with --no_wait_until_finish (Beam's option): the job is handed to its
    runner (Flink, Dataflow) and left running, so there is no summary to read yet; it will
    be at `summary_path` when the job ends. A Flex Template launch must not wait.
    """
    options = pipeline_options(argv)
    plan = plan_run(options)
    for problem in plan.problems:
        print(f"newsbeam: {problem.source}: {problem.error}", file=sys.stderr)
    if not plan.feeds:
        raise NothingToRead("no feed to read: every --feeds source failed")
    with beam.Pipeline(options=options) as pipeline:
        build_pipeline(pipeline, plan)
    if options.view_as(TestOptions).dry_run:
        return None
    if options.view_as(StandardOptions).no_wait_until_finish:
        return Submitted(plan.run_id, plan.output, plan.summary_path, pipeline.result)
    summary = read_json(plan.summary_path)
    summary["run_id"] = plan.run_id
    summary["output"] = plan.output
    summary["source_problems"] = [f"{p.source}: {p.error}" for p in plan.problems]
    _remove_empty_temp_dirs(plan)
    return summary


class NothingToRead(Exception):
    """No --feeds source could be read at all."""


def _remove_empty_temp_dirs(plan: RunPlan) -> None:
    # WriteToFiles leaves its (by then empty) staging folders behind on local disks.
    for folder in ("items", "dead_letter"):
        path = os.path.join(plan.output, folder, f".temp-{plan.run_id}")
        if os.path.isdir(path) and not os.listdir(path):
            os.rmdir(path)


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.WARNING)
    from pipelines.cli import main

    sys.exit(main(["run", *sys.argv[1:]]))
