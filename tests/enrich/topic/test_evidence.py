"""The topic step's evidence beyond the words: the section path of the link, the feed's
categories, known actors; no sport without sport evidence; calibrated confidence that grows
with the evidence. Plain functions, no Beam."""
import pytest
from newsbeam.transforms.enrich.topic.scoring import score_topic
from newsbeam.transforms.enrich.topic.sections import (
    category_sections,
    link_sections,
    section_table,
)
from newsbeam.transforms.enrich.topic.stage import add_topic

NEUTRAL_TITLE = "Scores of people gather at the final"
NEUTRAL_BODY = "They said the record was set last week."


def labels(link=None, categories=()):
    return {label: shown for label, (shown, _) in
            section_table().evidence(link, categories)[1].items()}


@pytest.mark.parametrize("link, label, shown", [
    ("https://www.bbc.com/sport/football/61880859", "sport", "/sport/"),
    ("https://sport.example.com/a/b", "sport", "sport."),
    ("https://www.hespress.com/riyada/12345.html", "sport", "/riyada/"),
    ("https://example.ma/%D8%B1%D9%8A%D8%A7%D8%B6%D8%A9/123", "sport", "/رياضة/"),
    ("https://www.bbc.com/news/uk-politics-61880859", "politics", "/uk-politics/"),
    ("https://www.bbc.com/news/business-61880859", "other", "/business/"),
    ("https://example.com/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/5", "politics", "/سياسة/"),
])
def test_section_of_a_link_path(link, label, shown):
    assert labels(link) == {label: shown}


def test_an_article_slug_is_not_a_section():
    # Words of a long segment are the headline's, not the desk's.
    link = "https://www.example.com/2016/06/14/sport-politics-and-the-business-of-football"
    assert labels(link) == {}
    assert link_sections("") == []
    assert link_sections(None) == []


def test_feed_categories_count_word_by_word_when_short():
    assert labels(categories=["Football"]) == {"sport": "Football"}
    assert labels(categories=["سياسة"]) == {"politics": "سياسة"}
    assert labels(categories=["World news"]) == {"politics": "World news"}
    assert labels(categories=["Tamil Nadu", 7, None]) == {}
    assert category_sections(["Parliament votes on the long budget bill today"]) == []


def test_a_sport_section_makes_a_teaser_without_sport_words_sport_and_is_a_cue():
    assert score_topic(NEUTRAL_TITLE, NEUTRAL_BODY, "en").label == "other"
    topic = score_topic(NEUTRAL_TITLE, NEUTRAL_BODY, "en", "https://x.com/sport/123")
    assert topic.label == "sport"
    assert "/sport/" in topic.cues


def test_an_arabic_sport_section_counts_for_an_arabic_item():
    title = "اجتماع في المدينة يوم الأحد"
    body = "اجتمع عدد من الأشخاص في المدينة يوم الأحد لمناقشة الموسم المقبل."
    plain = score_topic(title, body, "ar")
    filed = score_topic(title, body, "ar", "https://www.hespress.com/riyada/1.html")
    assert filed.label == "sport" and plain.label != "sport"


def test_no_sport_without_sport_evidence():
    # Words merely common in sport news (final, record, scores) do not make a story sport.
    topic = score_topic(NEUTRAL_TITLE, NEUTRAL_BODY, "en")
    assert topic.label != "sport"
    business = score_topic("Shares hit a record high in the final hour of trading",
                           "Investors cheered as the index closed at a record.", "en")
    assert business.label != "sport"


def test_known_actors_are_evidence():
    politics = score_topic("Macron meets Scholz in Berlin", "The two leaders talked.", "en")
    assert politics.label == "politics" and "Macron" in politics.cues
    sport = score_topic("Mohamed Salah signs new contract", "", "en")
    assert sport.label == "sport"
    arabic = score_topic("نتنياهو يلتقي ماكرون", "", "ar")
    assert arabic.label == "politics"


@pytest.mark.parametrize("language, texts", [
    ("en", ["The plan was discussed on Tuesday.",
            "The government plan was discussed on Tuesday.",
            "The government plan was discussed in parliament on Tuesday.",
            "The government plan was discussed in parliament on Tuesday before the election "
            "and the minister defended it against the opposition party."]),
    ("ar", ["ناقش الاجتماع الخطة يوم الثلاثاء.",
            "ناقشت الحكومة الخطة يوم الثلاثاء.",
            "ناقشت الحكومة الخطة في البرلمان يوم الثلاثاء.",
            "ناقشت الحكومة الخطة في البرلمان يوم الثلاثاء قبل الانتخابات ودافع الوزير عنها "
            "أمام المعارضة."]),
])
def test_politics_confidence_grows_with_the_politics_evidence(language, texts):
    p = []
    for text in texts:
        topic = score_topic("", text, language)
        p.append(topic.confidence if topic.label == "politics" else 1 - topic.confidence)
    assert p == sorted(p) and p[-1] > 0.9


def test_a_politics_section_raises_politics_confidence():
    title, body = "Vote on the plan delayed", "The plan was delayed until next week."
    plain = score_topic(title, body, "en")
    filed = score_topic(title, body, "en", "https://example.com/politics/123")
    assert filed.label == "politics"
    assert filed.confidence > (plain.confidence if plain.label == "politics" else 0.0)


def test_stage_passes_link_and_feed_categories():
    record = {"title": NEUTRAL_TITLE, "body": NEUTRAL_BODY, "language": "en",
              "link": "https://example.com/a/b", "feed_categories": ["Cricket"]}
    assert add_topic(record)["topic"]["label"] == "sport"
    assert add_topic({**record, "link": None, "feed_categories": None})["topic"]["label"] \
        != "sport"


def test_an_actor_written_without_accents_is_still_known():
    topic = score_topic("Mbappe scores twice", "", "en")
    assert topic.label == "sport" and "Mbappe" in topic.cues


def test_a_maghreb_recruitment_exam_is_not_a_match():
    # "مباراة" is also a competitive exam (concours) in Moroccan news.
    topic = score_topic("المرشحون لمباراة التوظيف ينتظرون النتائج",
                        "ينتظر المرشحون الذين اجتازوا مباراة التوظيف إعلان النتائج.", "ar")
    assert topic.label != "sport"
    assert score_topic("الوداد يفوز في مباراة الديربي", "", "ar").label == "sport"


def test_a_verb_that_folds_to_a_team_name_is_not_sport_evidence():
    # English keys fold plurals: "Mets" would be "met", "Jaguars" the carmaker.
    topic = score_topic("Cosby met with protests at Denver show",
                        "Jaguar sales rose as the company met its targets.", "en")
    assert topic.label != "sport"
    assert score_topic("New York Mets sign pitcher", "", "en").label == "sport"
