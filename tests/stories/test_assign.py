"""The story rule: which story a record joins, for any store of story keys."""
from newsbeam.transforms.stories.assign import (
    Entry,
    MemoryIndex,
    assign,
    choose,
    match,
    stories_in_order,
)
from newsbeam.transforms.stories.keys import story_keys, story_row

from tests.support.stories import OTHER, WIRE, WIRE_AR


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


def row(record_id, published, link, body):
    return story_row({"id": record_id, "published": published, "link": link, "body": body})


def test_a_run_is_decided_in_publication_order_and_only_joiners_are_listed():
    rows = [row("later", 20, "https://x.example/1", WIRE),
            row("earlier", 10, "https://y.example/2", WIRE),
            row("alone", 15, "https://z.example/3", OTHER)]
    assert stories_in_order(rows) == {"later": "earlier"}


def test_deciding_from_shared_keys_only_gives_what_the_whole_index_gives():
    texts = [WIRE, WIRE.replace("Thursday", "Friday"), OTHER, WIRE_AR, OTHER + " More."]
    links = ["https://a.example/1", "https://b.example/2", "https://a.example/1",
             "https://c.example/3", "https://d.example/4"]
    rows = [row(f"r{n}", n, link, text) for n, (link, text) in enumerate(zip(links, texts))]
    index, expected = MemoryIndex(), {}
    for n, (link, text) in enumerate(zip(links, texts)):
        story = assign(f"r{n}", n, story_keys(link, text), index).story
        if story != f"r{n}":
            expected[f"r{n}"] = story
    assert stories_in_order(rows) == expected == {"r1": "r0", "r2": "r0", "r4": "r0"}
