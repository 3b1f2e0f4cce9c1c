"""Beam: story ids over one batch run, and in the unbounded job's keyed state (the rule is
stories.assign)."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (BagStateSpec, ReadModifyWriteStateSpec, TimerSpec,
                                              on_timer)
from apache_beam.utils.timestamp import Duration

from newsbeam.transforms.beam.coders import JsonCoder
from newsbeam.transforms.stories.assign import Entry, add_entry, assign_in_order, choose, match
from newsbeam.transforms.stories.keys import StoryKeys, record_story_keys, story_created

def _record_row(record: dict) -> tuple[int, str, StoryKeys]:
    return story_created(record), record["id"], record_story_keys(record)


class AssignStoriesInRun(beam.PTransform):
    """NewsItem records of one batch run -> the same records with `story_id`.

    The run's story keys (small: ids and hashes) are gathered on one worker and assigned in
    order of publication (then id), exactly as follow mode would had it seen the records in
    that order; the table goes back to the records as a side input. Stories span the run only:
    a batch run remembers nothing from the runs before it.
    """

    def expand(self, records):
        table = (records
                 | "StoryRows" >> beam.Map(_record_row)
                 | "AllRows" >> beam.combiners.ToList()
                 | "AssignInOrder" >> beam.Map(assign_in_order))
        return records | "SetStoryId" >> beam.Map(
            lambda record, stories: {**record,
                                     "story_id": stories.get(record["id"], record["id"])},
            stories=beam.pvalue.AsSingleton(table))


LOOKUPS = "lookups"
UNKEYED = "unkeyed"


class _StoryKeysFn(beam.DoFn):
    """record -> (record key, the record and how many answers to wait for) and one lookup per
    story key; a record without keys is its own story at once (UNKEYED)."""

    def process(self, record):
        keys = record_story_keys(record)
        created = story_created(record)
        if not keys.all:
            yield beam.pvalue.TaggedOutput(UNKEYED, {**record, "story_id": record["id"]})
            return
        record_key = f"{record['id']}/{record.get('revision', 1)}"
        yield record_key, {"record": record, "keys": keys.all, "bands": list(keys.bands),
                           "link": keys.link}
        for key in keys.all:
            yield beam.pvalue.TaggedOutput(
                LOOKUPS, (key, {"ask": record_key, "own": [created, record["id"]]}))


class _ClaimKeyFn(beam.DoFn):
    """(story key, lookup) -> (record key, the stories the key knew); then the key remembers
    the asking record's own story too.

    Keyed state holds the key's stories, forgotten `ttl_seconds` (event time) after the key
    was last looked up. Lookups of one key are serial, so two copies of one article in one
    poll still meet here: the second finds the first's story.
    """

    ENTRIES = ReadModifyWriteStateSpec("entries", JsonCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, ttl_seconds: float):
        self._ttl = Duration.of(ttl_seconds)
        self.forgotten = Metrics.counter("newsbeam", "story_keys_forgotten")

    def process(self, element, seen_at=beam.DoFn.TimestampParam,
                entries=beam.DoFn.StateParam(ENTRIES), expiry=beam.DoFn.TimerParam(EXPIRY)):
        key, lookup = element
        expiry.set(seen_at + self._ttl)
        known = [Entry(created, story) for created, story in entries.read() or []]
        # The record's story is decided downstream, so the key remembers the record's own id;
        # for a record that joined an older story this entry names no record (a later copy
        # reaching the story only through it starts a new one: rare, and documented).
        updated = add_entry(known, Entry(*lookup["own"]))
        entries.write([[e.created, e.story] for e in updated])
        yield lookup["ask"], {"key": key, "entries": [[e.created, e.story] for e in known]}

    @on_timer(EXPIRY)
    def forget(self, entries=beam.DoFn.StateParam(ENTRIES)):
        entries.clear()
        self.forgotten.inc()


class _GatherFn(beam.DoFn):
    """(record key, the record or one key's answer) -> the record with its `story_id`, once
    every key has answered."""

    PARTS = BagStateSpec("parts", JsonCoder())

    def __init__(self):
        self.joined = Metrics.counter("newsbeam", "records_joining_a_story")

    def process(self, element, parts=beam.DoFn.StateParam(PARTS)):
        _, part = element
        parts.add(part)
        gathered = list(parts.read())
        head = next((p for p in gathered if "record" in p), None)
        answers = [p for p in gathered if "key" in p]
        if head is None or len(answers) < len(head["keys"]):
            return
        parts.clear()
        record = head["record"]
        keys = StoryKeys(head["link"], tuple(head["bands"]))
        known = {a["key"]: [Entry(*e) for e in a["entries"]] for a in answers}
        story = choose(record["id"], story_created(record), match(keys, known))
        if story.story != record["id"]:
            self.joined.inc()
        yield {**record, "story_id": story.story}


class AssignStoriesInStream(beam.PTransform):
    """NewsItem records of the unbounded job -> the same records with `story_id`.

    Story keys live in Beam keyed state (one cell per key, expiring `ttl_seconds` unseen, like
    the item fingerprints), so a runner checkpoints them and a restart keeps every story.
    """

    def __init__(self, ttl_seconds: float):
        super().__init__()
        self._ttl_seconds = ttl_seconds

    def expand(self, records):
        keyed = records | "StoryKeys" >> beam.ParDo(_StoryKeysFn()).with_outputs(
            LOOKUPS, UNKEYED, main="records")
        answers = (keyed[LOOKUPS]
                   | "TypedLookups" >> beam.Map(lambda x: x).with_output_types(tuple[str, dict])
                   | "ClaimKeys" >> beam.ParDo(_ClaimKeyFn(self._ttl_seconds)))
        gathered = ((keyed.records, answers)
                    | "RecordsAndAnswers" >> beam.Flatten()
                    | "TypedParts" >> beam.Map(lambda x: x).with_output_types(tuple[str, dict])
                    | "Gather" >> beam.ParDo(_GatherFn()))
        return (gathered, keyed[UNKEYED]) | "AllRecords" >> beam.Flatten()
