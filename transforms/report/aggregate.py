"""What an output folder holds, in numbers small enough to show: tallies fed one record, dead
letter, run summary or feed state at a time, finished into a `Report` that the renderers
(html.py, text.py) only format.

Memory follows what is distinct (languages, hours, entities, stories, reasons, runs), never the
records: nothing keeps a record once it is counted. The items of the largest stories are found
by a second pass over the records (`StoryItems`), once the first has told which stories those
are.
"""
from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from newsbeam.transforms.feeds.poll import FeedPollState
from newsbeam.transforms.output.schema_types import EPOCH, datetime_to_millis
from newsbeam.transforms.output.summary import SUMMARY_ENTITY_TYPES

HOUR_MS = 3_600_000

# Charts over time count by the finest of these units that gives at most MAX_BUCKETS bars over
# the span of the data: hours for a few days of following, days for a few months; feeds that
# keep years-old items (podcasts, archives) stretch a batch run's span to years.
TIME_UNITS = ("hour", "day", "week", "month", "year")
MAX_BUCKETS = 120
# Series beyond the largest few share one colour and one name in a chart.
MAX_SERIES = 7
OTHER_SERIES = "(others)"

CONFIDENCE_BINS = 20  # 0.05 wide
TOP_ENTITIES = 30
FORMS_PER_LANGUAGE = 5
# Entities are trimmed to the most mentioned half when they pass this many, keeping memory flat
# on big outputs; the top TOP_ENTITIES sit far above the cut.
ENTITY_TALLY_CAP = 40_000
TOP_STORIES = 20
ITEMS_PER_STORY = 30
DEAD_LETTER_EXAMPLES = 3
# Past this many (stage, reason) groups, further reasons are counted under their stage only.
DEAD_LETTER_GROUPS_CAP = 500
OTHER_REASONS = "(other reasons)"
ERROR_CHARS = 300
RAW_EXCERPT_CHARS = 300

# A read error names the feed first ("https://x/feed: HTTP 404 Not Found"); the reason is
# what follows. A URL may hold ':' (a port), so the address ends at the first ': '.
_LEADING_ADDRESS = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|/)\S*?: ", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- time ---------------------------------------------------------------------------------------

def _hour_datetime(hour: int) -> datetime.datetime:
    return EPOCH + datetime.timedelta(hours=hour)


def bucket_index(hour: int, unit: str) -> int:
    """The bucket of `unit` that hour `hour` (since the epoch, UTC) falls in; consecutive
    buckets have consecutive indexes. Weeks start on Monday."""
    if unit == "hour":
        return hour
    day = hour // 24
    if unit == "day":
        return day
    if unit == "week":
        return (day + 3) // 7  # 1970-01-01 was a Thursday
    moment = _hour_datetime(hour)
    return moment.year * 12 + moment.month - 1 if unit == "month" else moment.year


