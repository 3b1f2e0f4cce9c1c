"""A batch run's progress lines: counted by the workers of a local run, printed every 10 s."""
import io
import re

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from newsbeam.pipelines import progress
from newsbeam.pipelines.cli import main
from newsbeam.pipelines.progress import progress_line, progress_lines, workers_report_here
from newsbeam.transforms.beam.progress import (PROGRESS_FOLDER_VARIABLE, ProgressCounter,
                                               read_progress, write_tallies)


@pytest.mark.parametrize("args, here", [
    (["--runner=FnApiRunner"], True),
    (["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"], True),
    (["--runner=PortableRunner", "--job_endpoint=localhost:8099", "--environment_type=DOCKER"],
     False),
    (["--runner=DataflowRunner"], False),
])
def test_progress_is_counted_here_only_when_the_workers_run_here(args, here):
    assert workers_report_here(PipelineOptions(args)) is here


def test_a_progress_line_has_its_time_and_says_only_counts_that_happened():
    line = progress_line({"feeds_read": 3, "items_read": 1200, "items_enriched": 900}, 20.4,
                         now=0)
    assert line == ("1970-01-01T00:00:00Z progress after 20 s: 3 feeds read, 1,200 items "
                    "parsed, 900 enriched")
    assert "dead letters" in progress_line({"dead_letters": 2}, 10, now=0)


def test_a_worker_tallies_its_counts_into_the_folder_the_launcher_names(tmp_path, monkeypatch):
    monkeypatch.setenv(PROGRESS_FOLDER_VARIABLE, str(tmp_path))
    ProgressCounter("items_read").inc(5)
    ProgressCounter("items_read").inc()
    write_tallies()
    assert read_progress(str(tmp_path))["items_read"] == 6


def test_without_a_folder_a_counter_is_beams_alone(tmp_path, monkeypatch):
    monkeypatch.delenv(PROGRESS_FOLDER_VARIABLE, raising=False)
    ProgressCounter("items_read").inc()
    write_tallies()
    assert list(tmp_path.iterdir()) == []


def test_a_remote_runner_is_said_once_to_show_progress_in_its_own_ui():
    out = io.StringIO()
    with progress_lines(PipelineOptions(["--runner=DataflowRunner"]), stream=out):
        pass
    assert out.getvalue().count("\n") == 1 and "its own UI" in out.getvalue()


def test_a_local_run_prints_progress_lines_on_stderr(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "PROGRESS_EVERY_SECONDS", 0.2)
    assert main(["run", "--output", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if " progress after " in line]
    assert lines and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ progress after \d+ s: "
                                  r"\d+ feeds read, \d+ items parsed", line) for line in lines)
    parsed = [int(re.search(r"(\d+) items parsed", line).group(1)) for line in lines]
    assert parsed == sorted(parsed) and parsed[-1] <= 10  # counts as they stood, in order
    assert "progress" not in out  # stdout keeps the summary alone
