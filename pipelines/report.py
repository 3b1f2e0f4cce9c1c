"""`newsbeam report OUTPUT [--html FILE] [--state DIR]`: what a folder of output holds, as one
HTML page or a short text summary. Reads the output and the follow state, never writes them:
it can run beside a follower."""
from __future__ import annotations

import argparse
import os
import sys
import time

from newsbeam.pipelines.config import default_state_dir
from newsbeam.pipelines.follow.state import StateError, read_feed_states, state_file
from newsbeam.transforms.report.aggregate import FollowStateView, feed_health
from newsbeam.transforms.report.read import UnreadableOutput, build_report, output_problem

DESCRIPTION = """What a folder of newsbeam output holds: records by language and topic over
time, topic confidence, top entities, the largest stories, the feeds' health in follow mode,
dead letters and runs. Without --html, a short text summary."""


def report_command(argv: list[str]) -> int:
    """`newsbeam report ...`: 0 when the report is printed or written, 1 when the output (or
    the state, or the page's file) cannot be used, 2 for bad arguments."""
    parser = argparse.ArgumentParser(prog="newsbeam report", description=DESCRIPTION)
    parser.add_argument("output", metavar="OUTPUT", help="the output folder (--output of run)")
    parser.add_argument("--html", metavar="FILE", default=None,
                        help="write the report as one self-contained HTML page to FILE")
    parser.add_argument("--state", metavar="DIR", default=None,
                        help="follow mode's state folder, as given to run --follow "
                             "(default: OUTPUT/_state)")
    args = parser.parse_args(argv)
    try:
        report = _build(args.output, args.state)
    except (UnreadableOutput, StateError) as error:
        print(f"newsbeam: {error}", file=sys.stderr)
        return 1
    if not args.html:
        from newsbeam.transforms.report.text import render_text

        print(render_text(report))
        return 0
    from newsbeam.transforms.report.html import render_html

    try:
        with open(args.html, "w", encoding="utf-8") as handle:
            handle.write(render_html(report))
    except OSError as error:
        print(f"newsbeam: cannot write {args.html}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"report: {os.path.abspath(args.html)}")
    return 0

def _build(output: str, state_dir: str | None):
    # The follow state is SQLite on a local disk: an output on gs:// or s3:// has none beside
    # it unless --state names one.
    path = state_file(state_dir or default_state_dir(output))
    if state_dir and not os.path.isfile(path):  # never a remote path: isfile is False there
        raise UnreadableOutput(f"no follow state at {path}")
    problem = output_problem(output, path)
    if problem:
        raise UnreadableOutput(problem)
    now = time.time()
    states = read_feed_states(path)
    view = FollowStateView(path, None if states is None else feed_health(states, now))
    return build_report(output, view, now)
