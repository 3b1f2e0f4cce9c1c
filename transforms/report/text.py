"""A Report as a few lines of text for the terminal: the page's sections, each in a line or
two, and how to get the page."""
from __future__ import annotations

from newsbeam.transforms.report.aggregate import FAILING, OK, Report, bucket_label, one_line

ENTITIES_LISTED = 5
STORIES_LISTED = 3
FAILING_FEEDS_LISTED = 5
REASONS_LISTED = 5
RUNS_LISTED = 5  # of those not complete, the latest
TITLE_CHARS = 80


def render_text(report: Report) -> str:
    """The text summary of `report`."""
    lines = [f"report of {report.output}",
             f"records: {report.records} from {report.feeds} feeds" + _published(report)]
    if report.records:
        confidence = {row.label: row.mean for row in report.confidence}
        lines += [
            f"languages: {_counts(report.languages)}",
            "topics: " + ", ".join(f"{label} {n} (mean confidence {confidence[label]:.2f})"
                                   for label, n in report.topics),
            *([f"busiest {report.by_language.unit}: {_busiest(report)}"]
              if report.by_language.starts else []),
            "top entities: " + (", ".join(
                _entity(entity) for entity in report.entities[:ENTITIES_LISTED]) or "none"),
        ]
    lines.append("largest stories: " + ("; ".join(
        f"{story.records} records in {story.feeds} feeds: "
        f"{one_line(story.lead.title if story.lead else story.story_id, TITLE_CHARS)}"
        for story in report.stories[:STORIES_LISTED]) or "none"))
    lines += _feed_lines(report)
    lines.append(f"dead letters: {report.dead_letters}" + (
        f" ({_counts(report.dead_letters_by_stage)}); most: " + ", ".join(
            f"{g.stage} {g.reason!r} {g.count}"
            for g in report.dead_letter_groups[:REASONS_LISTED])
        if report.dead_letters else ""))
    lines.append(_runs_line(report))
    lines.append(f"the whole report as one page: newsbeam report {report.output} --html "
                 f"report.html")
    return "\n".join(lines)


def _published(report: Report) -> str:
    if report.published_days is None:
        return ""
    first, last = report.published_days
    span = first if first == last else f"{first} to {last}"
    return f", published {span}" + (f" ({report.undated} without a date)"
                                    if report.undated else "")


def _busiest(report: Report) -> str:
    timeline = report.by_language
    totals = timeline.totals
    peak = max(range(len(totals)), key=totals.__getitem__)
    return f"{bucket_label(timeline.starts[peak], timeline.unit)} ({totals[peak]} records)"


def _entity(entity) -> str:
    """Its most written form, and the canonical name when that differs."""
    written = max((form for forms in entity.forms.values() for form in forms),
                  key=lambda form: form[1])[0]
    canonical = f"{entity.canonical}, " if entity.canonical != written else ""
    return f"{written} ({canonical}{entity.type.lower()}, {entity.mentions})"


def _feed_lines(report: Report) -> list[str]:
    state = report.follow_state
    if state.feeds is None:
        return [f"feeds: no follow state (looked for {state.path})"]
    lines = [f"feeds (follow state): {len(state.feeds)}, {state.count(OK)} ok, "
             f"{state.count(FAILING)} failing ({state.backing_off} backing off)"]
    for row in [row for row in state.feeds if row.status == FAILING][:FAILING_FEEDS_LISTED]:
        lines.append(f"  failing: {row.feed}: {row.failures} in a row, last error: "
                     f"{one_line(row.last_error or '', TITLE_CHARS)}")
    return lines


def _runs_line(report: Report) -> str:
    runs = report.runs
    if not runs:
        return "runs: no run summaries"
    complete = sum(run.complete is True for run in runs)
    line = f"runs: {len(runs)} ({complete} complete), latest {runs[-1].run_id}"
    troubled = [run.run_id for run in runs if run.complete is not True]
    return line + (f"; not complete: {', '.join(troubled[-RUNS_LISTED:])}" if troubled else "")


def _counts(pairs) -> str:
    return ", ".join(f"{key} {value}" for key, value in pairs) or "none"
