"""tokens.py: the tokens and sentences the entity taggers read."""
from newsbeam.transforms.enrich.entities.tokens import sentences, tokenise


def words(text, language="en"):
    return [token.text for token in tokenise(text, language)]


def test_offsets_point_into_the_text():
    text = "Mr. Putin's aide met Acme Inc. in the U.S. on 1996-08-22."
    assert all(text[t.start:t.end] == t.text for t in tokenise(text, "en"))


def test_possessive_is_a_token_of_its_own():
    assert words("Putin's aide") == ["Putin", "'s", "aide"]


def test_abbreviations_and_acronyms_keep_their_full_stop():
    assert words("Gen. Haftar of Acme Inc. in the U.S.") == [
        "Gen.", "Haftar", "of", "Acme", "Inc.", "in", "the", "U.S."]


def test_a_full_stop_ending_a_sentence_is_a_token():
    assert words("He left. Then") == ["He", "left", ".", "Then"]


def test_dates_and_decimals_are_one_token():
    assert words("On 1996-08-22 it rose 3.5 %") == ["On", "1996-08-22", "it", "rose", "3.5", "%"]


def test_french_elision_is_split_from_the_name():
    assert words("l'ONU et d'Emmanuel Macron", "fr") == ["l'", "ONU", "et", "d'", "Emmanuel",
                                                        "Macron"]


def test_english_apostrophe_names_stay_whole():
    assert words("O'Brien") == ["O'Brien"]


def test_arabic_clitics_stay_on_their_word():
    assert words("بين روسيا وأرمينيا.", "ar") == ["بين", "روسيا", "وأرمينيا", "."]


def test_sentences_end_at_full_stops_and_line_breaks():
    text = "One two. Three\nFour"
    groups = [[t.text for t in group] for group in sentences(text, tokenise(text, "en"))]
    assert groups == [["One", "two", "."], ["Three"], ["Four"]]
