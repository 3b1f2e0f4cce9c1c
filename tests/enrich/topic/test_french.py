"""French topics: the cue lexicon alone (lexicons/topic_fr.tsv), no trained model.

Fixtures: tests/fixtures/topic/fr.jsonl, ten real-shaped items per label.
"""
import json

import pytest
from newsbeam.transforms.enrich.topic import score_topic
from newsbeam.transforms.enrich.topic.lexicon import french_key, lexicon

from tests.support.paths import FIXTURES

FRENCH = FIXTURES / "topic" / "fr.jsonl"
CASES = [json.loads(line) for line in FRENCH.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_french_item_gets_its_label(case):
    assert score_topic(case["title"], case["body"], "fr").label == case["label"]


def test_fixtures_have_ten_items_per_label():
    assert sorted(c["label"] for c in CASES) == ["other"] * 10 + ["politics"] * 10 + ["sport"] * 10


def test_french_keys_fold_accents_and_plurals():
    assert french_key("Élections") == french_key("election")
    assert french_key("électoraux") == french_key("électoral")
    assert french_key("jeux") == "jeu"


def test_french_keys_fold_decomposed_accents():
    assert lexicon("fr").words("de\u0301pute\u0301s") == lexicon("fr").words("députés")


def test_french_ligature_is_folded():
    assert french_key("Œuvres") == "oeuvre"


def test_elided_article_does_not_hide_the_cue():
    topic = score_topic("L'Assemblée vote", "L'Assemblée nationale a voté la loi.", "fr")
    assert topic.label == "politics" and "assemblée nationale" in topic.cues


def test_sports_minister_is_politics_in_french():
    topic = score_topic("Le ministre des Sports démissionne", "", "fr")
    assert topic.label == "politics" and topic.cues[0] == "ministre des sports"


def test_french_cues_are_lexicon_cues():
    topic = score_topic("Le PSG bat Monaco", "Le club parisien a gagné le match 2-0.", "fr")
    texts = {cue.text for cue in lexicon("fr").cues}
    assert topic.cues and set(topic.cues) <= texts


def test_french_confidence_is_lower_for_a_weak_item_than_for_a_clear_one():
    weak = score_topic("Le match de dimanche", "", "fr")
    clear = score_topic("Le PSG bat Monaco en Ligue 1",
                        "Les Parisiens ont battu Monaco 2-0 grâce à un doublé de leur attaquant.",
                        "fr")
    assert weak.confidence < clear.confidence


def test_french_item_without_cues_is_other_without_confidence_to_spare():
    # No evidence either way: "other" by its prior (sport ruled out: no sport evidence), at
    # about the accuracy such items have in English: English items without a cue are other
    # 55% of the time in AG News (2004-05), 87-88% in HuffPost and the modern dev set.
    topic = score_topic("Une journée calme", "Il a fait beau et les gens se sont promenés.", "fr")
    assert topic.label == "other" and topic.cues == () and 0.5 < topic.confidence < 0.75
