"""find_entities and the entity stage: offsets, canonical values, dates, languages, the seed.

The taggers themselves are tested in test_entities_arabic.py and test_entities_english.py.
"""
import datetime as dt

import pytest
from newsbeam.transforms.enrich.entities import Entity, add_entities, find_entities

from tests.support.paths import SEED

# The seed item's article: its paragraphs before the source line (the rest is boilerplate).
SEED_ARTICLE = "\n".join(p for p in SEED.split("المصدر:")[0].split("\n\n") if p.strip())
# Tuesday 19 September 2023, 10:00 UTC.
PUBLISHED = int(dt.datetime(2023, 9, 19, 10, tzinfo=dt.timezone.utc).timestamp() * 1000)


def found(text, language, kind=None):
    return {(e.text, e.type) for e in find_entities(text, language) if kind in (None, e.type)}


def canonical(text, language, surface):
    [value] = {e.canonical for e in find_entities(text, language) if e.text == surface}
    return value


def test_a_proclitic_is_outside_the_span():
    text = "بين روسيا وأرمينيا"
    [entity] = [e for e in find_entities(text, "ar") if e.canonical == "Armenia"]
    assert (entity.text, entity.start, entity.end) == ("أرمينيا", 11, 18)


def test_lam_before_an_elided_article_is_left_out():
    [entity] = [e for e in find_entities("رسالة للأمم المتحدة", "ar")
                if e.type == "ORGANIZATION"]
    assert (entity.text, entity.canonical) == ("أمم المتحدة", "United Nations")


@pytest.mark.parametrize("text, language, surface", [
    ("قال الرئيس الروسي فلاديمير بوتين إن المحادثات مستمرة.", "ar", "فلاديمير بوتين"),
    ("Russian President Vladimir Putin said talks would go on.", "en", "Vladimir Putin"),
    ("Le président russe Vladimir Poutine a annoncé la reprise des discussions.", "fr",
     "Vladimir Poutine"),
])
def test_one_person_has_one_canonical_value_in_three_languages(text, language, surface):
    assert canonical(text, language, surface) == "Vladimir Putin"


@pytest.mark.parametrize("text, language, surface", [
    ("أعلنت الولايات المتحدة عقوبات جديدة.", "ar", "الولايات المتحدة"),
    ("The U.S. announced new sanctions.", "en", "U.S."),
    ("Les États-Unis ont annoncé de nouvelles sanctions.", "fr", "États-Unis"),
])
def test_one_country_has_one_canonical_value_in_three_languages(text, language, surface):
    assert canonical(text, language, surface) == "United States"


def test_washington_the_city_is_not_the_united_states():
    text = "The president returned to Washington from the United States base."
    assert canonical(text, "en", "Washington") != canonical(text, "en", "United States")


def test_an_unknown_person_gets_a_transliteration_key():
    value = canonical("قال الدبلوماسي إدموند ماروكيان إن المحادثات مستمرة.", "ar", "إدموند ماروكيان")
    assert value.startswith("~")


def test_an_unknown_person_in_english_text_keeps_the_name_as_written():
    value = canonical("Spokesman Farhan Haq said the convoys were waiting.", "en", "Farhan Haq")
    assert value == "Farhan Haq"


def test_a_surname_alone_takes_the_full_name_value():
    text = "Spokesman Farhan Haq said the convoys were waiting. Haq added that aid was blocked."
    values = {e.text: e.canonical for e in find_entities(text, "en") if e.type == "PERSON"}
    assert values["Haq"] == values["Farhan Haq"]


def test_an_absolute_date_carries_its_iso_value():
    assert canonical("وقع الاتفاق في 9 نوفمبر 2020 في موسكو.", "ar", "9 نوفمبر 2020") == \
        "2020-11-09"


def test_a_relative_date_is_resolved_against_publication():
    [date] = [e for e in find_entities("The talks ended yesterday.", "en", PUBLISHED)
              if e.type == "DATE"]
    assert (date.text, date.canonical) == ("yesterday", "2023-09-18")


def test_french_titles_and_nationalities_stay_out_of_a_name():
    text = "Le président russe Vladimir Poutine a reçu le dirigeant chinois Xi Jinping."
    assert found(text, "fr", "PERSON") == {("Vladimir Poutine", "PERSON"),
                                           ("Xi Jinping", "PERSON")}


