"""Avro files (fastavro): deflate blocks, which every Avro reader has, and news text shrinks
about fourfold with them."""
from __future__ import annotations

from typing import BinaryIO, Iterator

import fastavro

from newsbeam.schemas import load_schema
from newsbeam.transforms.output.schema_types import as_pipeline_values

AVRO_CODEC = "deflate"


class AvroRecordWriter:
    """Records -> one Avro container file on an open handle (left open: its owner closes it)."""

    def __init__(self, handle: BinaryIO, schema_name: str):
        self._writer = fastavro.write.Writer(handle, load_schema(schema_name), codec=AVRO_CODEC)

    def write(self, record: dict) -> None:
        self._writer.write(record)

    def finish(self) -> None:
        self._writer.flush()


def open_writer(handle: BinaryIO, schema_name: str) -> AvroRecordWriter:
    return AvroRecordWriter(handle, schema_name)


def read_records(handle: BinaryIO, schema_name: str) -> Iterator[dict]:
    """The records of an Avro file as the pipeline holds them (fastavro gives timestamps as
    datetimes)."""
    as_pipeline = as_pipeline_values(schema_name)
    for record in fastavro.reader(handle):
        yield as_pipeline(record)


def count_records(handle: BinaryIO) -> int:
    """The records of an Avro file, from its blocks' headers."""
    return sum(block.num_records for block in fastavro.block_reader(handle))
