"""newsbeam.transforms.enrich.topic's parts: word keys, the lexicon scan, the model's arithmetic, the weights."""
import gzip
import json
import math
import subprocess
import sys

import pytest
import regex
from newsbeam.transforms.enrich.topic import lexicon as lexicon_module
from newsbeam.transforms.enrich.topic.lexicon import LEXICON_DIR, CueLexicon, lexicon
from newsbeam.transforms.enrich.topic.model import (
    MODEL_PATH,
    key_features,
    read_models,
    shipped_models,
)
from newsbeam.transforms.enrich.topic.scoring import (
    Topic,
    distinct_words,
    document_words,
    probabilities,
    score_topic,
)

from tests.support.paths import REPO


def keys(words):
    return [word.key for word in words]


def test_words_of_a_text_are_the_words_of_its_tokens():
    # Text is read chunk by chunk (split on white space); the result must be that of
    # tokenising the whole text.
    text = "Sunday's vote: pre-election talks (U.S./EU) end; 3-1 win.\nPoliticians' pledges"
    whole = regex.findall(r"[\p{L}\p{N}]+", regex.sub(r"['’]s\b", "", text))
    assert keys(lexicon("en").words(text)) == [lexicon_module.english_key(t) for t in whole]


def test_arabic_words_fold_spelling_and_remove_clitics_the_lexicon_knows():
    words = lexicon("ar").words("قال الرئيسُ: «والانتخاباتُ» في 2018/2019، وبالبرلمان.")
    assert keys(words)[1] == "رئيس" and "انتخابات" in keys(words) and "برلمان" in keys(words)


def test_one_word_is_one_object_wherever_it_occurs():
    first, second = lexicon("ar").words("الحكومة والحكومة")
    assert first is second


def test_longest_cue_wins_and_consumes_its_words():
    english = lexicon("en")
    counts = english.matches(english.words("Arab League summit; the league resumes"))
    names = {english.cues[index].text: n for index, n in counts.items()}
    assert names == {"arab league": 1, "summit": 1, "league": 1}


def test_cue_inside_a_matched_phrase_is_not_counted_again():
    arabic = lexicon("ar")
    counts = arabic.matches(arabic.words("طلائع الجيش وطلائع الجيش والجيش"))
    names = {arabic.cues[index].text: n for index, n in counts.items()}
    assert names == {"طلائع الجيش": 2, "الجيش": 1}


