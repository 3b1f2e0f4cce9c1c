"""Dead letters: the raw input kept, capped."""
import hashlib

from newsbeam.transforms.output.dead_letters import RAW_CAP_BYTES, dead_letter


def test_dead_letter_caps_raw_and_records_the_cap():
    letter = dead_letter("f", "parse", "boom", b"x" * (RAW_CAP_BYTES + 10), at_millis=5)
    assert len(letter["raw"]) == RAW_CAP_BYTES
    assert letter["raw_size"] == RAW_CAP_BYTES + 10
    assert letter["raw_cap"] == RAW_CAP_BYTES


def test_dead_letter_keeps_the_hash_of_the_whole_input():
    raw = b"secret" * 10_000
    letter = dead_letter("f", "parse", "boom", raw, cap=4096)
    assert letter["raw"] == raw[:4096] and letter["raw_size"] == len(raw)
    assert letter["raw_sha256"] == hashlib.sha256(raw).hexdigest()
    assert dead_letter("f", "read", "down", b"")["raw_sha256"] is None
