"""Event-time windows, late data and the files each firing writes."""
import os
import re

import pytest
from apache_beam.testing.test_stream import TestStream as Stream
from newsbeam.transforms.beam.sinks import WriteNewsItems
from newsbeam.transforms.beam.windowing import WindowByPublished
from newsbeam.transforms.output.files import NULL_PARTITION
from newsbeam.transforms.output.formats import JSONL, PARQUET
from newsbeam.transforms.output.records import to_news_item

from tests.support.output_files import records_by_file
from tests.support.streams import at, stream_pipeline

BASE = 1_599_999_960  # 2020-09-13T12:26:00Z, a multiple of the 60 s windows below


def record(item_id, published_s, fetched_s=BASE):
    return to_news_item({"id": item_id, "feed_url": "f", "title": item_id,
                         "published": None if published_s is None else published_s * 1000,
                         "fetched": fetched_s * 1000})


def read_items(folder):
    return {os.path.join("items", path): sorted(r["id"] for r in records)
            for path, records in records_by_file(os.path.join(folder, "items")).items()}


def test_items_land_in_their_published_window_and_late_ones_in_files_of_their_own(tmp_path):
    stream = (Stream()
              .advance_watermark_to(BASE)
              .add_elements([at(BASE + 30, record("on-time", BASE + 10)),
                             # dated after the poll that found it: capped at the poll
                             at(BASE + 30, record("future", BASE + 1000)),
                             at(BASE + 30, record("undated", None, fetched_s=BASE + 5))])
              .advance_watermark_to(BASE + 70)  # the window [BASE, BASE+60) fires on time
              .add_elements([at(BASE + 80, record("late", BASE + 20)),
                             # its window closed more than 120 s before this poll
                             at(BASE + 80, record("too-late", BASE - 1000))])
              .advance_watermark_to(BASE + 100)
              .add_elements([at(BASE + 110, record("later", BASE + 40))])
              .advance_watermark_to_infinity())
    pipeline = stream_pipeline()
    (pipeline | stream | WindowByPublished(60, allowed_lateness_seconds=120)
     | WriteNewsItems(str(tmp_path), "run", shards=1))
    pipeline.run().wait_until_finish()

    files = read_items(tmp_path)
    first_window = "20200913T122600-20200913T122700"
    second_window = "20200913T122700-20200913T122800"
    day = "items/published_date=2020-09-13/part-run"
    assert files.pop(f"{day}-{first_window}-00000-of-00001.avro") == ["future", "on-time"]
    # no date: the window and the partition for a missing date
    assert files.pop(f"items/published_date={NULL_PARTITION}/part-run-{first_window}"
                     "-00000-of-00001.avro") == ["undated"]
    late = {name: ids for name, ids in files.items()
            if name.startswith(f"{day}-{first_window}-late")}
    # two late firings, two files, nothing overwritten
    assert sorted(late.values()) == [["late"], ["later"]]
    assert sorted(re.search(r"-(late\d+)-[0-9a-f]{8}-", name).group(1) for name in late) == [
        "late1", "late2"]
    # the item found after its window's lateness is written with the items of its poll,
    # under the folder of the day it was published
    assert {name: ids for name, ids in files.items() if name not in late} == {
        f"{day}-{second_window}-00000-of-00001.avro": ["too-late"]}


@pytest.mark.parametrize("file_format", [PARQUET, JSONL])
def test_windowed_files_of_the_unbounded_job_are_in_its_format(tmp_path, file_format):
    stream = (Stream()
              .advance_watermark_to(BASE)
              .add_elements([at(BASE + 30, record("on-time", BASE + 10))])
              .advance_watermark_to(BASE + 70)
              .add_elements([at(BASE + 80, record("late", BASE + 20))])
              .advance_watermark_to_infinity())
    pipeline = stream_pipeline()
    (pipeline | stream | WindowByPublished(60, allowed_lateness_seconds=120)
     | WriteNewsItems(str(tmp_path), "run", shards=1, file_format=file_format))
    pipeline.run().wait_until_finish()

    files = read_items(tmp_path)
    window = "items/published_date=2020-09-13/part-run-20200913T122600-20200913T122700"
    assert files.pop(f"{window}-00000-of-00001.{file_format}") == ["on-time"]
    [(late, ids)] = files.items()
    assert re.fullmatch(rf"{window}-late1-[0-9a-f]{{8}}-00000-of-00001\.{file_format}", late)
    assert ids == ["late"]
