"""newsbeam.transforms.enrich.topic on the hard cases users meet, one item per test, and the cues it gives.

Fixtures (tests/fixtures/topic/hard_cases.jsonl, the generic gold format of
`newsbeam eval topic`) are real-shaped: a title and the clean body a feed item carries after
boilerplate removal, never a related-articles list. Families: clubs whose names look political,
politics told with sport words, economy/technology/culture/health news that is other, and short
items of a title and one sentence.
"""
import json

import pytest
from newsbeam.transforms.enrich.topic import score_topic

from tests.support.paths import FIXTURES

HARD_CASES = FIXTURES / "topic" / "hard_cases.jsonl"
CASES = [json.loads(line) for line in HARD_CASES.read_text(encoding="utf-8").splitlines()]


def _family(name):
    return [pytest.param(case, id=case["id"]) for case in CASES if case["family"] == name]


def _label(case):
    return score_topic(case["title"], case["body"], case["language"]).label


@pytest.mark.parametrize("case", _family("club"))
def test_club_named_like_politics_is_sport(case):
    assert _label(case) == "sport"


@pytest.mark.parametrize("case", _family("politics-with-sport-words"))
def test_politics_told_with_sport_words_is_politics(case):
    assert _label(case) == "politics"


@pytest.mark.parametrize("case", _family("other-not-politics"))
def test_economy_technology_culture_and_health_news_is_other(case):
    assert _label(case) == "other"


@pytest.mark.parametrize("case", _family("short"))
def test_short_item_of_a_title_and_one_sentence_gets_its_label(case):
    assert _label(case) == case["label"]


def test_every_family_has_fixtures_in_both_languages():
    families = {(case["family"], case["language"]) for case in CASES}
    assert families == {(f, lang) for f in ("club", "politics-with-sport-words",
                                            "other-not-politics", "short")
                        for lang in ("ar", "en")}


def test_army_club_cues_name_the_club_not_the_army():
    case = next(c for c in CASES if c["id"] == "ar-tala-ea-el-gaish-draw")
    cues = score_topic(case["title"], case["body"], "ar").cues
    assert "طلائع الجيش" in cues and "الجيش" not in cues


def test_sports_minister_is_a_politics_cue_not_a_sport_cue():
    topic = score_topic("Sports minister resigns", "", "en")
    assert topic.label == "politics" and topic.cues[0] == "sports minister"


def test_cues_include_a_model_word_the_lexicon_does_not_know():
    # Pyramids FC (بيراميدز) is in no lexicon: the n-gram model learnt it from ANT sport news.
    cues = score_topic("يورتشيتش يعلن قائمة بيراميدز لمواجهة طلائع الجيش بالدوري", "", "ar").cues
    assert "بيراميدز" in cues


def test_model_word_cue_is_shown_without_its_clitics():
    cues = score_topic("وبيراميدز يفوز", "", "ar").cues
    assert "بيراميدز" in cues and "وبيراميدز" not in cues


def test_cues_include_lexicon_phrases():
    assert "senate" in score_topic("Senate passes budget bill", "", "en").cues


def test_cues_never_show_function_words():
    cues = score_topic("Brown pledges cash for pensioners",
                       "Chancellor Gordon Brown promised extra help for pensioners in his "
                       "pre-budget report, as Labour prepared for the general election.", "en").cues
    assert not {"his", "for", "the", "as", "in"} & set(cues)


def test_at_most_eight_cues():
    cues = score_topic("الترجي يفوز على النجم",
                       "فاز الترجي الرياضي على النجم الساحلي بهدفين دون رد في مباراة الجولة "
                       "الخامسة من البطولة على ملعب رادس أمام جماهير غفيرة.", "ar").cues
    assert 0 < len(cues) <= 8


def test_cues_speak_for_the_label_not_against_it():
    # "bank" and "shares" are other cues; the politics cues of this item must not be listed.
    cues = score_topic("Bank shares rise", "Bank shares rose after the minister spoke.", "en").cues
    assert "minister" not in cues


def test_title_only_item_repeating_the_title_as_body_scores_like_the_title():
    title = "Senate passes budget bill"
    assert score_topic(title, title, "en") == score_topic(title, "", "en")


def test_body_is_read_up_to_its_first_3000_characters():
    body = "The weather was mild and people walked in the park. " * 60
    assert score_topic("A quiet day", body + " election " * 50, "en") == \
        score_topic("A quiet day", body, "en")


def test_clear_item_is_more_confident_than_a_mixed_one():
    clear = score_topic("الترجي يفوز على النجم",
                        "فاز الترجي الرياضي على النجم الساحلي بهدفين دون رد.", "ar")
    mixed = score_topic("الرئيس يحضر نهائي الكأس", "حضر رئيس الجمهورية نهائي كأس الجمهورية.", "ar")
    assert clear.confidence > mixed.confidence


def test_undetermined_arabic_script_uses_the_arabic_model():
    assert score_topic("مباراة الترجي والنجم الساحلي", "", "und").label == "sport"


def test_undetermined_latin_script_is_read_as_english():
    assert score_topic("Senate passes budget bill", "", "und") == \
        score_topic("Senate passes budget bill", "", "en")


def test_none_title_and_body_are_empty_text():
    assert score_topic(None, None, "en") == score_topic("", "", "en")


def test_empty_item_is_other():
    assert score_topic("", "", "ar").label == "other"
