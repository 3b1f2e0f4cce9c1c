"""The address guard: feed lists and article links are third-party input, so a request never
connects to a loopback, private, link-local, multicast or reserved address (IPv4 or IPv6)
unless the user allows it (--allow_private_addresses).

The check is made on the addresses a host name resolves to, right before connecting to one of
them, for every connection a request opens (each redirect included): a name that resolves to a
public address when listed and to 127.0.0.1 when fetched is still refused. A request that goes
through a proxy cannot be checked at the connection; its target is checked by name before it
is sent (`check_url`).
"""
from __future__ import annotations

import ipaddress
import socket
import sys
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection


class AddressRefused(OSError):
    """A request to an address the guard does not allow; the message says which and why."""


def is_public(address: str) -> bool:
    """Whether an IP address is one the internet routes to (not loopback, private, link-local,
    multicast, reserved or unspecified); an IPv4 address mapped into IPv6 counts as itself."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, all of them public, or AddressRefused; socket.gaierror
    when it does not resolve."""
    addresses = list(dict.fromkeys(
        info[4][0] for info in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)))
    allowed = [address for address in addresses if is_public(address)]
    if not allowed:
        shown = host if addresses[0] == host else f"{host} ({addresses[0]})"
        raise AddressRefused(f"{shown} is a private or reserved address; "
                             f"--allow_private_addresses lets newsbeam connect to it")
    return allowed


def check_url(url: str) -> None:
    """AddressRefused when the host of `url` resolves to no public address."""
    parts = urlsplit(url)
    try:
        public_addresses(parts.hostname or "", parts.port or (443 if parts.scheme == "https"
                                                              else 80))
    except socket.gaierror:
        pass  # the request itself reports that the name does not resolve


class _GuardedConnection:
    """Connects only to public addresses of the host (a mixin over urllib3's connections)."""

    def _new_conn(self) -> socket.socket:
        try:
            addresses = public_addresses(self._dns_host, self.port)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        except AddressRefused as error:
            raise NewConnectionError(self, str(error)) from error
        last_error: OSError | None = None
        for address in addresses:
            try:
                sock = connection.create_connection(
                    (address, self.port), self.timeout, source_address=self.source_address,
                    socket_options=self.socket_options)
            except socket.timeout as error:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out. "
                                                f"(connect timeout={self.timeout})") from error
            except OSError as error:
                last_error = error
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


class _GuardedHTTPConnection(_GuardedConnection, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnection, HTTPSConnection):
    pass


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose direct connections go to public addresses only."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPConnectionPool,
                                                   "https": _GuardedHTTPSConnectionPool}
