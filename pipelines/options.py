"""Every option of `newsbeam run`, declared once with its default, as plain argparse arguments.

No Beam here: `newsbeam run --help` and the checks of the options need no import of Beam (about
a second). config.RunConfig turns the parsed options into settings; options this parser does
not declare pass through to Beam.
"""
from __future__ import annotations

import argparse

from newsbeam.transforms.feeds.http import FETCH_CONCURRENCY, PER_HOST_CONCURRENCY, USER_AGENT
from newsbeam.transforms.output.formats import DEFAULT_FORMAT, FILE_FORMATS

# The DirectRunner would first try to download Prism from the internet; this is the local
# engine it falls back to, named directly so that a first run downloads nothing.
LOCAL_RUNNER = "FnApiRunner"

# Options read only by the local follow loop (`newsbeam run --follow`): a job on Flink or
# Dataflow never looks at them, so the Flex Template (deploy/dataflow/metadata.json) leaves
# them out and its entry point refuses them. Every other option here is a template parameter;
# tests/deploy/test_deploy.py fails when the two drift apart.
FOLLOW_ONLY_OPTIONS = ("follow", "state", "rebuild_state", "article_wait", "log_format")

DAY_SECONDS = 86400.0

# Options the Flink job server reads (Java FlinkPipelineOptions) that Beam's Python SDK does not
# declare; Beam passes them on to the job server, and newsbeam's deploy files use them.
RUNNER_OPTIONS = {
    "checkpointing_interval": int,
    "externalized_checkpoints_enabled": bool,
    "retain_externalized_checkpoints_on_cancellation": bool,
    "savepoint_path": str,
    "allow_non_restored_state": bool,
}


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be more than 0, not {value}")
    return number


def non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return number


