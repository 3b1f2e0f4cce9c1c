"""Enrichment: the stage list (stages) and its language work: boilerplate, language, topic and
entities, plain Python."""
from pathlib import Path

# Word lists shared by the topic step and the entity trainers.
LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
