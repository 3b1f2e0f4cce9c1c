"""The batch job: feeds -> items -> clean -> language -> topic -> entities -> stories -> Avro.

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

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import StandardOptions, TestOptions
from apache_beam.runners.runner import PipelineResult

from pipelines.options import NewsPipelineOptions, http_settings, pipeline_options
from transforms.enrich import EnrichItems
from transforms.feeds import ITEMS_PARSED, ReadFeeds
from transforms.http import HttpSettings
from transforms.sinks import WriteDeadLetters, WriteNewsItems
from transforms.sources import NothingToRead, SourceProblem, resolve_feeds
from transforms.stories import AssignStoriesInRun
from transforms.summary import SummarizeRun, read_json

__all__ = ["NothingToRead", "RunPlan", "build_pipeline", "enrich_and_write", "new_run_id",
           "plan_run", "run"]

RUNS_DIR = "_runs"


@dataclass
class RunPlan:
    feeds: list[str]
    problems: list[SourceProblem]
    output: str
    run_id: str
    shards: int
    http: HttpSettings = HttpSettings()

    @property
    def summary_path(self) -> str:
        return FileSystems.join(self.output, RUNS_DIR, self.run_id, "summary.json")


def build_pipeline(pipeline: beam.Pipeline, plan: RunPlan) -> None:
    """Adds the whole batch job for `plan` to `pipeline`."""
    sources = pipeline | "Feeds" >> beam.Create(plan.feeds)
    items, feed_dead = sources | "ReadFeeds" >> ReadFeeds(plan.http)
    enrich_and_write(items, feed_dead, plan)


def enrich_and_write(items, feed_dead, plan: RunPlan, assign_stories: bool = True) -> None:
    """Items and feed-level dead letters -> Avro records, dead letters and the run summary.

    With `assign_stories`, story ids are assigned over this run (AssignStoriesInRun); follow
    mode assigns them before, against its state, and passes False.
    """
    records, item_dead = items | "Enrich" >> EnrichItems()
    if assign_stories:
        records = records | "AssignStories" >> AssignStoriesInRun()
    dead_letters = (feed_dead, item_dead) | "AllDeadLetters" >> beam.Flatten()
    records | "WriteItems" >> WriteNewsItems(plan.output, plan.run_id, plan.shards)
    dead_letters | "WriteDeadLetters" >> WriteDeadLetters(plan.output, plan.run_id, plan.shards)
    (records, dead_letters) | "Summarize" >> SummarizeRun(plan.summary_path, len(plan.feeds))


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def plan_run(options) -> RunPlan:
    """The run's feeds (NothingToRead when none), output and settings, from its options."""
    news = options.view_as(NewsPipelineOptions)
    feeds, problems = resolve_feeds(news.feeds)
    return RunPlan(feeds=feeds, problems=problems, output=news.output, run_id=new_run_id(),
                   shards=max(1, news.shards), http=http_settings(options))


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
    with beam.Pipeline(options=options) as pipeline:
        build_pipeline(pipeline, plan)
    if options.view_as(TestOptions).dry_run:
        return None
    if options.view_as(StandardOptions).no_wait_until_finish:
        return Submitted(plan.run_id, plan.output, plan.summary_path, pipeline.result)
    summary = read_json(plan.summary_path)
    # Every item parsed ends as a record or a dead letter. A runner that drops part of a
    # PCollection without an error (seen with the local runner's multi_processing workers on
    # large inputs) leaves fewer in the summary than the parse step counted.
    parsed = newsbeam_counter(pipeline.result, ITEMS_PARSED)
    summary["items_lost"] = max(0, parsed - summary["items_read"]) if parsed is not None else 0
    summary["run_id"] = plan.run_id
    summary["output"] = plan.output
    summary["source_problems"] = [f"{p.source}: {p.error}" for p in plan.problems]
    _remove_empty_temp_dirs(plan)
    return summary


def newsbeam_counter(result: PipelineResult, name: str) -> int | None:
    """A newsbeam Metrics counter summed over the job; None when the runner reports none."""
    try:
        counters = result.metrics().query(
            MetricsFilter().with_namespace("newsbeam").with_name(name))["counters"]
    except (NotImplementedError, AttributeError):
        return None
    if not counters:
        return None
    return sum(c.committed if c.committed is not None else c.attempted for c in counters)


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
