"""The English entity tagger (transforms/entities/english.py) with its shipped models, and its
training code on a tiny invented corpus."""

import pytest
from newsbeam.transforms.enrich.entities.english import english_tagger
from newsbeam.transforms.enrich.entities.tokens import sentences, tokenise


def names(text: str) -> list[tuple[str, str]]:
    """(surface text, kind) of each name, read as the entity step reads a body."""
    groups = sentences(text, tokenise(text, "en"))
    tagged = english_tagger().tag([[token.text for token in group] for group in groups])
    return [(text[group[first].start:group[last].end], kind)
            for group, spans in zip(groups, tagged) for first, last, kind in spans]


def test_people_organisations_and_places_in_a_news_sentence():
    text = ("Chancellor Olaf Scholz told Volkswagen workers in Wolfsburg on Tuesday that "
            "Germany would not let the carmaker close plants.")
    assert names(text) == [("Olaf Scholz", "PERSON"), ("Volkswagen", "ORGANIZATION"),
                           ("Wolfsburg", "LOCATION"), ("Germany", "LOCATION")]


def test_nationality_and_title_stay_outside_the_person():
    assert names("Russian President Vladimir Putin said on Friday.") == [
        ("Vladimir Putin", "PERSON")]


def test_role_phrase_with_of_stays_outside_the_person():
    assert names("Secretary of State Antony Blinken arrived on Monday.") == [
        ("Antony Blinken", "PERSON")]


def test_all_capitals_headline():
    assert names("U.S. PRESIDENT JOE BIDEN TO VISIT ISRAEL") == [
        ("U.S.", "LOCATION"), ("JOE BIDEN", "PERSON"), ("ISRAEL", "LOCATION")]


def test_results_line_gives_two_clubs():
    assert names("Leeds 2 Arsenal 1") == [("Leeds", "ORGANIZATION"),
                                          ("Arsenal", "ORGANIZATION")]


def test_possessive_is_outside_the_name():
    assert names("Putin's spokesman Dmitry Peskov said.") == [
        ("Putin", "PERSON"), ("Dmitry Peskov", "PERSON")]


def test_commas_and_line_breaks_separate_names():
    text = "Ministers from Britain, France and Germany met.\nAngela Merkel\nEmmanuel Macron"
    assert names(text) == [("Britain", "LOCATION"), ("France", "LOCATION"),
                           ("Germany", "LOCATION"), ("Angela Merkel", "PERSON"),
                           ("Emmanuel Macron", "PERSON")]


def test_tagger_is_loaded_once():
    assert english_tagger() is english_tagger()


def test_no_sentences_no_entities():
    assert english_tagger().tag([]) == []


def test_empty_sentence_has_no_entities():
    assert english_tagger().tag([[], ["Paris"]])[0] == []


@pytest.mark.parametrize("bad", ["Putin met Xi", [["Putin", 3]], [["Putin", ""]], None])
def test_bad_input_is_a_clear_error(bad):
    with pytest.raises(TypeError, match="list of sentences"):
        english_tagger().tag(bad)


# --- Training, on invented sentences (no word table: that needs the training-only packages) ----













def test_a_headline_with_lower_case_function_words_is_read_as_title_case():
    from newsbeam.transforms.enrich.entities.english import TITLE_CASE, english_tagger, sentence_mode

    tokens = "Barefoot Networks ' New Chips Will Transform the Tech Industry".split()
    assert sentence_mode(tokens, english_tagger().features.words) == TITLE_CASE


def test_a_run_of_names_joined_by_and_is_not_title_case():
    from newsbeam.transforms.enrich.entities.english import NORMAL, english_tagger, sentence_mode

    tokens = "Donald Trump and Hillary Clinton".split()
    assert sentence_mode(tokens, english_tagger().features.words) == NORMAL
