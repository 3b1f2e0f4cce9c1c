"""A Report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.

Everything that comes from the output (titles, feeds, errors, raw input, entity names) is
escaped, and every cell of such text reads its own direction (`dir="auto"`; `<bdi>` inside a
line), so Arabic runs right to left beside English. The page's Content-Security-Policy forbids
scripts and every fetch: a page opened from disk stays a document, whatever a feed put in it.
"""
from __future__ import annotations

import datetime
from html import escape

from newsbeam.transforms.report.aggregate import (FAILING, MAX_BUCKETS, OK, FeedHealth,
                                                  Report, Run, Timeline)
from newsbeam.transforms.report.charts import (OTHER_COLOUR, PALETTE, histogram,
                                               series_colours, stacked_bars)

# The sections, in page order: (id, heading).
SECTIONS = (("overview", "Overview"), ("time", "Items over time"),
            ("confidence", "Topic confidence"), ("entities", "Top entities"),
            ("stories", "Largest stories"), ("feeds", "Feeds (follow mode)"),
            ("dead-letters", "Dead letters"), ("runs", "Runs"))
RUNS_LISTED = 50  # latest runs listed, beside every run that is incomplete or unreadable
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " \
       "form-action 'none'"

_STYLE = """
:root { color-scheme: light; --line: #d0d7de; --muted: #57606a; --warn: #b35900;
  --bad: #b3261e; --ok: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 16px 24px 48px; color: #1f2328;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Arabic",
  "DejaVu Sans", sans-serif; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 0 0 8px; padding-top: 8px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
section { border-top: 1px solid var(--line); margin-top: 24px; padding-top: 4px; }
nav a { margin-right: 14px; }
a { color: #0969da; }
code, .raw { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.muted, .none { color: var(--muted); }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; }
.figures div { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px;
  min-width: 130px; }
.figures dt { color: var(--muted); font-size: 12px; }
.figures dd { margin: 0; font-size: 20px; font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0 10px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: start;
  vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.when { white-space: nowrap; }
td.feed { max-width: 320px; overflow-wrap: anywhere; }
td.error, td.raw { overflow-wrap: anywhere; }
table.counts { width: auto; min-width: 320px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
  margin-right: 6px; vertical-align: -1px; }
svg.chart { width: 100%; height: auto; display: block; }
svg .grid { stroke: #e5e8eb; } svg .baseline { stroke: #8c959f; }
svg .axis { font-size: 11px; fill: var(--muted); }
.charts { display: grid; grid-template-columns: 1fr auto; gap: 12px 24px; align-items: start; }
.histograms { display: flex; flex-wrap: wrap; gap: 16px; }
.histograms figure { margin: 0; border: 1px solid var(--line); border-radius: 6px;
  padding: 8px; width: 340px; }
.histograms figcaption { font-weight: 600; }
svg.histogram { width: 320px; height: 130px; display: block; }
.lang { display: inline-block; min-width: 22px; color: var(--muted); font-size: 12px; }
.forms { margin: 1px 0; }
.story { border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px; margin: 10px 0; }
.story h3 { margin: 8px 0 2px; }
.status-failing { color: var(--bad); font-weight: 600; }
.status-ok { color: var(--ok); }
.incomplete { color: var(--warn); font-weight: 600; }
.group { margin: 6px 0 14px; }
details > summary { cursor: pointer; margin: 6px 0; }
"""


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    title = f"newsbeam report: {report.output}"
    sections = [_overview(report), _time(report), _confidence(report), _entities(report),
                _stories(report), _feeds(report), _dead_letters(report), _runs(report)]
    nav = " ".join(f'<a href="#{key}">{heading}</a>' for key, heading in SECTIONS)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f'<header><h1>newsbeam report</h1><p class="muted">of <code dir="auto">'
        f"{escape(report.output)}</code>, made {_when_seconds(report.generated)}; times in "
        f"UTC</p><nav>{nav}</nav></header>\n"
        + "\n".join(sections)
        + "\n</body>\n</html>\n")


def _section(key: str, body: str, **data) -> str:
    heading = dict(SECTIONS)[key]
    attributes = "".join(f' data-{name.replace("_", "-")}="{escape(str(value))}"'
                         for name, value in data.items())
    return f'<section id="{key}"{attributes}>\n<h2>{heading}</h2>\n{body}\n</section>'


# --- sections -----------------------------------------------------------------------------------

