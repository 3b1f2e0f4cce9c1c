"""Where the tests find things: the repository, the fixtures, the development data."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
FEEDS = FIXTURES / "feeds"
SEED = (FIXTURES / "seed_ar.txt").read_text(encoding="utf-8")
# The development data (../shared/data beside the repository, or $NEWSBEAM_DATA): optional
# tests skip when it is absent.
DEV_DATA = Path(os.environ.get("NEWSBEAM_DATA") or REPO / ".." / "shared" / "data")
