"""RunConfig: options become settings once; nonsense is a usage error before anything runs."""
import pytest
from newsbeam.pipelines.config import BATCH, FOLLOW, STREAMING, RunConfig


def usage_error(argv, capsys) -> str:
    with pytest.raises(SystemExit) as stopped:
        RunConfig.from_argv(argv)
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_defaults_come_from_the_option_declarations():
    config = RunConfig.from_argv([])
    assert (config.mode, config.output, config.shards, config.interval) == (
        BATCH, "./output", 1, 300.0)
    assert config.state_ttl_seconds == 14 * 86400
    assert config.state_dir == "./output/_state"


def test_the_mode_follows_the_flags():
    assert RunConfig.from_argv(["--follow"]).mode == FOLLOW
    assert RunConfig.from_argv(["--streaming"]).mode == STREAMING


@pytest.mark.parametrize("argv", [["--shards", "0"], ["--interval", "0"], ["--interval", "-5"],
                                  ["--state_ttl_days", "0"], ["--fetch_concurrency", "0"],
                                  ["--per_host_concurrency", "-1"], ["--window_seconds", "nan"]])
def test_values_that_must_be_positive_are_usage_errors(argv, capsys):
    assert "must be" in usage_error(argv, capsys)


def test_a_typo_names_the_closest_option(capsys):
    assert "did you mean --feeds?" in usage_error(["--feed", "x.xml"], capsys)


def test_an_option_nobody_knows_is_a_usage_error(capsys):
    assert "unknown option --bogus" in usage_error(["--bogus"], capsys)


def test_a_source_without_feeds_is_a_usage_error(capsys):
    assert "sources go after --feeds" in usage_error(["feeds.xml"], capsys)


def test_follow_and_streaming_together_are_a_usage_error(capsys):
    assert "give one" in usage_error(["--follow", "--streaming"], capsys)


def test_beam_options_and_the_flink_job_servers_pass_through():
    config = RunConfig.from_argv(["--runner=PortableRunner", "--direct_num_workers=2",
                                  "--checkpointing_interval=60000", "--streaming"])
    assert config.beam_args == ("--runner=PortableRunner", "--direct_num_workers=2",
                                "--checkpointing_interval=60000", "--streaming")
