"""The three file formats from the one contract: every field of both schemas has its column, and
a record written then read back is the record, in Avro, Parquet and JSON Lines."""
import base64
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from newsbeam.schemas import DEAD_LETTER, NEWS_ITEM, load_schema
from newsbeam.transforms.output.files import DEAD_LETTERS, NEWS_ITEMS, read_table, write_files
from newsbeam.transforms.output.formats import FILE_FORMATS, implementation
from newsbeam.transforms.output.jsonl import as_float32, record_line
from newsbeam.transforms.output.parquet import arrow_schema

from tests.support.full_records import full_dead_letter, full_news_item, sparse_news_item

UTC_MILLIS = pa.timestamp("ms", tz="UTC")
PRIMITIVES = {"string": pa.string(), "bytes": pa.binary(), "int": pa.int32(),
              "long": pa.int64(), "float": pa.float32(), "boolean": pa.bool_()}


def assert_column(avro_type, field: pa.Field, where: str):
    """`field` is what `avro_type` says: nullable exactly when the type is a union with null,
    records as structs of the same fields, arrays as lists, timestamps as UTC milliseconds."""
    nullable = isinstance(avro_type, list)
    if nullable:
        [avro_type] = [branch for branch in avro_type if branch != "null"]
    assert field.nullable == nullable, where
    arrow = field.type
    if isinstance(avro_type, str):
        assert arrow == PRIMITIVES[avro_type], where
    elif avro_type.get("logicalType") == "timestamp-millis":
        assert arrow == UTC_MILLIS, where
    elif avro_type["type"] == "record":
        assert pa.types.is_struct(arrow), where
        assert [child.name for child in arrow] == [f["name"] for f in avro_type["fields"]], where
        for avro_field, child in zip(avro_type["fields"], arrow):
            assert_column(avro_field["type"], child, f"{where}.{avro_field['name']}")
    elif avro_type["type"] == "array":
        assert pa.types.is_list(arrow), where
        assert_column(avro_type["items"], arrow.value_field, f"{where}[]")
    elif avro_type["type"] == "enum":
        assert arrow == pa.string(), where
    else:
        raise AssertionError(f"{where}: a type this test does not know: {avro_type}")


@pytest.mark.parametrize("schema_name", [NEWS_ITEM, DEAD_LETTER])
def test_every_field_of_the_schema_has_its_parquet_column(schema_name):
    schema = load_schema(schema_name)
    arrow = arrow_schema(schema)
    assert arrow.names == [field["name"] for field in schema["fields"]]
    for avro_field, column in zip(schema["fields"], arrow):
        assert_column(avro_field["type"], column, avro_field["name"])


