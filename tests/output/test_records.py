"""Records fitted to the NewsItem schema: defaults, bad fields, the contract."""
import pytest
from newsbeam.schemas import DEAD_LETTER, NEWS_ITEM, load_schema
from newsbeam.transforms.output.records import to_news_item

from tests.support.records import minimal


def test_schemas_load_and_name_the_contract_fields():
    names = {f["name"] for f in load_schema(NEWS_ITEM)["fields"]}
    assert {"id", "feed_url", "guid", "link", "title", "body", "language", "published",
            "fetched", "authors", "feed_categories", "boilerplate", "topic",
            "entities"} <= names
    assert {f["name"] for f in load_schema(DEAD_LETTER)["fields"]} >= {
        "feed_url", "stage", "error", "raw", "at"}


def test_every_optional_field_has_a_default():
    required = {f["name"] for f in load_schema(NEWS_ITEM)["fields"] if "default" not in f}
    assert required == {"id", "feed_url", "fetched"}


def test_to_news_item_fills_defaults_and_drops_working_fields():
    item = to_news_item(minimal(content="raw html", topic={"label": "sport", "confidence": 0.9,
                                                           "cues": ["goal"]}))
    assert "content" not in item
    assert item["language"] == "und"
    assert item["topic"]["cues"] == ["goal"]


def test_to_news_item_names_the_bad_field():
    with pytest.raises(ValueError, match="fetched"):
        to_news_item(minimal(fetched="yesterday"))


def test_unknown_topic_label_is_rejected():
    with pytest.raises(ValueError):
        to_news_item(minimal(topic={"label": "weather", "confidence": 1.0, "cues": []}))


@pytest.mark.parametrize("confidence", [float("nan"), float("inf")])
def test_a_confidence_that_is_not_a_number_is_rejected(confidence):
    # JSON has no word for it, and no reader would make sense of it
    with pytest.raises(ValueError, match="topic.confidence is"):
        to_news_item(minimal(topic={"label": "sport", "confidence": confidence, "cues": []}))
