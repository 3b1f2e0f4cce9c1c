"""tune_malloc: the settings reach the workers through the environment; the user's own win."""
import os

from newsbeam.pipelines.process_memory import MALLOC_SETTINGS, tune_malloc


def test_the_settings_go_into_the_environment_for_the_workers(monkeypatch):
    for name in MALLOC_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    tune_malloc()
    assert {name: os.environ[name] for name in MALLOC_SETTINGS} == {
        name: default for name, (default, _) in MALLOC_SETTINGS.items()}


def test_a_value_set_by_the_user_is_kept(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "not a number")
    tune_malloc()
    assert os.environ["MALLOC_ARENA_MAX"] == "4"
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "not a number"
