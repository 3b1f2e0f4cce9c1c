"""One follow cycle over a group of finished polls, with the rules every mode applies:

1. what each poll gives: a dead letter, nothing, or a body to parse (feeds.triage);
2. which items are new, edited or repeats, against the stored fingerprints (feeds.identity);
3. the new and edited items, with their article pages when asked (articles.fetch), enriched
   by the stage list (enrich.stages): a record, or a dead letter naming the stage;
4. each record's story, from the enriched record (stories.assign, keys in the state).

The batch this makes is handed to the inbox, written (output.files, output.summary) and then
committed with the polls' states (follower.py).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from newsbeam.pipelines.follow.scheduler import Finished
from newsbeam.pipelines.follow.state import DUPLICATE, FollowState, StoryIndexView
from newsbeam.transforms.articles.fetch import Page, with_article
from newsbeam.transforms.enrich.stages import enrich_or_dead_letter
from newsbeam.transforms.feeds.poll import FeedPollState, PollResult
from newsbeam.transforms.feeds.triage import PARSE, parse_body, triage
from newsbeam.transforms.output.files import DEAD_LETTERS, NEWS_ITEMS, write_files
from newsbeam.transforms.output.summary import add_to_follow_summary, tally_of
from newsbeam.transforms.stories.assign import Entry, assign
from newsbeam.transforms.stories.keys import record_story_keys, story_created


@dataclass
class CycleCounts:
    """A cycle's counts that follow mode's totals since start add up."""
    polled: int = 0
    changed: int = 0
    failed: int = 0
    new: int = 0
    revised: int = 0
    records_written: int = 0
    dead_letters: int = 0


@dataclass
class CycleReport(CycleCounts):
    duplicates: int = 0
    in_flight: int = 0  # polls still running when the cycle ended: a later cycle writes them
    batches: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Feeds whose poll failed: (feed, consecutive failures, error); of them, those that had
    # not failed before: (feed, error); and feeds that failed before and not now:
    # (feed, failures before).
    failing: list[tuple[str, int, str]] = field(default_factory=list)
    started_failing: list[tuple[str, str]] = field(default_factory=list)
    recovered: list[tuple[str, int]] = field(default_factory=list)

    def note_poll(self, before: FeedPollState, result: PollResult) -> None:
        """Counts a poll's failure, or the end of a feed's failures."""
        if result.error is not None:
            self.failing.append((before.feed, result.state.failures, result.error))
            if not before.failures:
                self.started_failing.append((before.feed, result.error))
        elif before.failures:
            self.recovered.append((before.feed, before.failures))


@dataclass
class Batch:
    """What a group of polls gives to write and to commit."""
    # One entry per new or edited item: its id, fingerprint and revision (committed whatever
    # became of it), its `record` (None when it became a dead letter) and its `story` (the
    # keys that remember it, and when it was created), so that a replayed batch commits the
    # same story keys.
    entries: list[dict]
    dead_letters: list[dict]
    body_hashes: dict[str, str]  # the last body passed on, per feed that changed
    seen_ids: list[str]  # every item the polls carried, so that none still listed expires
    parsing: dict[str, int]  # what parsing set right, for the summary


@dataclass
class SortedPolls:
    """A group of finished polls parsed and sorted: what to write of it once the new and
    revised items have their article pages (or have waited long enough)."""
    group: list[Finished]
    items: list[dict]  # new and revised, each with its revision
    dead_letters: list[dict]
    body_hashes: dict[str, str]
    seen_ids: list[str]
    parsing: dict[str, int]


def sort_polls(group: list[Finished], state: FollowState,
               parser: Callable[[str, bytes, int], list], report: CycleReport) -> SortedPolls:
    """Steps 1 and 2: the group's dead letters, and its items that are new or revised."""
    known_hashes = state.body_hashes([before.feed for before, _ in group])
    parsed_items, dead, body_hashes, parsing = [], [], {}, Counter()
    for before, result in group:
        report.polled += 1
        report.note_poll(before, result)
        outcome = triage(before, result, known_hashes.get(before.feed))
        report.failed += outcome.failed
        if outcome.dead_letter is not None:
            dead.append(outcome.dead_letter)
        if outcome.kind != PARSE:
            continue
        report.changed += 1
        body_hashes[before.feed] = outcome.body_hash
        parsed = parse_body(before.feed, outcome.body, result.fetched_millis, parser)
        dead.extend(parsed.dead_letters)
        parsing.update(parsed.stats)
        parsed_items.extend(parsed.items)
    items = []
    for item, sighting in zip(parsed_items, state.classify(parsed_items)):
        if sighting.kind == DUPLICATE:
            report.duplicates += 1
            continue
        setattr(report, sighting.kind, getattr(report, sighting.kind) + 1)
        items.append({**item, "revision": sighting.revision})
    return SortedPolls(group, items, dead, body_hashes, [item["id"] for item in parsed_items],
                       dict(parsing))


def make_batch(polls: SortedPolls, state: FollowState, pages: dict[str, Page]) -> Batch:
    """Steps 3 and 4: the batch to write and commit; an item with a page in `pages` (by item
    id) is enriched from its article."""
    entries, dead = [], list(polls.dead_letters)
    for item in polls.items:
        if item["id"] in pages:
            item = with_article(item, pages[item["id"]])
        record, letter = enrich_or_dead_letter(item)
        if letter is not None:
            dead.append(letter)
        entries.append({"id": item["id"], "fingerprint": item["fingerprint"],
                        "revision": item["revision"], "record": record, "story": None})
    _assign_stories([entry for entry in entries if entry["record"] is not None], state)
    return Batch(entries, dead, polls.body_hashes, polls.seen_ids, polls.parsing)


def _assign_stories(entries: list[dict], state: FollowState) -> None:
    """Sets each record's `story_id` against the stored story keys and the records before it
    in the batch."""
    index = StoryIndexView(state)
    all_keys = [record_story_keys(entry["record"]) for entry in entries]
    index.prefetch(key for keys in all_keys for key in keys.all)
    for entry, keys in zip(entries, all_keys):
        record = entry["record"]
        story = assign(record["id"], story_created(record), keys, index)
        record["story_id"] = story.story
        entry["story"] = {"created": story.created, "keys": keys.all}


def story_claims(entries: list[dict]) -> list[tuple[str, Entry]]:
    """The (key, story) pairs a batch's records make the state remember."""
    return [(key, Entry(entry["story"]["created"], entry["record"]["story_id"]))
            for entry in entries if entry["story"] is not None
            for key in entry["story"]["keys"]]


def write_batch_files(batch_id: str, entries: list[dict], dead_letters: list[dict],
                      parsing: dict[str, int], output: str, file_format: str, shards: int,
                      feeds: int) -> dict:
    """The batch's files (the batch job's file names), then the batch added to its hour's
    summary; returns the batch's own summary."""
    records = [entry["record"] for entry in entries if entry["record"] is not None]
    write_files(records, output, NEWS_ITEMS, batch_id, file_format, shards)
    write_files(dead_letters, output, DEAD_LETTERS, batch_id, file_format, shards)
    tally = tally_of(records, dead_letters, parsing)
    add_to_follow_summary(output, batch_id, tally, feeds)
    return tally.summary()
