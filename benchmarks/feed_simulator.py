"""Thousands of simulated news feeds on loopback, for the follow-mode benchmarks.

Each feed keeps its latest items and an ETag, answers 304 to a matching If-None-Match, and
gains a new item when `publish` says so. The server runs in its own process (asyncio, raw HTTP
with keep-alive) so that the follower's CPU can be measured apart from it. Every published
item is appended to a log (guid, tab, publication time), so a benchmark can compare what was
published, and when, with what was written.

Feeds are spread over `hosts` loopback addresses (127.0.0.1, 127.0.0.2, ...), like feeds spread
over sites: a follower's per-host cap applies to each address. Each item's text is a different
draw of sentences, so items are different stories.

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
HOSTS = 100
# Sentences from templates with random fillers: about the length of a news teaser, and items
# different enough not to be one story (the same six sentences would make every item a copy).
_WHO_EN = ("The minister", "The central bank", "The opposition", "The governor", "Police",
           "The court", "Union leaders", "The club", "Rescue teams", "The company", "Farmers",
           "The army", "Health officials", "The mayor", "Prosecutors", "The president")
_DID_EN = ("announced", "rejected", "postponed", "approved", "criticised", "welcomed",
           "investigated", "confirmed", "denied", "proposed", "suspended", "defended")
_WHAT_EN = ("a plan", "the budget", "new rules", "a contract", "the talks", "an inquiry",
            "the strike", "a reform", "the ruling", "the deal", "a ban", "the election date")
_WHERE_EN = ("in the capital", "in the north", "near the border", "in the port city",
             "in three provinces", "at a news conference", "in parliament", "on the coast")
_WHO_AR = ("الوزير", "البنك المركزي", "المعارضة", "المحافظ", "الشرطة", "المحكمة", "النقابة",
           "النادي", "فرق الإنقاذ", "الشركة", "المزارعون", "الجيش", "وزارة الصحة", "رئيس البلدية",
           "النيابة العامة", "الرئيس")
_DID_AR = ("أعلن", "رفض", "أرجأ", "أقر", "انتقد", "رحب", "حقق", "أكد", "نفى", "اقترح", "علق",
           "دافع عن")
_WHAT_AR = ("خطة", "الميزانية", "قواعد جديدة", "عقدا", "المحادثات", "تحقيقا", "الإضراب",
            "إصلاحا", "الحكم", "الاتفاق", "حظرا", "موعد الانتخابات")
_WHERE_AR = ("في العاصمة", "في الشمال", "قرب الحدود", "في المدينة الساحلية", "في ثلاث محافظات",
             "في مؤتمر صحفي", "في البرلمان", "على الساحل")


def _sentence(rng: random.Random, arabic: bool) -> str:
    if arabic:
        return (f"{rng.choice(_DID_AR)} {rng.choice(_WHO_AR)} {rng.choice(_WHAT_AR)} "
                f"{rng.choice(_WHERE_AR)} يوم {rng.randint(1, 28)} بعد {rng.randint(2, 900)} "
                f"يوما من {rng.choice(_WHAT_AR)} {rng.choice(_WHERE_AR)}.")
    return (f"{rng.choice(_WHO_EN)} {rng.choice(_DID_EN)} {rng.choice(_WHAT_EN)} "
            f"{rng.choice(_WHERE_EN)} on day {rng.randint(1, 28)}, {rng.randint(2, 900)} days "
            f"after {rng.choice(_WHAT_EN)} {rng.choice(_WHERE_EN)}, officials said.")


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
        text = " ".join(_sentence(self.random, arabic) for _ in range(6))
        self.items[feed].insert(0, (guid, time.time(), arabic, text))
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
                f"<description>{text}</description></item>"
                for guid, published, arabic, text in self.items[feed])
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
                log_path: str | None, ready, publish_for: float | None, hosts: int):
    feeds = Feeds(count)
    log = open(log_path, "a", encoding="utf-8") if log_path else None
    for feed in range(count):  # every feed starts with a few items
        for _ in range(3):
            guid = feeds.publish(feed)
            if log:
                log.write(f"{guid}\t{time.time():.3f}\n")
    server = await asyncio.start_server(lambda r, w: _serve_connection(feeds, r, w),
                                        [_host(n) for n in range(hosts)], port, backlog=1024)
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
          log_path: str | None = None, ready=None, publish_for: float | None = None,
          hosts: int = HOSTS) -> None:
    asyncio.run(_main(count, port, publish_every, publish_share, log_path, ready, publish_for,
                      min(hosts, count)))


def _host(n: int) -> str:
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


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


def feed_urls(count: int, port: int, hosts: int = HOSTS) -> list[str]:
    hosts = min(hosts, count)
    return [f"http://{_host(feed % hosts)}:{port}/feeds/{feed}.xml" for feed in range(count)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8808)
    parser.add_argument("--publish_every", type=float, default=60.0)
    parser.add_argument("--publish_share", type=float, default=0.05)
    parser.add_argument("--hosts", type=int, default=HOSTS)
    args = parser.parse_args()
    serve(args.feeds, args.port, publish_every=args.publish_every,
          publish_share=args.publish_share, hosts=args.hosts)


# ---------------------------------------------------------------------------------------------
# Hostile feeds: a server that never answers, one that trickles a byte a second, a redirect loop

async def _serve_hostile(reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.decode("latin-1").split(" ")[1]
        if path.startswith("/hang"):
            await asyncio.sleep(3600)
        elif path.startswith("/trickle"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n")
            for _ in range(3600):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(1.0)
        else:  # /loop-a <-> /loop-b
            target = "/loop-b" if path.startswith("/loop-a") else "/loop-a"
            writer.write(f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n"
                         f"\r\n".encode())
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        writer.close()


async def _hostile_main(host: str, port: int, ready):
    server = await asyncio.start_server(_serve_hostile, host, port, backlog=256)
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()


HOSTILE_HOST = "127.0.9.1"


def _run_hostile(host: str, port: int, ready) -> None:
    asyncio.run(_hostile_main(host, port, ready))


def start_hostile_in_background(port: int) -> multiprocessing.Process:
    """The hostile server in a child process, on its own loopback address."""
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=_run_hostile, args=(HOSTILE_HOST, port, ready),
                                      daemon=True)
    process.start()
    if not ready.wait(60):
        process.terminate()
        raise RuntimeError("the hostile server did not start")
    return process


def hostile_urls(port: int, each: int = 1) -> list[str]:
    """`each` feeds that hang, `each` that trickle and `each` that redirect in a loop."""
    return [f"http://{HOSTILE_HOST}:{port}/{kind}-{n}.xml" for kind in ("hang", "trickle", "loop-a")
            for n in range(each)]