def _overview(report: Report) -> str:
    state = report.follow_state
    feeds = ("none" if state.feeds is None
             else f"{state.count(OK)} ok, {state.count(FAILING)} failing")
    runs = report.runs
    figures = [
        ("records", "records", f"{report.records:,}"),
        ("feeds", "feeds with records", f"{report.feeds:,}"),
        ("languages", "languages", f"{len(report.languages)}"),
        ("published", "published", _span(report)),
        ("dead-letters", "dead letters", f"{report.dead_letters:,}"),
        ("runs", "runs (complete)", f"{len(runs):,} ({sum(r.complete is True for r in runs):,})"),
        ("follow-state", "follow state", feeds),
    ]
    body = '<dl class="figures">' + "".join(
        f'<div data-figure="{key}"><dt>{label}</dt><dd>{escape(value)}</dd></div>'
        for key, label, value in figures) + "</dl>"
    return _section("overview", body, count=report.records,
                    dead_letters=report.dead_letters)


def _span(report: Report) -> str:
    if report.published_days is None:
        return "no dates"
    first, last = report.published_days
    return first if first == last else f"{first} – {last}"


def _time(report: Report) -> str:
    charted = report.records - report.undated
    if not charted:
        note = (f"{_records(report.undated)}, none with a publication date"
                if report.records else "no records")
        return _section("time", f'<p class="none">{note}.</p>', count=0)
    unit = report.by_language.unit
    intro = (f"<p>Records by publication date, one bar per {unit} (the finest of hour, day, "
             f"week, month and year that shows the whole span in at most {MAX_BUCKETS} bars)"
             + (f"; {_records(report.undated)} without a date "
               f"{'is' if report.undated == 1 else 'are'} in no chart"
               if report.undated else "") + ".</p>")
    body = (intro
            + _chart_block("By language", "language", report.by_language, report.languages)
            + _chart_block("By topic", "topic", report.by_topic, report.topics))
    return _section("time", body, count=charted, unit=unit)


def _chart_block(heading: str, kind: str, timeline: Timeline,
                 totals: list[tuple[str, int]]) -> str:
    colours = series_colours(timeline.series)
    rows = "".join(
        f'<tr data-key="{escape(key)}" data-count="{count}"><td dir="auto">'
        f'<span class="swatch" style="background:{colours.get(key, OTHER_COLOUR)}">'
        f'</span>{escape(key)}</td><td class="n">{count:,}</td></tr>'
        for key, count in totals)
    table = (f'<table class="counts" id="{kind}-totals"><tr><th>{kind}</th>'
             f'<th class="n">records</th></tr>{rows}</table>')
    chart = stacked_bars(timeline, colours, f"records by {kind} per {timeline.unit}")
    return f'<h3>{heading}</h3><div class="charts"><div>{chart}</div><div>{table}</div></div>'


def _confidence(report: Report) -> str:
    if not report.confidence:
        return _section("confidence", '<p class="none">no records.</p>', count=0)
    figures = []
    for index, row in enumerate(report.confidence):
        colour = PALETTE[index % len(PALETTE)]
        figures.append(
            f'<figure data-label="{escape(row.label)}" data-count="{row.records}">'
            f'<figcaption dir="auto">{escape(row.label)}</figcaption>'
            f'<div class="muted">{row.records:,} records, mean confidence {row.mean:.2f}</div>'
            + histogram(row.bins, colour, f"confidence of {row.label}") + "</figure>")
    intro = ("<p>How sure the topic model was of each label: records per 0.05 of confidence "
             "(hover a bar for its count).</p>")
    return _section("confidence", intro + f'<div class="histograms">{"".join(figures)}</div>',
                    count=len(report.confidence))


def _entities(report: Report) -> str:
    if not report.entities:
        return _section("entities", '<p class="none">no people, organisations or places '
                                    "named.</p>", count=0)
    rows = []
    for rank, entity in enumerate(report.entities, 1):
        forms = "".join(
            f'<div class="forms"><span class="lang">{escape(language)}</span> '
            + " · ".join(f"<bdi>{escape(text)}</bdi> <span class=\"muted\">{n:,}</span>"
                         for text, n in texts) + "</div>"
            for language, texts in entity.forms.items())
        rows.append(
            f'<tr data-key="{escape(entity.type)}:{escape(entity.canonical)}" '
            f'data-count="{entity.mentions}"><td class="n">{rank}</td>'
            f'<td dir="auto">{escape(entity.canonical)}</td><td>{escape(entity.type.lower())}'
            f'</td><td class="n">{entity.mentions:,}</td><td class="n">{entity.items:,}</td>'
            f"<td>{forms}</td></tr>")
    intro = ("<p>People, organisations and places by canonical name (dates are left out), "
             "most mentioned first, with the words that named them in each language.</p>")
    table = ('<table id="entity-table"><tr><th class="n">#</th><th>canonical</th><th>type</th>'
             '<th class="n">mentions</th><th class="n">records</th>'
             "<th>as written, by language</th></tr>" + "".join(rows) + "</table>")
    return _section("entities", intro + table, count=len(report.entities))


