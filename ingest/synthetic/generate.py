"""generate_nation: write a fictional nation's whole landing folder.

It never writes into a folder that already holds something, so it cannot overwrite
anyone's landing data.
"""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from ingest.synthetic.concerns import write_concerns
from ingest.synthetic.nation import build_nation, write_reference
from ingest.synthetic.survey import write_survey_year
from ingest.synthetic.workforce import expected_workforce
from ingest.synthetic.wres import write_wres_year

# The bundled sample: few trusts (at least three per region, every trust type) at
# realistic sizes, seven reporting years. Quick to generate and to run.
SAMPLE_NATION = dict(scale=1.0, trusts=28, first_year=2019, last_year=2025, seed=20261130)


class LandingNotEmptyError(FileExistsError):
    """The landing folder already holds files."""


def generate_nation(landing: Path, *, scale: float, trusts: int, first_year: int, last_year: int, seed: int) -> dict:
    """Write reference files, WRES workbooks for reporting years first..last, staff
    surveys for survey years first-1..last-1 and concerns extracts for first..last.

    The same arguments always give byte-identical files. Returns a summary: files and data
    rows per source, the merger, and the WRES returns left out on purpose.
    """
    landing = Path(landing)
    if landing.exists() and (not landing.is_dir() or any(landing.iterdir())):
        raise LandingNotEmptyError(f"{landing} already exists and is not an empty folder; refusing to write into it")
    nation = build_nation(trusts=trusts, first_year=first_year, last_year=last_year, scale=scale, seed=seed)
    landing.mkdir(parents=True, exist_ok=True)
    expected = expected_workforce(nation)
    survey_years = range(first_year - 1, last_year)

    files: dict[str, int] = {}
    rows: dict[str, int] = {}

    def record(source: str, written: tuple[list[Path], int]) -> None:
        files[source] = files.get(source, 0) + len(written[0])
        rows[source] = rows.get(source, 0) + written[1]
        progress.update()

    with tqdm(total=2 + len(nation.years) + len(survey_years), disable=None, unit="part") as progress:
        progress.set_description("reference")
        record("reference", (write_reference(nation, landing), len(nation.trusts)))
        for year in nation.years:
            progress.set_description(f"wres {year}")
            record("wres", write_wres_year(nation, expected, year, landing))
        for survey_year in survey_years:
            progress.set_description(f"staff survey {survey_year}")
            record("staff_survey", write_survey_year(nation, expected, survey_year, landing))
        progress.set_description("concerns")
        record("concerns", write_concerns(nation, expected.sum(axis=(2, 3)), landing))

    merger = nation.merger
    return {
        "landing": str(landing),
        "trusts": len(nation.trusts),
        "files": files,
        "rows": rows,
        "merger": {
            "closed": merger.closed,
            "successor": merger.successor,
            "close_date": merger.close_date.isoformat(),
        },
        "missing_wres": sorted(f"{org} {year}" for org, year in nation.missing_returns),
    }
