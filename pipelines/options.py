"""Beam's view of newsbeam's options (pipelines.arguments), beside Beam's own options."""
from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions, StandardOptions

from pipelines.arguments import LOCAL_RUNNER, add_arguments
from transforms.http import USER_AGENT, HttpSettings

__all__ = ["LOCAL_RUNNER", "NewsPipelineOptions", "http_settings", "pipeline_options"]


class NewsPipelineOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        add_arguments(parser)


def pipeline_options(argv: list[str] | None) -> PipelineOptions:
    """Options from the command line, with the local runner when none is named."""
    options = PipelineOptions(argv)
    standard = options.view_as(StandardOptions)
    if not standard.runner:
        standard.runner = LOCAL_RUNNER
    return options


def http_settings(options: PipelineOptions) -> HttpSettings:
    """How to fetch, from --fetch_concurrency, --per_host_concurrency and --user_agent (Beam's
    own option, "a user agent string describing the pipeline to external services")."""
    news = options.view_as(NewsPipelineOptions)
    return HttpSettings(user_agent=options.view_as(SetupOptions).user_agent or USER_AGENT,
                        per_host=news.per_host_concurrency, concurrency=news.fetch_concurrency)
