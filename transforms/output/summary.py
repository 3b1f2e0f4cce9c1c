"""What a run produced, in numbers: the summary printed at the end and saved beside the output.

A batch run saves its summary at the end, `_runs/<run>/summary.json`. Follow mode rolls its
cycles' batches up by the hour: `_runs/follow-<YYYYMMDDTHH>/summary.json` (UTC, the hour a
batch was made) is updated as each batch's files are in place, and `_SUCCESS` is written beside
it once the hour is over.
"""
from __future__ import annotations

import json
import time
import uuid
from collections import Counter

from newsbeam.transforms.filesystems import filesystems, matching_files
from newsbeam.transforms.output.files import Commit

RUNS_DIR = "_runs"
FOLLOW_RUN_PREFIX = "follow-"
# Beside an hour's follow summary: the counts behind it, in full (the summary keeps only the top
# entities), and the batches already in it, so that a batch written again after a crash is
# counted once.
_HOUR_TALLY = ".tally.json"

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


_COUNTERS = ("dead", "language", "topic", "parsing", "pages")


class RunTally:
    """Counts of records and dead letters, mergeable (the Beam combiner's accumulator)."""

    def __init__(self):
        self.records = 0
        self.dead = Counter()
        self.language = Counter()
        self.topic = Counter()
        # Per canonical name: the type of each of its mentions (their sum is its mentions, see
        # _mentions), and its surface forms per language (the first few seen).
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
        for name in _COUNTERS:
            getattr(self, name).update(getattr(other, name))
        for key, types in other.entity_types.items():
            self.entity_types.setdefault(key, Counter()).update(types)
        for key, forms in other.entity_forms.items():
            self._add_forms(key, forms)
        self._trim()
        self.feed_errors.extend(other.feed_errors[:_FEED_ERRORS_CAP - len(self.feed_errors)])

    def as_dict(self) -> dict:
        """The tally as JSON-ready values (RunTally.from_dict reads them back)."""
        return {"records": self.records, "feed_errors": self.feed_errors,
                "entity_types": {key: dict(types) for key, types in self.entity_types.items()},
                "entity_forms": self.entity_forms,
                **{name: dict(getattr(self, name)) for name in _COUNTERS}}

    @classmethod
    def from_dict(cls, values: dict) -> RunTally:
        tally = cls()
        tally.records = values["records"]
        tally.feed_errors = list(values["feed_errors"])
        tally.entity_types = {key: Counter(types)
                              for key, types in values.get("entity_types", {}).items()}
        tally.entity_forms = {key: {language: list(texts) for language, texts in forms.items()}
                              for key, forms in values.get("entity_forms", {}).items()}
        # Older tallies also hold "entities", the mentions per name: not read, _mentions
        # derives them from the types.
        for name in _COUNTERS:
            setattr(tally, name, Counter(values[name]))
        return tally

    def _mentions(self) -> Counter:
        """Mentions per canonical name: each mention added one to one of its types."""
        return Counter({key: sum(types.values()) for key, types in self.entity_types.items()})

    def _trim(self) -> None:
        if len(self.entity_types) > _ENTITY_TALLY_CAP:
            # Ties by name, as every ranking here: the kept names do not depend on the order
            # in which the runner merged the tallies.
            kept = list(_ranked(self._mentions()))[:_ENTITY_TALLY_CAP]
            self.entity_types = {key: self.entity_types[key] for key in kept}
            self.entity_forms = {key: self.entity_forms[key] for key in kept}

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
                             in list(_ranked(self._mentions()).items())[:TOP_ENTITIES]],
        }


