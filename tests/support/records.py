"""Minimal records for tests."""


DAY_MS = 1_600_000_000_000  # 2020-09-13 UTC


def minimal(**fields):
    return {"id": "i", "feed_url": "f", "fetched": DAY_MS, **fields}
