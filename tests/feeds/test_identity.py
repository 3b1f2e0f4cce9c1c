"""Item fingerprints: what counts as the same text."""
from newsbeam.transforms.feeds.identity import (
    DUPLICATE,
    NEW,
    REVISED,
    fingerprint,
    item_id,
    next_revision,
)


def test_same_text_same_fingerprint_despite_markup_and_spacing():
    assert fingerprint("T", "<p>Hello  world</p>") == fingerprint("T", "Hello world")


def test_rotated_tracking_pixel_is_not_a_change():
    assert (fingerprint("T", "Text<img src='http://t/a.gif'/>")
            == fingerprint("T", "Text<img src='http://t/b.gif'/>"))


def test_edited_text_or_title_is_a_change():
    assert fingerprint("T", "Hello world") != fingerprint("T", "Hello world!")
    assert fingerprint("T", "Hello") != fingerprint("T2", "Hello")


def test_item_id_is_stable_and_depends_on_feed():
    assert item_id("f", "g", None, "", None) == item_id("f", "g", "other", "t", 5)
    assert item_id("f", "g", None, "", None) != item_id("f2", "g", None, "", None)
    assert len(item_id("f", None, None, "title", None)) == 32


def test_new_revised_and_duplicate():
    assert (next_revision(None, "f1").kind, next_revision(None, "f1").revision) == (NEW, 1)
    assert (next_revision(("f1", 3), "f1").kind, next_revision(("f1", 3), "f1").revision) == (
        DUPLICATE, 3)
    assert (next_revision(("f1", 3), "f2").kind, next_revision(("f1", 3), "f2").revision) == (
        REVISED, 4)
