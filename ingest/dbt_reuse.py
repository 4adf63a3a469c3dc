"""Around `dbt build`: keep dbt's partial parse between runs, and reuse the previous build
when none of its inputs changed.

- Partial parse: dbt's `partial_parse.msgpack` is kept in the cache under a key of the
  dbt project's files and the dbt version, and put back into the fresh target folder
  before the build; without one, the parse made at install (`DBT_INSTALLED_PARSE`, see
  nhs_equity_monitor/dbt_build.py) is put back instead. dbt checks either against the
  project and reparses what changed. dbt's paths are relative to the work zone it runs in,
  so neither depends on the output folder.
- Reuse: the build's inputs are the validated zone, the file outcomes, the previous
  release's input hashes (as the published rows use them: only for files whose bytes
  changed since it), and the project key. When they hash to the key of the last successful
  build, its warehouse, manifest and run results (every data test's result) are copied
  into the work zone, verified by sha256, instead of building again.
  `work/dbt_build.json` says which happened and which run built the outputs; the release
  manifest records it.

    python -m ingest.dbt_reuse restore   exit 0: outputs reused; exit 3: build needed
    python -m ingest.dbt_reuse save RC   after `dbt build` exited with RC
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import uuid
from importlib import metadata
from pathlib import Path

import pyarrow.parquet as pq

from ingest import config
from ingest.cache import cache_dir, cache_enabled, sha256_bytes, sha256_file
from ingest.config import DBT_INSTALLED_PARSE, DBT_PROJECT_DIR, Paths

BUILD_NEEDED = 3
PARTIAL_PARSE = "partial_parse.msgpack"
OUTPUTS = ("warehouse.duckdb", "dbt_target/manifest.json", "dbt_target/run_results.json")
RECORD_FILE = "dbt_build.json"
_PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "seeds")


def project_key() -> str:
    """The dbt project's files and the dbt version."""
    digest = hashlib.sha256()
    for part in _PROJECT_PARTS:
        root = DBT_PROJECT_DIR / part
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                digest.update(path.relative_to(DBT_PROJECT_DIR).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    for name in ("dbt-core", "dbt-duckdb", "duckdb"):
        digest.update(f"{name}={metadata.version(name)}\0".encode())
    return digest.hexdigest()


def inputs_key(paths: Paths) -> str:
    """Everything the build reads, hashed as dbt uses it."""
    parts = [project_key()]
    for path in sorted(paths.validated.glob("*.parquet")):
        parts.append(f"{path.name}:{sha256_file(path)}")
    parts.append(f"file_outcomes:{sha256_file(paths.file_outcomes)}")
    current = {row["source_file"]: row["sha256"] for row in pq.read_table(paths.file_outcomes).to_pylist()}
    # Of the previous release's inputs, dbt's published rows use only those of files that
    # are in landing now with other bytes (fct_submission_status: resubmitted, and the
    # previous sha256 and release id). A change there to use more must change this too.
    changed = [
        (row["source_file"], row["sha256"], row["release_id"])
        for row in pq.read_table(paths.previous_release_inputs).to_pylist()
        if row["source_file"] in current and current[row["source_file"]] != row["sha256"]
    ]
    parts.append(json.dumps(sorted(changed)))
    return sha256_bytes("\0".join(parts).encode())


def _run_id() -> str:
    return os.environ.get("AIRFLOW_CTX_DAG_RUN_ID") or "manual"


def _write_record(paths: Paths, record: dict) -> None:
    (paths.work / RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def build_record(paths: Paths) -> dict | None:
    """What the release manifest says about the dbt build: reused or built, and by which run."""
    path = paths.work / RECORD_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def restore(paths: Paths) -> int:
    """Put back the partial parse; reuse the last build's outputs when its inputs are unchanged."""
    paths.dbt_target.mkdir(parents=True, exist_ok=True)
    if DBT_INSTALLED_PARSE.is_file():
        shutil.copyfile(DBT_INSTALLED_PARSE, paths.dbt_target / PARTIAL_PARSE)
    if not cache_enabled():
        _write_record(paths, {"reused": False, "built_in_run": _run_id(), "inputs_sha256": None})
        return BUILD_NEEDED
    root = cache_dir(paths) / "dbt"
    parse = root / "parse" / project_key() / PARTIAL_PARSE
    if parse.is_file():
        shutil.copyfile(parse, paths.dbt_target / PARTIAL_PARSE)
    key = inputs_key(paths)
    entry = root / "build" / key
    meta = _verified(entry)
    if meta is None:
        _write_record(paths, {"reused": False, "built_in_run": _run_id(), "inputs_sha256": key})
        return BUILD_NEEDED
    for name in OUTPUTS:
        shutil.copyfile(entry / Path(name).name, paths.work / name)
    _write_record(paths, {"reused": True, "built_in_run": meta["built_in_run"], "inputs_sha256": key})
    print(f"dbt build reused: its inputs are unchanged since run {meta['built_in_run']}")
    return 0


def save(paths: Paths, returncode: int) -> None:
    """Keep the partial parse always, and the outputs of a successful build (only the latest)."""
    if not cache_enabled():
        return
    root = cache_dir(paths) / "dbt"
    parse = paths.dbt_target / PARTIAL_PARSE
    if parse.is_file():
        _replace_folder(root / "parse", project_key(), {PARTIAL_PARSE: parse})
    record = build_record(paths)
    if returncode != 0 or record is None or record["reused"] or record["inputs_sha256"] is None:
        return
    outputs = {Path(name).name: paths.work / name for name in OUTPUTS}
    _replace_folder(root / "build", record["inputs_sha256"], outputs, built_in_run=record["built_in_run"])


def _replace_folder(parent: Path, key: str, files: dict[str, Path], **meta) -> None:
    """`parent/key/` holding `files` and an entry.json of their sha256; nothing else kept."""
    staging = parent / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    hashes = {}
    for name, source in files.items():
        shutil.copyfile(source, staging / name)
        hashes[name] = sha256_file(staging / name)
    (staging / "entry.json").write_text(json.dumps({**meta, "files": hashes}), encoding="utf-8")
    for old in parent.iterdir():
        if old != staging:
            shutil.rmtree(old, ignore_errors=True)
    staging.rename(parent / key)


def _verified(entry: Path) -> dict | None:
    try:
        meta = json.loads((entry / "entry.json").read_text(encoding="utf-8"))
        if all(sha256_file(entry / name) == digest for name, digest in meta["files"].items()):
            return meta
    except (OSError, ValueError, KeyError):
        return None
    shutil.rmtree(entry, ignore_errors=True)
    return None


def main(argv: list[str]) -> int:
    paths = config.paths()
    if argv[:1] == ["restore"]:
        return restore(paths)
    if argv[:1] == ["save"] and len(argv) == 2:
        save(paths, int(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
