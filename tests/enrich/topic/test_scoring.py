"""newsbeam.transforms.enrich.topic: lexicon scoring, the decision rule and the DetectTopic stage."""
import pytest
from newsbeam.transforms.enrich.topic import Topic, add_topic, score_topic

from tests.support.paths import SEED


def test_golden_seed_article_is_politics():
    body = SEED.split("المصدر:")[0]
    topic = score_topic("", body, "ar")
    assert topic.label == "politics" and topic.confidence >= 0.8
    assert "الكرملين" in topic.cues


def test_arabic_football_headline_with_army_club_is_sport():
    topic = score_topic("يورتشيتش يعلن قائمة بيراميدز لمواجهة طلائع الجيش بالدوري", "", "ar")
    assert topic.label == "sport"
    assert "طلائع الجيش" in topic.cues and "الجيش" not in topic.cues


def test_english_golden_headlines():
    assert score_topic("Manchester United sack manager after defeat", "", "en").label == "sport"
    assert score_topic("Senate passes budget bill", "", "en").label == "politics"
    assert score_topic("Apple unveils new iPhone", "", "en").label == "other"


def test_arabic_cue_matches_through_clitics():
    topic = score_topic("", "تستعد البلاد والانتخابات على الأبواب", "ar")
    assert topic.label == "politics" and topic.cues == ("انتخابات",)


def test_title_counts_more_than_body():
    in_title = score_topic("البرلمان", "خبر", "ar")
    in_body = score_topic("خبر", "البرلمان", "ar")
    assert in_title.label == in_body.label == "politics"
    assert in_title.confidence > in_body.confidence


def test_neutral_text_is_other():
    topic = score_topic("A quiet day", "The weather was mild and people walked in the park.", "en")
    assert topic.label == "other"


def test_league_alone_is_not_politics_and_arab_league_is():
    assert score_topic("League meets on Tuesday", "", "en").label != "politics"
    assert score_topic("Arab League summit on Gaza ceasefire", "", "en").label == "politics"


def test_confidence_in_unit_interval_and_cues_given():
    for title, language in (("Senate passes budget bill", "en"),
                            ("Striker scores twice as club wins the league title", "en"),
                            ("", "en"), ("مباراة الترجي والنجم", "ar")):
        topic = score_topic(title, "", language)
        assert 0.0 <= topic.confidence <= 1.0
        if topic.label != "other":
            assert topic.cues


def test_language_without_lexicon_is_other_with_no_confidence():
    assert score_topic("Bundestag beschließt Haushalt", "", "de") == Topic("other", 0.0, ())


def test_add_topic_sets_schema_shaped_field_and_treats_none_body_as_empty():
    out = add_topic({"title": "Senate passes budget bill", "body": None, "language": "en"})
    assert out["topic"]["label"] == "politics"
    assert isinstance(out["topic"]["cues"], list) and out["topic"]["cues"]


def test_a_body_that_is_not_text_raises_for_the_stage_list_to_dead_letter():
    with pytest.raises(TypeError):
        add_topic({"feed_url": "bad", "title": "Senate passes budget bill", "body": 7,
                   "language": "en"})
