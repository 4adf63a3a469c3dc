"""What an analyst meets when reading a release: the README's examples, run as written.

The examples are taken from the code blocks of the README's "Read a release" section and
run from another working directory against the release of the shared DAG run, once as it is
and once with a killed run's leftovers beside it. Each must read exactly the rows that the
release's manifest counts, with `reporting_year` as int64. A join of `revisions` to
`equity_metrics` on `reporting_year` works in pyarrow, DuckDB and polars.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from exports.latest_pointer import point_latest_to
from exports.release_database import RELEASE_DATABASE_FILE
from ingest.config import PROJECT_ROOT, Paths

pytestmark = pytest.mark.slow

SECTION = "## Read a release"
README_OUTPUT = "data/output/"  # the output folder as the examples name it
TABLE = "equity_metrics"
YEAR_SCHEMA = pa.schema([("reporting_year", pa.int64())])
RUN_LANGUAGES = {"sql", "python"}
NOT_RUN_LANGUAGES = {"r"}  # no R where the suite runs


def readme_examples() -> list[tuple[str, str]]:
    """(language, code) of every fenced block in the README's "Read a release" section."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION + "\n" in text, f"README has no {SECTION!r} section"
    section = text.split(SECTION + "\n", 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.M)[0]
    return re.findall(r"^```(\w*)\n(.*?)^```$", section, flags=re.M | re.S)


def run_example(language: str, code: str, output: Path) -> object:
    """Run one example against `output`; return what it read (a table or frame)."""
    code = code.replace(README_OUTPUT, f"{output.as_posix()}/")
    if language == "sql":
        with duckdb.connect() as connection:
            return connection.sql(code).to_arrow_table()
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["metrics"]


def year_type(frame) -> str:
    """The type of reporting_year in a pandas or polars frame or an arrow table."""
    column = frame["reporting_year"]
    return str(column.type if isinstance(column, pa.ChunkedArray) else column.dtype).lower()


def release_of(output: Path) -> Path:
    """The release LATEST names, found without the link under test."""
    return output / "releases" / (output / "LATEST").read_text(encoding="utf-8").strip()


def manifest_rows(release: Path, table: str) -> int:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    return next(entry["rows"] for entry in manifest["tables"] if entry["name"] == table)


def check_every_example_reads_the_release(output: Path, working_dir: Path, monkeypatch) -> None:
    expected = manifest_rows(release_of(output), TABLE)
    assert expected > 0
    working_dir.mkdir()
    monkeypatch.chdir(working_dir)
    for language, code in readme_examples():
        if language in NOT_RUN_LANGUAGES:
            continue
        read = run_example(language, code, output)
        assert len(read) == expected, f"the README's {language} example read {len(read)} rows:\n{code}"
        assert year_type(read) == "int64", f"reporting_year is {year_type(read)} in:\n{code}"


def test_the_section_holds_only_examples_the_suite_runs_or_r():
    examples = readme_examples()
    languages = Counter(language for language, _ in examples)
    assert set(languages) <= RUN_LANGUAGES | NOT_RUN_LANGUAGES, languages
    assert languages["sql"] >= 2 and languages["python"] >= 3 and languages["r"] == 1, languages
    for language, code in examples:
        assert f"{README_OUTPUT}current/" in code, f"does not read the current release:\n{code}"
        assert "releases/" not in code, code
    python_and_r = [code for language, code in examples if language in {"python", "r"}]
    # pyarrow (pandas reads through it) and R arrow infer int32 for the partition: they say int64.
    assert sum("int64()" in code for code in python_and_r) == 3


def test_every_readme_example_reads_the_current_release_from_another_folder(pipeline_run, tmp_path, monkeypatch):
    _, output = pipeline_run
    check_every_example_reads_the_release(output, tmp_path / "elsewhere", monkeypatch)


def test_no_example_reads_a_killed_runs_leftovers_or_another_release(pipeline_run, tmp_path, monkeypatch):
    _, source_output = pipeline_run
    release = release_of(source_output)
    output = tmp_path / "output"
    paths = Paths(landing=tmp_path / "landing", output=output)

    def copy_release_into(folder: Path) -> None:
        folder.mkdir(parents=True)
        for name in ("manifest.json", RELEASE_DATABASE_FILE):
            shutil.copy2(release / name, folder / name)
        shutil.copytree(release / TABLE, folder / TABLE)

    copy_release_into(paths.releases / release.name)
    point_latest_to(paths, release.name)
    # An earlier release, and a later run killed while publishing and while awaiting
    # sign-off: the same rows again, so an example that reads any of them counts them twice.
    copy_release_into(paths.releases / "2020-20200101T000000Z")
    copy_release_into(paths.releases / ".tmp-2099-20990101T000000Z")
    copy_release_into(output / "candidates" / "2099-20990101T000000Z")
    (paths.releases / ".tmp-2099-20990101T000000Z" / "manifest.json").unlink()  # half written

    check_every_example_reads_the_release(output, tmp_path / "elsewhere", monkeypatch)


def test_revisions_join_equity_metrics_on_reporting_year_in_pyarrow_duckdb_and_polars(pipeline_run):
    _, output = pipeline_run
    current = output / "current"
    release = release_of(output)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    # Expected from the manifest and the CSV log alone: each figure pairs with every release
    # of its year.
    metric_rows = {
        int(re.search(r"reporting_year=(\d+)/", entry["path"]).group(1)): entry["rows"]
        for entry in manifest["files"]
        if entry["path"].startswith(f"{TABLE}/")
    }
    with (release / "revisions.csv").open(encoding="utf-8", newline="") as handle:
        releases_per_year = Counter(int(row["reporting_year"]) for row in csv.DictReader(handle))
    expected = sum(rows * releases_per_year[year] for year, rows in metric_rows.items())
    assert expected > 0

    revisions_file = current / "revisions" / "revisions.parquet"
    revisions = pq.read_table(revisions_file).select(["reporting_year", "release_id"])
    assert revisions.schema.field("reporting_year").type == pa.int64()

    # pyarrow: with the int64 partition schema of the README. Without it pyarrow infers int32,
    # as the data dictionary says, and the join fails.
    typed = ds.partitioning(YEAR_SCHEMA, flavor="hive")
    metrics = ds.dataset(current / TABLE, format="parquet", partitioning=typed).to_table()
    assert metrics.join(revisions, "reporting_year", join_type="inner").num_rows == expected
    inferred = ds.dataset(current / TABLE, format="parquet", partitioning="hive").to_table()
    assert inferred.schema.field("reporting_year").type == pa.int32()
    with pytest.raises(pa.ArrowInvalid):
        inferred.join(revisions, "reporting_year", join_type="inner")

    # DuckDB: over the parquet files, and in release.duckdb.
    parquet_join = (
        f"SELECT count(*) FROM read_parquet('{current}/{TABLE}/*/*.parquet', hive_partitioning = true) "
        f"JOIN read_parquet('{revisions_file}') USING (reporting_year)"
    )
    with duckdb.connect() as connection:
        assert connection.execute(parquet_join).fetchall() == [(expected,)]
    with duckdb.connect(str(current / RELEASE_DATABASE_FILE), read_only=True) as connection:
        joined = connection.execute(f"SELECT count(*) FROM {TABLE} JOIN revisions USING (reporting_year)")
        assert joined.fetchall() == [(expected,)]

    # polars
    frame = pl.read_parquet(f"{current}/{TABLE}/*/*.parquet", hive_partitioning=True)
    log = pl.read_parquet(revisions_file).select("reporting_year", "release_id")
    assert frame.join(log, on="reporting_year").height == expected
