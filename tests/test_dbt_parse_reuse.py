"""dbt's parse made at install serves every output folder (methodology, decision 127).

dbt runs in the work zone with paths relative to it, so the parse `make` leaves in
dbt_project/target/ is valid wherever the output folder is: dbt reparses nothing.
"""

from __future__ import annotations

import json

from ingest.config import DBT_INSTALLED_PARSE
from nhs_equity_monitor import dbt_build

try:
    from tests import dbt_fixtures
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    import dbt_fixtures


def test_the_installed_parse_serves_any_work_zone(tmp_path):
    if not DBT_INSTALLED_PARSE.is_file():  # `make test` makes it first; a bare pytest may not have
        assert dbt_build.parse_at_install() == 0
    for name in ("one", "another"):
        work = tmp_path / name / "output" / "work"
        work.mkdir(parents=True)
        result = dbt_fixtures.run_dbt(work, "parse")
        assert result.returncode == 0, result.stdout[-3000:]
        assert "Unable to do partial parsing" not in result.stdout
        perf = json.loads((work / "dbt_target" / "perf_info.json").read_text())
        assert perf["parsed_path_count"] == 0, f"dbt reparsed {perf['parsed_path_count']} files in {work}"


def test_the_profile_and_sources_name_no_output_folder():
    project = dbt_build.DBT_PROJECT_DIR
    for path in [project / "profiles.yml", *project.glob("models/**/*__sources.yml")]:
        text = path.read_text(encoding="utf-8")
        assert "EQUITY_WORK_DIR" not in text and "EQUITY_OUTPUT_DIR" not in text, path
