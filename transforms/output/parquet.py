"""Parquet files (pyarrow): the Arrow schema of an Avro schema, and records written and read in
row groups.

The columns come from schemas/*.avsc through `arrow_schema`: records are structs, arrays lists,
maps maps, a union of null and one type a nullable column, timestamp-millis a timestamp[ms,
UTC] column, an enum a string column (Parquet has no enum type that DuckDB, pandas and Spark
all read; the symbols are checked when the record is made). Pages are zstd-compressed: news text
shrinks about as much as with gzip, at snappy's speed, and DuckDB, pyarrow (pandas), Spark
3.2+, Trino, Athena and BigQuery read it.
"""
from __future__ import annotations

import functools
from typing import BinaryIO, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from newsbeam.schemas import load_schema
from newsbeam.transforms.output.schema_types import (TIMESTAMP_MILLIS, as_pipeline_values,
                                                     leaf_name, non_null_branch,
                                                     with_defaults)

PARQUET_COMPRESSION = "zstd"
# Records are turned into Arrow batches this many at a time, and written as one row group once
# the batches hold ROW_GROUP_BYTES: a writer holds at most that much, however large the file.
BATCH_RECORDS = 256
ROW_GROUP_BYTES = 16 * 1024 * 1024
READ_BATCH_RECORDS = 1024

_PRIMITIVES = {
    "string": pa.string(), "bytes": pa.binary(), "int": pa.int32(), "long": pa.int64(),
    "float": pa.float32(), "double": pa.float64(), "boolean": pa.bool_(), "null": pa.null(),
    "enum": pa.string(), TIMESTAMP_MILLIS: pa.timestamp("ms", tz="UTC"),
}


def arrow_schema(avro_schema: dict) -> pa.Schema:
    """The pyarrow schema of a parsed Avro record schema; ValueError naming the field for a type
    with no column type here (a union of several types, an unknown logical type)."""
    named: dict = {}
    return pa.schema([_arrow_field(field["name"], field["type"], named, field["name"])
                      for field in avro_schema["fields"]])


def _arrow_field(name: str, avro_type, named: dict, where: str) -> pa.Field:
    nullable = False
    if isinstance(avro_type, list):
        avro_type, nullable = non_null_branch(avro_type, where)
    return pa.field(name, _arrow_type(avro_type, named, where), nullable=nullable)


def _arrow_type(avro_type, named: dict, where: str) -> pa.DataType:
    if isinstance(avro_type, str) and avro_type in named:
        return named[avro_type]
    if isinstance(avro_type, dict):
        kind = avro_type["type"]
        if kind == "record":
            arrow = pa.struct([_arrow_field(field["name"], field["type"], named,
                                            f"{where}.{field['name']}")
                               for field in avro_type["fields"]])
            named[avro_type["name"]] = arrow
            return arrow
        if kind == "array":
            return pa.list_(_arrow_field("element", avro_type["items"], named, f"{where}[]"))
        if kind == "map":
            values = _arrow_field("value", avro_type["values"], named, f"{where}[]")
            return pa.map_(pa.field("key", pa.string(), nullable=False), values)
        if kind == "fixed":
            named[avro_type["name"]] = pa.binary(avro_type["size"])
            return named[avro_type["name"]]
        if kind == "enum":
            named[avro_type["name"]] = _PRIMITIVES["enum"]
    leaf = leaf_name(avro_type)
    if leaf not in _PRIMITIVES:
        raise ValueError(f"{where}: the Avro type {avro_type} has no Parquet column type here")
    return _PRIMITIVES[leaf]


@functools.lru_cache(maxsize=None)
def schema_of(schema_name: str) -> pa.Schema:
    return arrow_schema(load_schema(schema_name))


class ParquetRecordWriter:
    """Records -> one Parquet file on an open handle (left open: its owner closes it)."""

    def __init__(self, handle: BinaryIO, schema_name: str):
        self._schema = schema_of(schema_name)
        self._fill = with_defaults(schema_name)  # as the Avro writer fills them
        self._writer = pq.ParquetWriter(handle, self._schema, compression=PARQUET_COMPRESSION)
        self._records: list[dict] = []
        self._batches: list[pa.RecordBatch] = []
        self._batch_bytes = 0

    def write(self, record: dict) -> None:
        self._records.append(self._fill(record))
        if len(self._records) >= BATCH_RECORDS:
            self._to_batch()
            if self._batch_bytes >= ROW_GROUP_BYTES:
                self._write_row_group()

    def finish(self) -> None:
        """Writes what is held and the file's footer."""
        self._to_batch()
        self._write_row_group()
        self._writer.close()

    def _to_batch(self) -> None:
        if self._records:
            batch = pa.RecordBatch.from_pylist(self._records, schema=self._schema)
            self._batches.append(batch)
            self._batch_bytes += batch.nbytes
            self._records = []

    def _write_row_group(self) -> None:
        if self._batches:
            table = pa.Table.from_batches(self._batches, schema=self._schema)
            self._writer.write_table(table, row_group_size=table.num_rows)
            self._batches, self._batch_bytes = [], 0


def open_writer(handle: BinaryIO, schema_name: str) -> ParquetRecordWriter:
    return ParquetRecordWriter(handle, schema_name)


def read_records(handle: BinaryIO, schema_name: str) -> Iterator[dict]:
    """The records of a Parquet file, a batch at a time, as the pipeline holds them."""
    as_pipeline = as_pipeline_values(schema_name)
    for batch in pq.ParquetFile(handle).iter_batches(batch_size=READ_BATCH_RECORDS):
        for record in batch.to_pylist():
            yield as_pipeline(record)


def count_records(handle: BinaryIO) -> int:
    """The rows of a Parquet file, from its footer."""
    return pq.ParquetFile(handle).metadata.num_rows
