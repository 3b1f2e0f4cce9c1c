"""Every user-facing option of newsbeam, once, as plain argparse arguments.

No Beam here: `newsbeam run --help` prints these without loading Beam (about a second).
pipelines.options turns them into Beam's NewsPipelineOptions.
"""
from __future__ import annotations

import argparse

# The DirectRunner would first try to download Prism from the internet; this is the local
# engine it falls back to, named directly so that a first run downloads nothing.
LOCAL_RUNNER = "FnApiRunner"

# Options read only by the local follow loop (`newsbeam run --follow`): a job on Flink or
# Dataflow never looks at them, so the Flex Template (deploy/dataflow/metadata.json) leaves
# them out and its entry point refuses them. Every other option here is a template parameter;
# tests/test_deploy.py fails when the two drift apart.
FOLLOW_ONLY_OPTIONS = ("follow", "state")

# As transforms.http has them; repeated here so that --help needs no import of the transforms.
DEFAULT_USER_AGENT = ("newsbeam/0.1 (news feed reader; polls politely, honours ETag, "
                      "Last-Modified and Retry-After; +https://github.com/newsbeam/newsbeam)")


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def add_arguments(parser, for_help: bool = False) -> None:
    """newsbeam's arguments; with `for_help`, also the Beam options newsbeam uses as its own
    (Beam defines --user_agent already, so NewsPipelineOptions must not add it again)."""
    parser.add_argument(
        "--feeds", nargs="+", default=None,
        help="Feed sources: feed files (RSS 0.9x/1.0/2.0, Atom), folders of them, OPML "
             "files, text files with one URL or path a line, http(s) URLs. Default: the "
             "sample feeds shipped with newsbeam.")
    parser.add_argument(
        "--output", default="./output",
        help="Output folder on any Beam filesystem: records under items/, dead letters "
             "under dead_letter/, a run summary under _runs/.")
    parser.add_argument(
        "--shards", type=int, default=1,
        help="Avro files per partition (and window) and run.")
    fetching = parser.add_argument_group("fetching (every mode)")
    fetching.add_argument(
        "--fetch_concurrency", type=_at_least_one, default=64,
        help="Feeds fetched at once by one process (worker); one slow feed never holds up "
             "the others.")
    fetching.add_argument(
        "--per_host_concurrency", type=_at_least_one, default=2,
        help="Requests to one host at once, at most (per process): 500 feeds on one site are "
             "fetched this many at a time, not --fetch_concurrency at a time.")
    if for_help:
        fetching.add_argument(
            "--user_agent", default=None,
            help="The User-Agent header sent with every feed request (Beam's own option, "
                 "which newsbeam reads); say who you are and how to reach you. Default: "
                 f"{DEFAULT_USER_AGENT!r}.")
    follow = parser.add_argument_group("follow mode (local, live)")
    follow.add_argument(
        "--follow", action="store_true", default=False,
        help="Keep polling the feeds and write new items as they appear, until SIGINT or "
             "SIGTERM. State (what was seen, feed validators, stories) survives restarts.")
    follow.add_argument(
        "--interval", type=float, default=300.0,
        help="Seconds between polls of one feed (a feed's Cache-Control, <ttl> or "
             "Retry-After can only lengthen it). The first polls are spread over one "
             "interval.")
    follow.add_argument(
        "--state", default=None,
        help="Folder for follow-mode state (default: OUTPUT/_state).")
    follow.add_argument(
        "--state_ttl_days", type=float, default=14.0,
        help="Forget an item (and a story key) not seen for this many days.")
    unbounded = parser.add_argument_group(
        "unbounded job (pipelines.streaming; Flink, Dataflow); also uses --interval and "
        "--state_ttl_days")
    unbounded.add_argument(
        "--window_seconds", type=float, default=3600.0,
        help="Items are written in fixed windows of this many seconds of publication time.")
    unbounded.add_argument(
        "--allowed_lateness", type=float, default=86400.0,
        help="Seconds after a window closes during which an item published in it is still "
             "written to it (in files of its own); an item found later is written with the "
             "items polled at the same time and counted as items_past_lateness.")
    unbounded.add_argument(
        "--run_for", type=float, default=None,
        help="Stop polling after this many seconds (local runs hold every window until "
             "then); default: until the job is cancelled or drained.")


def newsbeam_arguments() -> list[argparse.Action]:
    """newsbeam's own options (not Beam's), as argparse actions, in the order of --help."""
    parser = argparse.ArgumentParser(add_help=False)
    add_arguments(parser)
    return list(parser._actions)
