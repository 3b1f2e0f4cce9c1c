from pathlib import Path

import apache_beam as beam

import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.entities import Entity, ExtractEntities, add_entities, find_entities

# The seed item's article: its paragraphs before the source line (the rest is boilerplate).
SEED = (Path(__file__).parent / "fixtures" / "seed_ar.txt").read_text(encoding="utf-8")
SEED = "\n".join(p for p in SEED.split("المصدر:")[0].split("\n\n") if p.strip())


def spans(text, language, kind=None):
    return {(e.text, e.type) for e in find_entities(text, language) if kind in (None, e.type)}


def test_clitic_is_outside_the_span():
    text = "بين روسيا وأرمينيا"
    [entity] = [e for e in find_entities(text, "ar") if e.canonical == "ارمينيا"]
    assert (entity.text, entity.start, entity.end) == ("أرمينيا", 11, 18)


def test_lam_alif_lam_contraction_keeps_canonical_with_article():
    [entity] = find_entities("رسالة للأمم المتحدة", "ar")
    assert entity.type == "ORGANIZATION"
    assert entity.canonical == "الامم المتحده"
    assert entity.text == "أمم المتحدة"


def test_title_with_nationality_introduces_a_person():
    found = spans("وقال الرئيس التونسي قيس سعيد إن البلاد", "ar", "PERSON")
    assert found == {("قيس سعيد", "PERSON")}


def test_construct_title_introduces_a_person():
    found = spans("ورئيس الوزراء الأرميني نيكول باشينيان", "ar", "PERSON")
    assert found == {("نيكول باشينيان", "PERSON")}


def test_arabic_dates():
    text = "منذ 24 شباط/ فبراير 2022 وحتى ١٥ مارس ٢٠٢٣"
    assert spans(text, "ar", "DATE") == {("24 شباط/ فبراير 2022", "DATE"),
                                         ("١٥ مارس ٢٠٢٣", "DATE")}


def test_arabic_stop_words_are_never_names():
    assert find_entities("قال إنه على أن من في هذا الذي", "ar") == []


def test_known_surname_alone_is_the_person():
    [entity] = find_entities("ترامب يكشف عدد القتلى", "ar")
    assert (entity.type, entity.canonical) == ("PERSON", "دونالد ترامب")


def test_english_person_with_title():
    assert ("Jane Okafor", "PERSON") in spans("Yesterday Senator Jane Okafor spoke.", "en")


def test_english_organisation_suffix():
    assert ("Brightwater Holdings Inc", "ORGANIZATION") in spans(
        "Shares of Brightwater Holdings Inc rose.", "en")


def test_english_location():
    assert ("Baku", "LOCATION") in spans("Talks were held in Baku last week.", "en")


def test_us_aliases_share_a_canonical():
    found = find_entities("The U.S. said the United States would act.", "en")
    assert [e.canonical for e in found if e.type == "LOCATION"] == ["United States"] * 2


def test_english_date():
    assert ("November 9, 2020", "DATE") in spans("It was signed on November 9, 2020.", "en")


def test_entity_text_is_the_body_slice():
    for text, language in ((SEED, "ar"), ("Mr. Putin's aide met Reuters in Moscow.", "en")):
        for entity in find_entities(text, language):
            assert text[entity.start:entity.end] == entity.text


def test_undetermined_language_is_settled_by_script():
    assert find_entities("زار ماكرون القاهرة", "und") == find_entities("زار ماكرون القاهرة", "ar")
    assert find_entities("Это Москва", "und") == []


def test_seed_article_golden():
    found = find_entities(SEED, "ar")
    by_type = {}
    for entity in found:
        by_type.setdefault(entity.type, set()).add(entity.text)
    assert by_type["PERSON"] == {"دميتري بيسكوف", "إدموند ماروكيان", "فلاديمير بوتين",
                                 "إلهام علييف", "نيكول باشينيان"}
    assert by_type["ORGANIZATION"] == {"الكرملين", "تاس", "وزارة الدفاع الأذرية"}
    locations = by_type["LOCATION"]
    assert {"روسيا", "باكو", "يريفان", "أرمينيا", "أذربيجان", "الولايات المتحدة"} <= locations
    assert any("قره باغ" in place for place in locations)
    assert locations <= {"روسيا", "باكو", "يريفان", "أرمينيا", "أذربيجان", "الولايات المتحدة",
                         "قره باغ", "ناجورنو قره باغ"}
    assert "9 نوفمبر 2020" in by_type["DATE"]
    assert by_type["DATE"] <= {"9 نوفمبر 2020", "الثلاثاء"}
    after_wa = [e for e in found if e.text == "أرمينيا" and SEED[e.start - 1] == "و"]
    assert after_wa, "وأرمينيا must give a span starting after the conjunction"


def test_add_entities_returns_a_copy():
    record = {"body": "Talks in Baku.", "language": "en"}
    enriched = add_entities(record)
    assert "entities" not in record
    assert enriched["entities"] == [
        {"text": "Baku", "type": "LOCATION", "start": 9, "end": 13, "canonical": "Baku"}]


def test_entity_is_immutable():
    entity = Entity("Baku", "LOCATION", 0, 4, "Baku")
    with pytest.raises(AttributeError):
        entity.start = 1


def test_pipeline_enriches_records_and_dead_letters_bad_bodies(pipeline):
    records = [{"feed_url": "f", "body": "زار بوتين باكو", "language": "ar"},
               {"feed_url": "g", "body": None, "language": "ar"}]
    with pipeline as p:
        good, bad = p | beam.Create(records) | ExtractEntities()
        assert_that(good | "Names" >> beam.Map(
            lambda r: [(e["text"], e["type"]) for e in r["entities"]]),
            equal_to([[("بوتين", "PERSON"), ("باكو", "LOCATION")]]), label="good")
        assert_that(bad | "Stages" >> beam.Map(
            lambda d: (d["feed_url"], d["stage"])), equal_to([("g", "entities")]), label="bad")


def test_a_name_does_not_run_across_a_line_break():
    found = find_entities("الإخراج: نداء حسين\nالمونتاج: عباس سرور", "ar")
    assert all("\n" not in e.text for e in found)
