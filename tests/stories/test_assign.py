"""One story across feeds: canonical links, near-duplicate text, the assignment rule, and its
batch and streaming shells."""
import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_stream import TestStream as Stream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue
from newsbeam.pipelines.cli import main
from newsbeam.transforms.beam.stories import AssignStoriesInRun, AssignStoriesInStream
from newsbeam.transforms.stories.assign import (
    Entry,
    MemoryIndex,
    assign,
    assign_in_order,
    choose,
    match,
)
from newsbeam.transforms.stories.keys import canonical_link, story_keys, text_bands

from tests.support.avro_files import read_records

WIRE = ("The central bank raised its main interest rate by half a percentage point on Thursday, "
        "its third increase this year, saying that inflation remained far above its target and "
        "that further moves could not be ruled out as energy prices kept rising across the "
        "region.")
WIRE_AR = ("أعلن البنك المركزي يوم الخميس رفع سعر الفائدة الرئيسي بمقدار نصف نقطة مئوية، في "
           "ثالث زيادة هذا العام، مؤكدا أن التضخم ما زال أعلى بكثير من المستهدف وأن خطوات أخرى "
           "غير مستبعدة مع استمرار ارتفاع أسعار الطاقة في المنطقة.")
OTHER = ("Heavy rain flooded dozens of villages in the north of the country overnight, forcing "
         "hundreds of families to leave their homes while rescue teams used boats to reach "
         "people trapped on rooftops, the civil defence agency said in a statement on Friday.")


# --- canonical links ------------------------------------------------------------------------------

@pytest.mark.parametrize("link", [
    "https://www.news.example.com/economy/rates?utm_source=rss&utm_medium=feed",
    "http://news.example.com/economy/rates/",
    "HTTPS://News.Example.com:443/economy/rates#comments",
    "https://m.news.example.com/economy/rates?fbclid=abc&gclid=x&CMP=share_btn_tw",
])
def test_tracking_parameters_scheme_and_host_do_not_change_the_canonical_link(link):
    assert canonical_link(link) == "news.example.com/economy/rates"


def test_parameters_that_name_the_article_are_kept_and_sorted():
    assert (canonical_link("https://x.example/a.php?utm_source=rss&id=7&cat=2")
            == canonical_link("https://x.example/a.php?cat=2&id=7") == "x.example/a.php?cat=2&id=7")
    assert (canonical_link("https://x.example/a.php?id=7")
            != canonical_link("https://x.example/a.php?id=8"))


def test_percent_encoding_is_normalised():
    assert (canonical_link("https://bbc.co.uk/arabic/خبر")
            == canonical_link("https://www.bbc.co.uk/arabic/%d8%ae%d8%a8%d8%b1"))


@pytest.mark.parametrize("link", [None, "", "mailto:desk@example.com", "urn:uuid:1", "not a url"])
def test_what_is_not_a_web_link_has_no_canonical_form(link):
    assert canonical_link(link) is None


# --- near-duplicate text --------------------------------------------------------------------------

def test_the_same_text_gives_the_same_bands_and_short_text_none():
    assert len(text_bands(WIRE)) == 16 and text_bands(WIRE) == text_bands(WIRE.upper())
    assert text_bands("Bank raises rates") == ()


def test_a_near_duplicate_shares_enough_bands_an_unrelated_text_none():
    edited = WIRE.replace("Thursday", "Thursday morning")
    shared = len(set(text_bands(WIRE)) & set(text_bands(edited)))
    assert shared >= 3
    assert not set(text_bands(WIRE)) & set(text_bands(OTHER))


def test_arabic_spelling_variants_are_folded():
    variant = WIRE_AR.replace("أعلن", "اعلن").replace("أسعار", "اسعار")
    assert text_bands(WIRE_AR) == text_bands(variant)


# --- the rule -------------------------------------------------------------------------------------

def test_a_link_match_or_three_band_hits_qualify_the_oldest_story_wins():
    keys = story_keys("https://a.example/x", WIRE)
    old, new = Entry(100, "old"), Entry(200, "new")
    by_link = {keys.link: [new]}
    assert match(keys, by_link) == [new]
    two_bands = {band: [old] for band in keys.bands[:2]}
    assert match(keys, two_bands) == []
    three_bands = {band: [old] for band in keys.bands[:3]}
    assert match(keys, {**three_bands, **by_link}) == [old, new]
    assert choose("me", 300, [new, old]) == old
    assert choose("me", 300, []) == Entry(300, "me")


def test_assign_links_copies_and_leaves_unrelated_articles_apart():
    index = MemoryIndex()
    first = assign("a", 1, story_keys("https://news.example.com/r?utm_source=x", WIRE), index)
    same_link = assign("b", 2, story_keys("http://www.news.example.com/r", "Short teaser."),
                       index)
    same_text = assign("c", 3, story_keys("https://other.example.net/9", WIRE), index)
    unrelated = assign("d", 4, story_keys("https://news.example.com/floods", OTHER), index)
    assert first == same_link == same_text == Entry(1, "a")
    assert unrelated == Entry(4, "d")


