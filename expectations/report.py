"""The quarantine report a person reads: `quality/quarantine_report.md` and `quarantine.csv`.

It lists every quarantined file with its failures as the ledger holds them (the first 100
per rule and a count of the rest), the unrecognised files, the cross-file warnings and a
count of files by source and outcome. Like the ledger, it names columns and rows and never
quotes a personal-data value.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

OUTCOMES = ("loaded", "quarantined", "unrecognised")


def write_report(
    quality: Path, ledger: pd.DataFrame, outcomes: pd.DataFrame, warnings: pd.DataFrame
) -> None:
    quality.mkdir(parents=True, exist_ok=True)
    ledger.to_csv(quality / "quarantine.csv", index=False)
    lines = _lines(ledger, outcomes, warnings)
    (quality / "quarantine_report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def files_by_source(outcomes: pd.DataFrame) -> dict[str, dict[str, int]]:
    counts = outcomes.groupby(["source", "outcome"]).size()
    return {
        source: {outcome: int(counts.get((source, outcome), 0)) for outcome in OUTCOMES}
        for source in sorted(outcomes["source"].unique())
    }


def _lines(ledger: pd.DataFrame, outcomes: pd.DataFrame, warnings: pd.DataFrame) -> list[str]:
    quarantined = outcomes[outcomes["outcome"] == "quarantined"]
    unrecognised = outcomes[outcomes["outcome"] == "unrecognised"]
    lines = [
        "# Quarantine report",
        "",
        "A file with any failing row is quarantined whole and left untouched in landing. "
        "Failures list the row a person sees (the header is row 1), up to the first 100 per "
        "rule, with a count of the rest. Personal data is never quoted.",
        "",
        "## Files by source and outcome",
        "",
        _table(
            ["source", *OUTCOMES],
            [[source, *counts.values()] for source, counts in files_by_source(outcomes).items()],
        ),
        "",
        f"## Quarantined files ({len(quarantined)})",
    ]
    failures_by_file = dict(tuple(ledger.groupby("source_file")))
    for file in quarantined.itertuples():
        failures = failures_by_file.get(file.source_file, ledger.iloc[:0])
        lines += [
            "",
            f"### {file.source_file}",
            "",
            f"- source: {file.source}",
            f"- reporting year: {_text(file.reporting_year)}",
            f"- sha256: `{file.sha256}`",
            f"- reason: {file.reason}",
            "",
            _table(
                ["sheet", "row", "column", "rule", "message"],
                failures[["sheet", "row", "column", "rule", "message"]].itertuples(index=False),
            ),
        ]
    lines += [
        "",
        f"## Unrecognised files ({len(unrecognised)})",
        "",
        "Files the input contract does not name. They are listed, never used.",
        "",
        _table(
            ["file", "sha256", "reason"],
            unrecognised[["source_file", "sha256", "reason"]].itertuples(index=False),
        ),
        "",
        f"## Warnings ({len(warnings)})",
        "",
        "Cross-file checks that do not quarantine: worth a look, but the files are used.",
        "",
        _table(["check", "file", "reporting year", "message"], warnings.itertuples(index=False)),
    ]
    return lines


def _table(header: list[str], rows) -> str:
    body = ["| " + " | ".join(_text(value) for value in row) + " |" for row in rows]
    if not body:
        return "None."
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *body])


def _text(value) -> str:
    if pd.isna(value):
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ")
