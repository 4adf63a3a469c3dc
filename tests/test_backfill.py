"""Backfills and figure-level revisions.

The slow test runs the real DAG as files arrive year by year into one output folder, and
checks that the last release is the same, byte for byte, as one run over every year; then
that a resubmitted WRES workbook shows up in figure_revisions.csv with old and new values.
The other tests are quick: how a run's years are resolved, and figure_revisions() on two
hand-made releases.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_pipeline
from exports.published_models import PublishedModel
from exports.revisions import (
    FIGURE_KEY,
    figure_revisions,
    figure_revisions_note,
    write_figure_revisions,
)
from exports.run_years import RunYearsError, resolve_run_years

NATION = dict(trusts=8, scale=0.02, first_year=2023, last_year=2025, seed=11)
COMPARED_TABLES = [
    "equity_metrics",
    "equity_trends",
    "national_scorecard",
    "submission_status",
    "equity_benchmarks",
    "organisations",
]
RESUBMITTING_TRUST = "R1D"
FIGURE_REVISIONS_HEADER = [*FIGURE_KEY, "old_value", "new_value", "change_type", "previous_release_id"]


# --- resolving a run's years (quick) -----------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"reporting_year": None, "backfill_years": []}, (2025, [2025])),
        ({"reporting_year": None, "backfill_years": None}, (2025, [2025])),
        ({}, (2025, [2025])),
        ({"reporting_year": 2024, "backfill_years": []}, (2024, [2024])),
        ({"reporting_year": None, "backfill_years": [2024, 2023, 2024]}, (2024, [2023, 2024])),
        ({"reporting_year": 2023, "backfill_years": [2023, 2024]}, (2023, [2023, 2024])),
    ],
)
def test_run_years_from_params(params, expected) -> None:
    assert resolve_run_years(params, {"reporting_years": [2023, 2024, 2025]}) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"reporting_year": None, "backfill_years": [2022, 2024]},  # 2022 is not in landing
        {"reporting_year": 2025, "backfill_years": [2023, 2024]},  # not one of the listed years
    ],
)
def test_run_years_refuse_what_cannot_be_published(params) -> None:
    with pytest.raises(RunYearsError):
        resolve_run_years(params, {"reporting_years": [2023, 2024, 2025]})


# --- figure_revisions() on hand-made releases (quick) ------------------------------------

EQUITY_MODEL = PublishedModel(
    "model.nhs_equity.fct_equity_metrics", "warehouse", "marts", "fct_equity_metrics", "equity_metrics", FIGURE_KEY, ()
)


def _release(root: Path, name: str, rows: list[dict]) -> Path:
    folder = root / name
    by_year: dict[int, list[dict]] = {}
    for row in rows:
        by_year.setdefault(row["reporting_year"], []).append(row)
    for year, year_rows in by_year.items():
        target = folder / "equity_metrics" / f"reporting_year={year}" / "part-0.parquet"
        target.parent.mkdir(parents=True)
        data = [{k: v for k, v in row.items() if k != "reporting_year"} for row in year_rows]
        schema = pa.schema([(k, pa.string()) for k in FIGURE_KEY if k != "reporting_year"] + [("value", pa.float64())])
        pq.write_table(pa.Table.from_pylist(data, schema=schema), target)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _row(metric, year, code, value, group=None, comparison="White vs BME"):
    return dict(metric_id=metric, reporting_year=year, geography_level="trust", geography_code=code,
                breakdown="all", group=group, comparison=comparison, value=value)


def _csv_rows(path: Path) -> list[dict]:
    records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert records[0] == FIGURE_REVISIONS_HEADER
    return [dict(zip(FIGURE_REVISIONS_HEADER, record, strict=True)) for record in records[1:]]


def test_figure_revisions_pair_figures_null_safely_and_sort_by_key(tmp_path: Path) -> None:
    old = _release(tmp_path, "2024-1", [
        _row("m", 2024, "RB2", 1.5),
        _row("m", 2024, "RA1", 1.0),
        _row("m", 2024, "RC3", None),        # null then, a value now
        _row("m", 2023, "RA1", 2.0),         # removed
        _row("p", 2024, "RA1", 40.0, group="BME", comparison=None),  # unchanged, null comparison
        _row("q", 2024, "RA1", None),        # null both times: unchanged
        _row("m", 2024, "RD4", 0.1 + 0.2),   # changed in the last bit only
    ])
    new = _release(tmp_path, "2025-2", [
        _row("m", 2024, "RB2", 1.5),
        _row("m", 2024, "RA1", 1.25),
        _row("m", 2024, "RC3", 0.5),
        _row("m", 2025, "RA1", 3.0),         # added
        _row("p", 2024, "RA1", 40.0, group="BME", comparison=None),
        _row("q", 2024, "RA1", None),
        _row("m", 2024, "RD4", 0.3),
    ])
    assert figure_revisions(None, new, [EQUITY_MODEL]) == []
    assert figure_revisions(old, new, []) == []  # no equity_metrics published
    revised = figure_revisions(old, new, [EQUITY_MODEL])
    summary = [(dict(r.key)["metric_id"], dict(r.key)["reporting_year"], dict(r.key)["geography_code"],
                r.old_value, r.new_value, r.change_type) for r in revised]
    assert summary == [
        ("m", 2023, "RA1", 2.0, None, "removed"),
        ("m", 2024, "RA1", 1.0, 1.25, "changed"),
        ("m", 2024, "RC3", None, 0.5, "changed"),
        ("m", 2024, "RD4", 0.1 + 0.2, 0.3, "changed"),
        ("m", 2025, "RA1", None, 3.0, "added"),
    ]
    assert {r.previous_release_id for r in revised} == {"2024-1"}
    assert figure_revisions_note(revised) == "3 figures changed, 1 added, 1 removed since 2024-1 (figure_revisions.csv)"
    assert figure_revisions_note([]) is None

    out = tmp_path / "out"
    out.mkdir()
    rows = _csv_rows(write_figure_revisions(out, revised))
    assert [row["change_type"] for row in rows] == ["removed", "changed", "changed", "changed", "added"]
    assert rows[0]["new_value"] == "" and rows[0]["group"] == "" and rows[0]["comparison"] == "White vs BME"
    assert float(rows[3]["old_value"]) == 0.1 + 0.2  # unrounded
    first = (out / "figure_revisions.csv").read_bytes()
    write_figure_revisions(out, figure_revisions(old, new, [EQUITY_MODEL]))
    assert (out / "figure_revisions.csv").read_bytes() == first  # deterministic
    assert _csv_rows(write_figure_revisions(out, [])) == []  # the header alone


# --- the real DAG: files arriving year by year (slow) ------------------------------------


def _copy_year(source: Path, landing: Path, year: int) -> None:
    """Reporting year Y's files: WRES and concerns for Y, and the staff survey of Y-1."""
    for folder in (f"wres/{year}", f"concerns/{year}", f"staff_survey/{year - 1}"):
        if (source / folder).exists():
            shutil.copytree(source / folder, landing / folder)


