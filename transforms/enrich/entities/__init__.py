"""Named entities: people, organisations, places and dates in Arabic, English and French news,
with offsets into the body and one canonical value per real-world entity.

Nothing heavy is read at import: the taggers' models and the canonical-name table load on first
use, once per process.
"""
from newsbeam.transforms.enrich.entities.finder import Entity, find_entities  # noqa: F401
from newsbeam.transforms.enrich.entities.stage import add_entities  # noqa: F401
