"""EnrichItems: the stage list in one Beam step, records and dead letters apart."""
import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from newsbeam.transforms.beam.enrich import EnrichItems

from tests.enrich.test_stages import ITEM


def test_each_failure_is_a_dead_letter_of_its_own_stage(pipeline):
    broken_content = dict(ITEM, feed_url="content", content=123)
    broken_title = dict(ITEM, feed_url="title", title=["not", "text"])
    broken_record = dict(ITEM, feed_url="record")
    del broken_record["id"]
    with pipeline as p:
        records, dead = (p | beam.Create([dict(ITEM), broken_content, broken_title,
                                          broken_record]) | EnrichItems())
        assert_that(records | beam.Map(lambda r: r["feed_url"]), equal_to(["f"]),
                    label="records")
        assert_that(dead | beam.Map(lambda d: (d["feed_url"], d["stage"])),
                    equal_to([("content", "boilerplate"), ("title", "boilerplate"),
                              ("record", "record")]), label="dead")
