"""`python -m exports.latest`: say where the newest complete release and its reports are."""

from __future__ import annotations

import json

from ingest import config


def main() -> None:
    paths = config.paths()
    if not paths.latest_pointer.exists():
        raise SystemExit(f"No complete release yet under {paths.releases}")
    release = paths.releases / paths.latest_pointer.read_text().strip()
    print(f"{'Latest release:':<27} {release}")
    if paths.current_link.is_symlink():
        print(f"{'Current (link):':<27} {paths.current_link}")
    manifest = release / "manifest.json"
    sign_off = json.loads(manifest.read_text(encoding="utf-8")).get("sign_off") if manifest.exists() else None
    if sign_off:
        print(f"{'Sign-off:':<27} {sign_off['statement']} at {sign_off['signed_off_at']}")
    for label, relative in [
        ("Equity metrics", "equity_metrics"),
        ("Every table (DuckDB)", "release.duckdb"),
        ("CSV copies", "csv"),
        ("Data dictionary", "data_dictionary.md"),
        ("Data package", "datapackage.json"),
        ("Revisions log", "revisions.csv"),
        ("National report", "reports/national_report.html"),
        ("Data-quality report", "reports/data_quality_report.html"),
        ("Trust and region profiles", "reports/profiles/index.html"),
        ("Quarantine report", "quality/quarantine_report.md"),
        ("GX Data Docs", "quality/data_docs/index.html"),
        ("dbt test summary", "quality/test_summary.json"),
        ("Release manifest", "manifest.json"),
        ("Sign-off record", "sign_off.json"),
    ]:
        if (release / relative).exists():
            print(f"{label + ':':<27} {release / relative}")


if __name__ == "__main__":
    main()
