"""Story keys: canonical links and near-duplicate text bands."""
import pytest
from newsbeam.transforms.stories.keys import canonical_link, text_bands

from tests.support.stories import OTHER, WIRE, WIRE_AR


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