def add_arguments(parser, beam_owned: bool = False) -> None:
    """newsbeam's arguments, in groups; with `beam_owned`, also the Beam option newsbeam reads
    as its own (--user_agent: Beam declares it, newsbeam sends it with every request)."""
    sources = parser.add_argument_group("sources")
    sources.add_argument(
        "--feeds", nargs="+", default=None, metavar="SRC",
        help="Feed sources: feed files (RSS 0.9x/1.0/2.0, Atom), folders of them, OPML "
             "files, text files with one URL or path a line, http(s) URLs. Default: the "
             "sample feeds shipped with newsbeam.")
    sources.add_argument(
        "--allow_local_paths", action="store_true", default=False,
        help="Let OPML and list files name local files and folders (by default their "
             "entries may be http(s) URLs only: a list is third-party input).")
    output = parser.add_argument_group("output")
    output.add_argument(
        "--output", default="./output", metavar="DIR",
        help="Output folder on any Beam filesystem (gs://, s3://, ...): records under "
             "items/, dead letters under dead_letter/, a run summary under _runs/.")
    output.add_argument(
        "--format", choices=FILE_FORMATS, default=DEFAULT_FORMAT,
        help="Output file format, in every mode: avro (deflate), parquet (zstd; DuckDB and "
             "pandas read it with nothing to download) or jsonl (JSON Lines, UTF-8).")
    output.add_argument(
        "--shards", type=positive_int, default=1, metavar="N",
        help="Files per partition (and window) and run.")
    fetching = parser.add_argument_group("fetching (every mode)")
    fetching.add_argument(
        "--fetch_concurrency", type=positive_int, default=FETCH_CONCURRENCY, metavar="N",
        help="Feeds fetched at once by one process (worker); one slow feed never holds up "
             "the others.")
    fetching.add_argument(
        "--per_host_concurrency", type=positive_int, default=PER_HOST_CONCURRENCY,
        metavar="N",
        help="Requests to one host at once, at most (per process): 500 feeds on one site are "
             "fetched this many at a time, not --fetch_concurrency at a time.")
    fetching.add_argument(
        "--allow_private_addresses", action="store_true", default=False,
        help="Let requests go to loopback, private, link-local and reserved addresses (by "
             "default refused, on every redirect: feeds and links are third-party input).")
    if beam_owned:
        fetching.add_argument(
            "--user_agent", default=None, metavar="TEXT",
            help="The User-Agent header sent with every request (Beam's own option, which "
                 "newsbeam reads); say who you are and how to reach you. Default: "
                 f"{USER_AGENT!r}.")
    articles = parser.add_argument_group("article pages (every mode)")
    articles.add_argument(
        "--fetch_articles", action="store_true", default=False,
        help="Fetch each new or revised item's article page (its link), once, and enrich the "
             "article's text instead of the feed's teaser; robots.txt is honoured.")
    articles.add_argument(
        "--per_host_delay", type=non_negative_float, default=0.0, metavar="SECONDS",
        help="Seconds between the starts of two page requests to one host.")
    articles.add_argument(
        "--article_wait", type=positive_float, default=10.0, metavar="SECONDS",
        help="Follow mode: seconds a new item waits for its page before it is written with "
             "the feed's text.")
    follow = parser.add_argument_group("follow mode (local, live)")
    follow.add_argument(
        "--follow", action="store_true", default=False,
        help="Keep polling the feeds and write new items as they appear, until SIGINT or "
             "SIGTERM. State (what was seen, feed validators, stories) survives restarts.")
    follow.add_argument(
        "--interval", type=positive_float, default=300.0, metavar="SECONDS",
        help="Seconds between polls of one feed, in follow mode and the unbounded job (a "
             "feed's Cache-Control, <ttl> or Retry-After can only lengthen it). The first "
             "polls are spread over one interval.")
    follow.add_argument(
        "--log_format", choices=("text", "json"), default="text",
        help="Follow mode's log on stdout: a timestamped line per cycle (even when nothing "
             "changed), per feed that starts or stops failing, and totals on stop; json "
             "gives the same as JSON lines.")
    follow.add_argument(
        "--state", default=None, metavar="DIR",
        help="Folder for follow-mode state. Default: OUTPUT/_state.")
    follow.add_argument(
        "--rebuild_state", action="store_true", default=False,
        help="Rebuild a lost or damaged state from the records already in the output before "
             "following, so that nothing is written twice.")
    follow.add_argument(
        "--state_ttl_days", type=positive_float, default=14.0, metavar="DAYS",
        help="Forget an item (and a story key) not seen for this many days, in follow mode "
             "and the unbounded job.")
    unbounded = parser.add_argument_group(
        "unbounded job (--streaming: Flink, Dataflow; also reads --interval and "
        "--state_ttl_days)")
    unbounded.add_argument(
        "--window_seconds", type=positive_float, default=3600.0, metavar="SECONDS",
        help="Items are written in fixed windows of this many seconds of publication time.")
    unbounded.add_argument(
        "--allowed_lateness", type=float, default=DAY_SECONDS, metavar="SECONDS",
        help="Seconds after a window closes during which an item published in it is still "
             "written to it (in files of its own); an item found later is written with the "
             "items polled at the same time and counted as items_past_lateness.")
    unbounded.add_argument(
        "--run_for", type=positive_float, default=None, metavar="SECONDS",
        help="Stop polling after this many seconds (local runs hold every window until "
             "then); with --follow, finish the cycle under way and stop, as on SIGTERM. "
             "Default: until the job is cancelled or drained, or the follower stopped.")


def newsbeam_parser(beam_owned: bool = True, **kwargs) -> argparse.ArgumentParser:
    """A parser of newsbeam's options only; abbreviations are not accepted, so that a typo
    is never taken for another option."""
    parser = argparse.ArgumentParser(allow_abbrev=False, **kwargs)
    add_arguments(parser, beam_owned=beam_owned)
    return parser


def add_runner_options(parser) -> None:
    for name, kind in RUNNER_OPTIONS.items():
        if kind is bool:
            parser.add_argument(f"--{name}", action="store_true")
        else:
            parser.add_argument(f"--{name}", type=kind)


def newsbeam_arguments() -> list[argparse.Action]:
    """newsbeam's own options (not Beam's), as argparse actions, in the order of --help."""
    return list(newsbeam_parser(beam_owned=False, add_help=False)._actions)
