"""The topic step on records: a thin wrapper over scoring.score_topic."""
from __future__ import annotations

from newsbeam.transforms.enrich.language import text_field
from newsbeam.transforms.enrich.topic.scoring import score_topic


def add_topic(record: dict) -> dict:
    """Copy of `record` with `topic` = {"label", "confidence", "cues"} from title and body."""
    title = text_field(record, "title")
    body = text_field(record, "body")
    language = record.get("language") or "und"
    topic = score_topic(title, body, language)
    out = dict(record)
    out["topic"] = {"label": topic.label, "confidence": topic.confidence, "cues": list(topic.cues)}
    return out
