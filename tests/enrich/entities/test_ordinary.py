"""A name must look like a name: common words and nationality words the canonical table does
not know are no entities (ordinary.looks_like_a_name). One behaviour a test."""
from newsbeam.transforms.enrich.entities import find_entities
from newsbeam.transforms.enrich.entities.canonical import canonical_name, is_key
from newsbeam.transforms.enrich.entities.ordinary import looks_like_a_name, ordinary_words

P, O, L = "PERSON", "ORGANIZATION", "LOCATION"


def test_a_nationality_word_is_no_organisation():
    assert not looks_like_a_name("British", O, "en")


def test_a_plural_demonym_is_no_name():
    assert not looks_like_a_name("Iraqis", L, "en")


def test_a_nationality_and_a_faith_together_are_no_name():
    assert not looks_like_a_name("American Muslim", O, "en")


def test_an_arabic_faith_group_is_no_organisation():
    assert not looks_like_a_name("الشيعة", O, "ar")


def test_an_arabic_nationality_adjective_is_no_place():
    assert not looks_like_a_name("البريطانية", L, "ar")


def test_a_common_english_word_capitalised_at_a_headline_start_is_no_name():
    assert not looks_like_a_name("Sky", O, "en")


def test_a_common_word_the_table_lists_as_a_place_is_a_name():
    assert looks_like_a_name("Nice", O, "en")


def test_a_rare_surname_is_a_name():
    assert looks_like_a_name("Mateen", P, "en")


def test_an_acronym_is_not_judged_as_a_word():
    assert looks_like_a_name("AI", O, "en")


def test_the_arabic_word_for_club_is_no_place():
    assert not looks_like_a_name("نادي", L, "ar")


def test_the_arabic_word_for_club_is_no_town_in_fiji():
    assert is_key(canonical_name("نادي", L, "ar"))


def test_a_city_in_the_news_is_a_place_however_often_it_is_named():
    assert looks_like_a_name("بنغازي", L, "ar")


def test_an_arabic_given_name_that_is_also_a_word_is_a_name():
    assert looks_like_a_name("صالح", P, "ar")


def test_other_languages_are_not_judged():
    assert looks_like_a_name("Britannique", O, "fr")


def test_a_name_of_several_words_is_a_name():
    assert looks_like_a_name("Sky News", O, "en")


def test_the_table_gives_how_common_a_word_is():
    table = ordinary_words()
    assert table.frequency("club", "en") >= 5 > table.frequency("Mateen", "en")


def test_no_entity_comes_from_a_lone_nationality_word():
    found = find_entities("British officials met Iraqi leaders in London on Monday.", "en")
    assert not [e for e in found if e.text in ("British", "Iraqi")]