def test_lexicon_rejects_a_line_without_a_known_label(tmp_path):
    path = tmp_path / "topic_en.tsv"
    path.write_text("weather\train\t2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="topic_en.tsv:1"):
        CueLexicon(path, "en")


def test_lexicon_rejects_two_lines_for_one_key(tmp_path):
    path = tmp_path / "topic_en.tsv"
    path.write_text("sport\tplayer\t2\nsport\tplayers\t2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="repeats"):
        CueLexicon(path, "en")


def test_arabic_lexicon_rejects_a_cue_word_written_with_a_proclitic(tmp_path):
    path = tmp_path / "topic_ar.tsv"
    path.write_text("sport\tكرة\t2\nsport\tلكرة\t2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="proclitic"):
        CueLexicon(path, "ar")


def test_memo_emptied_at_its_cap_gives_the_same_words_and_cues(monkeypatch):
    fresh = CueLexicon(LEXICON_DIR / "topic_en.tsv", "en")
    text = "Arab League summit on Gaza ceasefire as the league resumes"
    before = fresh.matches(fresh.words(text))
    monkeypatch.setattr(lexicon_module, "CACHE_LIMIT", 2)
    assert keys(fresh.words(text + " again")) == keys(fresh.words(text)) + ["again"]
    assert fresh.matches(fresh.words(text)) == before


def test_memo_is_emptied_between_items_never_within_one(monkeypatch):
    fresh = CueLexicon(LEXICON_DIR / "topic_en.tsv", "en")
    monkeypatch.setattr(lexicon_module, "CACHE_LIMIT", 2)
    title, body = fresh.item_words("Celtic sign striker", "a b c d e f Celtic")
    assert title[0] is body[-1]


def test_cue_lexicon_words_have_no_model_features():
    assert key_features("election", "en") == []


def test_other_words_have_word_and_character_ngram_features():
    features = key_features("keyhole", "en")
    assert "wkeyhole" in features and "c<ke" in features and "chole>" in features


def test_arabic_word_has_features_of_its_proclitic_readings():
    assert "sمنتخب" in key_features("والمنتخب", "ar")


def test_confidence_is_the_softmax_of_lexicon_and_per_word_model_evidence():
    title, body = "Celtic sign striker", "The club paid a fee for the Norwegian forward."
    model = shipped_models().languages["en"]
    title_words, body_words = document_words(title, body, "en")
    evidence, _ = lexicon("en").evidence(title_words, body_words)
    words, title_set, scale = distinct_words(title_words, body_words)
    per_word = sum(model.vector(w.key) * (2 if w in title_set else 1) for w in words) * scale
    z = (evidence * model.lexicon_gain + per_word) / model.temperature
    assert score_topic(title, body, "en").confidence == pytest.approx(max(probabilities(z)),
                                                                      abs=5e-5)


def test_distinct_words_count_title_words_twice():
    a, b = lexicon("en").words("vote match")
    words, title, scale = distinct_words([a], [a, b, a])
    assert list(words) == [a, b] and list(title) == [a]
    assert scale == pytest.approx(1 / math.sqrt(2 + 1 + 1))


def test_probabilities_sum_to_one_and_follow_the_logits():
    p = probabilities(2 - 1j)
    assert sum(p) == pytest.approx(1.0) and p[0] > p[2] > p[1]


def test_language_without_cues_is_other_with_zero_confidence_and_no_cues():
    assert score_topic("Bundestag beschließt Haushalt", "", "de") == Topic("other", 0.0, ())


def test_shipped_weights_fit_the_size_budget():
    assert MODEL_PATH.stat().st_size <= 10 * 1024 * 1024


def test_weights_of_other_lexicons_are_refused(tmp_path):
    with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as handle:
        spec = json.load(handle)
    spec["lexicon_fingerprint"] = "0" * 16
    path = tmp_path / "topic_weights.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(spec, handle)
    with pytest.raises(ValueError, match="newsbeam train topic"):
        read_models(path)


def test_missing_weights_say_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="newsbeam train topic"):
        read_models(tmp_path / "topic_weights.json.gz")


def test_word_carries_the_shipped_models_vector():
    word = lexicon("en").words("Sharapova")[0]
    assert word.vector == shipped_models().languages["en"].vector("sharapova") != 0


def test_word_met_before_the_weights_are_read_gets_its_vector():
    code = ("from newsbeam.transforms.enrich.topic.lexicon import lexicon; "
            "word = lexicon('en').words('Sharapova')[0]; "
            "from newsbeam.transforms.enrich.topic.model import shipped_models; "
            "model = shipped_models().languages['en']; "
            "assert word.vector == model.vector('sharapova') != 0")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_the_step_reads_no_lexicon_and_no_weights():
    code = ("import newsbeam.transforms.enrich.topic as t; from newsbeam.transforms.enrich.topic import lexicon, model; "
            "assert not lexicon._LEXICONS and not model.shipped_models.is_loaded(); "
            "t.score_topic('Senate passes budget bill', '', 'en'); "
            "assert model.shipped_models.is_loaded()")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_threads_starting_cold_together_get_the_topics_of_one_thread():
    # Beam runs bundles on several threads of a worker: the first items must not race the
    # loading of the lexicons and weights, nor the creation of words.
    code = """
import json
from concurrent.futures import ThreadPoolExecutor
from newsbeam.transforms.enrich.topic import score_topic
cases = [json.loads(line) for name in ("hard_cases", "fr")
         for line in open(f"tests/fixtures/topic/{name}.jsonl", encoding="utf-8")] * 4
with ThreadPoolExecutor(8) as pool:
    together = list(pool.map(lambda c: score_topic(c["title"], c["body"], c["language"]), cases))
assert together == [score_topic(c["title"], c["body"], c["language"]) for c in cases]
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
