"""Follow mode's compaction: which files are merged, and a crash at any moment leaves every record
in exactly one visible file once the next start has finished what was interrupted."""
import collections
import contextlib
import datetime
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from apache_beam.io.filesystems import FileSystems
from newsbeam.transforms.output.compaction import (
    compact_output,
    files_to_compact,
    finish_interrupted,
    is_compacted,
    partition_closed,
)
from newsbeam.transforms.output.dead_letters import dead_letter
from newsbeam.transforms.output.files import (
    DEAD_LETTERS,
    NEWS_ITEMS,
    read_table,
    table_files,
    write_files,
)
from newsbeam.transforms.output.records import to_news_item

from tests.support.output_files import file_names
from tests.support.records import minimal

DAY = 86_400_000
OLD_DAY = 1_630_886_400_000  # 2021-09-06 UTC
TODAY = 1_800_000_000_000  # 2027-01-15 UTC
NOW = TODAY / 1000 + 3600  # an hour later, the same day


def cycle_files(output, file_format="parquet", cycles=3, day=OLD_DAY, prefix="c"):
    """What `cycles` follow cycles write into the partition of `day`: one file each, two
    records, and one dead letter each in today's dead letter partition."""
    for n in range(cycles):
        records = [to_news_item(minimal(id=f"{prefix}{n}-{k}", published=day + k))
                   for k in range(2)]
        write_files(records, output, NEWS_ITEMS, f"{prefix}{n}", file_format)
        letter = dead_letter("f", "read", f"{prefix}{n}: gone", b"", at_millis=TODAY + n)
        write_files([letter], output, DEAD_LETTERS, f"{prefix}{n}", file_format)


def visible(output) -> collections.Counter:
    """How many visible files hold each record (items by id, dead letters by error)."""
    return collections.Counter([r["id"] for r in read_table(output, NEWS_ITEMS)]
                               + [d["error"] for d in read_table(output, DEAD_LETTERS)])


def files_per_partition(output, table=NEWS_ITEMS) -> dict[str, int]:
    return collections.Counter(path.rsplit("/", 2)[-2] for path in table_files(output, table))


def hidden_left(output) -> list[str]:
    return [name for name in file_names(output) if "/." in "/" + name]


def test_partitions_before_today_are_closed_and_the_null_partition_never_is():
    today = datetime.date(2027, 1, 15)
    assert partition_closed("published_date=2027-01-14", today)
    assert not partition_closed("published_date=2027-01-15", today)
    assert not partition_closed("published_date=__HIVE_DEFAULT_PARTITION__", today)


def test_an_open_partition_merges_its_cycle_files_and_a_closed_one_everything():
    cycles = ["p/part-b1-00000-of-00001.avro", "p/part-b2-00000-of-00001.avro"]
    compacted = ["p/part-compacted-x-00000-of-00001.avro"]
    assert is_compacted(compacted[0]) and not is_compacted(cycles[0])
    assert files_to_compact(cycles + compacted, closed=False) == cycles
    assert files_to_compact(cycles[:1] + compacted, closed=False) == []
    assert files_to_compact(cycles[:1] + compacted, closed=True) == cycles[:1] + compacted
    assert files_to_compact(compacted, closed=True) == []


def test_a_pass_merges_each_partition_once_and_loses_nothing(tmp_path):
    output = str(tmp_path)
    cycle_files(output, cycles=3)  # a closed partition, and today's dead letters
    cycle_files(output, cycles=2, day=TODAY, prefix="t")  # today's items
    before = visible(output)
    report = compact_output(output, "parquet", NOW)
    assert visible(output) == before and set(before.values()) == {1}
    assert files_per_partition(output) == {"published_date=2021-09-06": 1,
                                           "published_date=2027-01-15": 1}
    assert files_per_partition(output, DEAD_LETTERS) == {"failed_date=2027-01-15": 1}
    assert (report.partitions, report.files_merged, report.records, report.errors) == (
        3, 10, 15, [])
    assert hidden_left(output) == []
    # the next hour: today's compacted file stays, the new cycle files are merged beside it
    cycle_files(output, cycles=2, day=TODAY, prefix="u")
    compact_output(output, "parquet", NOW + 3600)
    assert files_per_partition(output)["published_date=2027-01-15"] == 2
    # the next day: today's partition has closed and becomes one file
    compact_output(output, "parquet", NOW + 86_400)
    assert files_per_partition(output)["published_date=2027-01-15"] == 1
    assert set(visible(output).values()) == {1} and len(visible(output)) == 21


def test_a_pass_leaves_other_formats_and_the_batches_still_in_the_inbox(tmp_path):
    output = str(tmp_path)
    cycle_files(output, "avro", cycles=2)
    cycle_files(output, "parquet", cycles=3, prefix="p")
    compact_output(output, "parquet", NOW, keep_runs=["p2"])
    names = [name.rsplit("/", 1)[-1] for name in file_names(tmp_path / "items")]
    assert sorted(name.split("-")[1] for name in names) == ["c0", "c1", "compacted", "p2"]


