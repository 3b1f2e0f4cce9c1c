"""Reading back what a run wrote: every output file (Avro, Parquet or JSON Lines) below a folder,
as newsbeam reads it (timestamps as epoch millis)."""
import glob
import os

from newsbeam.schemas import DEAD_LETTER, NEWS_ITEM
from newsbeam.transforms.output.files import DEAD_LETTERS, read_file
from newsbeam.transforms.output.formats import format_of


def schema_of(path: str) -> str:
    """The schema of an output file, from its partition folder."""
    return DEAD_LETTER if f"/{DEAD_LETTERS.partition_key}=" in path else NEWS_ITEM


def records_by_file(folder) -> dict[str, list[dict]]:
    """{path relative to `folder`: its records} for every output file below `folder` (hidden
    folders left out, as readers leave them)."""
    found = {}
    for path in sorted(glob.glob(os.path.join(str(folder), "**", "*"), recursive=True)):
        if format_of(path):
            found[os.path.relpath(path, str(folder))] = list(read_file(path, schema_of(path)))
    return found


def read_records(folder) -> list[dict]:
    """Every record of every output file below `folder`, file by file in name order."""
    return [record for records in records_by_file(folder).values() for record in records]


def file_names(folder):
    """Every file below `folder`, relative to it, sorted."""
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)
