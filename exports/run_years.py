"""Which reporting year a DAG run is for, from its params and what ingest found in landing.

Every run processes every year in landing, so each release is complete on its own. A
backfill (`backfill_years`, a list of years) therefore publishes one release covering all
of landing, for the latest year it lists; the manifest records the years asked for
(`requested_years`).
"""

from __future__ import annotations

from collections.abc import Mapping


class RunYearsError(ValueError):
    """The params ask for a year that the run cannot publish."""


def resolve_run_years(params: Mapping, ingest_summary: Mapping) -> tuple[int, list[int]]:
    """(reporting_year, requested_years) for a run.

    - `reporting_year` set: that year (it must be one of `backfill_years` when both are set);
    - else `backfill_years` set: the latest year listed;
    - else the latest year present in landing.
    Every backfill year must be present in landing. `requested_years` is the sorted,
    de-duplicated backfill list, or [reporting_year] when the run is not a backfill.
    """
    in_landing = sorted({int(year) for year in ingest_summary.get("reporting_years") or []})
    backfill = sorted({int(year) for year in (params.get("backfill_years") or [])})
    explicit = params.get("reporting_year")
    if explicit is not None:
        year = int(explicit)
        if backfill and year not in backfill:
            raise RunYearsError(f"reporting_year {year} is not one of backfill_years {backfill}")
    elif backfill:
        year = backfill[-1]
    elif in_landing:
        year = in_landing[-1]
    else:
        raise RunYearsError("No reporting year: landing holds no year and the params name none")
    missing = [requested for requested in backfill if requested not in in_landing]
    if missing:
        raise RunYearsError(f"backfill_years {missing} are not in landing (it holds {in_landing})")
    return year, backfill or [year]


def resolve_reporting_year(params: Mapping, ingest_summary: Mapping) -> int:
    """The run's reporting year (see resolve_run_years)."""
    return resolve_run_years(params, ingest_summary)[0]
