"""RunConfig: the one place where `newsbeam run`'s options become settings.

Every mode (batch, follow, the unbounded job) reads its settings from a RunConfig; defaults
are options.py's. Options newsbeam does not declare are Beam's and go to Beam untouched.
"""
from __future__ import annotations

import argparse
import difflib
import os
from dataclasses import dataclass, field

from newsbeam.pipelines.options import (DAY_SECONDS, LOCAL_RUNNER, add_runner_options,
                                        newsbeam_parser)
from newsbeam.transforms.feeds.http import USER_AGENT, HttpSettings

BATCH, FOLLOW, STREAMING = "batch", "follow", "streaming"


def default_state_dir(output: str) -> str:
    """Follow mode's state folder when --state is not given (`newsbeam report` looks there too)."""
    return os.path.join(output, "_state")


@dataclass(frozen=True)
class RunConfig:
    mode: str  # BATCH, FOLLOW or STREAMING
    sources: tuple[str, ...] | None  # --feeds as given; None: the bundled samples
    allow_local_paths: bool  # may OPML and list files name local files
    output: str
    output_format: str  # avro, parquet or jsonl (output.formats)
    shards: int
    http: HttpSettings
    fetch_articles: bool  # make each item's article page its text
    per_host_delay: float  # seconds between page requests to one host
    article_wait: float  # follow mode: seconds an item waits for its page
    log_format: str  # follow mode's log: text or json
    interval: float  # seconds between polls of one feed (follow, streaming)
    state_dir: str  # follow mode's state folder
    rebuild_state: bool  # rebuild follow mode's state from the output first
    state_ttl_seconds: float
    window_seconds: float  # the unbounded job's windows
    allowed_lateness_seconds: float
    run_for: float | None  # seconds the unbounded job polls; None: until cancelled
    beam_args: tuple[str, ...] = field(default=())  # every option that is Beam's

    @classmethod
    def from_argv(cls, argv: list[str] | None) -> RunConfig:
        """Settings from `newsbeam run` arguments; argparse errors exit with status 2."""
        argv = list(argv or [])
        parser = newsbeam_parser(prog="newsbeam run", add_help=False)
        parser.add_argument("--streaming", action="store_true", default=False)
        options, beam_args = parser.parse_known_args(argv)
        _refuse_unknown(parser, beam_args)
        if options.follow and options.streaming:
            parser.error("--follow and --streaming are two ways to run live: give one")
        mode = FOLLOW if options.follow else STREAMING if options.streaming else BATCH
        # --user_agent is Beam's own option too, and --streaming Beam's switch.
        beam_args = [*([f"--user_agent={options.user_agent}"] if options.user_agent else []),
                     *beam_args, *(["--streaming"] if options.streaming else [])]
        return cls(
            mode=mode,
            sources=tuple(options.feeds) if options.feeds else None,
            allow_local_paths=options.allow_local_paths,
            output=options.output,
            output_format=options.format,
            shards=options.shards,
            http=HttpSettings(user_agent=options.user_agent or USER_AGENT,
                              per_host=options.per_host_concurrency,
                              concurrency=options.fetch_concurrency,
                              allow_private_addresses=options.allow_private_addresses),
            fetch_articles=options.fetch_articles,
            per_host_delay=options.per_host_delay,
            article_wait=options.article_wait,
            log_format=options.log_format,
            interval=options.interval,
            state_dir=options.state or default_state_dir(options.output),
            rebuild_state=options.rebuild_state,
            state_ttl_seconds=options.state_ttl_days * DAY_SECONDS,
            window_seconds=options.window_seconds,
            allowed_lateness_seconds=options.allowed_lateness,
            run_for=options.run_for,
            beam_args=tuple(beam_args),
        )

    def pipeline_options(self):
        """Beam's PipelineOptions for this run, with the local runner when none is named."""
        from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

        options = PipelineOptions(list(self.beam_args))
        standard = options.view_as(StandardOptions)
        if not standard.runner:
            standard.runner = LOCAL_RUNNER
        return options

    @property
    def named_runner(self) -> str | None:
        """The runner --runner names; None when none is (the local one is then used)."""
        from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

        return PipelineOptions(list(self.beam_args)).view_as(StandardOptions).runner


def beam_parser() -> argparse.ArgumentParser:
    """A parser of every option Beam's Python SDK declares, and the runner options newsbeam
    passes on (options.RUNNER_OPTIONS)."""
    from apache_beam.options.pipeline_options import PipelineOptions

    captured = []

    def capture(parser):
        add_runner_options(parser)
        captured.append(parser)

    PipelineOptions([]).get_all_options(add_extra_args_fn=capture)
    return captured[0]


def _refuse_unknown(parser: argparse.ArgumentParser, beam_args: list[str]) -> None:
    """A usage error (exit status 2) for an argument neither newsbeam nor Beam knows, naming the
    closest option; nothing has been read or written yet."""
    if not beam_args:
        return
    beam = beam_parser()
    _, unknown = beam.parse_known_args(beam_args)
    if not unknown:
        return
    bad = unknown[0]
    if not bad.startswith("--"):
        parser.error(f"unexpected argument {bad!r}: sources go after --feeds")
    known = [option for p in (parser, beam) for option in p._option_string_actions
             if option.startswith("--")]
    close = difflib.get_close_matches(bad.split("=", 1)[0], known, n=1)
    parser.error(f"unknown option {bad}" + (f"; did you mean {close[0]}?" if close else ""))
