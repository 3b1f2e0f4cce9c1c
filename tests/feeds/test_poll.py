"""Polling feeds against a real loopback server: what the server saw and the state that results."""
import json
import pickle
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate

import pytest
from newsbeam.transforms.feeds.poll import FeedPollState, poll_feed

from tests.support.http_server import (
    FeedServer,
    conditional,
    endless_body,
    gzipped,
    loopback_client,
    never_answers,
)

FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
NOW = 1_700_000_000.0
LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"


@pytest.fixture
def server():
    with FeedServer({}) as running:
        yield running


def poll(server, path, state=None, **options):
    options.setdefault("interval", 60)
    options.setdefault("now", NOW)
    options.setdefault("client", loopback_client())
    return poll_feed(state or FeedPollState(server.url(path)), **options)


def delay(result):
    return result.state.next_due - NOW


def test_200_then_304_with_etag(server):
    server.routes["/f"] = conditional(FEED, etag='"v1"')
    first = poll(server, "/f")
    assert (first.status, first.body, first.error) == (200, FEED, None)
    assert (first.state.etag, delay(first), first.fetched_millis) == ('"v1"', 60, NOW * 1000)
    earlier = FeedPollState.from_dict({**first.state.as_dict(), "failures": 3})
    second = poll(server, "/f", earlier)
    assert server.requests[1][1]["If-None-Match"] == '"v1"'
    assert (second.status, second.body, second.error) == (304, None, None)
    assert (second.state.failures, second.state.etag, second.state.last_status) == (0, '"v1"', 304)
    assert earlier.failures == 3  # the input state is left alone


def test_last_modified_round_trip(server):
    server.routes["/f"] = conditional(FEED, last_modified=LAST_MODIFIED)
    first = poll(server, "/f")
    assert (first.state.last_modified, first.state.etag) == (LAST_MODIFIED, None)
    second = poll(server, "/f", first.state)
    assert server.requests[1][1]["If-Modified-Since"] == LAST_MODIFIED
    assert "If-None-Match" not in server.requests[1][1]
    assert second.status == 304


def test_permanent_redirect_chain_is_remembered(server):
    server.routes.update({"/old": (301, {"Location": "/older"}, b""),
                          "/older": (308, {"Location": "/f"}, b""),
                          "/f": (200, {}, FEED)})
    first = poll(server, "/old")
    assert (first.body, first.state.location) == (FEED, server.url("/f"))
    assert first.state.feed == server.url("/old")
    poll(server, "/old", first.state)
    assert server.paths() == ["/old", "/older", "/f", "/f"]


@pytest.mark.parametrize("start", ["/temp", "/mixed"])
def test_temporary_redirect_is_followed_not_remembered(server, start):
    server.routes.update({"/mixed": (301, {"Location": "/temp"}, b""),
                          "/temp": (302, {"Location": "/f"}, b""),
                          "/f": (200, {}, FEED)})
    first = poll(server, start)
    assert (first.body, first.state.location) == (FEED, None)
    poll(server, start, first.state)
    assert server.paths().count(start) == 2


def test_redirect_loop_is_an_error(server):
    server.routes.update({"/a": (301, {"Location": "/b"}, b""),
                          "/b": (301, {"Location": "/a"}, b"")})
    result = poll(server, "/a")
    assert (result.status, result.body, result.state.failures) == (None, None, 1)
    assert "redirect loop" in result.error and result.state.location is None


def test_429_honours_retry_after_seconds(server):
    server.routes["/f"] = (429, {"Retry-After": "120"}, b"")
    result = poll(server, "/f")
    assert (result.status, result.body, result.state.failures) == (429, None, 1)
    assert "HTTP 429" in result.error and delay(result) >= 120


def test_503_honours_retry_after_http_date(server):
    server.routes["/f"] = (503, {"Retry-After": formatdate(NOW + 3000, usegmt=True)}, b"")
    result = poll(server, "/f")
    assert result.status == 503 and delay(result) == 3000


def test_500_backs_off_doubling_and_success_resets(server):
    server.routes["/f"] = (500, {}, b"")
    state, delays = FeedPollState(server.url("/f")), []
    for _ in range(3):
        result = poll(server, "/f", state)
        state = result.state
        delays.append(delay(result))
    # The jitter depends on the URL, hence on the server's port: compare ratios, not values.
    assert 120 <= delays[0] < 132 and delays[1:] == pytest.approx([delays[0] * 2, delays[0] * 4])
    assert (state.failures, state.last_status) == (3, 500) and "/f: HTTP 500" in state.last_error
    server.routes["/f"] = (200, {}, FEED)
    recovered = poll(server, "/f", state)
    assert (recovered.state.failures, recovered.state.last_error, delay(recovered)) == (0, None, 60)


