"""The revisions log (`revisions/revisions.parquet` and `revisions.csv` in every release)
and the method version it records."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import frictionless
import pytest

from exports.release import ReleaseInputError, publish_release
from exports.revisions import METHOD_CHANGES
from ingest.config import PROJECT_ROOT, Paths
from test_release_documents import METHOD_VERSION, YEAR, build_run, read_json

REVISIONS_HEADER = ["release_id", "reporting_year", "created_at", "method_version", "git_commit", "note"]


def revisions(release: Path) -> list[dict]:
    text = (release / "revisions.csv").read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text)))
    assert records[0] == REVISIONS_HEADER
    return [dict(zip(REVISIONS_HEADER, record, strict=True)) for record in records[1:]]


def old_style_release(paths: Paths, release_id: str, reporting_year: int, created_at: str) -> None:
    """A release published before manifests recorded method_version and note."""
    folder = paths.releases / release_id
    folder.mkdir(parents=True)
    manifest = {"release_id": release_id, "reporting_year": reporting_year, "run_id": "old",
                "created_at": created_at, "git_commit": "a" * 40}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def set_method_version(paths: Paths, version: str) -> None:
    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("UPDATE marts.fct_figures SET method_version = ?", [version])


@pytest.fixture
def run(tmp_path: Path) -> Paths:
    return build_run(tmp_path)


def test_revisions_log_lists_every_release_oldest_first_and_this_one_last(run: Paths) -> None:
    old_style_release(run, "2023-20240101T000000Z", 2023, "2024-01-01T00:00:00Z")
    (run.releases / "not-a-release").mkdir()  # no manifest: left out
    (run.releases / ".tmp-2024-20990101T000000Z").mkdir()  # a release being built elsewhere

    first = publish_release(run, YEAR, "run-1", note="=SUM(A1) initial publication")
    second = publish_release(run, YEAR, "run-2")
    third = publish_release(run, 2023, "run-3", note="late WRES return from RB2")

    log = revisions(third)
    assert [row["release_id"] for row in log] == ["2023-20240101T000000Z", first.name, second.name, third.name]
    assert [row["reporting_year"] for row in log] == ["2023", "2024", "2024", "2023"]
    old, *published = log
    assert (old["method_version"], old["note"], old["git_commit"]) == ("", "", "a" * 40)
    # Text from the publisher is escaped for spreadsheets like any CSV text.
    assert published[0]["note"] == "'=SUM(A1) initial publication; first release for reporting year 2024"
    assert published[1]["note"] == f"supersedes {first.name}"
    assert published[2]["note"] == "late WRES return from RB2; supersedes 2023-20240101T000000Z"
    for row, release in zip(published, [first, second, third], strict=True):
        manifest = read_json(release / "manifest.json")
        assert row["created_at"] == manifest["created_at"]
        assert row["method_version"] == manifest["method_version"] == METHOD_VERSION
        assert row["git_commit"] == (manifest["git_commit"] or "")
    # The manifest keeps the note unescaped; each release's log ends with itself.
    assert read_json(first / "manifest.json")["note"] == (
        "=SUM(A1) initial publication; first release for reporting year 2024"
    )
    assert [row["release_id"] for row in revisions(first)] == ["2023-20240101T000000Z", first.name]
    assert revisions(second)[-1]["release_id"] == second.name

    report = frictionless.validate(third / "datapackage.json")
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])
    # frictionless gives no row count for a CSV of the header alone (figure_revisions.csv).
    assert {task.name: task.stats.get("rows", 0) for task in report.tasks}["revisions"] == 4

    # The parquet copy holds the same rows, unescaped, with created_at as a UTC timestamp.
    parquet = duckdb.sql(f"select * from read_parquet('{third}/revisions/revisions.parquet')")
    assert parquet.columns == REVISIONS_HEADER
    assert parquet.types[2] == "TIMESTAMP WITH TIME ZONE"
    rows = parquet.fetchall()
    assert [row[0] for row in rows] == [row["release_id"] for row in log]
    assert rows[1][5] == "=SUM(A1) initial publication; first release for reporting year 2024"


def test_a_new_method_version_is_noted_in_the_log(run: Paths) -> None:
    first = publish_release(run, YEAR, "run-1")
    set_method_version(run, "2.2")
    second = publish_release(run, YEAR, "run-2")

    assert read_json(second / "manifest.json")["method_version"] == "2.2"
    assert revisions(second)[-1]["note"] == (
        f"supersedes {first.name}; method_version changed from {METHOD_VERSION} to 2.2"
    )


def test_the_first_release_of_method_1_1_says_why(run: Paths) -> None:
    first = publish_release(run, YEAR, "run-1")
    set_method_version(run, "1.1")
    second = publish_release(run, YEAR, "run-2")

    note = revisions(second)[-1]["note"]
    assert note == f"supersedes {first.name}; method_version changed from {METHOD_VERSION} to 1.1: {METHOD_CHANGES['1.1']}"
    assert "region" in note and "England" in note and "lineage" in note


def test_rows_with_more_than_one_method_version_stop_the_release(run: Paths) -> None:
    with duckdb.connect(str(run.warehouse)) as connection:
        connection.execute("UPDATE marts.fct_figures SET method_version = '9.9' WHERE metric_id = 'm2_rl'")

    with pytest.raises(ReleaseInputError, match="more than one method_version"):
        publish_release(run, YEAR, "run-1")
    assert not any(run.releases.iterdir())
    assert not run.latest_pointer.exists()


def test_command_line_note_reaches_the_log(run: Paths) -> None:
    environment = {**os.environ, "EQUITY_OUTPUT_DIR": str(run.output), "EQUITY_LANDING_DIR": str(run.landing)}
    result = subprocess.run(
        [sys.executable, "-m", "exports", "--reporting-year", str(YEAR), "--run-id", "cli",
         "--note", "republished"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    release = Path(result.stdout.strip())
    assert revisions(release)[-1]["note"] == f"republished; first release for reporting year {YEAR}"
