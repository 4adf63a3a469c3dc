"""Find every file in the landing folder and say what each one is.

Every file is classified against the input contract's landing layout: which landed table
it feeds, for which year and organisation. A file that fits nowhere is `unrecognised`,
with the reason; nothing is skipped silently. Names (folders too) are matched
case-insensitively after trimming spaces.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.ledger import Failure

REFERENCE, WRES, STAFF_SURVEY, CONCERNS, UNRECOGNISED = (
    "reference",
    "wres",
    "staff_survey",
    "concerns",
    "unrecognised",
)

# File kinds that are not a single landed table.
WRES_WORKBOOK = "wres_workbook"  # six tables, one per sheet
SURVEY_COLUMN_MAP = "survey_column_map"  # renames one year's survey columns

REFERENCE_FILES = {
    "etr.csv": "ref_etr",
    "regions.csv": "ref_regions",
    "trust_types.csv": "ref_trust_types",
    "successors.csv": "ref_successors",
}
SURVEY_FILES = {
    "responses.csv": "survey_responses",
    "responses.csv.gz": "survey_responses",
    "responses.parquet": "survey_responses",
    "column_map.csv": SURVEY_COLUMN_MAP,
}
CONCERNS_FILES = {"cases.csv": "concerns_cases", "practitioner_population.csv": "concerns_population"}

YEAR_FOLDER = re.compile(r"\d{4}")
WRES_FILE_NAME = re.compile(r"(?P<org>[a-z0-9]+)_wres_(?P<year>\d{4})\.xlsx")


@dataclass(frozen=True)
class LandingFile:
    path: Path  # the file itself; only ever opened for reading
    relpath: str  # relative to the landing folder, POSIX separators, as found
    source: str  # reference, wres, staff_survey, concerns, unrecognised
    kind: str | None  # landed table name, WRES_WORKBOOK or SURVEY_COLUMN_MAP; None if unrecognised
    year: int | None = None  # <Y> or <S> from the folder name
    org_code: str | None = None  # WRES only, from the file name
    problem: Failure | None = None  # found from the path alone; the file is then not read


def discover(landing: Path) -> list[LandingFile]:
    """Every file under `landing`, classified, in relpath order."""
    found = []
    for folder, _, names in os.walk(landing, onerror=_raise):
        for name in names:
            path = Path(folder) / name
            found.append(classify(path, path.relative_to(landing).as_posix()))
    found.sort(key=lambda file: file.relpath)
    return _mark_ambiguous(found)


def classify(path: Path, relpath: str) -> LandingFile:
    """What one landing file is, judged by its path relative to the landing folder."""
    parts = [part.strip().lower() for part in relpath.split("/")]
    top = parts[0]
    if len(parts) == 2 and top == REFERENCE:
        kind = REFERENCE_FILES.get(parts[1])
        if kind:
            return LandingFile(path, relpath, REFERENCE, kind)
        return _unrecognised(path, relpath, f"reference files are {', '.join(REFERENCE_FILES)}")
    if top in (WRES, STAFF_SURVEY, CONCERNS):
        if len(parts) != 3 or not YEAR_FOLDER.fullmatch(parts[1]):
            return _unrecognised(path, relpath, f"{top} files belong in {top}/<four-digit year>/")
        year = int(parts[1])
        if top == WRES:
            return _classify_wres(path, relpath, parts[2], year)
        names = SURVEY_FILES if top == STAFF_SURVEY else CONCERNS_FILES
        kind = names.get(parts[2])
        if kind:
            return LandingFile(path, relpath, top, kind, year)
        return _unrecognised(path, relpath, f"{top} files are {', '.join(names)}")
    return _unrecognised(
        path, relpath, "landing files belong in reference/, wres/<Y>/, staff_survey/<S>/ or concerns/<Y>/"
    )


def _classify_wres(path: Path, relpath: str, name: str, folder_year: int) -> LandingFile:
    match = WRES_FILE_NAME.fullmatch(name)
    if not match:
        return _unrecognised(path, relpath, "WRES workbooks are named <ORG>_wres_<Y>.xlsx")
    org_code = match["org"].upper()
    file = LandingFile(path, relpath, WRES, WRES_WORKBOOK, folder_year, org_code)
    if int(match["year"]) != folder_year:
        message = f"the file name says {match['year']} but the file is in the folder for {folder_year}"
        return replace(file, problem=Failure("year_mismatch", message))
    return file


def _mark_ambiguous(files: list[LandingFile]) -> list[LandingFile]:
    """Two or more files that would supply the same thing are all failed: neither is chosen."""
    claimants = defaultdict(list)
    for index, file in enumerate(files):
        if file.kind and not file.problem:
            claimants[(file.kind, file.year, file.org_code)].append(index)
    for indexes in claimants.values():
        if len(indexes) < 2:
            continue
        names = ", ".join(files[i].relpath for i in indexes)
        for i in indexes:
            file = files[i]
            rule = "ambiguous_survey_file" if file.kind == "survey_responses" else "ambiguous_file"
            message = f"{len(indexes)} files would supply the same data ({names}); none of them is used"
            files[i] = replace(file, problem=Failure(rule, message))
    return files


def _unrecognised(path: Path, relpath: str, expected: str) -> LandingFile:
    message = f"not a file the input contract names: {expected}"
    return LandingFile(path, relpath, UNRECOGNISED, None, problem=Failure("unrecognised_file", message))


def _raise(error: OSError) -> None:
    raise error
