"""The release's HTML reports, written into `<release>/reports/`.

- `national_report.html`: scorecard, trends, funnel plots, regional comparison, caveats.
- `data_quality_report.html`: what arrived, what was checked, what was quarantined and
  suppressed, and Unknown ethnicity.
- `profiles/`: a page per trust and per region, and an index (exports/reports/profiles/).

All read only the release folder (exports/reports/release_data.py), are self-contained
static pages, and degrade to a "not available in this release" section for any table the
release does not have. `write_reports` is called by exports/release.py after the tables and
quality evidence are written and before the manifest and checksums, so both pages are in
the manifest and SHA256SUMS like every other file.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from exports.reports import page

from exports.reports.national_report import NATIONAL_REPORT_FILE, write_national_report
from exports.reports.profiles import PROFILES_FOLDER, write_profiles
from exports.reports.quality_report import QUALITY_REPORT_FILE, write_quality_report
from exports.reports.release_data import ReleaseContext, ReleaseData

REPORTS_FOLDER = "reports"

__all__ = ["NATIONAL_REPORT_FILE", "PROFILES_FOLDER", "QUALITY_REPORT_FILE", "REPORTS_FOLDER", "ReleaseContext",
           "publish_candidate_reports", "write_reports"]

logger = logging.getLogger(__name__)


def write_reports(release_dir: Path, context: ReleaseContext | None = None, *, same_as: Path | None = None) -> list[Path]:
    """Write the reports into `<release_dir>/reports/`; return their paths (the national and
    quality reports first, then the profiles).

    `context` is the release's year, method version and inputs; without it they are read
    from the release's manifest.json (to rebuild the reports of a published release).
    `same_as` is a published release whose national report and profiles are what these would
    be (same tables, year, method version and code: exports/release_reuse.py): they are taken
    from it, with the candidate banner added for a candidate, and only the data-quality
    report, which reads the run's evidence, is rendered.
    """
    started = time.perf_counter()
    release_dir = Path(release_dir)
    data = ReleaseData(release_dir, context or ReleaseContext.from_manifest(release_dir))
    reports_dir = release_dir / REPORTS_FOLDER
    reports_dir.mkdir(parents=True, exist_ok=True)
    if same_as is None:
        # One ReleaseData for all: each table is read from parquet once.
        written = [write_national_report(data, reports_dir), write_quality_report(data, reports_dir)]
        profiles = write_profiles(data, reports_dir)
    else:
        source = Path(same_as) / REPORTS_FOLDER
        written = [_take_page(source, reports_dir, NATIONAL_REPORT_FILE, data.context.candidate),
                   write_quality_report(data, reports_dir)]
        profiles = [_take_page(source, reports_dir, path.relative_to(source).as_posix(), data.context.candidate)
                    for path in sorted((source / PROFILES_FOLDER).rglob("*.html"))]
        logger.info("Reports: the national report and %d profile pages are those of release %s",
                    len(profiles), Path(same_as).name)
    logger.info("Reports written in %.1f s: %s and %d profile pages", time.perf_counter() - started,
                ", ".join(path.relative_to(release_dir).as_posix() for path in written), len(profiles))
    written += profiles
    return written


def _take_page(source: Path, reports_dir: Path, relative: str, candidate: bool) -> Path:
    """A published page of another release, as this release's page (a candidate's has the banner)."""
    target = reports_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if candidate:
        text = (source / relative).read_text(encoding="utf-8")
        target.write_text(page.candidate_page(text), encoding="utf-8", newline="\n")
    else:
        shutil.copyfile(source / relative, target)
    return target


def publish_candidate_reports(release_dir: Path) -> list[Path]:
    """On sign-off: turn the candidate's pages into the release's, taking out the candidate
    banner (page.published_page); return the pages changed.

    The result is what `write_reports` renders without `candidate`, byte for byte, so the
    release publishes the pages its reviewer saw, and sign-off does not render them again.
    Each page is replaced by a new file (never written in place), so a page shared with
    another folder by a hard link stays as it is there.
    """
    changed = []
    for path in sorted((Path(release_dir) / REPORTS_FOLDER).rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if page.CANDIDATE_BANNER not in text:
            continue
        staging = path.with_name(f".{path.name}.tmp")
        staging.write_text(page.published_page(text), encoding="utf-8", newline="\n")
        os.replace(staging, path)
        changed.append(path)
    return changed