def bucket_start(index: int, unit: str) -> int:
    """Epoch millis of the start of bucket `index` of `unit` (bucket_index's inverse)."""
    if unit == "hour":
        return index * HOUR_MS
    if unit == "day":
        return index * 24 * HOUR_MS
    if unit == "week":
        return (index * 7 - 3) * 24 * HOUR_MS
    year, month = (index // 12, index % 12 + 1) if unit == "month" else (index, 1)
    start = datetime.datetime(year, month, 1, tzinfo=datetime.timezone.utc)
    return datetime_to_millis(start)


_LABEL_FORMATS = {"hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d", "week": "%Y-%m-%d",
                  "month": "%Y-%m", "year": "%Y"}


def bucket_label(start_millis: int, unit: str) -> str:
    """A bucket's name: its hour, day, month or year; a week is named by its Monday."""
    moment = EPOCH + datetime.timedelta(milliseconds=start_millis)
    label = moment.strftime(_LABEL_FORMATS[unit])
    return f"week of {label}" if unit == "week" else label


def time_unit(first_hour: int, last_hour: int) -> str:
    """The finest unit that shows the hours from `first_hour` to `last_hour` in at most
    MAX_BUCKETS buckets."""
    for unit in TIME_UNITS:
        if bucket_index(last_hour, unit) - bucket_index(first_hour, unit) < MAX_BUCKETS:
            return unit
    return TIME_UNITS[-1]


@dataclass(frozen=True)
class Timeline:
    """Counts per bucket of time, one series per key (a language, a topic): every bucket from
    the first to the last, empty ones included, so bars sit where their time is."""
    unit: str
    starts: list[int]  # epoch millis of each bucket's start
    series: dict[str, list[int]]  # key -> count per bucket; largest first, OTHER_SERIES last

    @property
    def totals(self) -> list[int]:
        return [sum(counts) for counts in zip(*self.series.values())] or [0] * len(self.starts)


def timeline(by_hour: Counter, unit: str) -> Timeline:
    """A Timeline of `by_hour` ({(hour, key): count}) in buckets of `unit`; keys beyond the
    MAX_SERIES - 1 largest are summed as OTHER_SERIES."""
    if not by_hour:
        return Timeline(unit, [], {})
    indexes = [bucket_index(hour, unit) for hour, _ in by_hour]
    first, last = min(indexes), max(indexes)
    totals = Counter()
    for (_, key), count in by_hour.items():
        totals[key] += count
    ranked = [key for key, _ in _ranked(totals)]
    shown = ranked if len(ranked) <= MAX_SERIES else ranked[:MAX_SERIES - 1]
    series = {key: [0] * (last - first + 1) for key in shown}
    if len(shown) < len(ranked):
        series[OTHER_SERIES] = [0] * (last - first + 1)
    for (hour, key), count in by_hour.items():
        name = key if key in series else OTHER_SERIES
        series[name][bucket_index(hour, unit) - first] += count
    return Timeline(unit, [bucket_start(index, unit) for index in range(first, last + 1)],
                    series)


def _ranked(tally: Counter) -> list[tuple[str, int]]:
    """Most first; ties by key, so that a report reads the same whatever the file order."""
    return sorted(tally.items(), key=lambda pair: (-pair[1], pair[0]))


# --- records ------------------------------------------------------------------------------------

@dataclass
class _EntityTally:
    mentions: int = 0
    items: int = 0
    types: Counter = field(default_factory=Counter)  # type -> mentions
    forms: Counter = field(default_factory=Counter)  # (language, text) -> mentions


class RecordTally:
    """Counts over news item records, one record at a time."""

    def __init__(self):
        self.records = 0
        self.feeds: set[str] = set()
        self.languages = Counter()
        self.topics = Counter()
        self.by_hour_language = Counter()  # (hour since the epoch, language) -> records
        self.by_hour_topic = Counter()
        self.undated = 0
        self.first_published: int | None = None
        self.last_published: int | None = None
        self.confidence: dict[str, list[int]] = {}  # label -> records per bin
        self.confidence_sum = Counter()
        self.entities: dict[str, _EntityTally] = {}  # canonical name -> its tally
        self.story_sizes = Counter()  # story id -> records

    def add(self, record: dict) -> None:
        self.records += 1
        self.feeds.add(record["feed_url"])
        language, label = record["language"], record["topic"]["label"]
        self.languages[language] += 1
        self.topics[label] += 1
        self._add_time(record["published"], language, label)
        confidence = record["topic"]["confidence"]
        bins = self.confidence.setdefault(label, [0] * CONFIDENCE_BINS)
        bins[min(max(int(confidence * CONFIDENCE_BINS), 0), CONFIDENCE_BINS - 1)] += 1
        self.confidence_sum[label] += confidence
        self._add_entities(record["entities"], language)
        if record.get("story_id"):
            self.story_sizes[record["story_id"]] += 1

    def _add_time(self, published: int | None, language: str, label: str) -> None:
        if published is None:
            self.undated += 1
            return
        hour = published // HOUR_MS
        self.by_hour_language[hour, language] += 1
        self.by_hour_topic[hour, label] += 1
        if self.first_published is None or published < self.first_published:
            self.first_published = published
        if self.last_published is None or published > self.last_published:
            self.last_published = published

    def _add_entities(self, entities: list[dict], language: str) -> None:
        """An entity is its canonical name, whatever its language, spelling or type (as in the
        run summary); its type is the one it was tagged with most."""
        named = set()
        for entity in entities:
            if entity["type"] not in SUMMARY_ENTITY_TYPES:
                continue
            key = entity["canonical"]
            tally = self.entities.get(key)
            if tally is None:
                tally = self.entities[key] = _EntityTally()
            tally.mentions += 1
            tally.types[entity["type"]] += 1
            tally.forms[language, entity["text"]] += 1
            if key not in named:
                named.add(key)
                tally.items += 1
        if len(self.entities) > ENTITY_TALLY_CAP:
            # Ties by name, as in _ranked: the same entities are kept whatever the file order.
            kept = sorted(self.entities.items(), key=lambda pair: (-pair[1].mentions, pair[0]))
            self.entities = dict(kept[:ENTITY_TALLY_CAP // 2])

    def largest_stories(self) -> list[tuple[str, int]]:
        """(story id, records) of the TOP_STORIES largest stories of more than one record."""
        shared = Counter({story: n for story, n in self.story_sizes.items() if n > 1})
        return _ranked(shared)[:TOP_STORIES]


@dataclass(frozen=True)
class StoryItem:
    id: str
    title: str
    feed_url: str
    published: int | None
    link: str | None
    language: str
    revision: int


class StoryItems:
    """The items of chosen stories, collected in a pass over the records."""

    def __init__(self, sizes: list[tuple[str, int]]):
        self.sizes = dict(sizes)  # story id -> records, as counted by the first pass; in order
        self.items: dict[str, list[StoryItem]] = {story: [] for story in self.sizes}

    def add(self, record: dict) -> None:
        items = self.items.get(record.get("story_id"))
        if items is not None and len(items) < ITEMS_PER_STORY:
            items.append(StoryItem(record["id"], record["title"], record["feed_url"],
                                   record["published"], record["link"], record["language"],
                                   record["revision"]))


# --- dead letters -------------------------------------------------------------------------------

def dead_letter_reason(letter: dict) -> str:
    """What went wrong, without the feed it happened to: the part of the error before its
    first ':', once the feed's address or path that read errors begin with is set aside
    ("https://x/feed: HTTP 404 Not Found" -> "HTTP 404 Not Found"; "XMLSyntaxError: ..." ->
    "XMLSyntaxError")."""
    error = letter["error"].strip()
    feed = letter["feed_url"]
    if feed and error.startswith(feed + ": "):
        error = error[len(feed) + 2:]
    else:
        error = _LEADING_ADDRESS.sub("", error, count=1)
    return " ".join(error.split(":", 1)[0].split())[:100] or "(no error text)"


def one_line(text: str, chars: int) -> str:
    """`text` with each run of whitespace (line breaks included) as one space, cut to `chars`
    with a closing "…" when it is longer."""
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars - 1] + "…"


def excerpt(raw: bytes, chars: int = RAW_EXCERPT_CHARS) -> str:
    """The start of a dead letter's raw input as one line of text: UTF-8 (bytes that are not
    shown as U+FFFD, and so are control characters), whitespace runs as one space."""
    # Control characters are replaced after the whitespace is squashed, as str.split() takes
    # some of them (\x0b, \x0c, \x1c-\x1f) for whitespace; one for one, so the cut holds.
    return _CONTROL.sub("\ufffd", one_line(raw[:chars * 4].decode("utf-8", "replace"), chars))


@dataclass(frozen=True)
class DeadLetterExample:
    feed_url: str
    error: str
    raw: str  # excerpt()
    raw_size: int
    at: int


@dataclass
class DeadLetterGroup:
    stage: str
    reason: str
    count: int = 0
    examples: list[DeadLetterExample] = field(default_factory=list)


class DeadLetterTally:
    """Dead letters by stage and reason, with the first few of each as examples."""

    def __init__(self):
        self.count = 0
        self.by_stage = Counter()
        self.groups: dict[tuple[str, str], DeadLetterGroup] = {}

    def add(self, letter: dict) -> None:
        self.count += 1
        stage = letter["stage"]
        self.by_stage[stage] += 1
        key = (stage, dead_letter_reason(letter))
        if key not in self.groups and len(self.groups) >= DEAD_LETTER_GROUPS_CAP:
            key = (stage, OTHER_REASONS)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = DeadLetterGroup(*key)
        group.count += 1
        if len(group.examples) < DEAD_LETTER_EXAMPLES:
            group.examples.append(DeadLetterExample(
                letter["feed_url"], one_line(letter["error"], ERROR_CHARS),
                excerpt(letter["raw"] or b""), letter["raw_size"], letter["at"]))

    def ranked_groups(self) -> list[DeadLetterGroup]:
        return sorted(self.groups.values(), key=lambda g: (-g.count, g.stage, g.reason))


# --- runs ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    run_id: str
    feeds: int | None
    records: int | None
    dead_letters: int | None
    complete: bool | None  # None: no readable summary
    problem: str | None = None  # why there is no summary to read


def run_from_summary(run_id: str, summary: dict) -> Run:
    """A run as its `_runs/<run>/summary.json` describes it."""
    return Run(run_id, summary.get("feeds"), summary.get("records_written"),
               summary.get("dead_letters"), summary.get("complete"))


# --- follow state -------------------------------------------------------------------------------

OK, FAILING = "ok", "failing"


@dataclass(frozen=True)
class FeedHealth:
    feed: str
    status: str  # OK or FAILING
    failures: int  # consecutive
    last_error: str | None
    last_status: int | None  # HTTP status of the last poll (200 for a file)
    last_success: float | None  # epoch seconds; None when not recorded
    next_due: float  # epoch seconds
    backing_off: bool  # failing, and not polled again before next_due
    moved_to: str | None  # where a permanent redirect led


def feed_health(states: list[FeedPollState], now: float) -> list[FeedHealth]:
    """The follow state's feeds as a reader wants them: the failing first (most consecutive
    failures first), then the others by name."""
    rows = [FeedHealth(s.feed, FAILING if s.failures else OK, s.failures, s.last_error,
                       s.last_status, s.last_success, s.next_due,
                       bool(s.failures) and s.next_due > now, s.location)
            for s in states]
    return sorted(rows, key=lambda row: (-row.failures, row.feed))


@dataclass(frozen=True)
class FollowStateView:
    path: str  # the state file looked at
    feeds: list[FeedHealth] | None  # None: there is no state file

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.feeds or [])

    @property
    def backing_off(self) -> int:
        return sum(row.backing_off for row in self.feeds or [])


# --- the report ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EntityRow:
    type: str
    canonical: str
    mentions: int
    items: int  # records naming it
    forms: dict[str, list[tuple[str, int]]]  # language -> (surface form, mentions), most first


@dataclass(frozen=True)
class ConfidenceRow:
    label: str
    records: int
    mean: float
    bins: list[int]  # records per CONFIDENCE_BINS-th of 0..1


@dataclass(frozen=True)
class Story:
    story_id: str
    records: int
    feeds: int  # distinct feeds among the items listed
    items: list[StoryItem]  # up to ITEMS_PER_STORY, by publication

    @property
    def lead(self) -> StoryItem | None:
        """The item the story is named after: its first record (whose id is the story's), or
        the first listed when that one is not among them."""
        return next((item for item in self.items if item.id == self.story_id),
                    self.items[0] if self.items else None)


@dataclass(frozen=True)
class Report:
    output: str
    generated: float  # epoch seconds
    records: int
    feeds: int  # distinct feeds with records
    first_published: int | None
    last_published: int | None
    undated: int  # records without a publication date (in no chart)
    languages: list[tuple[str, int]]
    topics: list[tuple[str, int]]
    by_language: Timeline
    by_topic: Timeline
    confidence: list[ConfidenceRow]
    entities: list[EntityRow]
    stories: list[Story]
    follow_state: FollowStateView
    dead_letters: int
    dead_letters_by_stage: list[tuple[str, int]]
    dead_letter_groups: list[DeadLetterGroup]
    runs: list[Run]  # by run id: oldest first

    @property
    def published_days(self) -> tuple[str, str] | None:
        """The days of the first and the last publication date; None when no record has one."""
        if self.first_published is None:
            return None
        return (bucket_label(self.first_published, "day"),
                bucket_label(self.last_published, "day"))


def finish_report(output: str, generated: float, records: RecordTally,
                  story_items: StoryItems, letters: DeadLetterTally, runs: list[Run],
                  follow_state: FollowStateView) -> Report:
    """The report of what the tallies counted."""
    hours = [hour for hour, _ in records.by_hour_language]
    unit = time_unit(min(hours), max(hours)) if hours else TIME_UNITS[0]
    return Report(
        output=output, generated=generated, records=records.records,
        feeds=len(records.feeds), first_published=records.first_published,
        last_published=records.last_published, undated=records.undated,
        languages=_ranked(records.languages), topics=_ranked(records.topics),
        by_language=timeline(records.by_hour_language, unit),
        by_topic=timeline(records.by_hour_topic, unit),
        confidence=[ConfidenceRow(label, n, records.confidence_sum[label] / n,
                                  records.confidence[label])
                    for label, n in _ranked(records.topics)],
        entities=_entity_rows(records.entities),
        stories=[_story(story, size, story_items.items[story])
                 for story, size in story_items.sizes.items()],
        follow_state=follow_state,
        dead_letters=letters.count, dead_letters_by_stage=_ranked(letters.by_stage),
        dead_letter_groups=letters.ranked_groups(),
        runs=sorted(runs, key=lambda run: run.run_id),
    )


def _entity_rows(entities: dict[str, _EntityTally]) -> list[EntityRow]:
    ranked = sorted(entities.items(), key=lambda pair: (-pair[1].mentions, pair[0]))
    rows = []
    for canonical, tally in ranked[:TOP_ENTITIES]:
        kind = _ranked(tally.types)[0][0]
        by_language: dict[str, Counter] = {}
        for (language, text), n in tally.forms.items():
            by_language.setdefault(language, Counter())[text] = n
        forms = {language: _ranked(texts)[:FORMS_PER_LANGUAGE] for language, texts in
                 sorted(by_language.items(), key=lambda pair: -sum(pair[1].values()))}
        rows.append(EntityRow(kind, canonical, tally.mentions, tally.items, forms))
    return rows


def _story(story_id: str, size: int, items: list[StoryItem]) -> Story:
    ordered = sorted(items, key=lambda item: (item.published is None, item.published or 0,
                                              item.feed_url, item.id, item.revision))
    # The second pass lists the files again, and may read some that a follower committed
    # after the first counted: never fewer records than items listed.
    return Story(story_id, max(size, len(items)), len({item.feed_url for item in items}),
                 ordered)
