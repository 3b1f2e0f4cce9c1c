"""The crash-safe hand-off between a cycle and its files: a batch is written to the inbox before
its Avro files, and removed only after the state has committed it.

A crash in between leaves the batch in the inbox; the next start writes its files again under
the same batch id (the same names, so they are replaced, not duplicated) and commits it. Each
batch is two JSON-lines files, renamed into place when complete; the items file appears last,
so its presence marks a batch as whole.
"""
from __future__ import annotations

import base64
import json
import os

_ITEMS, _DEAD, _COUNTS = ".items.jsonl", ".dead.jsonl", ".counts.json"


class Inbox:
    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    def _paths(self, batch_id: str) -> tuple[str, str, str]:
        return tuple(os.path.join(self.folder, batch_id + suffix)
                     for suffix in (_ITEMS, _DEAD, _COUNTS))

    def write(self, batch_id: str, items: list[dict], dead_letters: list[dict],
              counts: dict[str, int]) -> None:
        """Saves a batch: `items` are JSON-ready dicts, dead letters carry bytes in `raw`,
        `counts` are the summary's counts that no record or dead letter carries."""
        items_path, dead_path, counts_path = self._paths(batch_id)
        _write_lines(counts_path, [json.dumps(counts)])
        _write_lines(dead_path, (json.dumps({**d, "raw": base64.b64encode(d["raw"]).decode()})
                                 for d in dead_letters))
        _write_lines(items_path, (json.dumps(item, ensure_ascii=False) for item in items))

    def read(self, batch_id: str) -> tuple[list[dict], list[dict], dict[str, int]]:
        """(items, dead letters, counts) of a saved batch."""
        items_path, dead_path, counts_path = self._paths(batch_id)
        items = [json.loads(line) for line in _read_lines(items_path)]
        dead = []
        for line in _read_lines(dead_path):
            letter = json.loads(line)
            letter["raw"] = base64.b64decode(letter["raw"])
            dead.append(letter)
        return items, dead, json.loads(_read_lines(counts_path)[0])

    def batches(self) -> list[str]:
        """The ids of the whole batches saved, oldest first."""
        return sorted(name[:-len(_ITEMS)] for name in os.listdir(self.folder)
                      if name.endswith(_ITEMS))

    def remove(self, batch_id: str) -> None:
        for path in self._paths(batch_id):
            if os.path.exists(path):
                os.remove(path)


def _write_lines(path: str, lines) -> None:
    # Written aside and renamed: a crash never leaves a half batch that looks whole.
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line for line in handle if line.strip()]
