"""Thousands of simulated news feeds on loopback, for the follow-mode benchmarks.

Each feed keeps its latest items and an ETag, answers 304 to a matching If-None-Match, and
gains a new item when `publish` says so. The server runs in its own process (asyncio, raw HTTP
with keep-alive) so that the follower's CPU can be measured apart from it. Every published
item is appended to a log (guid, tab, publication time), so a benchmark can compare what was
published, and when, with what was written.

    python benchmarks/feed_simulator.py --feeds 1000 --port 8808   # serve until Ctrl-C
"""
from __future__ import annotations

import argparse
import asyncio
import email.utils
import multiprocessing
import random
import time

ITEMS_PER_FEED = 20
_TEXT_EN = ("The ministers met in the capital on Monday to discuss the budget and the elections "
            "planned for next year, officials said. ") * 6
_TEXT_AR = ("قال وزير الخارجية في مؤتمر صحفي اليوم إن المفاوضات مع الجانبين مستمرة، وإن الحكومة "
            "تأمل التوصل إلى اتفاق قبل نهاية الشهر. ") * 6


class Feeds:
    def __init__(self, count: int, seed: int = 1):
        self.random = random.Random(seed)
        self.items = [[] for _ in range(count)]
        self.version = [0] * count
        self.sequence = 0
        self._bodies: dict[int, bytes] = {}

    def publish(self, feed: int) -> str:
        self.sequence += 1
        guid = f"sim-{feed}-{self.sequence}"
        arabic = feed % 2 == 0
        self.items[feed].insert(0, (guid, time.time(), arabic))
        del self.items[feed][ITEMS_PER_FEED:]
        self.version[feed] += 1
        self._bodies.pop(feed, None)
        return guid

    def etag(self, feed: int) -> str:
        return f'"{feed}-{self.version[feed]}"'

    def body(self, feed: int) -> bytes:
        if feed not in self._bodies:
            entries = "".join(
                f"<item><title>{'خبر' if arabic else 'Story'} {guid}</title><guid>{guid}</guid>"
                f"<pubDate>{email.utils.formatdate(published, usegmt=True)}</pubDate>"
                f"<description>{_TEXT_AR if arabic else _TEXT_EN}</description></item>"
                for guid, published, arabic in self.items[feed])
            self._bodies[feed] = (
                f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
                f"<title>Simulated feed {feed}</title>{entries}</channel></rss>").encode("utf-8")
        return self._bodies[feed]


async def _serve_connection(feeds: Feeds, reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(":") for line in lines[1:] if line)}
            try:
                feed = int(path.rsplit("/", 1)[-1].split(".")[0])
                feeds.items[feed]
            except (ValueError, IndexError):
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                continue
            etag = feeds.etag(feed)
            if headers.get("if-none-match") == etag:
                writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n".encode())
            else:
                body = feeds.body(feed)
                writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                             f"ETag: {etag}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        writer.close()


async def _main(count: int, port: int, publish_every: float, publish_share: float,
                log_path: str | None, ready, publish_for: float | None):
    feeds = Feeds(count)
    log = open(log_path, "a", encoding="utf-8") if log_path else None
    for feed in range(count):  # every feed starts with a few items
        for _ in range(3):
            guid = feeds.publish(feed)
            if log:
                log.write(f"{guid}\t{time.time():.3f}\n")
    server = await asyncio.start_server(lambda r, w: _serve_connection(feeds, r, w),
                                        "127.0.0.1", port, backlog=1024)
    if ready is not None:
        ready.set()
    started = time.monotonic()
    try:
        while True:
            await asyncio.sleep(publish_every)
            if publish_for is not None and time.monotonic() - started > publish_for:
                continue  # keep serving, stop publishing: lets a follower catch up at the end
            for feed in feeds.random.sample(range(count), max(1, int(count * publish_share))):
                guid = feeds.publish(feed)
                if log:
                    log.write(f"{guid}\t{time.time():.3f}\n")
            if log:
                log.flush()
    finally:
        server.close()
        if log:
            log.close()


def serve(count: int, port: int, *, publish_every: float = 60.0, publish_share: float = 0.05,
          log_path: str | None = None, ready=None, publish_for: float | None = None) -> None:
    asyncio.run(_main(count, port, publish_every, publish_share, log_path, ready, publish_for))


def start_in_background(count: int, port: int, **kwargs) -> multiprocessing.Process:
    """The simulator in a child process; returns once it accepts connections."""
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=serve, args=(count, port),
                                      kwargs={**kwargs, "ready": ready}, daemon=True)
    process.start()
    if not ready.wait(60):
        process.terminate()
        raise RuntimeError("the feed simulator did not start")
    return process


def feed_urls(count: int, port: int) -> list[str]:
    return [f"http://127.0.0.1:{port}/feeds/{feed}.xml" for feed in range(count)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8808)
    parser.add_argument("--publish_every", type=float, default=60.0)
    parser.add_argument("--publish_share", type=float, default=0.05)
    args = parser.parse_args()
    serve(args.feeds, args.port, publish_every=args.publish_every,
          publish_share=args.publish_share)
