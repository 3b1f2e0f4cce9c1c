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
from newsbeam.transforms.beam.expiry import ExpiryGuard
from newsbeam.transforms.stories.assign import (MAX_STORIES_PER_KEY, Entry, choose_resolved,
                                                stories_in_order)
from newsbeam.transforms.stories.keys import (StoryKeys, record_story_keys, story_created,
                                              story_row)

class DecideStoriesInRun(beam.PTransform):
    """NewsItem records of one batch run -> one {record id: story id} dict of the records that
    join an older story (every other record is its own), for FinalizePartitions to set.

    Stories are decided in order of publication (then id), exactly as follow mode would had
    it seen the records in that order (stories.assign.stories_in_order), from compact rows:
    the records themselves go on to their files and are never held. Stories span the run
    only: a batch run remembers nothing from the runs before it.
    """

    def expand(self, records):
        return (records
                | "StoryRows" >> beam.Map(story_row)
                | "AllRows" >> beam.combiners.ToList()
                | "InOrder" >> beam.Map(stories_in_order))


# The unbounded job: story keys in Beam keyed state.
#
#   records -> StoryKeys --(record key, record)-----------------------------> Join
#                        --(record key, keys)--> Gather --row--> Decide --(record key, story)-^
#                        --(story key, lookup)-> ClaimKeys --answers-^
#
# ClaimKeys, keyed by story key, remembers which records carried the key (an entry is
# [created, record id, when]). Decide, one serial step, remembers which story each record
# joined (only records that joined an older one), and chooses with stories.assign's rule
# (choose_resolved). Whole records only pass through Join, keyed by record.

LOOKUPS = "lookups"
GATHER = "gather"
UNKEYED = "unkeyed"
# Decide runs on one key: decisions must be serial, as follow mode's are, for two copies of one
# article in one poll to meet. It holds small rows (ids and keys), never records.
DECIDE_KEY = "stories"
# A record whose entry is older than this was decided long ago: Decide waits for the decision
# of a record only when it is newer (a record looked up but not decided yet).
DECISION_HORIZON_SECONDS = 3600.0


class _StoryKeysFn(beam.DoFn):
    """record -> (record key, record) for Join; (record key, its keys) for Gather; one lookup
    per story key; a record without keys is its own story at once (UNKEYED)."""

    def process(self, record, seen_at=beam.DoFn.TimestampParam):
        keys = record_story_keys(record)
        if not keys.all:
            yield beam.pvalue.TaggedOutput(UNKEYED, {**record, "story_id": record["id"]})
            return
        record_key = f"{record['id']}/{record.get('revision', 1)}"
        created = story_created(record)
        yield record_key, {"record": record}
        yield beam.pvalue.TaggedOutput(GATHER, (record_key, {
            "id": record["id"], "created": created, "link": keys.link,
            "bands": list(keys.bands)}))
        for key in keys.all:
            yield beam.pvalue.TaggedOutput(LOOKUPS, (key, {
                "ask": record_key, "own": [created, record["id"], seen_at.micros / 1e6]}))


class _ClaimKeyFn(beam.DoFn):
    """(story key, lookup) -> (record key, the records the key knew); then the key remembers
    the asking record too.

    Keyed state holds the key's records, forgotten `ttl_seconds` (event time) after the key
    was last looked up. Lookups of one key are serial, so two copies of one article in one
    poll still meet here: the second finds the first.
    """

    ENTRIES = ReadModifyWriteStateSpec("entries", JsonCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, ttl_seconds: float):
        self._ttl = Duration.of(ttl_seconds)
        self.forgotten = Metrics.counter("newsbeam", "story_keys_forgotten")
        self.expiry = ExpiryGuard("story_keys")

    def process(self, element, seen_at=beam.DoFn.TimestampParam,
                entries=beam.DoFn.StateParam(ENTRIES), expiry=beam.DoFn.TimerParam(EXPIRY)):
        key, lookup = element
        expiry.set(seen_at + self._ttl)
        known = entries.read() or []
        own = lookup["own"]
        kept = [entry for entry in known if entry[1] != own[1]][-(MAX_STORIES_PER_KEY - 1):]
        entries.write([*kept, own])
        yield lookup["ask"], {"key": key, "entries": known}

    @on_timer(EXPIRY)
    def forget(self, due=beam.DoFn.TimestampParam, entries=beam.DoFn.StateParam(ENTRIES)):
        if not self.expiry.may_forget(due):
            return
        entries.clear()
        self.forgotten.inc()


class _GatherFn(beam.DoFn):
    """(record key, its keys or one key's answer) -> one row for Decide, once every key has
    answered: the record's id, keys and the records seen under each key."""

    PARTS = BagStateSpec("parts", JsonCoder())

    def process(self, element, parts=beam.DoFn.StateParam(PARTS)):
        record_key, part = element
        parts.add(part)
        gathered = list(parts.read())
        head = next((p for p in gathered if "id" in p), None)
        answers = [p for p in gathered if "key" in p]
        if head is None or len(answers) < len(head["bands"]) + bool(head["link"]):
            return
        parts.clear()
        yield DECIDE_KEY, {**head, "record_key": record_key,
                           "entries": {a["key"]: a["entries"] for a in answers}}