def test_batch_order_is_publication_order():
    rows = [(20, "later", story_keys("https://x.example/1", WIRE)),
            (10, "earlier", story_keys("https://y.example/2", WIRE))]
    assert assign_in_order(rows) == {"later": "earlier", "earlier": "earlier"}


# --- Beam -----------------------------------------------------------------------------------------

def record(record_id, link, body, published=None, fetched=0, revision=1):
    return {"id": record_id, "link": link, "body": body, "published": published,
            "fetched": fetched, "revision": revision, "title": record_id}


RECORDS = [
    record("a", "https://news.example.com/r?utm_source=rss", WIRE, published=1000),
    record("b", "http://news.example.com/r/", "A teaser only.", published=2000),
    record("c", "https://other.example.net/9", WIRE + " Source: Example Wire.", published=3000),
    record("d", "https://news.example.com/floods", OTHER, published=1500),
    record("e", None, "Untitled.", fetched=5000),
]
EXPECTED = [("a", "a"), ("b", "a"), ("c", "a"), ("d", "d"), ("e", "e")]


def test_batch_assigns_stories_over_the_run(pipeline):
    out = (pipeline | beam.Create(RECORDS) | AssignStoriesInRun()
           | beam.Map(lambda r: (r["id"], r["story_id"])))
    assert_that(out, equal_to(EXPECTED))
    pipeline.run()


def test_streaming_keeps_story_keys_in_keyed_state_across_polls():
    stream = (Stream()
              .advance_watermark_to(10)
              # two copies in one poll still meet: lookups of one key are serial
              .add_elements([TimestampedValue(RECORDS[0], 10), TimestampedValue(RECORDS[3], 10),
                             TimestampedValue(RECORDS[4], 10)])
              .advance_watermark_to(20)
              .add_elements([TimestampedValue(RECORDS[1], 20)])
              .advance_watermark_to(30)
              .add_elements([TimestampedValue(RECORDS[2], 30)])
              .advance_watermark_to_infinity())
    pipeline = beam.Pipeline(runner="BundleBasedDirectRunner",
                             options=PipelineOptions([], streaming=True))
    out = (pipeline | stream | AssignStoriesInStream(ttl_seconds=3600)
           | beam.Map(lambda r: (r["id"], r["story_id"])))
    assert_that(out, equal_to(EXPECTED))
    pipeline.run().wait_until_finish()


def test_streaming_forgets_story_keys_after_the_ttl():
    late = record("f", "https://news.example.com/r", WIRE, published=9000)
    stream = (Stream()
              .advance_watermark_to(10)
              .add_elements([TimestampedValue(RECORDS[0], 10)])
              .advance_watermark_to(500)  # past the TTL of every key of "a"
              .add_elements([TimestampedValue(late, 500)])
              .advance_watermark_to_infinity())
    pipeline = beam.Pipeline(runner="BundleBasedDirectRunner",
                             options=PipelineOptions([], streaming=True))
    out = (pipeline | stream | AssignStoriesInStream(ttl_seconds=100)
           | beam.Map(lambda r: (r["id"], r["story_id"])))
    assert_that(out, equal_to([("a", "a"), ("f", "f")]))
    pipeline.run().wait_until_finish()


# --- the batch job, end to end ------------------------------------------------------------------

def feed(*items):
    entries = "".join(f"<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>"
                      f"<pubDate>{date}</pubDate><description>{text}</description></item>"
                      for guid, title, link, date, text in items)
    return f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>"


def test_two_feeds_carrying_one_article_give_two_records_and_one_story(tmp_path):
    (tmp_path / "wire.xml").write_text(feed(
        ("wire-1", "Bank raises rates", "https://wire.example.com/rates?utm_source=rss",
         "Thu, 06 Jun 2024 09:00:00 +0000", WIRE),
        ("wire-2", "Floods in the north", "https://wire.example.com/floods",
         "Thu, 06 Jun 2024 10:00:00 +0000", OTHER)))
    (tmp_path / "paper.xml").write_text(feed(
        ("paper-77", "Central bank raises rates again",
         "https://www.paper.example.org/economy/rates?utm_medium=feed&amp;fbclid=1",
         "Thu, 06 Jun 2024 09:30:00 +0000",
         WIRE + "&lt;p&gt;Source: Example Wire&lt;/p&gt;")))
    assert main(["run", "--feeds", str(tmp_path / "wire.xml"), str(tmp_path / "paper.xml"),
                 "--output", str(tmp_path / "out")]) == 0
    records = {r["guid"]: r for r in read_records(str(tmp_path / "out" / "items"))}
    assert len(records) == 3
    wire_story = records["wire-1"]["story_id"]
    assert records["paper-77"]["story_id"] == wire_story == records["wire-1"]["id"]
    assert records["wire-2"]["story_id"] == records["wire-2"]["id"]
