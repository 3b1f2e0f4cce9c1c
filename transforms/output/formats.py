"""The output file formats (--format): their names and extensions, and the module that writes and
reads each (avro.py, parquet.py, jsonl.py), imported on first use: pyarrow alone takes a third
of a second to import, and `newsbeam run --help` lists the names.

Each format module has `open_writer(handle, schema_name)` (a writer with `write(record)` and
`finish()`, which leaves the handle open), `read_records(handle, schema_name)` (records as the
pipeline holds them: timestamps as epoch millis) and `count_records(handle)`.
"""
from __future__ import annotations

import importlib

AVRO, PARQUET, JSONL = "avro", "parquet", "jsonl"
FILE_FORMATS = (AVRO, PARQUET, JSONL)
DEFAULT_FORMAT = AVRO


def extension(file_format: str) -> str:
    """A format's file extension: `.avro`, `.parquet`, `.jsonl`."""
    return f".{file_format}"


def format_of(path: str) -> str | None:
    """The format a file's extension names; None for any other file."""
    name = path.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return suffix if suffix in FILE_FORMATS else None


def implementation(file_format: str):
    """The module that writes and reads `file_format`."""
    if file_format not in FILE_FORMATS:
        raise ValueError(f"unknown output format {file_format!r}; one of {', '.join(FILE_FORMATS)}")
    return importlib.import_module(f"newsbeam.transforms.output.{file_format}")