def new_run_id() -> str:
    """A run's id: when it started (UTC, sortable) and a random part."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def summary_path(output: str, run_id: str) -> str:
    return filesystems().join(output, RUNS_DIR, run_id, "summary.json")


def write_json(path: str, value: dict) -> None:
    with filesystems().create(path) as handle:
        handle.write(json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8"))


def replace_json(path: str, value: dict) -> None:
    """Writes `value` as JSON at `path`, aside first and renamed over: a reader, or a crash,
    finds the old file or the new one, never half of one."""
    fs = filesystems()
    folder, name = fs.split(path)
    aside = fs.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.partial")
    write_json(aside, value)
    fs.rename([aside], [path])


def read_json(path: str) -> dict:
    with filesystems().open(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


# Beside a run's summary once every file of the run is in place (Hadoop's and Spark's name).
SUCCESS_MARKER = "_SUCCESS"


def committed_summary(summary: dict, feeds: int, items: Commit | None = None,
                      dead_letters: Commit | None = None) -> dict:
    """The combined summary with the run's feed count, counting only the records and dead
    letters whose files are in place (`items`, `dead_letters`: what committing each table's
    files gave)."""
    items, dead_letters = items or Commit(), dead_letters or Commit()
    both = items + dead_letters
    return {"feeds": feeds, **summary,
            "records_written": summary["records_written"] - items.records_lost,
            "dead_letters": summary["dead_letters"] - dead_letters.records_lost,
            "complete": not both.failures,
            "records_not_committed": items.records_lost,
            "dead_letters_not_committed": dead_letters.records_lost,
            "files_not_committed": both.failures, "files_left_behind": both.orphans}


def finish_summary(summary: dict, feeds: int, path: str, items: Commit | None = None,
                   dead_letters: Commit | None = None) -> dict:
    """The committed summary (committed_summary) saved as JSON at `path`; then, when every
    file is in place, the success marker beside it. Written last: a summary never claims what
    a killed run did not write."""
    summary = committed_summary(summary, feeds, items, dead_letters)
    write_json(path, summary)
    if summary["complete"]:
        fs = filesystems()
        with fs.create(fs.join(fs.split(path)[0], SUCCESS_MARKER)):
            pass
    return summary


def tally_of(records: list[dict], dead_letters: list[dict],
             parsing: dict[str, int] | None = None) -> RunTally:
    """The tally of lists of records and dead letters (follow mode's batches)."""
    tally = RunTally()
    for record in records:
        tally.add_record(record)
    for letter in dead_letters:
        tally.add_dead_letter(letter)
    tally.add_parsing_counts(parsing or {})
    return tally


def follow_summary_folder(output: str, batch_id: str) -> str:
    """`<output>/_runs/follow-<YYYYMMDDTHH>`: the folder of the hour (UTC) a follow-mode batch
    was made in, from its id (new_run_id: the time it was made comes first)."""
    return filesystems().join(output, RUNS_DIR, FOLLOW_RUN_PREFIX + batch_id[:len("YYYYMMDDTHH")])


def add_to_follow_summary(output: str, batch_id: str, tally: RunTally, feeds: int) -> dict:
    """Adds a follow-mode batch, once its files are in place, to the summary of its hour; a
    batch added before (written again after a crash) is not counted again. Returns the hour's
    summary, which also says how many batches it holds."""
    fs = filesystems()
    folder = follow_summary_folder(output, batch_id)
    tally_path = fs.join(folder, _HOUR_TALLY)
    saved = (read_json(tally_path) if fs.exists(tally_path)
             else {"batches": [], "tally": RunTally().as_dict()})
    hour = RunTally.from_dict(saved["tally"])
    if batch_id not in saved["batches"]:
        hour.merge(tally)
        saved = {"batches": [*saved["batches"], batch_id], "tally": hour.as_dict()}
        replace_json(tally_path, saved)
    summary = {**committed_summary(hour.summary(), feeds), "batches": len(saved["batches"])}
    replace_json(fs.join(folder, "summary.json"), summary)
    marker = fs.join(folder, SUCCESS_MARKER)
    if fs.exists(marker):  # the hour was over, and a batch of it came (the clock went back)
        fs.delete([marker])
    return summary


def close_follow_summaries(output: str, now: float) -> list[str]:
    """Writes the success marker beside the follow summaries of the hours before `now`'s that
    have none, and returns their folders. Follow mode calls it with no batch waiting to be
    written again: every batch of a past hour is then in its summary."""
    fs = filesystems()
    current = FOLLOW_RUN_PREFIX + time.strftime("%Y%m%dT%H", time.gmtime(now))
    closed = []
    for path in matching_files(summary_path(output, FOLLOW_RUN_PREFIX + "*")):
        folder = fs.split(path)[0]
        marker = fs.join(folder, SUCCESS_MARKER)
        if fs.split(folder)[1] < current and not fs.exists(marker):
            with fs.create(marker):
                pass
            closed.append(folder)
    return sorted(closed)
