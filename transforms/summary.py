"""What a run produced, in numbers: the summary printed at the end and saved beside the output."""
from __future__ import annotations

import json
from collections import Counter

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

TOP_ENTITIES = 10
# Entity tallies are trimmed when they grow past this, keeping memory flat on big runs; the
# top ten of a news run sit far above the cut.
_ENTITY_TALLY_CAP = 5000
# Feed-level failures are listed by name so the user sees which feed failed and why.
_FEED_ERRORS_CAP = 100
FEED_STAGES = ("read", "parse")
# Who and what the news was about; dates ("Tuesday") would crowd them out.
SUMMARY_ENTITY_TYPES = ("PERSON", "ORGANIZATION", "LOCATION")


def _ranked(tally: Counter) -> dict:
    """Most frequent first; ties by name, so that a run prints the same whatever the bundles."""
    return dict(sorted(tally.items(), key=lambda pair: (-pair[1], pair[0])))


def _trim(acc: dict) -> None:
    if len(acc["entities"]) > _ENTITY_TALLY_CAP:
        acc["entities"] = Counter(dict(acc["entities"].most_common(_ENTITY_TALLY_CAP)))
        acc["entity_text"] = {key: acc["entity_text"][key] for key in acc["entities"]}


class RunSummaryFn(beam.CombineFn):
    """Combines ("record", NewsItem) and ("dead", DeadLetter) into one summary dict."""

    def create_accumulator(self):
        return {"records": 0, "dead": Counter(), "language": Counter(), "topic": Counter(),
                "entities": Counter(), "entity_text": {}, "feed_errors": []}

    def add_input(self, acc, element):
        kind, value = element
        if kind == "record":
            acc["records"] += 1
            acc["language"][value["language"]] += 1
            acc["topic"][value["topic"]["label"]] += 1
            for entity in value["entities"]:
                if entity["type"] in SUMMARY_ENTITY_TYPES:
                    key = f"{entity['type']}\t{entity['canonical']}"
                    acc["entities"][key] += 1
                    acc["entity_text"].setdefault(key, entity["text"])
            _trim(acc)
        else:
            acc["dead"][value["stage"]] += 1
            if value["stage"] in FEED_STAGES and len(acc["feed_errors"]) < _FEED_ERRORS_CAP:
                acc["feed_errors"].append(value["error"] if value["stage"] == "read"
                                          else f"{value['feed_url']}: {value['error']}")
        return acc

    def merge_accumulators(self, accumulators):
        merged = self.create_accumulator()
        for acc in accumulators:
            merged["records"] += acc["records"]
            for key in ("dead", "language", "topic", "entities"):
                merged[key].update(acc[key])
            for key, text in acc["entity_text"].items():
                merged["entity_text"].setdefault(key, text)
            _trim(merged)
            merged["feed_errors"].extend(acc["feed_errors"][:_FEED_ERRORS_CAP - len(merged["feed_errors"])])
        return merged

    def extract_output(self, acc):
        item_dead = sum(n for stage, n in acc["dead"].items() if stage not in FEED_STAGES)
        return {
            "items_read": acc["records"] + item_dead,
            "records_written": acc["records"],
            "dead_letters": sum(acc["dead"].values()),
            "dead_letters_by_stage": _ranked(acc["dead"]),
            "feeds_unreadable": acc["dead"].get("read", 0),
            "feeds_unparseable": acc["dead"].get("parse", 0),
            "feed_errors": acc["feed_errors"],
            "by_language": _ranked(acc["language"]),
            "by_topic": _ranked(acc["topic"]),
            "top_entities": [
                {"type": key.split("\t", 1)[0], "canonical": key.split("\t", 1)[1],
                 "text": acc["entity_text"][key], "count": n}
                for key, n in list(_ranked(acc["entities"]).items())[:TOP_ENTITIES]],
        }


def write_json(path: str, value: dict) -> None:
    with FileSystems.create(path) as handle:
        handle.write(json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8"))


def read_json(path: str) -> dict:
    with FileSystems.open(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


def finish_summary(summary: dict, feeds: int, path: str) -> dict:
    """The combined summary with the run's feed count, saved as JSON at `path`."""
    summary = {"feeds": feeds, **summary}
    write_json(path, summary)
    return summary


def summarize(records: list[dict], dead_letters: list[dict], feeds: int, path: str) -> dict:
    """SummarizeRun without a pipeline (follow mode's cycles): the same summary, saved."""
    combine = RunSummaryFn()
    acc = combine.create_accumulator()
    for record in records:
        combine.add_input(acc, ("record", record))
    for letter in dead_letters:
        combine.add_input(acc, ("dead", letter))
    return finish_summary(combine.extract_output(acc), feeds, path)


class SummarizeRun(beam.PTransform):
    """(records, dead letters) -> one summary dict, also written as JSON to `path`."""

    def __init__(self, path: str, feeds: int):
        super().__init__()
        self._path = path
        self._feeds = feeds

    def expand(self, pcolls):
        records, dead_letters = pcolls
        path, feeds = self._path, self._feeds
        return ((records | "TagRecords" >> beam.Map(lambda r: ("record", r)),
                 dead_letters | "TagDeadLetters" >> beam.Map(lambda d: ("dead", d)))
                | "Both" >> beam.Flatten()
                | "Combine" >> beam.CombineGlobally(RunSummaryFn())
                | "Write" >> beam.Map(finish_summary, feeds, path))
