"""Item fingerprints: what counts as the same text."""
from newsbeam.transforms.feeds.identity import fingerprint


def test_same_text_same_fingerprint_despite_markup_and_spacing():
    assert fingerprint("T", "<p>Hello  world</p>") == fingerprint("T", "Hello world")


def test_rotated_tracking_pixel_is_not_a_change():
    assert (fingerprint("T", "Text<img src='http://t/a.gif'/>")
            == fingerprint("T", "Text<img src='http://t/b.gif'/>"))


def test_edited_text_or_title_is_a_change():
    assert fingerprint("T", "Hello world") != fingerprint("T", "Hello world!")
    assert fingerprint("T", "Hello") != fingerprint("T2", "Hello")
