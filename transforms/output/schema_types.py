"""The output schemas' types, walked: every format's handling of a field follows from its Avro
type in schemas/*.avsc, never from a second list of fields.

`value_converter` rebuilds a record, converting the values of chosen leaf types (timestamps,
bytes, floats) wherever they sit: in nested records, arrays, maps and nullable unions.
"""
from __future__ import annotations

import datetime
import functools
from typing import Any, Callable

from newsbeam.schemas import load_schema

TIMESTAMP_MILLIS = "timestamp-millis"
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
ONE_MILLISECOND = datetime.timedelta(milliseconds=1)

Convert = Callable[[Any], Any]


def non_null_branch(union: list, where: str):
    """(the type, whether null is allowed) of an Avro union: null and one other type. A union
    of several non-null types has no single column type in Parquet or JSON readers: ValueError."""
    others = [branch for branch in union if branch != "null"]
    if len(others) != 1:
        raise ValueError(f"{where}: the union {union} is not null and one type; only those "
                         f"are supported")
    return others[0], len(others) < len(union)


def leaf_name(avro_type) -> str:
    """The name a leaf type goes by: its logical type when it has one (timestamp-millis), else
    its Avro type (string, long, bytes, enum, ...)."""
    if isinstance(avro_type, str):
        return avro_type
    return avro_type.get("logicalType") or avro_type["type"]


def value_converter(schema: dict, convert_leaf: Callable[[str], Convert | None]) -> Convert:
    """A function that copies a record of `schema` (a parsed record schema) with each leaf
    value passed through `convert_leaf(leaf_name)`'s function; a leaf type for which it gives
    None is kept as it is, and so are the parts of the record that hold no such leaf."""
    return _compile(schema, convert_leaf, {}, schema.get("name", "record")) or (lambda value: value)


def _compile(avro_type, convert_leaf, named: dict, where: str) -> Convert | None:
    if isinstance(avro_type, list):
        branch, _ = non_null_branch(avro_type, where)
        inner = _compile(branch, convert_leaf, named, where)
        return None if inner is None else (lambda value: None if value is None else inner(value))
    if isinstance(avro_type, str):
        if avro_type in named:  # a named type defined earlier in the schema
            return _compile(named[avro_type], convert_leaf, named, where)
        return convert_leaf(avro_type)
    kind = avro_type["type"]
    if kind == "record":
        named[avro_type["name"]] = avro_type
        fields = [(field["name"], _compile(field["type"], convert_leaf, named,
                                           f"{where}.{field['name']}"))
                  for field in avro_type["fields"]]
        active = [(name, convert) for name, convert in fields if convert is not None]
        if not active:
            return None

        def record(value: dict) -> dict:
            copy = dict(value)
            for name, convert in active:
                if name in copy:
                    copy[name] = convert(copy[name])
            return copy
        return record
    if kind in ("array", "map"):
        return _each(kind, _compile(avro_type["items" if kind == "array" else "values"],
                                    convert_leaf, named, f"{where}[]"))
    if kind in ("enum", "fixed"):
        named[avro_type["name"]] = avro_type
    return convert_leaf(leaf_name(avro_type))


def datetime_to_millis(value):
    """Epoch milliseconds of a timezone-aware datetime, exactly (float seconds would round some
    values one millisecond down); other values as they are."""
    if isinstance(value, datetime.datetime):
        return (value - EPOCH) // ONE_MILLISECOND
    return value


@functools.lru_cache(maxsize=None)
def as_pipeline_values(schema_name: str) -> Convert:
    """Record of `schema_name` as a reader gives it (datetimes for timestamps) -> the record as
    the pipeline holds it (timestamps as epoch millis, at every depth)."""
    return value_converter(load_schema(schema_name),
                           lambda leaf: datetime_to_millis if leaf == TIMESTAMP_MILLIS else None)


def _each(kind: str, inner: Convert | None) -> Convert | None:
    """`inner` applied to each item of an array or each value of a map (None: nothing to do)."""
    if inner is None:
        return None
    if kind == "array":
        return lambda value: [inner(item) for item in value]
    return lambda value: {key: inner(item) for key, item in value.items()}


def defaults_filler(schema: dict) -> Convert:
    """A function that copies a record of `schema` with every field it lacks, at any depth,
    set to the field's default, as an Avro writer does: the other formats then hold the same
    values, and a Parquet column that may not be null gets no null."""
    return _fill(schema, {}) or (lambda value: value)


def _fill(avro_type, named: dict) -> Convert | None:
    if isinstance(avro_type, list):
        branches = [_fill(branch, named) for branch in avro_type if branch != "null"]
        inner = next((fill for fill in branches if fill is not None), None)
        if inner is None:
            return None
        return lambda value: inner(value) if isinstance(value, dict) else value
    if isinstance(avro_type, str):
        return _fill(named[avro_type], named) if avro_type in named else None
    kind = avro_type["type"]
    if kind == "record":
        named[avro_type["name"]] = avro_type
        fields = [(field["name"], "default" in field, field.get("default"),
                   _fill(field["type"], named)) for field in avro_type["fields"]]

        def record(value: dict) -> dict:
            copy = dict(value)
            for name, has_default, default, inner in fields:
                if name not in copy and has_default:
                    copy[name] = copy_default(default)
                if inner is not None and copy.get(name) is not None:
                    copy[name] = inner(copy[name])
            return copy
        return record
    if kind in ("array", "map"):
        return _each(kind, _fill(avro_type["items" if kind == "array" else "values"], named))
    if kind in ("enum", "fixed"):
        named[avro_type["name"]] = avro_type
    return None


def copy_default(default):
    """A fresh copy of a schema default (a list or record default is never shared)."""
    if isinstance(default, dict):
        return {key: copy_default(value) for key, value in default.items()}
    if isinstance(default, list):
        return [copy_default(value) for value in default]
    return default


@functools.lru_cache(maxsize=None)
def with_defaults(schema_name: str) -> Convert:
    """defaults_filler of a named output schema, made once."""
    return defaults_filler(load_schema(schema_name))
