"""Fetching feeds from a real loopback server and from files."""
import pytest
from newsbeam.transforms.feeds.http import (
    FetchError,
    http_get,
    read_path,
)

from tests.support.http_server import (
    FeedServer,
    endless_body,
    gzipped,
    loopback_client,
    never_answers,
    stalls_mid_body,
)

FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


def fetch(source, **limits):
    """The bytes of a feed through a client with `limits` (HttpSettings' fields)."""
    return loopback_client(**limits).read(source)


@pytest.fixture
def server():
    routes = {
        "/feed.xml": (200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, FEED),
        "/moved": (301, {"Location": "/feed.xml"}, b""),
        "/gone": (500, {}, b"oops"),
        "/gzip": gzipped(FEED),
        "/big": (200, {}, b"x" * 5000),
        "/slow": never_answers,
        "/endless": endless_body,
        "/stalls": stalls_mid_body,
        "/loop-a": (302, {"Location": "/loop-b"}, b""),
        "/loop-b": (302, {"Location": "/loop-a"}, b""),
    }
    with FeedServer(routes) as running:
        yield running


def test_fetch_returns_body_and_headers(server):
    result = fetch(server.url("/feed.xml"))
    assert (result.status, result.body, result.headers["ETag"]) == (200, FEED, '"v1"')


def test_fetch_follows_redirects(server):
    result = fetch(server.url("/moved"))
    assert result.url == server.url("/feed.xml") and result.body == FEED
    assert result.redirects == (301,)


def test_header_names_are_case_insensitive(server):
    assert fetch(server.url("/feed.xml")).headers["etag"] == '"v1"'


def test_redirect_loop_is_an_error(server):
    with pytest.raises(FetchError, match="/loop-a: redirect loop at .*/loop-a"):
        fetch(server.url("/loop-a"))
    assert len(server.requests) == 2


def test_http_get_returns_error_statuses(server):
    result = http_get(server.url("/gone"), allow_private=True)
    assert (result.status, result.reason, result.body) == (500, "Internal Server Error", b"oops")


def test_fetch_decodes_gzip(server):
    assert fetch(server.url("/gzip")).body == FEED


def test_http_error_names_the_url_and_status(server):
    with pytest.raises(FetchError, match=r"/gone: HTTP 500"):
        fetch(server.url("/gone"))


def test_response_size_is_capped(server):
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch(server.url("/big"), max_bytes=1000)


def test_server_that_never_answers_times_out(server):
    with pytest.raises(FetchError, match="timed out"):
        fetch(server.url("/slow"), connect_timeout=0.5, total_timeout=0.5)


def test_body_that_never_ends_is_cut_at_the_deadline(server):
    with pytest.raises(FetchError, match="no complete response within 1 s"):
        fetch(server.url("/endless"), total_timeout=1.0)


def test_body_that_stalls_times_out(server):
    with pytest.raises(FetchError, match="/stalls: timed out"):
        fetch(server.url("/stalls"), total_timeout=0.5)


def test_unreachable_host_is_one_line():
    with pytest.raises(FetchError) as error:
        fetch("http://127.0.0.1:9/feed.xml", connect_timeout=0.5)
    assert "cannot connect" in str(error.value) and "\n" not in str(error.value)


def test_read_path_missing_file():
    with pytest.raises(FetchError, match="no such file"):
        read_path("/no/such/feed.xml")


def test_a_client_reads_files(tmp_path):
    path = tmp_path / "f.xml"
    path.write_bytes(FEED)
    assert fetch(str(path)).body == FEED
