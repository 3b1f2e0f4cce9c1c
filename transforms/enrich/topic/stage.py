"""The topic step on records: a thin wrapper over scoring.score_topic."""
from __future__ import annotations

from newsbeam.transforms.enrich.language import text_field
from newsbeam.transforms.enrich.topic.scoring import score_topic


def add_topic(record: dict) -> dict:
    """Copy of `record` with `topic` = {"label", "confidence", "cues"} from its title and body,
    and the section its link and feed categories name."""
    title = text_field(record, "title")
    body = text_field(record, "body")
    language = record.get("language") or "und"
    link = record.get("link")
    categories = record.get("feed_categories") or ()
    topic = score_topic(title, body, language, link if isinstance(link, str) else None,
                        categories)
    out = dict(record)
    out["topic"] = {"label": topic.label, "confidence": topic.confidence, "cues": list(topic.cues)}
    return out