def _latest(output: Path) -> Path:
    return output / "releases" / (output / "LATEST").read_text(encoding="utf-8").strip()


def _manifest(release: Path) -> dict:
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))


def _data_files(release: Path) -> dict[str, bytes]:
    return {
        path.relative_to(release).as_posix(): path.read_bytes()
        for table in COMPARED_TABLES
        for path in sorted((release / table).rglob("*.parquet"))
    }


def _status_changes(incremental: Path, full: Path) -> list[tuple[tuple[str, str], str]]:
    """(org_code, source) and the incremental status, where the two files' statuses differ."""
    def statuses(path: Path) -> dict:
        table = pq.read_table(path).to_pylist()
        return {(row["org_code"], row["source"]): row["status"] for row in table}

    before, after = statuses(incremental), statuses(full)
    return sorted((key, status) for key, status in before.items() if after.get(key) != status)


def _resubmit_with_changed_recruitment(workbook: Path) -> None:
    """Re-save a WRES workbook with one more White applicant appointed (or shortlisted)."""
    import python_calamine

    from ingest.synthetic.files import write_workbook

    book = python_calamine.CalamineWorkbook.from_path(str(workbook))
    sheets = {}
    for name in book.sheet_names:
        header, *rows = book.get_sheet_by_name(name).to_python()
        rows = [[int(c) if isinstance(c, float) and c.is_integer() else c for c in row] for row in rows]
        if name == "recruitment":
            row = next(r for r in rows if r[0] == "A" and r[1] > 0)
            if row[2] < row[1]:
                row[2] += 1
            else:
                row[1] += 1
        sheets[name] = (header, rows)
    workbook.unlink()
    write_workbook(workbook, sheets, created=datetime(2024, 8, 1))