def test_a_french_name_keeps_its_lower_case_words():
    text = "Le président ukrainien a demandé davantage d'aide à l'Union européenne."
    assert canonical(text, "fr", "Union européenne") == "European Union"


def test_a_french_elided_article_is_not_part_of_the_name():
    assert canonical("Le secrétaire général de l'ONU a parlé.", "fr", "ONU") == "United Nations"


def test_a_listed_french_name_with_lower_case_words_after_an_article_is_whole():
    assert found("La Banque mondiale prévoit une baisse.", "fr") == {
        ("Banque mondiale", "ORGANIZATION")}
    assert canonical("L'Organisation mondiale de la santé a lancé un appel.", "fr",
                     "Organisation mondiale de la santé") == "World Health Organization"


def test_a_french_person_whose_first_name_is_also_a_town_stays_whole():
    text = "Le patron d'Eni, Claudio Descalzi, a signé l'accord."
    assert ("Claudio Descalzi", "PERSON") in found(text, "fr")


def test_an_arabic_listed_city_after_a_locative_word_is_a_place():
    text = "وقع القادة الثلاثة في نيامي يوم السبت معاهدة كونفدرالية."
    assert canonical(text, "ar", "نيامي") == "Niamey"


def test_an_ordinary_arabic_word_that_names_a_town_is_no_place():
    text = "عاد الكاتب إلى مسقط رأسه بعد سنوات من الغياب."
    assert found(text, "ar", "LOCATION") == set()


def test_two_known_names_run_together_are_two_entities():
    text = "استقبل ولي العهد السعودي الأمير محمد بن سلمان سيرجي لافروف في الرياض."
    assert {e.canonical for e in find_entities(text, "ar") if e.type == "PERSON"} == {
        "Mohammed bin Salman", "Sergei Lavrov"}


def test_a_known_name_the_tagger_cut_short_is_whole():
    text = "أشرف الزعيم الكوري الشمالي كيم جونغ أون على تجربة صاروخية."
    assert ("كيم جونغ أون", "PERSON") in found(text, "ar")


def test_entity_text_is_the_body_slice():
    for text, language in ((SEED_ARTICLE, "ar"), ("Mr. Putin's aide met Reuters in Moscow.", "en"),
                           ("L'ONU et l'Union européenne à Bruxelles.", "fr")):
        for entity in find_entities(text, language):
            assert text[entity.start:entity.end] == entity.text


def test_a_name_does_not_run_across_a_line_break():
    assert all("\n" not in e.text
               for e in find_entities("الإخراج: نداء حسين\nالمونتاج: عباس سرور", "ar"))


def test_undetermined_language_is_settled_by_script():
    assert find_entities("زار ماكرون القاهرة", "und") == find_entities("زار ماكرون القاهرة", "ar")
    assert find_entities("Это Москва", "und") == []


def test_german_is_not_read_with_english_capitals():
    assert find_entities("Die Regierung in Berlin hat am Montag beraten.", "de") == []


def test_text_must_be_text():
    with pytest.raises(TypeError):
        find_entities(None, "en")


def test_seed_article_golden():
    by_type = {}
    for entity in find_entities(SEED_ARTICLE, "ar"):
        by_type.setdefault(entity.type, set()).add(entity.text)
    assert by_type["PERSON"] == {"دميتري بيسكوف", "إدموند ماروكيان", "فلاديمير بوتين",
                                 "إلهام علييف", "نيكول باشينيان"}
    assert by_type["ORGANIZATION"] == {"الكرملين", "تاس", "وزارة الدفاع الأذرية"}
    assert {"روسيا", "باكو", "يريفان", "أرمينيا", "أذربيجان", "الولايات المتحدة"} <= \
        by_type["LOCATION"]
    assert any("قره باغ" in place for place in by_type["LOCATION"])
    assert "9 نوفمبر 2020" in by_type["DATE"]


def test_seed_clitics_are_outside_the_spans():
    after_wa = [e for e in find_entities(SEED_ARTICLE, "ar")
                if e.text == "أرمينيا" and SEED_ARTICLE[e.start - 1] == "و"]
    assert after_wa, "وأرمينيا must give a span starting after the conjunction"