def test_last_success_is_the_last_poll_that_got_the_feed_and_failures_keep_it(server):
    server.routes["/f"] = conditional(FEED, etag='"v1"')
    first = poll(server, "/f")
    not_modified = poll(server, "/f", first.state, now=NOW + 60)
    server.routes["/f"] = (500, {}, b"")
    failed = poll(server, "/f", not_modified.state, now=NOW + 120)
    assert (first.state.last_success, not_modified.state.last_success) == (NOW, NOW + 60)
    assert failed.state.last_success == NOW + 60


def test_backoff_is_capped(server):
    server.routes["/f"] = (500, {}, b"")
    result = poll(server, "/f", FeedPollState(server.url("/f"), failures=5000), max_backoff=600)
    assert delay(result) == 600


def test_410_backs_off_to_the_maximum_at_once(server):
    server.routes["/f"] = (410, {}, b"")
    result = poll(server, "/f")
    assert (result.status, delay(result), result.state.failures) == (410, 6 * 3600, 1)


def test_server_that_never_answers_times_out(server):
    server.routes["/f"] = never_answers
    started = time.monotonic()
    result = poll(server, "/f", connect_timeout=0.3, total_timeout=0.3)
    assert time.monotonic() - started < 1
    assert (result.status, result.state.failures) == (None, 1) and "timed out" in result.error


def test_body_that_never_ends_is_cut_at_the_deadline(server):
    server.routes["/f"] = endless_body
    started = time.monotonic()
    result = poll(server, "/f", total_timeout=0.5)
    assert time.monotonic() - started < 1.2
    assert "no complete response within 0.5 s" in result.error and result.body is None


def test_body_over_the_size_cap_is_an_error(server):
    server.routes["/f"] = (200, {}, b"x" * 5000)
    assert "larger than 1000 bytes" in poll(server, "/f", max_bytes=1000).error


def test_refused_connection_is_an_error():
    result = poll_feed(FeedPollState("http://127.0.0.1:9/f"), interval=60, now=NOW,
                       connect_timeout=0.5, client=loopback_client())
    assert "cannot connect" in result.error and "\n" not in result.error
    assert (result.status, result.state.last_status, result.state.failures) == (None, None, 1)


def test_gzip(server):
    server.routes["/f"] = gzipped(FEED)
    assert poll(server, "/f").body == FEED


@pytest.mark.parametrize("max_age, expected", [(900, 900), (10, 60)])
def test_cache_control_max_age_is_a_lower_bound(server, max_age, expected):
    server.routes["/f"] = (200, {"Cache-Control": f"public, max-age={max_age}"}, FEED)
    assert delay(poll(server, "/f")) == expected


def test_rss_ttl_is_a_lower_bound_also_after_a_304(server):
    body = b"<rss><channel><title>t</title><ttl>30</ttl></channel></rss>"
    server.routes["/f"] = conditional(body, etag='"v1"')
    first = poll(server, "/f")
    second = poll(server, "/f", first.state)
    assert (delay(first), second.status, delay(second)) == (1800, 304, 1800)


def test_a_silly_ttl_is_capped(server):
    server.routes["/f"] = (200, {}, b"<rss><channel><ttl>999999</ttl></channel></rss>")
    assert delay(poll(server, "/f", max_backoff=7200)) == 7200


def test_file_feed(tmp_path):
    path = tmp_path / "f.xml"
    path.write_bytes(FEED)
    first = poll_feed(FeedPollState(str(path)), interval=60, now=NOW)
    second = poll_feed(first.state, interval=60, now=NOW)
    assert (second.body, second.status, delay(second), second.error) == (FEED, 200, 60, None)
    path.unlink()
    missing = poll_feed(second.state, interval=60, now=NOW)
    assert (missing.body, missing.state.failures) == (None, 1) and "no such file" in missing.error


def test_error_after_a_move_names_the_feed(server):
    server.routes["/new"] = (500, {}, b"")
    state = FeedPollState("http://example.invalid/old", location=server.url("/new"))
    result = poll_feed(state, interval=60, now=NOW, client=loopback_client())
    assert result.error.endswith("(feed http://example.invalid/old)")
    assert server.paths() == ["/new"]


def test_state_round_trips_through_json_and_pickle():
    state = FeedPollState("http://x/f", location="http://y/f", etag='"e"', last_modified="d",
                          next_due=12.5, failures=2, last_status=500, last_error="boom",
                          feed_ttl=1800.0, last_success=10.0)
    assert FeedPollState.from_dict(json.loads(json.dumps(state.as_dict()))) == state
    assert pickle.loads(pickle.dumps(state)) == state
    assert FeedPollState.from_dict({"feed": "f", "added_later": 1}) == FeedPollState("f")


def test_one_client_shared_by_threads(server):
    paths = [f"/f{i}" for i in range(16)]
    server.routes.update({path: conditional(FEED, etag=f'"{path}"') for path in paths})
    client = loopback_client(per_host=8)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda path: poll(server, path, client=client), paths))
    assert [result.state.etag for result in results] == [f'"{path}"' for path in paths]
    assert all(result.status == 200 for result in results)