def _stories(report: Report) -> str:
    if not report.stories:
        return _section("stories", '<p class="none">no story has more than one record.</p>',
                        count=0)
    blocks = []
    for story in report.stories:
        lead = story.lead
        rows = "".join(
            f'<tr><td class="when">{_when(item.published)}</td>'
            f'<td class="feed" dir="auto">{escape(item.feed_url)}</td>'
            f'<td dir="auto">{_link(item.link, item.title)}'
            + (f' <span class="muted">(revision {item.revision})</span>'
               if item.revision > 1 else "")
            + f'</td><td>{escape(item.language)}</td></tr>' for item in story.items)
        more = story.records - len(story.items)
        blocks.append(
            f'<article class="story" data-story="{escape(story.story_id)}" '
            f'data-count="{story.records}" data-feeds="{story.feeds}">'
            f'<h3 dir="auto">{escape(lead.title if lead else story.story_id)}</h3>'
            f'<p class="muted">{story.records:,} records from {story.feeds:,} '
            f'feed{"s" if story.feeds != 1 else ""}; story <code>{escape(story.story_id)}'
            f"</code></p><table><tr><th>published</th><th>feed</th><th>title</th>"
            f"<th>language</th></tr>{rows}</table>"
            + (f'<p class="muted">and {more:,} more records.</p>' if more > 0 else "")
            + "</article>")
    intro = ("<p>Stories told by several records (the same article across feeds, or its "
             "revisions), largest first.</p>")
    return _section("stories", intro + "".join(blocks), count=len(report.stories))


def _feeds(report: Report) -> str:
    state = report.follow_state
    if state.feeds is None:
        return _section("feeds", f'<p class="none">no follow state (looked for '
                                 f'<code dir="auto">{escape(state.path)}</code>).</p>',
                        count=0, state="none")
    failing = [row for row in state.feeds if row.status == FAILING]
    healthy = [row for row in state.feeds if row.status == OK]
    intro = (f"<p>From the follow state <code dir=\"auto\">{escape(state.path)}</code>: "
             f"{len(state.feeds):,} feeds, {len(healthy):,} ok, {len(failing):,} failing "
             f"({state.backing_off:,} backing off).</p>")
    now = report.generated
    failing_table = (
        "<h3>Failing</h3><table id=\"failing-feeds\"><tr><th>feed</th>"
        "<th class=\"n\">failures in a row</th><th>last error</th><th>last success</th>"
        "<th>next poll</th></tr>"
        + "".join(f'<tr data-feed="{escape(row.feed)}" data-failures="{row.failures}">'
                  f'{_feed_cell(row)}<td class="n status-failing">{row.failures:,}</td>'
                  f'<td class="error" dir="auto">{escape(row.last_error or "")}</td>'
                  f'<td class="when">{_last_success(row, now)}</td>'
                  f'<td class="when">{_next_poll(row, now)}</td></tr>' for row in failing)
        + "</table>") if failing else '<p class="none">No feed is failing.</p>'
    healthy_table = (
        f"<details><summary>{len(healthy):,} feeds ok</summary>"
        '<table id="ok-feeds"><tr><th>feed</th><th class="n">last status</th>'
        "<th>last success</th><th>next poll</th></tr>"
        + "".join(f'<tr data-feed="{escape(row.feed)}">{_feed_cell(row)}'
                  f'<td class="n status-ok">{row.last_status or ""}</td>'
                  f'<td class="when">{_last_success(row, now)}</td>'
                  f'<td class="when">{_next_poll(row, now)}</td></tr>' for row in healthy)
        + "</table></details>") if healthy else ""
    return _section("feeds", intro + failing_table + healthy_table, count=len(state.feeds),
                    failing=len(failing), backing_off=state.backing_off)


def _feed_cell(row: FeedHealth) -> str:
    moved = (f'<div class="muted">moved to <span dir="auto">{escape(row.moved_to)}</span></div>'
             if row.moved_to else "")
    return f'<td class="feed" dir="auto">{escape(row.feed)}{moved}</td>'


def _last_success(row: FeedHealth, now: float) -> str:
    if row.last_success is None:
        return '<span class="muted">not recorded</span>'
    return f"{_when_seconds(row.last_success)} ({_relative(row.last_success, now)})"


def _next_poll(row: FeedHealth, now: float) -> str:
    when = f"{_when_seconds(row.next_due)} ({_relative(row.next_due, now)})"
    return f"backing off until {when}" if row.backing_off else when


