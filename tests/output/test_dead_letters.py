"""Dead letters: the raw input kept, capped."""
from newsbeam.transforms.output.dead_letters import RAW_CAP_BYTES, dead_letter


def test_dead_letter_caps_raw_and_records_the_cap():
    letter = dead_letter("f", "parse", "boom", b"x" * (RAW_CAP_BYTES + 10), at_millis=5)
    assert len(letter["raw"]) == RAW_CAP_BYTES
    assert letter["raw_size"] == RAW_CAP_BYTES + 10
    assert letter["raw_cap"] == RAW_CAP_BYTES
