"""The committed GX context is exactly what `scaffold_context` writes from `suites.py`, so
the JSON that runs is the rules the code documents."""

from __future__ import annotations

from pathlib import Path

from expectations.scaffold_context import scaffold
from ingest.config import GX_CONTEXT_DIR


def committed_files(gx_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(gx_dir)): p.read_text()
        for p in gx_dir.rglob("*")
        if p.is_file() and "uncommitted" not in p.relative_to(gx_dir).parts
    }


def test_committed_context_matches_the_suites(tmp_path) -> None:
    scaffold(tmp_path / "gx")
    assert committed_files(tmp_path / "gx") == committed_files(
        GX_CONTEXT_DIR
    ), "expectations/gx is stale: run `python -m expectations.scaffold_context` and commit it"
