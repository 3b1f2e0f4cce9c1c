"""NumberRevisions: each new item once and each edit once across polls, forgotten after the TTL."""
import apache_beam as beam
from apache_beam.testing.test_stream import TestStream as Stream
from apache_beam.testing.util import assert_that, equal_to
from newsbeam.transforms.beam.revisions import NumberRevisions

from tests.support.streams import at, stream_pipeline


def item(item_id, fp):
    return {"id": item_id, "fingerprint": fp}


def test_repeats_are_dropped_edits_numbered_and_state_forgotten_after_the_ttl():
    ttl = 100
    stream = (Stream()
              .advance_watermark_to(10)
              .add_elements([at(10, item("a", "a1")), at(10, item("b", "b1")),
                             at(10, item("c", "c1"))])
              .advance_watermark_to(20)
              .add_elements([at(20, item("a", "a1")), at(20, item("b", "b2"))])
              # c seen again: its TTL now counts from 100, so at 150 it is still remembered
              .advance_watermark_to(100)
              .add_elements([at(100, item("c", "c1"))])
              .advance_watermark_to(150)
              .add_elements([at(150, item("c", "c1"))])
              # a and b were last seen at 20: forgotten once the watermark passes 120
              .advance_watermark_to(300)
              .add_elements([at(300, item("a", "a1")), at(300, item("b", "b2"))])
              .advance_watermark_to_infinity())
    pipeline = stream_pipeline()
    out = (pipeline | stream | NumberRevisions(ttl)
           | beam.Map(lambda i: (i["id"], i["fingerprint"], i["revision"])))
    assert_that(out, equal_to([("a", "a1", 1), ("b", "b1", 1), ("c", "c1", 1),
                               ("b", "b2", 2),
                               ("a", "a1", 1), ("b", "b2", 1)]))
    pipeline.run().wait_until_finish()
