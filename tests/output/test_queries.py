"""The output read offline by other tools: the batch job's records the same in every format, the
README's DuckDB and pandas example run on Parquet output, DuckDB reading JSON Lines output."""
import contextlib
import io
import re

import pytest
from newsbeam.pipelines.cli import main

from tests.support.output_files import read_records
from tests.support.paths import REPO

FORMATS = ("avro", "parquet", "jsonl")


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory):
    """{format: the folder holding `output/`, the bundled samples' batch run in that format}."""
    runs = {}
    for file_format in FORMATS:
        folder = tmp_path_factory.mktemp(file_format)
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["run", "--format", file_format, "--output",
                         str(folder / "output")]) == 0
        runs[file_format] = folder
    return runs


def comparable(records):
    """Records as every run of the samples writes them: `fetched` is the run's clock."""
    return sorted(({**r, "fetched": None} for r in records), key=lambda r: r["id"])


def test_every_format_holds_the_same_records_in_the_same_files(sample_runs):
    items = {fmt: read_records(sample_runs[fmt] / "output" / "items") for fmt in FORMATS}
    assert len(items["avro"]) == 10
    assert comparable(items["parquet"]) == comparable(items["avro"])
    assert comparable(items["jsonl"]) == comparable(items["avro"])

    def layout(fmt):  # partition folders and file names, the run id and extension left out
        files = (sample_runs[fmt] / "output" / "items").glob(f"*/*.{fmt}")
        return sorted((path.parent.name, re.sub(r"part-[^-]+-[^-]+-", "part-", path.stem))
                      for path in files)
    assert layout("parquet") == layout("avro") == layout("jsonl")


def readme_python_example() -> str:
    """The Python block of the README's "Reading the output" section."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Reading the output", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readmes_duckdb_and_pandas_example_reads_parquet_output(sample_runs, monkeypatch,
                                                                   capsys):
    pytest.importorskip("duckdb")
    pytest.importorskip("pandas")
    monkeypatch.chdir(sample_runs["parquet"])  # the example reads ./output, the default
    names: dict = {}
    exec(compile(readme_python_example(), "README.md", "exec"), names)
    printed = capsys.readouterr().out
    assert re.search(r"│ en\s+│ politics\s+│\s+2 │", printed)
    assert re.search(r"│ ar\s+│ sport\s+│\s+1 │", printed)
    items = names["items"]
    assert len(items) == 10 and str(items["published"].dtype) == "datetime64[ms, UTC]"
    assert sorted(items["published_date"].astype(str).unique())[0] == "2023-09-12"


def test_duckdb_reads_json_lines_output_with_its_timestamps(sample_runs, monkeypatch):
    duckdb = pytest.importorskip("duckdb")
    monkeypatch.chdir(sample_runs["jsonl"])
    rows = duckdb.sql("""select typeof(published), typeof(topic.confidence), count(*)
                         from read_json_auto('output/items/*/*.jsonl') group by all""").fetchall()
    assert rows == [("TIMESTAMP WITH TIME ZONE", "DOUBLE", 10)]
