"""The modern corpora and the modern development set (training/topic/data.py) on tiny
fixtures: keys and labels rebuilt into items from a data folder, the corpora's label
mapping, and `newsbeam eval topic --format modern`."""
import json

import pytest
from newsbeam.training.topic import data as topic_data
from newsbeam.training.topic.evaluation import evaluate_path

from tests.support.paths import DEV_DATA

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title><link>https://example.com/</link>
<item><title>Senate passes &amp; signs the budget bill</title>
<link>https://example.com/politics/1</link><guid>g-1</guid><category>Politics</category>
<description>&lt;p&gt;The Senate voted to pass the budget on Tuesday.&lt;/p&gt;</description></item>
<item><title>United beat City in the derby</title><link>https://example.com/sport/2</link>
<description>A late goal won the match.</description></item>
</channel></rss>
"""
HESPRESS = [
    {"title": "البرلمان يصادق على القانون", "text": "صادق مجلس النواب على مشروع القانون " * 20,
     "label": "politique", "date": "2020-01-05", "id": "p/1"},
    {"title": "الرجاء يفوز", "text": "فاز الرجاء على الوداد في الديربي.", "label": "sport",
     "date": "2020-02-05", "id": "s/2"},
    {"title": "ارتفاع الأسعار", "text": "ارتفعت الأسعار.", "label": "societe",
     "date": "2020-03-05", "id": "x/3"},
]
LABELS = [
    {"source": "feeds/real/f.rss", "key": "g-1", "language": "en", "label": "politics"},
    {"source": "feeds/real/f.rss", "key": "https://example.com/sport/2", "language": "en",
     "label": "sport"},
    {"source": "topic/hespress/hespress_stories.jsonl", "key": "0", "language": "ar",
     "label": "politics", "source_id": "p/1", "corpus_category": "politique"},
    {"source": "topic/hespress/hespress_stories.jsonl", "key": "2", "language": "ar",
     "label": "other", "source_id": "x/3", "corpus_category": "societe"},
]


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


@pytest.fixture
def data(tmp_path):
    root = tmp_path / "data"
    (root / "feeds" / "real").mkdir(parents=True)
    (root / "feeds" / "real" / "f.rss").write_text(RSS, encoding="utf-8")
    write_jsonl(root / "topic" / "hespress" / "hespress_stories.jsonl", HESPRESS)
    write_jsonl(tmp_path / "labels.jsonl", LABELS)
    return root


def test_modern_dev_items_are_rebuilt_from_keys_in_order(data):
    items = topic_data.modern_dev_items(data, data.parent / "labels.jsonl")
    assert [(it.language, it.label) for it in items] == [
        ("en", "politics"), ("en", "sport"), ("ar", "politics"), ("ar", "other")]
    feed = items[0]
    assert feed.title == "Senate passes & signs the budget bill"
    assert feed.body == "The Senate voted to pass the budget on Tuesday."
    assert feed.link == "https://example.com/politics/1"
    assert feed.categories == ("Politics",)
    # A feed item without a guid is keyed by its link.
    assert items[1].key == "https://example.com/sport/2"
    # Corpus items: the title and the head of the text (Hespress: 200 characters, at a space).
    assert items[2].title == "البرلمان يصادق على القانون"
    assert len(items[2].body) <= 200 and items[2].body.startswith("صادق مجلس النواب")
    assert items[3].section == "societe"


def test_modern_dev_items_of_one_language(data):
    items = topic_data.modern_dev_items(data / "topic", data.parent / "labels.jsonl",
                                        language="ar")
    assert [it.label for it in items] == ["politics", "other"]


def test_a_key_that_is_not_in_the_data_is_a_clear_error(data, tmp_path):
    write_jsonl(tmp_path / "bad.jsonl", [{**LABELS[0], "key": "g-404"}])
    with pytest.raises(ValueError, match="bad.jsonl:1: no item 'g-404'"):
        topic_data.modern_dev_items(data, tmp_path / "bad.jsonl")


def test_a_corpus_line_that_changed_is_a_clear_error(data, tmp_path):
    write_jsonl(tmp_path / "bad.jsonl", [{**LABELS[2], "source_id": "p/999"}])
    with pytest.raises(ValueError, match="is 'p/1', not 'p/999'"):
        topic_data.modern_dev_items(data, tmp_path / "bad.jsonl")


def test_a_missing_source_file_is_a_clear_error(data, tmp_path):
    write_jsonl(tmp_path / "bad.jsonl", [{**LABELS[0], "source": "feeds/real/gone.rss"}])
    with pytest.raises(ValueError, match="gone.rss is missing"):
        topic_data.modern_dev_items(data, tmp_path / "bad.jsonl")


def test_a_folder_that_is_not_the_data_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="not the shared data folder"):
        topic_data.modern_dev_items(tmp_path, tmp_path / "labels.jsonl")


def test_corpus_sections_map_to_labels_and_mixed_ones_to_none(data):
    path = topic_data.corpus_path(data, "hespress")
    items = topic_data.read_corpus(path, "hespress")
    assert [(it.section, it.label) for it in items] == [
        ("politique", "politics"), ("sport", "sport"), ("societe", None)]
    assert [it.key for it in items] == ["0", "1", "2"]
    assert items[0].source == "topic/hespress/hespress_stories.jsonl"


def test_unknown_corpus_category_is_a_clear_error(tmp_path):
    path = tmp_path / "h.jsonl"
    write_jsonl(path, [{**HESPRESS[0], "label": "tamazight"}])
    with pytest.raises(ValueError, match="unknown hespress category 'tamazight'"):
        topic_data.read_corpus(path, "hespress")


def test_the_shipped_labels_hold_no_text():
    # Only keys and labels are committed: the texts are the publishers'.
    for line in topic_data.MODERN_DEV_LABELS.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        assert not {"title", "teaser", "body", "text"} & set(entry)
        assert entry["label"] in ("politics", "sport", "other")


@pytest.mark.skipif(not (DEV_DATA / "topic" / "hespress").is_dir(),
                    reason="../shared/data is not present")
def test_eval_topic_reports_the_modern_development_set_per_language():
    text = evaluate_path(DEV_DATA, None, data_format="modern")
    assert text.startswith("== modern development set: 484 items")
    assert "non-sport items called sport" in text
    assert "-- ar: 142 items" in text and "-- en: 342 items" in text
