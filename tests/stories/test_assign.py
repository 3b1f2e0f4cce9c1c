"""The story rule: which story a record joins, for any store of story keys."""
from newsbeam.transforms.stories.assign import (
    Entry,
    MemoryIndex,
    assign,
    assign_in_order,
    choose,
    match,
)
from newsbeam.transforms.stories.keys import story_keys

from tests.support.stories import OTHER, WIRE


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
