"""Optional checks on the real development data in ../shared/data (or $NEWSBEAM_DATA); skipped
when it is absent."""
import tarfile
from collections import defaultdict

import pytest
from newsbeam.pipelines.cli import main
from newsbeam.transforms.enrich.boilerplate import clean_item
from newsbeam.transforms.enrich.entities import add_entities
from newsbeam.transforms.enrich.language import add_language
from newsbeam.transforms.enrich.topic import add_topic
from newsbeam.transforms.feeds.parse import FeedParseError, parse_feed
from newsbeam.transforms.output.records import to_news_item
from newsbeam.transforms.stories.keys import canonical_link

from tests.support.output_files import read_records
from tests.support.paths import DEV_DATA

DATA = DEV_DATA
REAL_FEEDS = DATA / "feeds" / "real"
FEEDPARSER_SUITE = DATA / "feeds" / "feedparser_suite" / "feedparser_tests.tar.gz"


@pytest.mark.skipif(not REAL_FEEDS.is_dir(), reason="../shared/data/feeds/real is not present")
def test_every_real_feed_item_becomes_a_record_with_text(tmp_path):
    manifest = [line.split("\t") for line in
                (REAL_FEEDS / "MANIFEST.tsv").read_text().splitlines()[1:] if line.strip()]
    expected = sum(int(row[3]) for row in manifest)
    assert main(["run", "--feeds", str(REAL_FEEDS), "--output", str(tmp_path)]) == 0
    records = read_records(str(tmp_path / "items"))
    dead = read_records(str(tmp_path / "dead_letter"))
    assert len(records) + len(dead) == expected
    assert len({r["id"] for r in records}) == len(records)
    assert not [r["id"] for r in records if not r["body"].strip()]
    # Stories: the captures hold one article twice (the Guardian's football and world feeds,
    # one link); no two different articles may share a story (benchmarks/evaluate_stories.py).
    stories = defaultdict(list)
    for record in records:
        stories[record["story_id"]].append(record)
    merged = [group for group in stories.values() if len(group) > 1]
    assert [len(group) for group in merged] == [2]
    assert len({canonical_link(r["link"]) for r in merged[0]}) == 1


def _suite_documents():
    with tarfile.open(FEEDPARSER_SUITE) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.endswith((".xml", ".rdf", ".atom")):
                yield member.name, archive.extractfile(member).read()


@pytest.mark.skipif(not FEEDPARSER_SUITE.is_file(), reason="feedparser's suite is not present")
def test_feedparser_suite_documents_never_crash_a_stage():
    """Well-formed, ill-formed and oddly encoded: items or a clean parse error, nothing else."""
    documents = items = 0
    for name, data in _suite_documents():
        documents += 1
        try:
            parsed = parse_feed(name, data, 0)
        except FeedParseError:
            continue
        for item in parsed:
            record = to_news_item(add_entities(add_topic(add_language(clean_item(item)))))
            assert isinstance(record["body"], str)
            items += 1
    assert documents > 1000 and items > 500
