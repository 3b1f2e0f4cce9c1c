"""JSON Lines files: one record a line, a JSON object in UTF-8.

The values are the Avro record's, written so that DuckDB's read_json_auto and pandas read them
as they are:
- timestamps as ISO 8601 strings in UTC with milliseconds (`2023-09-20T22:10:00.000Z`), which
  DuckDB reads as TIMESTAMP WITH TIME ZONE, even inside structs, and pandas with
  `pd.to_datetime`; epoch integers would read as plain numbers;
- bytes (a dead letter's `raw`) as standard base64;
- a `float` field (32 bits in Avro and Parquet) as the shortest decimal that is the same 32-bit
  number, so every format reads back one value;
- no NaN or infinity, which JSON has no word for (records.py refuses them in a record).
"""
from __future__ import annotations

import base64
import datetime
import functools
import json
import struct
from typing import BinaryIO, Iterator

import numpy

from newsbeam.schemas import load_schema
from newsbeam.transforms.output.schema_types import (EPOCH, ONE_MILLISECOND, TIMESTAMP_MILLIS,
                                                     value_converter, with_defaults)


def millis_to_iso(millis: int) -> str:
    """`2023-09-20T22:10:00.000Z` for epoch milliseconds (UTC)."""
    moment = (EPOCH + millis * ONE_MILLISECOND).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def iso_to_millis(text: str) -> int:
    moment = datetime.datetime.fromisoformat(text.removesuffix("Z"))
    return (moment.replace(tzinfo=datetime.timezone.utc) - EPOCH) // ONE_MILLISECOND


def float32_decimal(value: float) -> float:
    """The shortest decimal that is the same 32-bit float as `value` (0.9996, not
    0.9995999932289124)."""
    return float(str(numpy.float32(value)))


def as_float32(value: float) -> float:
    """`value` rounded to 32 bits, as Avro and Parquet give a float field back."""
    return struct.unpack("f", struct.pack("f", value))[0]


_ENCODE = {TIMESTAMP_MILLIS: millis_to_iso, "float": float32_decimal,
           "bytes": lambda raw: base64.b64encode(raw).decode("ascii")}
_DECODE = {TIMESTAMP_MILLIS: iso_to_millis, "float": as_float32, "bytes": base64.b64decode}


@functools.lru_cache(maxsize=None)
def _encoder(schema_name: str):
    """Record -> its JSON values: the fields it lacks at their defaults, as the Avro writer
    fills them, and each leaf encoded (_ENCODE)."""
    fill = with_defaults(schema_name)
    encode = value_converter(load_schema(schema_name), _ENCODE.get)
    return lambda record: encode(fill(record))


@functools.lru_cache(maxsize=None)
def _decoder(schema_name: str):
    return value_converter(load_schema(schema_name), _DECODE.get)


def record_line(record: dict, schema_name: str) -> bytes:
    """One record as its line, newline included."""
    text = json.dumps(_encoder(schema_name)(record), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))
    return (text + "\n").encode("utf-8")


class JsonLinesWriter:
    """Records -> one JSON Lines file on an open handle (left open: its owner closes it)."""

    def __init__(self, handle: BinaryIO, schema_name: str):
        self._handle = handle
        self._schema_name = schema_name

    def write(self, record: dict) -> None:
        self._handle.write(record_line(record, self._schema_name))

    def finish(self) -> None:
        self._handle.flush()


def open_writer(handle: BinaryIO, schema_name: str) -> JsonLinesWriter:
    return JsonLinesWriter(handle, schema_name)


def read_records(handle: BinaryIO, schema_name: str) -> Iterator[dict]:
    """The records of a JSON Lines file, as the pipeline holds them."""
    decode = _decoder(schema_name)
    for line in handle:
        if line.strip():
            yield decode(json.loads(line))


def count_records(handle: BinaryIO) -> int:
    return sum(1 for line in handle if line.strip())