class _DecideFn(beam.DoFn):
    """Rows -> (record key, [created, story]) in arrival order, as follow mode decides.

    State: the story of each record that joined an older one (for `ttl_seconds`), the records
    decided within the horizon, and the rows waiting for a record they saw to be decided.
    """

    JOINED = ReadModifyWriteStateSpec("joined", JsonCoder())
    DECIDED = ReadModifyWriteStateSpec("decided", JsonCoder())
    WAITING = BagStateSpec("waiting", JsonCoder())

    def __init__(self, ttl_seconds: float, horizon_seconds: float = DECISION_HORIZON_SECONDS):
        self._ttl = ttl_seconds
        self._horizon = horizon_seconds
        self.joins = Metrics.counter("newsbeam", "records_joining_a_story")

    def process(self, element, now=beam.DoFn.TimestampParam,
                joined_state=beam.DoFn.StateParam(JOINED),
                decided_state=beam.DoFn.StateParam(DECIDED),
                waiting_state=beam.DoFn.StateParam(WAITING)):
        _, row = element
        now = now.micros / 1e6
        joined = joined_state.read() or {}
        decided = {record: at for record, at in (decided_state.read() or {}).items()
                   if at > now - self._horizon}
        waiting = [*waiting_state.read(), row]
        waiting_state.clear()
        while waiting:
            ready = [r for r in waiting if not self._undecided(r, joined, decided, now)]
            if not ready:
                pending = {r["id"] for r in waiting}
                # Records that saw each other at different keys wait for each other: the
                # oldest goes first, as if it had come first.
                stuck = [r for r in waiting
                         if self._undecided(r, joined, decided, now) <= pending]
                if not stuck:
                    break
                ready = [min(stuck, key=lambda r: (r["created"], r["id"]))]
            for r in ready:
                waiting.remove(r)
                story = self._decide(r, joined, set(self._undecided(r, joined, decided, now)))
                decided[r["id"]] = now
                if story.story != r["id"]:
                    joined[r["id"]] = [story.created, story.story, now]
                    self.joins.inc()
                else:
                    joined.pop(r["id"], None)
                yield r["record_key"], [story.created, story.story]
        for r in waiting:
            waiting_state.add(r)
        decided_state.write(decided)
        joined_state.write({record: entry for record, entry in joined.items()
                            if entry[2] > now - self._ttl})

    def _undecided(self, row, joined, decided, now) -> set[str]:
        """The records seen under the row's keys whose decision has not come yet."""
        return {record for entries in row["entries"].values()
                for _, record, seen_at in entries
                if record not in decided and record not in joined
                and seen_at > now - self._horizon}

    @staticmethod
    def _decide(row, joined, ignored: set[str]) -> Entry:
        keys = StoryKeys(row["link"], tuple(row["bands"]))
        entries = {key: [Entry(created, record) for created, record, _ in found
                         if record not in ignored]
                   for key, found in row["entries"].items()}

        def story_of(record: str) -> Entry | None:
            if record in joined:
                return Entry(joined[record][0], joined[record][1])
            return None

        return choose_resolved(row["id"], row["created"], keys, entries, story_of)


class _JoinFn(beam.DoFn):
    """(record key, the record or its story) -> the record with its `story_id`."""

    PARTS = BagStateSpec("parts", JsonCoder())

    def process(self, element, parts=beam.DoFn.StateParam(PARTS)):
        _, part = element
        parts.add(part)
        gathered = list(parts.read())
        record = next((p["record"] for p in gathered if "record" in p), None)
        story = next((p["story"] for p in gathered if "story" in p), None)
        if record is None or story is None:
            return
        parts.clear()
        yield {**record, "story_id": story[1]}


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
            LOOKUPS, GATHER, UNKEYED, main="records")
        answers = (keyed[LOOKUPS]
                   | "TypedLookups" >> beam.Map(lambda x: x).with_output_types(tuple[str, dict])
                   | "ClaimKeys" >> beam.ParDo(_ClaimKeyFn(self._ttl_seconds)))
        decisions = ((keyed[GATHER], answers)
                     | "KeysAndAnswers" >> beam.Flatten()
                     | "TypedParts" >> beam.Map(lambda x: x).with_output_types(tuple[str, dict])
                     | "Gather" >> beam.ParDo(_GatherFn())
                     | "TypedRows" >> beam.Map(lambda x: x).with_output_types(tuple[str, dict])
                     | "Decide" >> beam.ParDo(_DecideFn(self._ttl_seconds))
                     | "AsParts" >> beam.MapTuple(lambda key, story: (key, {"story": story}))
                     .with_output_types(tuple[str, dict]))
        joined = ((keyed.records | "TypedRecords" >> beam.Map(lambda x: x)
                   .with_output_types(tuple[str, dict]), decisions)
                  | "RecordsAndStories" >> beam.Flatten()
                  | "Join" >> beam.ParDo(_JoinFn()))
        return (joined, keyed[UNKEYED]) | "AllRecords" >> beam.Flatten()
