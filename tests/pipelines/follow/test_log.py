"""Follow mode's log: timestamped lines for a person, JSON lines for a machine, a line every
cycle and every quiet minute, failing feeds named once, totals on stop."""
import io
import json
import re
import signal
import subprocess
import sys
import threading

from newsbeam.pipelines.follow import follower as follower_module
from newsbeam.pipelines.follow.cycle import CycleReport
from newsbeam.pipelines.follow.log import FollowLog

from tests.pipelines.follow.test_follower import (T0, V1, Lines, _wait_for_records,
                                                  follower)
from tests.support.http_server import FeedServer

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def logged(log_format="text"):
    out = io.StringIO()
    return FollowLog(log_format, out=out), out


def test_a_quiet_cycle_is_one_timestamped_line():
    log, out = logged()
    log.cycle(CycleReport(polled=3, changed=0, seconds=0.4))
    assert re.fullmatch(STAMP + r" cycle: polled 3 feeds \(3 unchanged, 0 changed, 0 failed, "
                                r"0 in flight\): 0 new, 0 revised, 0 already written; 0 records, "
                                r"0 dead letters in 0.4 s\n", out.getvalue())


def test_json_lines_carry_the_same_counts():
    log, out = logged("json")
    log.cycle(CycleReport(polled=2, changed=1, new=5, records_written=5,
                          failing=[("http://a.example/feed", 3, "HTTP 500")]))
    line = json.loads(out.getvalue())
    assert (line["event"], line["polled"], line["unchanged"], line["new"]) == ("cycle", 2, 1, 5)
    assert line["failing"] == [{"feed": "http://a.example/feed", "failures": 3,
                                "error": "HTTP 500"}]
    assert re.fullmatch(STAMP, line["time"])


def test_a_cycle_line_names_the_worst_failing_feeds_first():
    log, out = logged()
    log.cycle(CycleReport(polled=4, failed=4, failing=[
        ("a", 1, "HTTP 500"), ("b", 9, "timed out"), ("c", 4, "HTTP 404"), ("d", 2, "x")]))
    assert out.getvalue().rstrip().endswith(
        "failing: b (9x: timed out), c (4x: HTTP 404), d (2x: x)")


def test_totals_since_start_on_stop():
    log, out = logged()
    log.cycle(CycleReport(polled=2, changed=1, new=3, records_written=3))
    log.cycle(CycleReport(polled=1, failed=1))
    log.stopped()
    assert out.getvalue().splitlines()[-1].split(" ", 1)[1] == (
        "stopped after 0 s: 2 cycles, 3 polls (1 changed, 1 failed), 3 new, 0 revised, "
        "3 records, 0 dead letters")
    log.cycle(CycleReport(polled=1, changed=1, new=1, records_written=1, dead_letters=1))
    log.stopped()
    assert "3 cycles, 4 polls (2 changed, 1 failed), 4 new, 0 revised, 4 records, " \
           "1 dead letter" in out.getvalue().splitlines()[-1]


def test_a_feed_that_starts_and_stops_failing_is_named_once_each_time(tmp_path):
    routes = {"/feed.xml": (500, {}, b"down")}
    with FeedServer(routes) as server:
        f = follower(tmp_path, [server.url("/feed.xml")], interval=1)
        log, out = logged()
        for poll in range(3):  # backoff: each poll far enough after the last
            log.cycle(f.run_cycle(now=T0 + 1000 * poll))
        routes["/feed.xml"] = (200, {}, V1)
        log.cycle(f.run_cycle(now=T0 + 3000))
        f.close()
    events = [line.split(" ", 1)[1] for line in out.getvalue().splitlines()]
    feed = server.url("/feed.xml")
    assert [e for e in events if e.startswith("feed ")] == [
        f"feed failing: {feed}: HTTP 500 Internal Server Error",
        f"feed recovered: {feed} (after 3 failed polls)"]
    cycles = [e for e in events if e.startswith("cycle:")]
    assert cycles[2].endswith(f"failing: {feed} (3x: HTTP 500 Internal Server Error)")
    assert "failing:" not in cycles[3]


def test_a_quiet_minute_still_logs_a_line(tmp_path, monkeypatch):
    monkeypatch.setattr(follower_module, "IDLE_LINE_SECONDS", 0.3)
    feed = tmp_path / "feed.xml"
    feed.write_bytes(V1)
    f = follower(tmp_path, [str(feed)], interval=600)
    stop = threading.Event()
    out = Lines(stop, until=("idle:",))
    f.run(stop, FollowLog(out=out))
    f.close()
    assert out.lines[0].split(" ", 1)[1].startswith("cycle: polled 1 feed (0 unchanged")
    assert re.fullmatch(STAMP + r" idle: 1 feed, 0 in flight, next poll due in "
                                r"(59\d|600) s", out.lines[-1])


def test_the_follow_command_logs_json_lines_from_start_to_totals(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(V1)
    process = subprocess.Popen(
        [sys.executable, "-m", "newsbeam.pipelines.batch", "--follow", "--interval", "1",
         "--log_format", "json", "--feeds", str(feed), "--output", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_records(str(tmp_path / "out"), 2)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["event"] == "started" and events[-1]["event"] == "stopped"
    assert {"cycle"} == {e["event"] for e in events[1:-1]}
    assert events[-1]["new"] == 2 and events[-1]["records_written"] == 2


def test_a_compaction_is_one_line_when_it_merged_files_and_one_per_partition_skipped():
    from newsbeam.transforms.output.compaction import CompactionReport

    log, out = logged()
    log.compacted(CompactionReport())  # nothing to merge: nothing said
    assert out.getvalue() == ""
    log.compacted(CompactionReport(partitions=2, files_merged=14, records=388, seconds=0.4,
                                   errors=["items/published_date=2027-01-14: OSError()"]))
    [skipped, merged] = out.getvalue().splitlines()
    assert re.fullmatch(STAMP + r" not compacted: items/published_date=2027-01-14: OSError\(\)",
                        skipped)
    assert re.fullmatch(STAMP + r" compacted 14 files into 2 \(388 records\) in 0.4 s", merged)
    log, out = logged("json")
    log.compacted(CompactionReport(partitions=1, files_merged=3, records=9))
    line = json.loads(out.getvalue())
    assert (line["event"], line["files_merged"], line["records"]) == ("compacted", 3, 9)
