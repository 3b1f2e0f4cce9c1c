"""`newsbeam run ...`: argument handling and the summary a user reads at the end of a run."""
from __future__ import annotations

import argparse
import logging
import os
import sys


class _OptionalClientNoise(logging.Filter):
    """Drops Beam's import-time warning about the BigQuery client, which newsbeam never uses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("apitools not found")


# Before Beam is imported: the warning is logged while its modules load.
logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.WARNING)
for _handler in logging.getLogger().handlers:
    _handler.addFilter(_OptionalClientNoise())

from newsbeam.pipelines.options import add_arguments  # noqa: E402
from newsbeam.pipelines.process_memory import tune_malloc  # noqa: E402

USAGE = """usage: newsbeam run [--feeds SRC [SRC ...]] [--output DIR] [OPTIONS] [BEAM OPTIONS]
       newsbeam run --follow [--interval SECONDS] [--state DIR] [OPTIONS]
       newsbeam run --streaming --runner=... [--interval SECONDS] [OPTIONS] [BEAM OPTIONS]

Reads news feeds and writes clean, enriched records. Three ways to run, one set of rules:
  newsbeam run              every feed read once (the batch job), on this machine or any runner
  newsbeam run --follow     keeps polling the feeds here and writes new items as they come
  newsbeam run --streaming  the unbounded job, for Flink or Dataflow
"""

BEAM_OPTIONS = """Beam options (passed through to Apache Beam as they are; any option Beam declares):
  --runner RUNNER       FnApiRunner (the default: local, downloads nothing), PortableRunner,
                        FlinkRunner, DataflowRunner.
  --direct_num_workers N --direct_running_mode multi_processing
                        local workers in processes of their own (default: one, in-process).
  --streaming           build the unbounded job (with --runner FlinkRunner, DataflowRunner,
                        or PortableRunner).
  --flink_master HOST:PORT, --environment_type, --environment_config, --job_endpoint
                        where a Flink or portable job runs, and how its workers start.
  --project, --region, --temp_location, --staging_location, --sdk_container_image
                        Dataflow.
  --no_wait_until_finish
                        hand the job to its runner and return (cluster runners).
  --dry_run=True        build the job without running it.
Flink's --checkpointing_interval, --externalized_checkpoints_enabled,
--retain_externalized_checkpoints_on_cancellation, --savepoint_path and
--allow_non_restored_state pass through to the Flink job server. Anything else is a usage
error. See docs/usage.md and docs/deployment.md.
"""


class _ShowDefaults(argparse.HelpFormatter):
    """Help lines end with their default, where there is one worth saying."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "Default:" in text:
            return text
        return f"{text} Default: {action.default}."


def _help() -> str:
    parser = argparse.ArgumentParser(prog="newsbeam run", usage=argparse.SUPPRESS,
                                     add_help=False, formatter_class=_ShowDefaults)
    add_arguments(parser, beam_owned=True)
    return USAGE + "\n" + parser.format_help() + "\n" + BEAM_OPTIONS


def _print_to_pipe(text: str) -> None:
    """Prints `text`; a reader that stops early (`newsbeam run --help | head`) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def version() -> str:
    """newsbeam's version, and the Beam it runs on, from the installed distributions (no
    import of Beam)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    def of(name: str) -> str:
        try:
            return installed(name)
        except PackageNotFoundError:
            return "not installed"

    return (f"newsbeam {of('newsbeam')} (apache-beam {of('apache-beam')}, Python "
            f"{sys.version.split()[0]})")


_DRY_RUN = "dry run: the job was built and not run"
# Exit status of a batch run whose records do not account for every item parsed.
ITEMS_LOST_STATUS = 3


