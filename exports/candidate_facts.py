"""The headline facts a reviewer sees at the sign-off gate, read from the candidate itself.

- landing files quarantined (and unrecognised), from the candidate's record of its inputs;
- trusts whose WRES return for the reporting year is missing (`submission_status`);
- figures suppressed for the reporting year, and over every year (`suppression_log`);
- figures revised since the previous release (`figure_revisions.csv`);
- where the candidate's reports are.
"""

from __future__ import annotations

import csv
from pathlib import Path

from exports.release import read_candidate
from exports.reports import NATIONAL_REPORT_FILE, QUALITY_REPORT_FILE, REPORTS_FOLDER, ReleaseContext
from exports.reports.release_data import MissingData, ReleaseData
from exports.revisions import FIGURE_REVISIONS_FILE


def gate_facts(candidate_dir: Path) -> dict:
    record = read_candidate(candidate_dir)
    year = int(record["reporting_year"])
    data = ReleaseData(candidate_dir, ReleaseContext(year, record.get("method_version"), record["inputs"]))
    outcomes = [entry.get("outcome") for entry in record["inputs"]]
    return {
        "candidate_id": record["release_id"],
        "reporting_year": year,
        "base_release_id": record.get("base_release_id"),
        "files_quarantined": outcomes.count("quarantined"),
        "files_unrecognised": outcomes.count("unrecognised"),
        "landing_files": len(outcomes),
        "trusts_missing": _trusts_missing(data, year),
        "suppressions_this_year": _suppressions(data, year),
        "suppressions_all_years": _suppressions(data, None),
        "figures_revised": _figures_revised(candidate_dir),
        "national_report": str(candidate_dir / REPORTS_FOLDER / NATIONAL_REPORT_FILE),
        "data_quality_report": str(candidate_dir / REPORTS_FOLDER / QUALITY_REPORT_FILE),
        "candidate_folder": str(candidate_dir),
    }


def _trusts_missing(data: ReleaseData, year: int) -> list[str] | None:
    try:
        status = data.table("submission_status", ["reporting_year", "source", "org_code", "status"])
    except MissingData:
        return None
    missing = status[(status["reporting_year"] == year) & (status["source"] == "wres") & (status["status"] == "missing")]
    return sorted(str(code) for code in missing["org_code"].dropna())


def _suppressions(data: ReleaseData, year: int | None) -> int | None:
    try:
        log = data.table("suppression_log", ["row_reporting_year"])
    except MissingData:
        return None
    return int(len(log) if year is None else (log["row_reporting_year"] == year).sum())


def _figures_revised(candidate_dir: Path) -> int | None:
    path = candidate_dir / FIGURE_REVISIONS_FILE
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def gate_subject(facts: dict) -> str:
    return f"Sign off the equity release candidate {facts['candidate_id']} (reporting year {facts['reporting_year']})"


def gate_body(facts: dict) -> str:
    """Markdown for the approval step (Airflow renders it in the Required Actions page)."""

    def shown(value) -> str:
        return "not in this candidate" if value is None else f"{value:,}"

    missing = facts["trusts_missing"]
    missing_text = (
        "not in this candidate" if missing is None
        else f"{len(missing)}" + (f" ({', '.join(missing)})" if missing else "")
    )
    base = facts["base_release_id"] or "none (this is the first release)"
    return "\n".join(
        [
            f"**Release candidate {facts['candidate_id']}**, reporting year {facts['reporting_year']}: "
            "not published until you approve it.",
            "",
            f"- Landing files quarantined: **{facts['files_quarantined']}** of {facts['landing_files']}"
            f" (unrecognised: {facts['files_unrecognised']})",
            f"- Trusts missing (no WRES return for {facts['reporting_year']}): **{missing_text}**",
            f"- Suppressions: **{shown(facts['suppressions_this_year'])}** figures for {facts['reporting_year']}"
            f" ({shown(facts['suppressions_all_years'])} over every year)",
            f"- Figures revised since the previous release ({base}): **{shown(facts['figures_revised'])}**",
            f"- National report: `{facts['national_report']}`",
            f"- Data-quality report: `{facts['data_quality_report']}`",
            "",
            "Read both reports, then **Approve** to publish the release and move LATEST, or **Reject** to "
            "withdraw the candidate. Say why in the comment: it is published with your role (never your "
            "name), so do not write names in it.",
        ]
    )
