"""The Arabic entity tagger (transforms/entities/arabic.py) and its training code.

Tagging tests use the shipped models; the training tests train both CRFs on tiny hand-written
sentences and word tables (fixtures/entities), which needs python-crfsuite only.
"""
from __future__ import annotations

import pytest
from newsbeam.transforms.enrich import LEXICON_DIR as LEXICONS
from newsbeam.transforms.enrich.arabic import normalise
from newsbeam.transforms.enrich.entities import find_entities
from newsbeam.transforms.enrich.entities.arabic import ArabicTagger, arabic_tagger
from newsbeam.transforms.enrich.entities.tokens import sentences, tokenise

from tests.support.paths import FIXTURES


def entities(text: str) -> set[tuple[str, str]]:
    """(kind, text) of the entities found in `text`, cut as the entity step cuts it."""
    tokenised = sentences(text, tokenise(text, "ar"))
    found = set()
    tagged = arabic_tagger().tag([[token.text for token in sentence] for sentence in tokenised])
    for sentence, spans in zip(tokenised, tagged):
        for first, last, kind, skip in spans:
            found.add((kind, text[sentence[first].start + skip:sentence[last].end]))
    return found


def of_kind(found: set[tuple[str, str]], kind: str) -> set[str]:
    return {text for found_kind, text in found if found_kind == kind}


# --- name_start ---------------------------------------------------------------------------------

@pytest.mark.parametrize("token, name", [
    ("وأرمينيا", "أرمينيا"), ("لأرمينيا", "أرمينيا"), ("بواشنطن", "واشنطن"),
    ("واشنطن", "واشنطن"), ("وليد", "وليد"), ("فرنسا", "فرنسا"), ("والكرملين", "الكرملين"),
    ("للأمم", "أمم"),  # ل + ال with the alef elided: the article is not in the token
])
def test_name_start_leaves_out_proclitics_but_not_name_letters(token, name):
    assert token[arabic_tagger().name_start(token):] == name


def test_name_start_of_a_non_arabic_token_is_zero():
    assert arabic_tagger().name_start("Nagorno-Karabakh") == 0


# --- names --------------------------------------------------------------------------------------

def test_a_title_and_nationality_introduce_a_person():
    found = entities("وقع الرئيس الروسي فلاديمير بوتين على البيان.")
    assert of_kind(found, "PERSON") == {"فلاديمير بوتين"}


def test_a_spokesman_of_an_organisation_is_a_person_and_it_an_organisation():
    found = entities("قال المتحدث باسم الكرملين دميتري بيسكوف إن روسيا ترى فرصة للتسوية.")
    assert of_kind(found, "PERSON") == {"دميتري بيسكوف"}
    assert of_kind(found, "ORGANIZATION") == {"الكرملين"}


def test_a_multi_word_place_is_one_location():
    found = entities("اتخذت القوات إجراءات لمكافحة الإرهاب في ناجورنو قره باغ.")
    assert of_kind(found, "LOCATION") & {"ناجورنو قره باغ", "قره باغ"}


def test_a_ministry_is_one_organisation():
    found = entities("وقالت وزارة الدفاع الأذرية إنها اتخذت إجراءات محلية.")
    assert of_kind(found, "ORGANIZATION") == {"وزارة الدفاع الأذرية"}


def test_a_ministry_after_a_conjunction_leaves_it_out():
    found = entities("قالت الرئاسة ووزارة الخارجية الروسية إن المحادثات مستمرة.")
    assert "وزارة الخارجية الروسية" in of_kind(found, "ORGANIZATION")


def test_the_ministry_alone_is_not_a_name():
    assert of_kind(entities("وقالت الوزارة إنها تدرس الطلب."), "ORGANIZATION") == set()


def test_an_alliance_is_one_organisation():
    # The whole entity step: the tagger and the known multi-word names.
    text = "أعلن حلف شمال الأطلسي أنه سيرسل قوات إضافية."
    found = {(entity.type, entity.text) for entity in find_entities(text, "ar")}
    assert of_kind(found, "ORGANIZATION") == {"حلف شمال الأطلسي"}


def test_a_name_after_a_conjunction_is_found_without_it():
    found = entities("وتبادلت روسيا وأرمينيا وأذربيجان الاتهامات.")
    assert of_kind(found, "LOCATION") == {"روسيا", "أرمينيا", "أذربيجان"}


