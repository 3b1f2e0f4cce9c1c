"""Coders for newsbeam's Beam state."""
from __future__ import annotations

import json

from apache_beam.coders import Coder


class JsonCoder(Coder):
    """JSON for state cells: readable, and unlike pickle it survives changes to the classes."""

    def encode(self, value) -> bytes:
        return json.dumps(value, sort_keys=True).encode("utf-8")

    def decode(self, encoded: bytes):
        return json.loads(encoded.decode("utf-8"))

    def is_deterministic(self) -> bool:
        return True