def _dead_letters(report: Report) -> str:
    if not report.dead_letters:
        return _section("dead-letters", '<p class="none">no dead letters.</p>', count=0)
    stages = ", ".join(f"{escape(stage)} {n:,}" for stage, n in report.dead_letters_by_stage)
    summary_rows = "".join(
        f'<tr data-stage="{escape(g.stage)}" data-reason="{escape(g.reason)}" '
        f'data-count="{g.count}"><td>{escape(g.stage)}</td><td dir="auto">{escape(g.reason)}'
        f'</td><td class="n">{g.count:,}</td></tr>' for g in report.dead_letter_groups)
    groups = []
    for group in report.dead_letter_groups:
        examples = "".join(
            f'<tr><td class="feed" dir="auto">{escape(example.feed_url)}</td>'
            f'<td class="when">{_when(example.at)}</td>'
            f'<td class="error" dir="auto">{escape(example.error)}</td>'
            f'<td class="raw" dir="auto"><code>{escape(example.raw)}</code>'
            f'<div class="muted">{example.raw_size:,} bytes</div></td></tr>'
            for example in group.examples)
        groups.append(
            f'<div class="group"><h3 dir="auto">{escape(group.stage)} · {escape(group.reason)} '
            f'<span class="muted">({group.count:,})</span></h3><table><tr><th>feed</th>'
            f"<th>when</th><th>error</th><th>raw input (start)</th></tr>{examples}</table></div>")
    body = (f"<p>{report.dead_letters:,} dead letters: {stages}. By stage and reason (what the "
            f"error says before its first ':'), with the first few of each:</p>"
            f'<table class="counts" id="dead-letter-groups"><tr><th>stage</th><th>reason</th>'
            f'<th class="n">dead letters</th></tr>{summary_rows}</table>' + "".join(groups))
    return _section("dead-letters", body, count=report.dead_letters)


def _runs(report: Report) -> str:
    runs = report.runs
    if not runs:
        return _section("runs", '<p class="none">no run summaries (the unbounded job '
                                "writes none).</p>", count=0)
    troubled = [run for run in runs if run.complete is not True]
    latest = [run for run in runs if run.complete is True][-RUNS_LISTED:]
    listed = sorted(troubled[-RUNS_LISTED:] + latest, key=lambda run: run.run_id, reverse=True)
    records = sum(run.records or 0 for run in runs)
    dead = sum(run.dead_letters or 0 for run in runs)
    intro = (f"<p>{len(runs):,} runs (follow mode writes one per batch): "
             f"{len(runs) - len(troubled):,} complete, {len(troubled):,} not; together "
             f"{records:,} records and {dead:,} dead letters written."
             + (f" Listed: every run that is not complete and the latest {RUNS_LISTED} "
                f"complete ones." if len(listed) < len(runs) else "") + "</p>")
    rows = "".join(_run_row(run) for run in listed)
    table = ('<table id="run-table"><tr><th>run</th><th class="n">feeds</th>'
             '<th class="n">records</th><th class="n">dead letters</th><th>complete</th></tr>'
             f"{rows}</table>")
    return _section("runs", intro + table, count=len(runs), incomplete=len(troubled))


def _run_row(run: Run) -> str:
    if run.problem:
        status = f'<span class="incomplete">{escape(run.problem)}</span>'
    elif run.complete:
        status = "yes"
    else:
        status = '<span class="incomplete">no: some files are not in place</span>'
    return (f'<tr data-run="{escape(run.run_id)}"><td><code>{escape(run.run_id)}</code></td>'
            f'<td class="n">{_count(run.feeds)}</td><td class="n">{_count(run.records)}</td>'
            f'<td class="n">{_count(run.dead_letters)}</td><td>{status}</td></tr>')


# --- values -------------------------------------------------------------------------------------

def _link(url: str | None, text: str) -> str:
    """`text`, linked to `url` when it is a web address (never a javascript: or file: one)."""
    if url and url.lower().startswith(("http://", "https://")):
        return (f'<a href="{escape(url)}" rel="noopener noreferrer nofollow">'
                f"{escape(text or url)}</a>")
    return escape(text or url or "")


def _records(count: int) -> str:
    return f"{count:,} record" + ("" if count == 1 else "s")


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _when(millis: int | None) -> str:
    return "" if millis is None else _when_seconds(millis / 1000)


def _when_seconds(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


def _relative(seconds: float, now: float) -> str:
    """"3 h ago", "in 12 min": how far `seconds` is from `now`."""
    delta = abs(seconds - now)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if delta >= size:
            amount = f"{delta // size:.0f} {unit}"
            break
    else:
        amount = f"{delta:.0f} s"
    return f"{amount} ago" if seconds <= now else f"in {amount}"
