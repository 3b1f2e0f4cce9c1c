"""The topic step on records, and its Beam stage: thin wrappers over scoring.score_topic."""
from __future__ import annotations

from transforms.dead_letters import ApplyStage
from transforms.language import text_field
from transforms.topic.scoring import score_topic


def add_topic(record: dict) -> dict:
    """Copy of `record` with `topic` = {"label", "confidence", "cues"} from title and body."""
    title = text_field(record, "title")
    body = text_field(record, "body")
    language = record.get("language") or "und"
    topic = score_topic(title, body, language)
    out = dict(record)
    out["topic"] = {"label": topic.label, "confidence": topic.confidence, "cues": list(topic.cues)}
    return out


class DetectTopic(ApplyStage):
    """records -> (records with `topic`, dead letters for records whose text is not text)."""

    def __init__(self):
        super().__init__("topic", add_topic)
