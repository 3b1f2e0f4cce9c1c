"""Records with every field of the schemas set, for round trips through the file formats."""
from newsbeam.transforms.output.dead_letters import dead_letter
from newsbeam.transforms.output.records import to_news_item

from tests.support.records import DAY_MS


def full_news_item(**fields) -> dict:
    """A NewsItem with every optional field set, Arabic text, nested timestamps, a 32-bit
    float that is not exact in binary, and a date before 1970."""
    return to_news_item({
        "id": "44cdc677", "feed_url": "https://example.com/feed.xml", "guid": "g-1",
        "link": "https://example.com/a", "title": "روسيا تعلن", "body": "أعلن المتحدث\nباسم روسيا",
        "language": "ar", "published": DAY_MS + 123, "published_raw": None,
        "fetched": DAY_MS + 5000, "authors": ["كاتب"], "feed_categories": ["سياسة", "World"],
        "boilerplate": {"source_credit": "البوابة نيوز", "keywords": ["الكرملين"],
                        "related": ["عنوان آخر"], "removed_chars": 148},
        "topic": {"label": "politics", "confidence": 0.9996, "cues": ["روسيا", "vote"]},
        "entities": [{"text": "روسيا", "type": "LOCATION", "start": 18, "end": 23,
                      "canonical": "Russia"}],
        "content_source": "article", "revision": 2, "fingerprint": "9c3af993",
        "story_id": "44cdc677", "summary": "teaser",
        "article": {"url": "https://example.com/a?x=1", "status": 200, "error": None,
                    "canonical_url": "https://example.com/a", "title": "t",
                    "authors": ["a", "b"], "published": -86_400_001, "language": "ar",
                    "site_name": "Example", "image": None},
        **fields})


def sparse_news_item() -> dict:
    """A NewsItem with every nullable field null and every list empty."""
    return to_news_item({"id": "sparse", "feed_url": "f", "fetched": DAY_MS,
                         "published_raw": "2024-13-45T99:99:99Z"})


def full_dead_letter() -> dict:
    """A dead letter whose raw input is not UTF-8."""
    return dead_letter("https://example.com/feed.xml", "parse", "not a feed: ١٢٣",
                       b"\x00\xff\xfe<rss>\xd8", at_millis=DAY_MS + 7)
