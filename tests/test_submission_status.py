"""Submission status with real components: two runs and two releases of a tiny generated
nation, with one WRES workbook re-sent (a changed value) in between.

Each run is what the DAG does, step by step: ingest -> validate -> write the previous
release's input hashes -> dbt build -> publish. Nothing is mocked. The dbt build is one
selective invocation: every public mart with its upstream (publishing needs every public
model in the warehouse), but only the tests defined with submission status and the
pipeline staging models (data tests and unit tests); the other marts' tests are theirs and
run in their own test files and in the full DAG run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import python_calamine

from exports.previous_release import write_previous_input_hashes
from exports.release import publish_release
from expectations.validate import validate_landed
from ingest.config import Paths
from ingest.run import ingest_landing
from ingest.synthetic import generate_nation

try:
    from tests import dbt_fixtures
    from tests.landing_builders import write_xlsx
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    import dbt_fixtures
    from landing_builders import write_xlsx

pytestmark = pytest.mark.slow

# MIN_TRUSTS is 8; the merger's trust closes at the end of 2024, so it is expected in 2024 only.
NATION = dict(scale=0.02, trusts=8, first_year=2024, last_year=2025, seed=11)
RELEASE_YEAR = 2025
DBT_BUILD = (
    "--select",
    # every public mart and its upstream: the publisher reads all of them
    "+access:public",
    # tests are picked by the file that defines them, not through the models they test
    "path:models/marts/_marts_submission_status__models.yml",
    "path:models/staging/pipeline/_pipeline__models.yml",
    "--indirect-selection", "empty",
)


def _run_and_publish(landing: Path, output: Path, run_id: str) -> tuple[list[dict], Path, dict]:
    """One run as the DAG does it; returns the warehouse's submission_status rows, the release
    and what write_previous_input_hashes reported."""
    paths = Paths(landing=landing.resolve(), output=output.resolve())
    ingest_landing(paths)
    validate_landed(paths)
    previous = write_previous_input_hashes(paths)
    result = dbt_fixtures.run_dbt(paths.work, "build", *DBT_BUILD)
    assert result.returncode == 0, result.stdout[-6000:]
    run_results = json.loads((paths.dbt_target / "run_results.json").read_text(encoding="utf-8"))
    ran = {entry["unique_id"] for entry in run_results["results"]}
    assert sum(uid.startswith("unit_test.nhs_equity.fct_submission_status.") for uid in ran) >= 5
    assert any(uid.startswith("test.nhs_equity.fct_submission_status_rules.") for uid in ran)
    with duckdb.connect(str(paths.warehouse), read_only=True) as connection:
        relation = connection.sql("select * from main.fct_submission_status")
        columns = relation.columns
        rows = [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
    release = publish_release(paths, reporting_year=RELEASE_YEAR, run_id=run_id)
    return rows, release, previous


def _resave_with_a_changed_headcount(workbook: Path) -> None:
    """Read every sheet and write the workbook again with one headcount one higher (still valid:
    a larger headcount never breaks the disciplinary or training limits)."""
    book = python_calamine.CalamineWorkbook.from_path(str(workbook))
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    header = sheets["workforce"][0]
    column = header.index("headcount")
    sheets["workforce"][1][column] = int(sheets["workforce"][1][column]) + 1
    write_xlsx(workbook, sheets)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("submission-status")
    first_landing, second_landing, output = root / "landing-1", root / "landing-2", root / "output"
    summary = generate_nation(first_landing, **NATION)

    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("EQUITY_PSEUDONYMISATION_KEY", "submission-status-test-key")
        environment.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        first_rows, first_release, first_previous = _run_and_publish(first_landing, output, "run-1")

        # The landing team receives a corrected return from one trust: a copy of the landing
        # folder with that workbook re-saved with a changed value, everything else identical.
        shutil.copytree(first_landing, second_landing)
        changed = sorted((second_landing / "wres" / str(RELEASE_YEAR)).glob("*_wres_*.xlsx"))[0]
        _resave_with_a_changed_headcount(changed)
        second_rows, second_release, second_previous = _run_and_publish(second_landing, output, "run-2")

    return {
        "summary": summary,
        "changed": changed.relative_to(second_landing).as_posix(),
        "first": (first_rows, first_release, first_previous),
        "second": (second_rows, second_release, second_previous),
    }


def _by_file(rows: list[dict]) -> dict[str, dict]:
    return {row["source_file"]: row for row in rows if row["source_file"] is not None}


def test_first_run_has_no_previous_release_and_nothing_resubmitted(two_runs):
    rows, _, previous = two_runs["first"]
    assert previous["previous_release_id"] is None and previous["input_files"] == 0
    assert rows
    assert not [row for row in rows if row["status"] == "resubmitted"]
    assert all(row["previous_sha256"] is None and row["previous_release_id"] is None for row in rows)


def test_only_the_changed_workbook_is_resubmitted_in_the_second_run(two_runs):
    first_rows, first_release, _ = two_runs["first"]
    second_rows, _, previous = two_runs["second"]
    changed = two_runs["changed"]
    assert previous["previous_release_id"] == first_release.name

    resubmitted = [row["source_file"] for row in second_rows if row["status"] == "resubmitted"]
    assert resubmitted == [changed]

    first, second = _by_file(first_rows), _by_file(second_rows)
    row = second[changed]
    assert row["source"] == "wres"
    assert row["previous_sha256"] == first[changed]["sha256"] != row["sha256"]
    assert row["previous_release_id"] == first_release.name
    assert row["note"].startswith(f"Changed since release {first_release.name}.")
    # every other file is the same file as in the first release, and its row is unchanged:
    # no previous hash is shown for an unchanged file
    for source_file, other in second.items():
        if source_file != changed:
            assert other == first[source_file]


def test_unchanged_inputs_publish_byte_identical_rows(two_runs):
    # The changed workbook is a 2025 return: the 2024 partition has the same inputs in both
    # releases, so it must be the same bytes although the second run has a previous release.
    _, first_release, _ = two_runs["first"]
    _, second_release, _ = two_runs["second"]
    assert two_runs["changed"].startswith("wres/2025/")
    partition = Path("submission_status") / "reporting_year=2024" / "part-0.parquet"
    assert (first_release / partition).read_bytes() == (second_release / partition).read_bytes()


def test_every_expected_return_has_one_row(two_runs):
    rows, _, _ = two_runs["second"]
    summary = two_runs["summary"]
    keys = [(row["reporting_year"], row["source"], row["org_code"]) for row in rows]
    assert len(keys) == len(set(keys))

    # the merger's closed trust (closed at the end of 2024) is expected in 2024 only
    closed = summary["merger"]["closed"]
    assert {row["reporting_year"] for row in rows if row["org_code"] == closed} == {2024}
    # the returns the generator left out on purpose are missing, with no file
    missing = {
        f"{row['org_code']} {row['reporting_year']}"
        for row in rows
        if row["source"] == "wres" and row["status"] == "missing"
    }
    assert missing == set(summary["missing_wres"])
    # one row per national extract and year; survey S is reporting year S+1
    national = {(row["reporting_year"], row["source"]): row for row in rows if row["org_code"] is None}
    assert set(national) == {
        (year, source)
        for year in (2024, 2025)
        for source in ("staff_survey", "concerns_cases", "concerns_population")
    }
    assert national[(2025, "staff_survey")]["source_file"].startswith("staff_survey/2024/")


def test_submission_status_is_published_partitioned_by_year(two_runs):
    rows, release, _ = two_runs["second"]
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    table = {entry["name"]: entry for entry in manifest["tables"]}["submission_status"]
    assert table["primary_key"] == ["reporting_year", "source", "org_code"]
    assert table["partitioned_by"] == "reporting_year"
    assert table["rows"] == len(rows)
    partition = release / "submission_status" / f"reporting_year={RELEASE_YEAR}" / "part-0.parquet"
    published = pq.read_table(partition)
    assert "reporting_year" not in published.column_names  # in the path only
    assert published.num_rows == sum(row["reporting_year"] == RELEASE_YEAR for row in rows)
    assert (release / "csv" / "submission_status.csv").is_file()