def test_add_entities_returns_a_copy():
    record = {"body": "Talks in Baku.", "language": "en"}
    enriched = add_entities(record)
    assert "entities" not in record
    assert enriched["entities"] == [
        {"text": "Baku", "type": "LOCATION", "start": 9, "end": 13, "canonical": "Baku",
         "field": "body"}]


def test_a_name_only_the_title_gives_is_a_title_entity():
    record = add_entities({"title": "Aliyev visits Yerevan", "body": "The talks went on.",
                           "language": "en"})
    assert [(e["field"], e["text"], e["start"]) for e in record["entities"]] == [
        ("title", "Aliyev", 0), ("title", "Yerevan", 14)]


def test_body_offsets_do_not_move_when_the_title_is_read():
    record = add_entities({"title": "Talks in Baku", "body": "Leaders met in Baku.",
                           "language": "en"})
    [body] = [e for e in record["entities"] if e["field"] == "body"]
    assert record["body"][body["start"]:body["end"]] == "Baku"


def test_a_date_made_of_the_titles_end_and_the_bodys_start_is_in_neither_field():
    record = add_entities({"title": "Talks set for March", "body": "5 killed in Geneva.",
                           "language": "en"})
    assert [(e["field"], e["text"]) for e in record["entities"]] == [("body", "Geneva")]


def test_an_arabic_title_entity_leaves_its_proclitic_out():
    record = add_entities({"title": "محادثات بين روسيا وأرمينيا", "body": "انتهت المحادثات.",
                           "language": "ar"})
    [armenia] = [e for e in record["entities"] if e["canonical"] == "Armenia"]
    assert (armenia["field"], armenia["text"]) == ("title", "أرمينيا")
    assert record["title"][armenia["start"] - 1] == "و"


def test_a_body_that_is_the_title_gives_its_entities_once_as_body():
    record = add_entities({"title": "Talks in Baku", "body": "Talks in Baku",
                           "content_source": "title", "language": "en"})
    assert [(e["field"], e["text"]) for e in record["entities"]] == [("body", "Baku")]


def test_a_surname_in_the_body_takes_the_full_name_the_title_gives():
    record = add_entities({"title": "Spokesman Farhan Haq warns of delays",
                           "body": "Haq said the convoys were waiting.", "language": "en"})
    values = {e["field"]: e["canonical"] for e in record["entities"] if e["type"] == "PERSON"}
    assert values["body"] == values["title"]


def test_add_entities_resolves_dates_with_the_record_publication():
    record = {"body": "The talks ended yesterday.", "language": "en", "published": PUBLISHED}
    [date] = add_entities(record)["entities"]
    assert date["canonical"] == "2023-09-18"


def test_entity_is_immutable():
    entity = Entity("Baku", "LOCATION", 0, 4, "Baku")
    with pytest.raises(AttributeError):
        entity.start = 1


def test_a_missing_body_raises_for_the_stage_list_to_dead_letter():
    with pytest.raises(TypeError):
        add_entities({"feed_url": "g", "body": None, "language": "ar"})


def test_entities_are_found_in_the_head_of_a_long_body_with_offsets_into_the_whole_body():
    body = "Emmanuel Macron visited Paris. " + "Nothing to see here. " * 2000 + "Berlin."
    record = add_entities({"body": body, "language": "en"})
    assert [e["text"] for e in record["entities"]] == ["Emmanuel Macron", "Paris"]
    assert all(body[e["start"]:e["end"]] == e["text"] for e in record["entities"])


def test_a_date_does_not_end_with_the_arabic_comma_after_it():
    text = "في الأول من آذار/مارس، استجاب حزب العمال الكردستاني لدعوة زعيمه."
    assert not [e for e in find_entities(text, "ar") if e.text.endswith("،")]


def test_a_word_the_arabic_tagger_ran_into_a_known_person_is_left_out():
    text = "استجاب حزب العمال الكردستاني لدعوة زعيمه عبد الله أوجلان إلى حل الحزب."
    assert ("عبد الله أوجلان", "PERSON") in found(text, "ar", "PERSON")


def test_a_given_name_before_a_known_arabic_person_stays_in_the_name():
    assert ("محمد حسني مبارك", "PERSON") in found("تنحى الرئيس محمد حسني مبارك عام 2011.", "ar")
