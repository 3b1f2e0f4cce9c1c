"""Topic of a news item: politics, sport or other, with a calibrated confidence and the cues
that decided it (cue lexicons + a trained linear n-gram model; see scoring.py).

Nothing is read at import: the lexicons and the model's weights are loaded on the first call,
once per process.
"""
from newsbeam.transforms.enrich.topic.lexicon import LABELS  # noqa: F401
from newsbeam.transforms.enrich.topic.scoring import Topic, score_topic  # noqa: F401
from newsbeam.transforms.enrich.topic.stage import add_topic  # noqa: F401
