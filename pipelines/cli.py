"""`newsbeam run ...`: argument handling and the summary a user reads at the end of a run."""
from __future__ import annotations

import argparse
import logging
import sys


class _OptionalClientNoise(logging.Filter):
    """Drops Beam's import-time warning about the BigQuery client, which newsbeam never uses."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("apitools not found")


# Before Beam is imported: the warning is logged while its modules load.
logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.WARNING)
for _handler in logging.getLogger().handlers:
    _handler.addFilter(_OptionalClientNoise())

from pipelines.arguments import LOCAL_RUNNER, add_arguments  # noqa: E402

USAGE = """usage: newsbeam run [--feeds SRC [SRC ...]] [--output DIR] [--shards N] [BEAM OPTIONS]
       newsbeam run --follow [--interval SECONDS] [--state DIR] ... [BEAM OPTIONS]
       newsbeam run --streaming --runner=... [--interval SECONDS] [--window_seconds ...] ...

Reads news feeds once (or, with --follow, keeps polling them; with --streaming, builds the
unbounded job for Flink or Dataflow) and writes clean, enriched Avro records.
Any Apache Beam pipeline option passes through (--runner, --direct_num_workers, ...);
the default runner is the local {runner}, which downloads nothing.
"""


def _help() -> str:
    parser = argparse.ArgumentParser(prog="newsbeam run", usage=argparse.SUPPRESS,
                                     add_help=False)
    add_arguments(parser, for_help=True)
    return USAGE.format(runner=LOCAL_RUNNER) + "\n" + parser.format_help()


_DRY_RUN = "dry run: the job was built and not run"


def format_summary(summary: dict) -> str:
    def counts(mapping: dict) -> str:
        return ", ".join(f"{key} {value}" for key, value in mapping.items()) or "none"

    lines = [
        f"feeds: {summary['feeds']} ({summary['feeds_unreadable']} unreadable, "
        f"{summary['feeds_unparseable']} not parseable)",
        f"items read: {summary['items_read']}",
        f"records written: {summary['records_written']}",
        f"dead letters: {summary['dead_letters']}"
        + (f" ({counts(summary['dead_letters_by_stage'])})" if summary["dead_letters"] else ""),
        f"languages: {counts(summary['by_language'])}",
        f"topics: {counts(summary['by_topic'])}",
        "top entities: " + (", ".join(
            f"{e['text']} ({e['type'].lower()}, {e['count']})"
            for e in summary["top_entities"]) or "none"),
        f"output: {summary['output']} (run {summary['run_id']})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: newsbeam run [OPTIONS]    (newsbeam run --help for the options)")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command != "run":
        print(f"newsbeam: unknown command {command!r}; try 'newsbeam run --help'", file=sys.stderr)
        return 2
    if "-h" in rest or "--help" in rest:
        print(_help())
        return 0

    # Every mode resolves --feeds the same way (transforms.sources) and stops the same way
    # when no feed is left: one line on stderr, exit status 1.
    from transforms.sources import NothingToRead

    try:
        if "--follow" in rest:
            from pipelines.live import follow

            return follow(rest)
        if "--streaming" in rest:
            return _streaming(rest)
        return _batch(rest)
    except NothingToRead as error:
        print(f"newsbeam: {error}", file=sys.stderr)
        return 1


def _batch(argv: list[str]) -> int:
    from pipelines.news_pipeline import run

    summary = run(argv)
    if summary is None:
        print(_DRY_RUN)
        return 0
    for error in summary["feed_errors"]:
        print(f"newsbeam: {error}", file=sys.stderr)
    print(format_summary(summary))
    nothing_read = summary["feeds"] == summary["feeds_unreadable"] + summary["feeds_unparseable"]
    return 1 if nothing_read else 0


def _streaming(argv: list[str]) -> int:
    from pipelines.streaming import run_streaming

    result = run_streaming(argv)
    print(_DRY_RUN if result is None else f"streaming job: {result.state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
