"""The address guard: no request to loopback, private, link-local, multicast or reserved
addresses unless allowed, checked on the address connected to and on every redirect."""
import pytest
from newsbeam.transforms.feeds import guard
from newsbeam.transforms.feeds.guard import AddressRefused, check_url, is_public
from newsbeam.transforms.feeds.http import FetchError, HttpClient

from tests.support.feeds import rss
from tests.support.http_server import FeedServer, loopback_client


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1",
    "::ffff:127.0.0.1", "ff02::1", "::"])
def test_addresses_the_internet_does_not_route_to_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::6810:85e5",
                                     "::ffff:8.8.8.8"])
def test_routable_addresses_are_public(address):
    assert is_public(address)


def test_a_name_that_resolves_to_loopback_is_refused():
    with pytest.raises(AddressRefused, match="localhost"):
        check_url("http://localhost:8080/feed.xml")


def test_a_loopback_server_is_not_contacted_without_the_flag():
    with FeedServer({"/feed.xml": (200, {}, rss(("a", "A", "Text.")))}) as server:
        with pytest.raises(FetchError, match="refused: 127.0.0.1 is a private"):
            HttpClient().read(server.url("/feed.xml"))
        assert server.requests == []
        assert loopback_client().read(server.url("/feed.xml")).status == 200


def test_a_redirect_to_a_private_address_is_refused(monkeypatch):
    # 127.0.0.1 plays a public server here; 127.0.0.2 a private one it redirects to.
    monkeypatch.setattr(guard, "is_public", lambda address: address == "127.0.0.1")
    with FeedServer({"/x.xml": (200, {}, b"secret")}, host="127.0.0.2") as private, \
            FeedServer({"/feed.xml": (302, {"Location": private.url("/x.xml")}, b"")}) as public:
        with pytest.raises(FetchError, match="refused: 127.0.0.2 is a private"):
            HttpClient().read(public.url("/feed.xml"))
        assert public.paths() == ["/feed.xml"] and private.requests == []


def test_a_redirect_to_another_scheme_is_refused():
    with FeedServer({"/feed.xml": (301, {"Location": "file:///etc/passwd"}, b"")}) as server:
        with pytest.raises(FetchError, match="not an http"):
            loopback_client().read(server.url("/feed.xml"))
