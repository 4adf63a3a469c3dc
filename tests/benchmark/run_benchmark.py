"""`make bench`: a full national year (scale 1.0, 210 trusts) through every stage and then
through the real DAG, with wall time and peak memory (RSS of the whole process tree).

Each stage runs in its own process, as it does under Airflow, so the figures are per
stage and not flattered by a warm interpreter. Results go to stdout and to
`data/bench/results.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
YEAR = 2025


def measure(name: str, command: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT) -> dict:
    """Run one command; sample the RSS of its whole process tree until it ends."""
    started = time.perf_counter()
    process = psutil.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        sys.stderr.write(process.stderr.read().decode(errors="replace")[-5000:])
        raise SystemExit(f"stage {name} failed with exit code {process.returncode}")
    result = {"stage": name, "wall_s": round(wall, 1), "peak_rss_mib": round(peak / 2**20)}
    print(f"{name:<12} {result['wall_s']:>7.1f} s {result['peak_rss_mib']:>7d} MiB", flush=True)
    return result


def stage_command(code: str) -> list[str]:
    return [str(BIN / "python"), "-c", code]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--trusts", type=int, default=210)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="equity-bench-"))
    landing, output = root / "landing", root / "output"
    env = {
        **os.environ,
        "EQUITY_LANDING_DIR": str(landing),
        "EQUITY_OUTPUT_DIR": str(output),
        "EQUITY_PSEUDONYMISATION_KEY": "benchmark-key",
        "EQUITY_WORK_DIR": str(output / "work"),
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # A local run: the build DAG publishes at once, the sign-off gate is skipped.
        "EQUITY_SIGN_OFF": "automatic",
    }
    print(f"Benchmark: scale {args.scale}, {args.trusts} trusts, reporting year {YEAR}, in {root}")
    print(f"{'stage':<12} {'wall':>9} {'peak RSS':>11}")
    results = [
        measure(
            "generate",
            [str(BIN / "python"), "-m", "ingest.synthetic", "--landing", str(landing), "--scale", str(args.scale),
             "--trusts", str(args.trusts), "--first-year", str(YEAR), "--last-year", str(YEAR)],
            env,
        ),
        measure("ingest", stage_command("from ingest import config; from ingest.run import ingest_landing; ingest_landing(config.paths())"), env),
        measure("validate", stage_command("from ingest import config; from expectations.validate import validate_landed; validate_landed(config.paths())"), env),
        measure("previous", stage_command("from ingest import config; from exports.previous_release import write_previous_input_hashes; write_previous_input_hashes(config.paths())"), env),
        measure("dbt build", [str(BIN / "dbt"), "build", "--exclude-resource-type", "unit_test", "--profiles-dir", ".", "--target-path", str(output / "work" / "dbt_target"),
                              "--log-path", str(output / "work" / "dbt_logs")], env, cwd=PROJECT_ROOT / "dbt_project"),
        measure("publish", stage_command(f"from ingest import config; from exports.release import publish_release; publish_release(config.paths(), reporting_year={YEAR}, run_id='bench')"), env),
    ]
    # The profiles are built inside publish; this stage builds them again from the published
    # release alone, to time them and measure their size (the budget: <= 30 MB).
    profiles_dir = root / "profiles"
    results.append(measure("profiles", stage_command(
        "import pathlib; from exports.reports.release_data import ReleaseContext, ReleaseData; "
        "from exports.reports.profiles import write_profiles; "
        f"out = pathlib.Path({str(output)!r}); release = out / 'releases' / (out / 'LATEST').read_text().strip(); "
        f"write_profiles(ReleaseData(release, ReleaseContext.from_manifest(release)), pathlib.Path({str(profiles_dir)!r}))"
    ), env))
    pages = list(profiles_dir.rglob("*.html"))
    results[-1]["pages"], results[-1]["bytes"] = len(pages), sum(page.stat().st_size for page in pages)
    print(f"profiles: {len(pages)} pages, {results[-1]['bytes'] / 1e6:.1f} MB (budget 30 MB)", flush=True)
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
    results.append(measure("DAG total", [str(BIN / "airflow"), "dags", "test", "nhs_equity_monitoring"], env))
    stages = [r for r in results[:-1] if r["stage"] != "profiles"]  # publish already includes the profiles
    print(f"stages total {sum(r['wall_s'] for r in stages):.1f} s; the DAG end to end {results[-1]['wall_s']:.1f} s")
    dag_run = dag_run_timings(root / "airflow" / "airflow.db")
    print(f"inside the DAG run ({dag_run['dag_run_s']} s from its start to its end; the rest is the airflow "
          f"command starting and stopping): " + ", ".join(f"{task} {s} s" for task, s in dag_run["tasks"].items()))

    out = PROJECT_ROOT / "data" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"scale": args.scale, "trusts": args.trusts, "year": YEAR, "cpus": os.cpu_count(),
                               "results": results, "dag_run": dag_run}, indent=2))


def dag_run_timings(metadata_db: Path) -> dict:
    """The DAG run's own duration and each task's, as Airflow recorded them."""
    with sqlite3.connect(metadata_db) as connection:
        tasks = connection.execute("select task_id, duration from task_instance order by start_date").fetchall()
        start, end = connection.execute(
            "select julianday(start_date), julianday(end_date) from dag_run order by start_date desc limit 1"
        ).fetchone()
    return {"dag_run_s": round((end - start) * 86400, 1), "tasks": {task: round(s, 1) for task, s in tasks}}


if __name__ == "__main__":
    main()
