"""The English entity trainer: deterministic training, role phrases, CoNLL labels."""
from pathlib import Path

from newsbeam.training.entities.english import (
    bio_labels,
    read_documents,
    role_phrases,
    train_models,
    with_role_phrases,
    write_word_table,
)
from newsbeam.transforms.enrich.entities import english
from newsbeam.transforms.enrich.entities.english import EnglishTagger

from tests.support.paths import FIXTURES

ENTITY_FIXTURES = FIXTURES / "entities"


def _train(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    documents = read_documents(ENTITY_FIXTURES / "en_train.conll")
    write_word_table(folder / english.WORD_TABLE, {}, {})
    train_models(documents, {"country": {("kenya",), ("germany",)}}, folder)
    return folder


def test_trained_files_make_a_tagger(tmp_path):
    tagger = EnglishTagger(_train(tmp_path))
    tokens = "President Samuel Otieno of Kenya spoke to Reuters in Nairobi .".split()
    assert ((1, 2, "PERSON")) in tagger.tag([tokens])[0]


def test_training_is_deterministic(tmp_path):
    first, second = _train(tmp_path / "a"), _train(tmp_path / "b")
    for name in (english.GAZETTEER, english.FIRST_PASS_MODEL, english.SECOND_PASS_MODEL):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_role_phrases_are_the_capitalised_words_before_people():
    # "Senator Ana Ruiz" opens its sentence: a lone first word may be any capitalised word
    phrases = role_phrases(read_documents(ENTITY_FIXTURES / "en_train.conll"))
    assert phrases == [("Finance", "Minister"), ("Mayor",), ("Prime", "Minister")]


def test_role_phrase_copy_puts_a_phrase_before_a_bare_name():
    phrases = [("Prime", "Minister")]
    [(tokens, tags)] = with_role_phrases([(["Varga", "said"], ["I-PER", "O"])], phrases, 0)
    assert (tokens, tags) == (["Prime", "Minister", "Varga", "said"], ["O", "O", "I-PER", "O"])


def test_conll_iob1_tags_become_bio_labels():
    # CoNLL-2003 writes B- only where a name follows another of the same type
    assert bio_labels(["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]) == [
        "B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-ORG"]
