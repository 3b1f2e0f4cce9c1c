"""newsbeam.training.topic.train on a small development set made from the test fixtures.

Training needs numpy and scipy (the `train` extra): without them these tests are skipped.
"""
import csv
import json

import pytest

pytest.importorskip("scipy")

from newsbeam.training.topic.train import train  # noqa: E402
from newsbeam.transforms.enrich.topic.model import MODEL_PATH, read_models  # noqa: E402

from tests.support.paths import FIXTURES

HARD_CASES = FIXTURES / "topic" / "hard_cases.jsonl"
AG_CLASS = {"politics": "1", "sport": "2", "other": "3"}
ANT_CAT = {"politics": "politic", "sport": "sport", "other": "economy"}
MONTHS = ("2016-12", "2017-01", "2017-02", "2017-03", "2017-04", "2017-05")


@pytest.fixture
def small_data(tmp_path):
    """AG News- and ANT-shaped files of the hard cases (each item a few times, reworded by
    its position so that the folds differ)."""
    cases = [json.loads(line) for line in HARD_CASES.read_text(encoding="utf-8").splitlines()]
    root = tmp_path / "data" / "topic"
    (root / "ag_news").mkdir(parents=True)
    (root / "ant_v1.1").mkdir(parents=True)
    with (root / "ag_news" / "test.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        for copy in range(3):
            for case in cases:
                if case["language"] == "en":
                    writer.writerow([AG_CLASS[case["label"]], f"{case['title']} {copy}",
                                     case["body"]])
    with (root / "ant_v1.1" / "ant_v1.1.jsonl").open("w", encoding="utf-8") as handle:
        for copy in range(3):
            for k, case in enumerate(c for c in cases if c["language"] == "ar"):
                handle.write(json.dumps({
                    "docno": f"d{copy}-{k:02d}", "cat": ANT_CAT[case["label"]],
                    "title": case["title"], "text": case["body"],
                    "time": f"{MONTHS[(k + copy) % len(MONTHS)]}-15"}, ensure_ascii=False) + "\n")
    return tmp_path / "data"


def test_two_trainings_write_the_same_bytes(small_data, tmp_path):
    train(small_data, tmp_path / "one")
    train(small_data, tmp_path / "two")
    one = (tmp_path / "one" / MODEL_PATH.name).read_bytes()
    assert one == (tmp_path / "two" / MODEL_PATH.name).read_bytes()


def test_trained_weights_load_for_both_languages(small_data, tmp_path):
    train(small_data, tmp_path / "out")
    models = read_models(tmp_path / "out" / MODEL_PATH.name)
    assert sorted(models.languages) == ["ar", "en"] and models.lexicon_only_temperature > 0


def test_training_prints_the_dev_figures(small_data, tmp_path, capsys):
    train(small_data, tmp_path / "out")
    printed = capsys.readouterr().out
    for expected in ("out of fold, hybrid", "out of fold, cue lexicon alone", "macro-F1", "confusion (rows gold",
                     "reliability (ECE", "per fold macro-F1"):
        assert expected in printed


def test_training_without_the_development_data_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no topic development data"):
        train(tmp_path, tmp_path / "out")