def format_summary(summary: dict) -> str:
    def counts(mapping: dict) -> str:
        return ", ".join(f"{key} {value}" for key, value in mapping.items()) or "none"

    # Article pages: only with --fetch_articles (a summary of an older run has no such fields).
    pages = {name: summary.get(name) or 0 for name in
             ("pages_fetched", "pages_skipped_by_robots", "pages_failed")}
    lines = [
        f"feeds: {summary['feeds']} ({summary['feeds_unreadable']} unreadable, "
        f"{summary['feeds_unparseable']} not parseable)",
        f"items read: {summary['items_read']}" + _reading_notes(summary),
        f"records written: {summary['records_written']}",
        f"dead letters: {summary['dead_letters']}"
        + (f" ({counts(summary['dead_letters_by_stage'])})" if summary["dead_letters"] else ""),
        *([f"article pages: {pages['pages_fetched']} fetched, "
           f"{pages['pages_skipped_by_robots']} skipped by robots.txt"
           + (f", failed: {counts(pages['pages_failed'])}" if pages["pages_failed"] else "")]
          if any(pages.values()) else []),
        f"languages: {counts(summary['by_language'])}",
        f"topics: {counts(summary['by_topic'])}",
        "top entities: " + (", ".join(
            f"{_entity_name(e)} ({e['type'].lower()}, {e['count']})"
            for e in summary["top_entities"]) or "none"),
        f"output: {summary['output']} (run {summary['run_id']})",
    ]
    return "\n".join(lines)


COMMANDS = """usage: newsbeam run [OPTIONS]                      read feeds, write records
                                                   (newsbeam run --help: every option)
       newsbeam report OUTPUT [--html FILE]         what an output folder holds (--help)
       newsbeam train entities|topic [--data DIR]   rebuild a shipped model from the dev data
       newsbeam eval entities|topic --data PATH     score a model on a gold set
       newsbeam --version                           newsbeam's version and Beam's"""
DEFAULT_DATA = "../shared/data"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(COMMANDS)
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        print(version())
        return 0
    command, rest = argv[0], argv[1:]
    if command in ("train", "eval"):
        return _models(command, rest)
    if command == "report":
        from newsbeam.pipelines.report import report_command

        return report_command(rest)
    if command != "run":
        print(f"newsbeam: unknown command {command!r}\n{COMMANDS}", file=sys.stderr)
        return 2
    if "-h" in rest or "--help" in rest:
        _print_to_pipe(_help())
        return 0

    from newsbeam.pipelines.config import BATCH, FOLLOW, RunConfig

    config = RunConfig.from_argv(rest)
    problem = _cannot_detach(config)
    if problem:
        print(f"newsbeam: {problem}", file=sys.stderr)
        return 2

    # Every mode resolves --feeds the same way (feeds.sources) and stops the same way when no
    # feed is left: one line on stderr, exit status 1.
    from newsbeam.transforms.feeds.sources import NothingToRead

    tune_malloc()
    try:
        if config.mode == FOLLOW:
            from newsbeam.pipelines.follow.follower import follow

            return follow(config)
        if config.mode == BATCH:
            return _batch(config)
        return _streaming(config)
    except NothingToRead as error:
        print(f"newsbeam: {error}", file=sys.stderr)
        return 1


def _reading_notes(summary: dict) -> str:
    """What reading the feeds repaired or folded, when it did (older summaries lack both)."""
    notes = [f"{count} {words}" for count, words in (
        (summary.get("item_repeats") or 0, "repeats of an item, written once"),
        (summary.get("bytes_replaced") or 0, "invalid bytes replaced")) if count]
    return f" ({'; '.join(notes)})" if notes else ""


def _entity_name(entity: dict) -> str:
    """An entity's canonical name; for a name the canonical tables do not know (a "~" key),
    the form it was first seen in."""
    if entity["canonical"].startswith("~"):
        return entity["text"]
    return entity["canonical"]