def test_stop_words_are_never_names():
    stop_words = [line.strip() for line in
                  (LEXICONS / "entities_ar_stopwords.txt").read_text(encoding="utf-8").split("\n")
                  if line.strip() and not line.startswith("#")]
    stop_keys = {normalise(word) for word in stop_words}
    chunks = [stop_words[i:i + 8] for i in range(0, len(stop_words), 8)]
    tagged = arabic_tagger().tag([["وقال", "المسؤول", *chunk, "."] for chunk in chunks])
    for chunk, spans in zip(chunks, tagged):
        tokens = ["وقال", "المسؤول", *chunk, "."]
        for first, last, kind, _skip in spans:
            if kind != "DATE":  # some are date words: اليوم
                assert not all(normalise(token) in stop_keys
                               for token in tokens[first:last + 1]), (kind, tokens[first:last + 1])


# --- dates --------------------------------------------------------------------------------------

def test_a_day_month_year_date():
    found = entities("وقع القادة بيانا مشتركا في 9 نوفمبر 2020 بشأن وقف الأعمال العدائية.")
    assert of_kind(found, "DATE") == {"9 نوفمبر 2020"}


def test_a_date_with_two_names_of_its_month():
    found = entities("ومنذ 24 شباط/ فبراير 2022، تشن روسيا هجوما عسكريا على جارتها أوكرانيا.")
    assert of_kind(found, "DATE") == {"24 شباط/ فبراير 2022"}


def test_a_numeric_date_token_is_a_date():
    assert arabic_tagger().tag([["وصل", "الوفد", "في", "12/3/2006", "."]]) == [[(3, 3, "DATE", 0)]]


def test_a_sentence_without_a_date_cue_has_no_date():
    found = entities("وقال المتحدث إن الاتفاقات هي الأساس الذي نعتمد عليه.")
    assert not of_kind(found, "DATE")


# --- the seed article ---------------------------------------------------------------------------

def seed_article() -> str:
    text = (FIXTURES / "seed_ar.txt").read_text(encoding="utf-8")
    return text[:text.index("المصدر:")]


def test_seed_article_people():
    assert of_kind(entities(seed_article()), "PERSON") == {
        "دميتري بيسكوف", "إدموند ماروكيان", "فلاديمير بوتين", "إلهام علييف", "نيكول باشينيان"}


def test_seed_article_organisations():
    organisations = of_kind(entities(seed_article()), "ORGANIZATION")
    # وزارة الدفاع الأذرية is not found: see test_a_ministry_is_one_organisation
    assert organisations - {"وزارة الدفاع الأذرية"} == {"الكرملين", "تاس"}


def test_seed_article_places():
    places = of_kind(entities(seed_article()), "LOCATION")
    assert places - {"ناجورنو قره باغ"} == {
        "روسيا", "باكو", "يريفان", "أرمينيا", "أذربيجان", "الولايات المتحدة", "قره باغ"}


def test_seed_article_dates():
    assert "9 نوفمبر 2020" in of_kind(entities(seed_article()), "DATE")


# --- input and files ----------------------------------------------------------------------------

def test_no_sentences_and_empty_sentences_give_no_entities():
    assert arabic_tagger().tag([]) == []
    assert arabic_tagger().tag([[]]) == [[]]


def test_text_instead_of_token_lists_is_a_clear_error():
    with pytest.raises(TypeError, match="list of sentences"):
        arabic_tagger().tag("روسيا")


def test_the_tagger_is_loaded_once():
    assert arabic_tagger() is arabic_tagger()


def test_a_models_folder_without_the_files_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="rebuild the models"):
        ArabicTagger(tmp_path)


# --- training -----------------------------------------------------------------------------------



















def test_a_word_run_into_the_front_of_a_date_is_left_out():
    # "compared with trading of last week": the date is "last week".
    found = entities("وسجل السعر ارتفاعا ملحوظا مقارنة بتعاملات الأسبوع الماضي.")
    assert of_kind(found, "DATE") == {"الأسبوع الماضي"}


def test_a_word_that_opens_a_span_of_time_stays_in_the_date():
    found = entities("غادر البلاد منذ ثلاثة أشهر.")
    assert of_kind(found, "DATE") == {"منذ ثلاثة أشهر"}