def test_a_partition_that_cannot_be_merged_is_reported_and_the_others_go_on(tmp_path):
    output = str(tmp_path)
    cycle_files(output, cycles=2)
    cycle_files(output, cycles=2, day=OLD_DAY + DAY, prefix="d")
    [broken, *_] = sorted((tmp_path / "items" / "published_date=2021-09-06").iterdir())
    broken.write_bytes(b"PAR1 not really")
    report = compact_output(output, "parquet", NOW)
    [error] = report.errors
    assert error.startswith("items/published_date=2021-09-06: ")
    assert files_per_partition(output) == {"published_date=2021-09-06": 2,
                                           "published_date=2021-09-07": 1}
    assert hidden_left(output) == []


# --- a crash at any moment ----------------------------------------------------------------------

class Killed(BaseException):
    """Stands for kill -9: the process stops between two filesystem operations (a
    BaseException, so no `except Exception` cleans up after it, as none could after a kill)."""


@contextlib.contextmanager
def killed_at(step: int):
    """Raises Killed at the `step`-th change to the filesystem (create, rename, delete, mkdirs)
    made through Beam's FileSystems, as newsbeam makes every change."""
    calls = [0]
    with pytest.MonkeyPatch.context() as patch:
        for name in ("create", "rename", "delete", "mkdirs"):
            def counted(*args, _original=getattr(FileSystems, name), **kwargs):
                calls[0] += 1
                if calls[0] == step:
                    raise Killed(step)
                return _original(*args, **kwargs)
            patch.setattr(FileSystems, name, staticmethod(counted))
        yield


def killed_state(tmp_path, step: int) -> tuple[str, bool]:
    """An output compacted until killed at `step`: (its folder, whether it was killed)."""
    output = str(tmp_path / f"step{step}")
    cycle_files(output, cycles=3)
    cycle_files(output, cycles=2, day=TODAY, prefix="t")
    try:
        with killed_at(step):
            compact_output(output, "parquet", NOW)
    except Killed:
        return output, True
    return output, False


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    output = str(tmp_path_factory.mktemp("untouched"))
    cycle_files(output, cycles=3)
    cycle_files(output, cycles=2, day=TODAY, prefix="t")
    return visible(output)


def test_killed_at_any_step_then_restarted_every_record_is_visible_once(tmp_path, expected):
    steps = 0
    for step in range(1, 200):
        output, killed = killed_state(tmp_path, step)
        finish_interrupted(output)  # the next start
        assert visible(output) == expected, f"killed at step {step}"
        assert hidden_left(output) == [], f"killed at step {step}"
        if not killed:
            break
        steps += 1
    # each of the 3 partitions' 6 steps was hit: the merged file made, the intent written aside
    # and renamed, the merged file renamed into place, the inputs deleted, the folder removed
    assert steps == 3 * 6


def test_killed_again_while_finishing_an_interrupted_compaction(tmp_path, expected):
    hit = 0
    for step in range(1, 200, 3):  # a third of the first crash points, to stay quick
        output, killed = killed_state(tmp_path, step)
        if not killed:
            break
        snapshot = output + "-killed"
        shutil.copytree(output, snapshot)
        for again in range(1, 50):
            shutil.rmtree(output)
            shutil.copytree(snapshot, output)
            try:
                with killed_at(again):
                    finish_interrupted(output)
            except Killed:
                hit += 1
            else:
                break
            finish_interrupted(output)  # and the start after that
            assert visible(output) == expected, f"killed at steps {step}, then {again}"
            assert hidden_left(output) == [], f"killed at steps {step}, then {again}"
        shutil.rmtree(snapshot)
    assert hit > 5


COMPACT = """
import sys
from newsbeam.transforms.filesystems import filesystems
from newsbeam.transforms.output import parquet  # imported before the clock starts
from newsbeam.transforms.output.compaction import compact_output
filesystems()
print("ready", flush=True)
compact_output(sys.argv[1], "parquet", float(sys.argv[2]))
"""


def many_cycle_files(output):
    if os.path.exists(output):
        shutil.rmtree(output)
    for day in range(4):
        cycle_files(output, cycles=25, day=OLD_DAY + day * DAY, prefix=f"d{day}-")


def test_sigkill_during_compaction_then_restart_loses_and_repeats_nothing(tmp_path):
    output = str(tmp_path / "out")
    many_cycle_files(output)
    before = visible(output)
    started = time.monotonic()
    compact_output(output, "parquet", NOW)
    duration = time.monotonic() - started
    under_way = 0
    for share in (0.2, 0.5, 0.8):
        many_cycle_files(output)
        process = subprocess.Popen([sys.executable, "-c", COMPACT, output, str(NOW)],
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "ready"
        time.sleep(share * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        compacted = sum(1 for path in table_files(output, NEWS_ITEMS) if is_compacted(path))
        under_way += bool(hidden_left(output)) or 0 < compacted < 4
        finish_interrupted(output)  # the next start
        assert visible(output) == before, f"killed after {share * duration:.2f} s"
        assert hidden_left(output) == []
    assert under_way  # at least one kill found a compaction half done