def _batch(config) -> int:
    from newsbeam.pipelines.batch import Submitted, run

    summary = run(config)
    if summary is None:
        print(_DRY_RUN)
        return 0
    if isinstance(summary, Submitted):
        print(f"submitted: run {summary.run_id}, job {summary.result.state}; the summary will "
              f"be at {summary.summary_path}")
        return 0
    for error in summary["feed_errors"]:
        print(f"newsbeam: {error}", file=sys.stderr)
    print(format_summary(summary))
    if not summary["complete"]:
        for failure in summary["files_not_committed"]:
            print(f"newsbeam: not written: {failure}", file=sys.stderr)
        print(f"newsbeam: run {summary['run_id']} is incomplete: "
              f"{summary['records_not_committed']} records and "
              f"{summary['dead_letters_not_committed']} dead letters could not be put in place; "
              f"they are left in: {', '.join(summary['files_left_behind']) or 'no file'}",
              file=sys.stderr)
        return ITEMS_LOST_STATUS
    if summary["items_lost"]:
        print(f"newsbeam: the runner lost {summary['items_lost']} of the items parsed, without "
              f"an error: run {summary['run_id']} is incomplete. Beam's local runner has done "
              f"this with several multi_processing workers on large inputs; run again with "
              f"--direct_num_workers=1, or on Flink or Dataflow.", file=sys.stderr)
        return ITEMS_LOST_STATUS
    nothing_read = summary["feeds"] == summary["feeds_unreadable"] + summary["feeds_unparseable"]
    return 1 if nothing_read else 0


def _models(command: str, argv: list[str]) -> int:
    """`newsbeam train MODEL` and `newsbeam eval MODEL`: the model scripts behind one door."""
    parser = argparse.ArgumentParser(prog=f"newsbeam {command}")
    parser.add_argument("model", choices=("entities", "topic"))
    if command == "train":
        parser.add_argument("--data", default=DEFAULT_DATA,
                            help="the development data folder (default: %(default)s)")
        parser.add_argument("--output", default=None,
                            help="where the model files go (default: inside the package)")
    else:
        parser.add_argument("--data", required=True,
                            help="a gold file or a folder of them")
        parser.add_argument("--format", default=None,
                            help="entities: conll (token and tag columns), crosslang (parallel ar/en/fr "
                                 "items, canonical values) or feeds (the development data folder: "
                                 "titles and teasers of its feed captures, labelled in "
                                 "training/entities/feed_items_dev.jsonl); topic: ag, ant, jsonl, "
                                 "tsv, huffpost, masakhane, hespress, sanad, or modern (the modern "
                                 "development set; --data is then the shared data folder) "
                                 "(default: from the file)")
        parser.add_argument("--language", default=None,
                            help="ISO 639-1 code of the gold set (default: from its script)")
    args = parser.parse_args(argv)
    from pathlib import Path

    try:
        if command == "train":
            module = _model_module(args.model, "train")
            module.train(Path(args.data), Path(args.output) if args.output else None)
        else:
            module = _model_module(args.model, "evaluation")
            print(module.evaluate_path(Path(args.data), args.language, data_format=args.format))
    except (OSError, ValueError, ImportError) as error:
        # ImportError: training needs the `train` extra, and says so.
        print(f"newsbeam: {error}", file=sys.stderr)
        return 1
    return 0


def _model_module(model: str, kind: str):
    import importlib

    return importlib.import_module(f"newsbeam.training.{model}.{kind}")


def _cannot_detach(config) -> str | None:
    """Why --no_wait_until_finish cannot work with these options, if it cannot."""
    if "--no_wait_until_finish" not in config.beam_args:
        return None
    from apache_beam.options.pipeline_options import PortableOptions

    portable = config.pipeline_options().view_as(PortableOptions)
    if portable.environment_type == "LOOPBACK" or portable.job_endpoint == "embed":
        return ("--no_wait_until_finish with LOOPBACK workers or an embedded job server: the "
                "job runs inside this process and would stop when newsbeam exits")
    return None


def _streaming(config) -> int:
    from newsbeam.pipelines.streaming import run_streaming

    result = run_streaming(config)
    print(_DRY_RUN if result is None else f"streaming job: {result.state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
