"""The feed-cycle core, once: the rules follow mode and the streaming job both apply."""
import pytest
from newsbeam.transforms.feeds.parse import FeedParseError, parse_feed
from newsbeam.transforms.feeds.poll import FeedPollState, PollResult
from newsbeam.transforms.feeds.triage import (
    DEAD_LETTER,
    FAILING,
    NOT_MODIFIED,
    PARSE,
    UNCHANGED,
    body_hash,
    parse_body,
    safe_poll,
    triage,
)

FEED = "http://example.org/feed.xml"
RSS = (b"<rss version='2.0'><channel><title>t</title><item><guid>a</guid><title>A</title>"
       b"<description>Text.</description></item></channel></rss>")


def failed(error, before=None):
    before = before or FeedPollState(FEED)
    state = FeedPollState(FEED, failures=before.failures + 1, last_error=error)
    return PollResult(state, None, 500, error, 1_000)


def ok(body, status=200):
    return PollResult(FeedPollState(FEED), body, status, None, 2_000)


# --- triage -----------------------------------------------------------------------------------

def test_a_failure_is_a_dead_letter_when_it_starts():
    outcome = triage(FeedPollState(FEED), failed("boom"), None)
    assert outcome.kind == DEAD_LETTER and outcome.failed
    letter = outcome.dead_letter
    assert (letter["feed_url"], letter["stage"], letter["error"], letter["at"]) == (
        FEED, "read", "boom", 1_000)


def test_the_same_failure_again_is_not_reported_a_new_error_is():
    failing = FeedPollState(FEED, failures=1, last_error="boom")
    assert triage(failing, failed("boom", failing), None).kind == FAILING
    assert triage(failing, failed("other", failing), None).kind == DEAD_LETTER


def test_after_a_success_a_failure_is_reported_again():
    recovered = FeedPollState(FEED, failures=0, last_error=None)
    assert triage(recovered, failed("boom", recovered), None).kind == DEAD_LETTER


def test_304_and_the_same_bytes_again_give_nothing_to_parse():
    assert triage(FeedPollState(FEED), ok(None, 304), None).kind == NOT_MODIFIED
    assert triage(FeedPollState(FEED), ok(RSS), body_hash(RSS)).kind == UNCHANGED


def test_new_bytes_are_parsed_and_their_hash_kept():
    outcome = triage(FeedPollState(FEED), ok(RSS), body_hash(b"older"))
    assert (outcome.kind, outcome.body, outcome.body_hash) == (PARSE, RSS, body_hash(RSS))
    assert not outcome.failed


# --- parsing ------------------------------------------------------------------------------------

def test_parse_gives_the_items():
    parsed = parse_body(FEED, RSS, 5, parse_feed)
    assert not parsed.failed and parsed.dead_letters == []
    assert [i["guid"] for i in parsed.items] == ["a"]


def test_a_document_that_is_not_a_feed_is_a_parse_dead_letter():
    parsed = parse_body(FEED, b"not a feed", 5, parse_feed)
    [letter] = parsed.dead_letters
    assert parsed.failed and parsed.items == []
    assert (letter["stage"], letter["raw"], letter["at"]) == ("parse", b"not a feed", 5)
    assert letter["error"].startswith("FeedParseError: ")


def test_a_document_that_is_not_a_feed_keeps_only_its_first_4_kb():
    page = b"<html>" + b"admin panel " * 10_000
    [letter] = parse_body(FEED, page, 5, parse_feed).dead_letters
    assert letter["raw"] == page[:4096] and letter["raw_size"] == len(page)


@pytest.mark.parametrize("error", [ZeroDivisionError("division by zero"),
                                   RecursionError("maximum recursion depth exceeded"),
                                   UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start"),
                                   FeedParseError("not a feed")])
def test_whatever_the_parser_raises_is_one_dead_letter_for_that_feed(error):
    def parser(feed, data, fetched):
        raise error

    parsed = parse_body(FEED, b"<rss/>", 5, parser)
    [letter] = parsed.dead_letters
    assert parsed.items == [] and letter["feed_url"] == FEED and letter["stage"] == "parse"
    assert letter["error"].startswith(type(error).__name__ + ": ") and "\n" not in letter["error"]


# --- revisions ----------------------------------------------------------------------------------



# --- polling ------------------------------------------------------------------------------------

def test_a_poll_function_that_raises_is_a_failed_poll_with_backoff():
    def broken(state, *, interval, now):
        raise KeyError("bug")

    result = safe_poll(broken, FeedPollState(FEED), interval=60, now=1_000.0)
    assert result.body is None and result.state.failures == 1
    assert "unexpected error while polling: KeyError" in result.error
    assert result.state.next_due >= 1_000.0 + 60
