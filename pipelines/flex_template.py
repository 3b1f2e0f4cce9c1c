"""The Dataflow Flex Template entry point: template parameters in, a submitted job out.

The launcher runs `deploy/dataflow/main.py` (which calls `main`) with each template parameter
as `--name=value`, plus the launch environment's own options (project, region, staging and
temp locations, ...). A launch must hand the job to Dataflow and return: a launcher that
waits for the job to finish holds its VM until a timeout and is reported as failed. So,
whatever the parameters say:

- the runner is Dataflow (newsbeam's default is the local FnApiRunner, which would run the
  whole job on the launcher VM);
- Beam's --no_wait_until_finish is set: the batch job returns without reading its summary,
  the unbounded job without waiting for a drain;
- workers run the image the template was built from (NEWSBEAM_SDK_IMAGE, set by
  deploy/dataflow/Dockerfile) unless --sdk_container_image is given;
- `streaming=true|false` and the other switches (a template parameter is always name=value)
  become flags;
- follow-mode options are refused: follow mode is a loop on one machine, not a Dataflow job.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from newsbeam.pipelines.options import FOLLOW_ONLY_OPTIONS

SDK_IMAGE_ENV = "NEWSBEAM_SDK_IMAGE"
# Options that take no value on the command line; a template parameter is always name=value.
SWITCHES = ("streaming", "allow_local_paths", "allow_private_addresses", "fetch_articles")
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no", "")


class TemplateError(ValueError):
    """A launch whose parameters cannot make a Dataflow job."""


def _name(arg: str) -> str | None:
    if not arg.startswith("--"):
        return None
    return arg[2:].split("=", 1)[0]


def template_argv(argv: list[str], env: Mapping[str, str] = os.environ) -> list[str]:
    """The launcher's arguments -> `newsbeam run` arguments for a job that is submitted only."""
    out: list[str] = []
    for arg in argv:
        name = _name(arg)
        if name in FOLLOW_ONLY_OPTIONS:
            raise TemplateError(f"--{name} is a follow-mode option (newsbeam run --follow, on "
                                "one machine); a Dataflow job does not use it")
        if name in SWITCHES and "=" in arg:
            value = arg.split("=", 1)[1].strip().lower()
            if value in _TRUE:
                out.append(f"--{name}")
            elif value not in _FALSE:
                raise TemplateError(f"{name}={value!r}: expected true or false")
            continue
        out.append(arg)
    names = {_name(arg) for arg in out}
    if "runner" not in names:
        out.append("--runner=DataflowRunner")
    if "no_wait_until_finish" not in names:
        out.append("--no_wait_until_finish")
    if "sdk_container_image" not in names and env.get(SDK_IMAGE_ENV):
        out.append(f"--sdk_container_image={env[SDK_IMAGE_ENV]}")
    return out


def main(argv: list[str] | None = None) -> int:
    from newsbeam.pipelines.cli import main as newsbeam

    try:
        args = template_argv(list(sys.argv[1:] if argv is None else argv))
    except TemplateError as error:
        print(f"newsbeam: {error}", file=sys.stderr)
        return 2
    return newsbeam(["run", *args])


if __name__ == "__main__":
    sys.exit(main())