def test_maps_enums_fixed_and_named_types_map_and_other_unions_are_refused():
    point = {"type": "record", "name": "Point", "fields": [{"name": "x", "type": "double"}]}
    schema = {"type": "record", "name": "R", "fields": [
        {"name": "counts", "type": {"type": "map", "values": "long"}},
        {"name": "colour", "type": {"type": "enum", "name": "Colour", "symbols": ["red"]}},
        {"name": "digest", "type": {"type": "fixed", "name": "Digest", "size": 16}},
        {"name": "here", "type": point},
        {"name": "there", "type": ["null", "Point"]},
    ]}
    arrow = arrow_schema(schema)
    assert arrow.field("counts").type == pa.map_(pa.string(), pa.field("value", pa.int64(),
                                                                       nullable=False))
    assert arrow.field("colour").type == pa.string()
    assert arrow.field("digest").type == pa.binary(16)
    assert arrow.field("there").type == arrow.field("here").type
    assert arrow.field("there").nullable and not arrow.field("here").nullable
    either = {"type": "record", "name": "E", "fields": [
        {"name": "value", "type": ["null", "string", "long"]}]}
    with pytest.raises(ValueError, match="value: the union"):
        arrow_schema(either)
    money = {"type": "record", "name": "M", "fields": [{"name": "amount", "type": {
        "type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}}]}
    with pytest.raises(ValueError, match="amount: the Avro type"):
        arrow_schema(money)


def as_stored(record: dict) -> dict:
    """`record` as any format gives it back: its 32-bit float rounded to 32 bits."""
    topic = record["topic"]
    return {**record, "topic": {**topic, "confidence": as_float32(topic["confidence"])}}


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_a_record_written_then_read_back_is_the_record(tmp_path, file_format):
    items = [full_news_item(), sparse_news_item()]
    letters = [full_dead_letter()]
    write_files(items, str(tmp_path), NEWS_ITEMS, "run1", file_format)
    write_files(letters, str(tmp_path), DEAD_LETTERS, "run1", file_format)
    read = sorted(read_table(str(tmp_path), NEWS_ITEMS), key=lambda record: record["id"])
    assert read == sorted([as_stored(item) for item in items], key=lambda r: r["id"])
    assert list(read_table(str(tmp_path), DEAD_LETTERS)) == letters


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_counting_a_files_records_reads_no_record(tmp_path, file_format):
    [path] = write_files([full_news_item(id=str(n)) for n in range(3)], str(tmp_path),
                         NEWS_ITEMS, "run1", file_format)
    with open(path, "rb") as handle:
        assert implementation(file_format).count_records(handle) == 3


def test_parquet_holds_timestamps_as_utc_milliseconds_for_any_reader(tmp_path):
    [path] = write_files([full_news_item()], str(tmp_path), NEWS_ITEMS, "run1", "parquet")
    table = pq.read_table(path)
    assert table.schema == arrow_schema(load_schema(NEWS_ITEM))
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    [row] = table.to_pylist()
    assert row["published"].isoformat() == "2020-09-13T12:26:40.123000+00:00"
    assert row["article"]["published"].isoformat() == "1969-12-30T23:59:59.999000+00:00"


def test_a_json_line_is_utf8_with_iso_timestamps_base64_bytes_and_the_floats_decimal():
    line = record_line(full_news_item(), NEWS_ITEM)
    assert line.endswith(b"\n") and line.count(b"\n") == 1  # the body's newline is escaped
    text = line.decode("utf-8")
    assert "روسيا" in text  # not \u escapes
    record = json.loads(text)
    assert (record["published"], record["fetched"]) == ("2020-09-13T12:26:40.123Z",
                                                        "2020-09-13T12:26:45.000Z")
    assert record["article"]["published"] == "1969-12-30T23:59:59.999Z"
    assert record["topic"]["confidence"] == 0.9996
    assert record["published_raw"] is None
    letter = json.loads(record_line(full_dead_letter(), DEAD_LETTER))
    assert base64.b64decode(letter["raw"]) == b"\x00\xff\xfe<rss>\xd8"
    assert letter["at"] == "2020-09-13T12:26:40.007Z"


def test_a_json_line_never_holds_nan():
    record = full_news_item()
    record["topic"]["confidence"] = float("nan")  # records.py refuses it; the writer too
    with pytest.raises(ValueError):
        record_line(record, NEWS_ITEM)


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_nested_fields_left_out_are_written_and_read_at_their_defaults(tmp_path, file_format):
    from newsbeam.transforms.output.records import to_news_item

    from tests.support.records import minimal

    record = to_news_item(minimal(id="n1"))
    record["entities"] = [{"text": "Baku", "type": "LOCATION", "start": 0, "end": 4,
                           "canonical": "Baku"}]  # no `field`, as files before it was added
    del record["boilerplate"]["dateline"]
    write_files([record], str(tmp_path), NEWS_ITEMS, "run1", file_format)
    [read] = read_table(str(tmp_path), "items")
    assert read["entities"][0]["field"] == "body" and read["boilerplate"]["dateline"] is None
    assert to_news_item(minimal(id="n1", entities=record["entities"]))["entities"][0][
        "field"] == "body"
