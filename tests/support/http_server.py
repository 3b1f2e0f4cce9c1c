"""A real HTTP server on loopback for tests, with routes that misbehave on purpose."""
from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from newsbeam.transforms.feeds.http import HttpClient, HttpSettings

# A loopback server is a private address: tests that use one must allow it, as a user would
# with --allow_private_addresses.
LOOPBACK = HttpSettings(allow_private_addresses=True)


def loopback_client(**settings) -> HttpClient:
    """A client that may connect to this machine's servers, with `settings` (HttpSettings')."""
    return HttpClient(HttpSettings(allow_private_addresses=True, **settings))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for the deliberately stuck handlers
    request_queue_size = 64  # the default 5 drops concurrent connects, which retry after 1 s


class FeedServer:
    """Serves `routes`: path -> (status, headers, body) or a callable(handler) for odd cases.

    `routes` may be changed while the server runs; `requests` records (path, headers) in order;
    `most_at_once` is the most requests it ever handled at the same time. `host` is any
    loopback address (127.0.0.2 is another host than 127.0.0.1 for per-host caps).
    """

    def __init__(self, routes: dict, host: str = "127.0.0.1"):
        self.routes = routes
        self.requests: list[tuple[str, dict]] = []
        self.at_once = 0
        self.most_at_once = 0
        self._count_lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                with server._count_lock:
                    server.at_once += 1
                    server.most_at_once = max(server.most_at_once, server.at_once)
                try:
                    route = server.routes.get(self.path)
                    if route is None:
                        self.send_error(404)
                    elif callable(route):
                        route(self)
                    else:
                        respond(self, *route)
                finally:
                    with server._count_lock:
                        server.at_once -= 1

        self._httpd = _Server((host, 0), Handler)
        self.base = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def respond(handler, status: int, headers: dict, body: bytes):
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def conditional(body: bytes, etag: str | None = None, last_modified: str | None = None,
                headers: dict | None = None):
    """A route answering 304 when the request's validators match, like a feed that has not changed."""
    validators = {name: value for name, value in
                  (("ETag", etag), ("Last-Modified", last_modified)) if value}

    def route(handler):
        unchanged = ((etag and handler.headers.get("If-None-Match") == etag)
                     or (last_modified and handler.headers.get("If-Modified-Since") == last_modified))
        if unchanged:
            respond(handler, 304, validators, b"")
        else:
            respond(handler, 200, {**validators, **(headers or {})}, body)
    return route


def never_answers(handler, seconds: float = 5.0):
    time.sleep(seconds)


def endless_body(handler, seconds: float = 5.0):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            handler.wfile.write(b"<!-- more -->")
            handler.wfile.flush()
            time.sleep(0.05)
    except (BrokenPipeError, ConnectionResetError):
        pass


def stalls_mid_body(handler, seconds: float = 5.0):
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b"<rss>")
    handler.wfile.flush()
    time.sleep(seconds)


def gzipped(body: bytes) -> tuple[int, dict, bytes]:
    return 200, {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}, gzip.compress(body)


def slow(route, seconds: float):
    """`route`, answered after `seconds`: keeps requests in flight long enough to count them."""
    def delayed(handler):
        time.sleep(seconds)
        if callable(route):
            route(handler)
        else:
            respond(handler, *route)
    return delayed


def trickle(handler, seconds: float = 60.0):
    """A 200 whose body comes one byte a second and never ends within `seconds`."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(1.0)
    except (BrokenPipeError, ConnectionResetError):
        pass
