"""Which Great Expectations suites checked the landed files, and how many expectations each has.

Looked for, in order:
1. a validation summary in the release's quality folder (`quality/validation_summary.json`,
   the validate step's summary: `expectations_evaluated`, `rows_validated_by_suite`), which
   gives the rows each suite validated;
2. suite files copied into the quality folder (`quality/expectations/*.json`);
3. the suite files of the code that writes the report (`expectations/gx/expectations/*.json`),
   restricted to the suites whose Data Docs page is in this release's `quality/data_docs/`,
   so the list is the suites that ran. The page says which of these it used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ingest.config import GX_CONTEXT_DIR

VALIDATION_SUMMARY = "validation_summary.json"
DATA_DOCS_SUITES = "data_docs/expectations"


@dataclass(frozen=True)
class Suite:
    name: str
    expectations: int
    expectation_types: tuple[str, ...]
    rows_validated: int | None
    data_docs_page: str | None  # relative to the quality folder


@dataclass(frozen=True)
class SuiteList:
    suites: tuple[Suite, ...]
    based_on: str  # what the counts come from, in plain English

    @property
    def expectations(self) -> int:
        return sum(suite.expectations for suite in self.suites)


def gx_suites(quality_dir: Path, suite_dir: Path = GX_CONTEXT_DIR / "expectations") -> SuiteList | None:
    """The suites and counts; None when neither the release nor the code says anything."""
    rows_by_suite = {}
    summary_path = quality_dir / VALIDATION_SUMMARY
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        rows_by_suite = summary.get("rows_validated_by_suite") or {}
    in_release = sorted((quality_dir / "expectations").glob("*.json"))
    ran = {path.stem for path in (quality_dir / DATA_DOCS_SUITES).glob("*.html")}
    if in_release:
        files, based_on = in_release, "the suite files in this release's quality folder"
    else:
        files = [path for path in sorted(suite_dir.glob("*.json")) if not ran or path.stem in ran]
        based_on = "the suite files of the pipeline's code (expectations/gx/expectations/), " + (
            "for the suites whose Data Docs page is in this release" if ran
            else "all of them: this release's Data Docs name no suite"
        )
    if not files and not rows_by_suite:
        return None
    suites = []
    for path in files:
        suite = json.loads(path.read_text(encoding="utf-8"))
        name = suite.get("name") or path.stem
        expectations = suite.get("expectations") or []
        page = f"{DATA_DOCS_SUITES}/{path.stem}.html" if path.stem in ran else None
        suites.append(Suite(
            name=name,
            expectations=len(expectations),
            expectation_types=tuple(sorted({e.get("type") or e.get("expectation_type") or "?" for e in expectations})),
            rows_validated=rows_by_suite.get(name),
            data_docs_page=page,
        ))
    if rows_by_suite:
        based_on += "; rows validated from the validation summary"
    return SuiteList(tuple(suites), based_on)
