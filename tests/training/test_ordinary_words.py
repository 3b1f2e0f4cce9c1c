"""The ordinary-words table's build: what it holds, and that the shipped table is its output."""
import pytest
from newsbeam.transforms.enrich.entities.ordinary import TABLE_PATH


def _needs_sources():
    pytest.importorskip("wordfreq", reason="the build's frequencies come with newsbeam[train]")
    from newsbeam.training.entities.arabic import _package_data
    from newsbeam.training.entities.ordinary_words import ARWIKICATS_NATIONALITIES

    try:
        _package_data(*ARWIKICATS_NATIONALITIES)
    except (ImportError, FileNotFoundError):
        pytest.skip("the build reads arwikicats' nationalities (docs/models.md, Training)")


def test_a_demonym_and_its_arabic_forms_are_nationality_words():
    _needs_sources()
    from newsbeam.training.entities.ordinary_words import rows

    nationality = {(language, word) for language, word, _, flag in rows() if flag == "1"}
    assert {("en", "british"), ("ar", "بريطاني"), ("ar", "البريطانيه")} <= nationality


def test_the_shipped_table_is_the_build_output(tmp_path):
    _needs_sources()
    from newsbeam.training.entities.ordinary_words import main

    out = tmp_path / "ordinary_words.tsv.gz"
    assert main(["--out", str(out)]) == 0
    assert out.read_bytes() == TABLE_PATH.read_bytes()
