"""What a run produced, in numbers: the summary printed at the end and saved beside the output."""
from __future__ import annotations

import json
import time
import uuid
from collections import Counter

from newsbeam.transforms.filesystems import filesystems
from newsbeam.transforms.output.avro import Commit

RUNS_DIR = "_runs"

TOP_ENTITIES = 10
# Entity tallies are trimmed when they grow past this, keeping memory flat on big runs; the
# top ten of a news run sit far above the cut.
_ENTITY_TALLY_CAP = 5000
# Feed-level failures are listed by name so the user sees which feed failed and why.
_FEED_ERRORS_CAP = 100
FEED_STAGES = ("read", "parse")
# Who and what the news was about; dates ("Tuesday") would crowd them out.
SUMMARY_ENTITY_TYPES = ("PERSON", "ORGANIZATION", "LOCATION")
# Surface forms kept per entity and language: enough to show how each language writes it.
_FORMS_PER_LANGUAGE = 3


def _ranked(tally: Counter) -> dict:
    """Most frequent first; ties by name, so that a run prints the same whatever the bundles."""
    return dict(sorted(tally.items(), key=lambda pair: (-pair[1], pair[0])))


class RunTally:
    """Counts of records and dead letters, mergeable (the Beam combiner's accumulator)."""

    def __init__(self):
        self.records = 0
        self.dead = Counter()
        self.language = Counter()
        self.topic = Counter()
        # Per canonical name: mentions, the types it was tagged with, and its surface forms
        # per language (the first few seen).
        self.entities = Counter()
        self.entity_types: dict[str, Counter] = {}
        self.entity_forms: dict[str, dict[str, list[str]]] = {}
        self.feed_errors: list[str] = []
        self.parsing = Counter()  # what parsing set right: bytes replaced, repeated items
        self.pages = Counter()  # article pages: "fetched", or the reason they were not

    def add_record(self, record: dict) -> None:
        self.records += 1
        if record.get("article"):
            error = record["article"]["error"]
            self.pages[error.split(":", 1)[0] if error else "fetched"] += 1
        self.language[record["language"]] += 1
        self.topic[record["topic"]["label"]] += 1
        for entity in record["entities"]:
            if entity["type"] in SUMMARY_ENTITY_TYPES:
                key = entity["canonical"]
                self.entities[key] += 1
                self.entity_types.setdefault(key, Counter())[entity["type"]] += 1
                self._add_forms(key, {record["language"]: [entity["text"]]})
        self._trim()

    def _add_forms(self, key: str, forms: dict[str, list[str]]) -> None:
        known = self.entity_forms.setdefault(key, {})
        for language, texts in forms.items():
            kept = known.setdefault(language, [])
            for text in texts:
                if len(kept) < _FORMS_PER_LANGUAGE and text not in kept:
                    kept.append(text)

    def add_dead_letter(self, letter: dict) -> None:
        self.dead[letter["stage"]] += 1
        if letter["stage"] in FEED_STAGES and len(self.feed_errors) < _FEED_ERRORS_CAP:
            self.feed_errors.append(letter["error"] if letter["stage"] == "read"
                                    else f"{letter['feed_url']}: {letter['error']}")

    def add_parsing_counts(self, counts: dict[str, int]) -> None:
        self.parsing.update(counts)

    def __add__(self, other: RunTally) -> RunTally:
        """A new tally of both."""
        total = RunTally()
        total.merge(self)
        total.merge(other)
        return total

    def merge(self, other: RunTally) -> None:
        self.records += other.records
        for name in ("dead", "language", "topic", "entities", "parsing", "pages"):
            getattr(self, name).update(getattr(other, name))
        for key, types in other.entity_types.items():
            self.entity_types.setdefault(key, Counter()).update(types)
        for key, forms in other.entity_forms.items():
            self._add_forms(key, forms)
        self._trim()
        self.feed_errors.extend(other.feed_errors[:_FEED_ERRORS_CAP - len(self.feed_errors)])

    def _trim(self) -> None:
        if len(self.entities) > _ENTITY_TALLY_CAP:
            self.entities = Counter(dict(self.entities.most_common(_ENTITY_TALLY_CAP)))
            self.entity_types = {key: self.entity_types[key] for key in self.entities}
            self.entity_forms = {key: self.entity_forms[key] for key in self.entities}

    def _entity(self, key: str, count: int) -> dict:
        """One line of top_entities: the canonical name with its commonest type, the first
        form seen, and its forms per language."""
        forms = self.entity_forms[key]
        return {"canonical": key, "type": next(iter(_ranked(self.entity_types[key]))),
                "count": count,
                "text": next(iter(forms.values()))[0],
                "forms": {language: forms[language] for language in sorted(forms)}}

    def summary(self) -> dict:
        item_dead = sum(n for stage, n in self.dead.items() if stage not in FEED_STAGES)
        return {
            "items_read": self.records + item_dead,
            "records_written": self.records,
            "dead_letters": sum(self.dead.values()),
            "dead_letters_by_stage": _ranked(self.dead),
            "feeds_unreadable": self.dead.get("read", 0),
            "feeds_unparseable": self.dead.get("parse", 0),
            "feed_errors": self.feed_errors,
            "bytes_replaced": self.parsing["bytes_replaced"],
            "item_repeats": self.parsing["item_repeats"],
            "pages_fetched": self.pages["fetched"],
            "pages_skipped_by_robots": self.pages["robots"],
            "pages_failed": _ranked(Counter({reason: n for reason, n in self.pages.items()
                                             if reason not in ("fetched", "robots")})),
            "by_language": _ranked(self.language),
            "by_topic": _ranked(self.topic),
            "top_entities": [self._entity(key, n) for key, n
                             in list(_ranked(self.entities).items())[:TOP_ENTITIES]],
        }


