"""The batch job: feeds -> items -> clean -> language -> topic -> entities -> stories -> files.

`run(config)` turns settings into a graph and runs it; `python -m newsbeam.pipelines.batch` is
the same as `newsbeam run`.
"""
from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import StandardOptions, TestOptions
from apache_beam.runners.runner import PipelineResult

from newsbeam.pipelines.config import RunConfig
from newsbeam.pipelines.progress import progress_lines
from newsbeam.transforms.beam.articles import FetchArticles
from newsbeam.transforms.beam.enrich import EnrichItems
from newsbeam.transforms.beam.read import ITEMS_PARSED, ReadFeeds
from newsbeam.transforms.beam.sinks import (FinalizePartitions, SummarizeRun, WriteDeadLetters,
                                            WriteNewsItems)
from newsbeam.transforms.beam.stories import DecideStoriesInRun
from newsbeam.transforms.output.files import DEAD_LETTERS, NEWS_ITEMS
from newsbeam.transforms.feeds.sources import SourceProblem, resolve_feeds
from newsbeam.transforms.output.summary import new_run_id, read_json, summary_path


@dataclass(frozen=True)
class RunPlan:
    """What one batch run reads and where it writes: the feeds its sources gave, and its id."""
    config: RunConfig
    feeds: list[str]
    problems: list[SourceProblem]
    run_id: str

    @property
    def summary_path(self) -> str:
        return summary_path(self.config.output, self.run_id)


def plan_run(config: RunConfig) -> RunPlan:
    """The run's feeds (NothingToRead when none) and a new run id."""
    feeds, problems = resolve_feeds(config.sources, config.allow_local_paths)
    return RunPlan(config, feeds, problems, new_run_id())


def build_pipeline(pipeline: beam.Pipeline, plan: RunPlan) -> None:
    """Adds the whole batch job for `plan` to `pipeline`."""
    output, run_id, shards = plan.config.output, plan.run_id, plan.config.shards
    file_format = plan.config.output_format
    sources = pipeline | "Feeds" >> beam.Create(plan.feeds)
    items, feed_dead, parsing = sources | "ReadFeeds" >> ReadFeeds(plan.config.http)
    if plan.config.fetch_articles:
        items = items | "FetchArticles" >> FetchArticles(plan.config.http,
                                                         plan.config.per_host_delay)
    records, item_dead = items | "Enrich" >> EnrichItems()
    dead_letters = (feed_dead, item_dead) | "AllDeadLetters" >> beam.Flatten()
    # Records go to staged files as they come; their stories are decided from small rows
    # beside them and set when the staged files are finalized: no step holds the records.
    stories = records | "DecideStories" >> DecideStoriesInRun()
    item_commits = (records
                    | "WriteItems" >> WriteNewsItems(output, run_id, staged=True)
                    | "FinalizeItems" >> FinalizePartitions(output, NEWS_ITEMS, run_id, shards,
                                                            file_format, stories))
    dead_commits = (dead_letters
                    | "WriteDeadLetters" >> WriteDeadLetters(output, run_id, staged=True)
                    | "FinalizeDeadLetters" >> FinalizePartitions(output, DEAD_LETTERS, run_id,
                                                                  shards, file_format))
    ((records, dead_letters, parsing)
     | "Summarize" >> SummarizeRun(plan.summary_path, len(plan.feeds),
                                   commits=(item_commits, dead_commits)))


@dataclass
class Submitted:
    """A job handed to its runner and not waited for (--no_wait_until_finish)."""
    run_id: str
    output: str
    summary_path: str
    result: PipelineResult


def run(config: RunConfig) -> dict | Submitted | None:
    """Runs the batch job and returns its summary; raises NothingToRead if no feed was usable.

    Returns None for a dry run (--dry_run=True: the runner builds the job without running it),
    and a Submitted with --no_wait_until_finish (Beam's option): the job is handed to its
    runner (Flink, Dataflow) and left running, so there is no summary to read yet; it will
    be at `summary_path` when the job ends. A Flex Template launch must not wait.
    """
    options = config.pipeline_options()
    plan = plan_run(config)
    dry_run = options.view_as(TestOptions).dry_run
    waits = not (dry_run or options.view_as(StandardOptions).no_wait_until_finish)
    with progress_lines(options) if waits else contextlib.nullcontext():
        with beam.Pipeline(options=options) as pipeline:
            build_pipeline(pipeline, plan)
    if dry_run:
        return None
    if options.view_as(StandardOptions).no_wait_until_finish:
        return Submitted(plan.run_id, config.output, plan.summary_path, pipeline.result)
    summary = read_json(plan.summary_path)
    # Every item parsed ends as a record or a dead letter. A runner that drops part of a
    # PCollection without an error (seen with the local runner's multi_processing workers on
    # large inputs) leaves fewer in the summary than the parse step counted.
    parsed = newsbeam_counter(pipeline.result, ITEMS_PARSED)
    summary["items_lost"] = max(0, parsed - summary["items_read"]) if parsed is not None else 0
    summary["run_id"] = plan.run_id
    summary["output"] = config.output
    summary["source_problems"] = [f"{p.source}: {p.error}" for p in plan.problems]
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


if __name__ == "__main__":
    from newsbeam.pipelines.cli import main

    sys.exit(main(["run", *sys.argv[1:]]))
