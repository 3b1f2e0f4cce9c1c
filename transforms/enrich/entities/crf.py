"""What both taggers need of a CRF's labels: the entities in them."""
from __future__ import annotations


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(first, last, label) of the entities in IOB2 tags; an I- that does not continue an
    entity of its label starts one (the conlleval convention)."""
    spans = []
    start, label = 0, None
    for index, tag in enumerate(tags):
        if tag == "O" or tag.startswith("B-") or tag[2:] != label:
            if label is not None:
                spans.append((start, index - 1, label))
                label = None
            if tag != "O":
                start, label = index, tag[2:]
    if label is not None:
        spans.append((start, len(tags) - 1, label))
    return spans