def new_run_id() -> str:
    """A run's id: when it started (UTC, sortable) and a random part."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def summary_path(output: str, run_id: str) -> str:
    return filesystems().join(output, RUNS_DIR, run_id, "summary.json")


def write_json(path: str, value: dict) -> None:
    with filesystems().create(path) as handle:
        handle.write(json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8"))


def read_json(path: str) -> dict:
    with filesystems().open(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


# Beside a run's summary once every file of the run is in place (Hadoop's and Spark's name).
SUCCESS_MARKER = "_SUCCESS"


def finish_summary(summary: dict, feeds: int, path: str, items: Commit | None = None,
                   dead_letters: Commit | None = None) -> dict:
    """The combined summary with the run's feed count, counting only the records and dead
    letters whose files are in place (`items`, `dead_letters`: what committing each table's
    files gave), saved as JSON at `path`; then, when every file is in place, the success
    marker beside it. Written last: a summary never claims what a killed run did not write."""
    items, dead_letters = items or Commit(), dead_letters or Commit()
    both = items + dead_letters
    summary = {"feeds": feeds, **summary,
               "records_written": summary["records_written"] - items.records_lost,
               "dead_letters": summary["dead_letters"] - dead_letters.records_lost,
               "complete": not both.failures,
               "records_not_committed": items.records_lost,
               "dead_letters_not_committed": dead_letters.records_lost,
               "files_not_committed": both.failures, "files_left_behind": both.orphans}
    write_json(path, summary)
    if summary["complete"]:
        fs = filesystems()
        with fs.create(fs.join(fs.split(path)[0], SUCCESS_MARKER)):
            pass
    return summary


def summarize(records: list[dict], dead_letters: list[dict], feeds: int, path: str,
              parsing: dict[str, int] | None = None) -> dict:
    """The run summary of lists of records and dead letters (follow mode's cycles), saved."""
    tally = RunTally()
    for record in records:
        tally.add_record(record)
    for letter in dead_letters:
        tally.add_dead_letter(letter)
    tally.add_parsing_counts(parsing or {})
    return finish_summary(tally.summary(), feeds, path)