@pytest.mark.slow
def test_incremental_arrivals_match_one_run_over_every_year_and_resubmissions_are_revisions(
    airflow_db, tmp_path: Path
) -> None:
    from ingest.synthetic import generate_nation

    source = tmp_path / "nation"
    generate_nation(source, **NATION)

    # Files arrive a year at a time into one landing folder; each arrival is published
    # into one output folder. The second arrival is published as a backfill of 2023-2024.
    # With the third, a trust resubmits its 2024 return with a changed recruitment count.
    landing, output = tmp_path / "landing", tmp_path / "output"
    shutil.copytree(source / "reference", landing / "reference")
    resubmitted = Path("wres") / "2024" / f"{RESUBMITTING_TRUST}_wres_2024.xlsx"
    releases = []
    for year, conf in [(2023, None), (2024, {"backfill_years": [2023, 2024]}), (2025, None)]:
        _copy_year(source, landing, year)
        if year == 2025:
            _resubmit_with_changed_recruitment(landing / resubmitted)
        dag_run = run_pipeline(landing, output, conf)
        assert dag_run.state == "success", f"arrival {year}: {dag_run.state}"
        releases.append(_latest(output))
    assert [_manifest(r)["reporting_year"] for r in releases] == [2023, 2024, 2025]
    assert [_manifest(r)["requested_years"] for r in releases] == [[2023], [2023, 2024], [2025]]
    assert _csv_rows(releases[0] / "figure_revisions.csv") == []  # a first release records nothing

    # One run over every year, as the files stand at the end, into a fresh output folder.
    shutil.copy2(landing / resubmitted, source / resubmitted)
    full_output = tmp_path / "full-output"
    assert run_pipeline(source, full_output).state == "success"
    full = _latest(full_output)

    incremental_files, full_files = _data_files(releases[-1]), _data_files(full)
    assert set(incremental_files) == set(full_files)
    for table in COMPARED_TABLES:
        assert any(path.startswith(f"{table}/") for path in full_files), table
    # Only submission_status for 2024 differs: one run over every year has no earlier
    # release to compare with, so it cannot see that the return was resubmitted.
    different = sorted(path for path in full_files if incremental_files[path] != full_files[path])
    assert [path.split("/")[:2] for path in different] == [["submission_status", "reporting_year=2024"]]
    changed_status = _status_changes(releases[-1] / different[0], full / different[0])
    assert changed_status == [((RESUBMITTING_TRUST, "wres"), "resubmitted")]

    # The last release revised 2024's figures for the resubmitting trust (and the region
    # and nation built on them), added 2025's, and touched nothing of 2023.
    revised = _csv_rows(releases[-1] / "figure_revisions.csv")
    assert {r["previous_release_id"] for r in revised} == {releases[1].name}
    assert {r["reporting_year"] for r in revised if r["change_type"] == "added"} == {"2025"}
    assert {r["reporting_year"] for r in revised if r["change_type"] != "added"} == {"2024"}
    assert {r["change_type"] for r in revised if r["reporting_year"] == "2024"} == {"changed"}
    trust_changes = [
        r for r in revised
        if r["metric_id"].startswith("wres2") and r["geography_level"] == "trust"
        and r["geography_code"] == RESUBMITTING_TRUST and r["reporting_year"] == "2024"
    ]
    assert trust_changes, revised[:20]
    assert all(r["old_value"] != r["new_value"] for r in trust_changes)
    assert any(r["old_value"] and r["new_value"] for r in trust_changes)
    assert {r["geography_code"] for r in revised if r["geography_level"] == "trust" and r["reporting_year"] == "2024"} == {
        RESUBMITTING_TRUST
    }
    note = _manifest(releases[-1])["note"]
    assert "figures changed" in note and releases[1].name in note
    # Published like every other document: in SHA256SUMS and the manifest's files.
    assert "figure_revisions.csv" in (releases[-1] / "SHA256SUMS").read_text(encoding="utf-8")
    assert "figure_revisions.csv" in {entry["path"] for entry in _manifest(releases[-1])["files"]}
