"""`make bench YEARS=n`: `make run` end to end on a generated nation with n years of history
(scale 1.0: 210 trusts, about 620,000 survey respondents a year), then a rerun with
nothing new, then the floor (tests/benchmark/floor.py) and the pipeline-to-floor ratio.

- The nation is generated once into `data/bench/landing-<first>-<last>-s<scale>-t<trusts>/`
  and kept for the next benchmark (generating is not part of any figure).
- Before anything is timed, the venv (with its compiled bytecode), dbt's parse of the
  project (made at install, decision 127) and a fresh Airflow database exist; the output
  folder (and so the cache, `<output>/cache/`) is empty.
- Each command's wall time and peak RSS cover its whole process tree (sampled every 50 ms),
  and so does its CPU time (user + system): on two cores, no schedule of that work could
  take less than half of it.
  Each step's are from Airflow's record of the task's start and end, and the samples
  taken meanwhile.
- The floor's counts must equal the release's, and its values agree to 1e-9 relative.
- Last, `make run` on a nation of 8 trusts at scale 0.02 for one year (13 landing files):
  the fixed cost of Airflow, GX, dbt and publishing, which no amount of data lowers.

Results go to stdout and `data/bench/results-<n>y.json`, with the load average, since a
busy machine slows everything.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LAST_YEAR = 2025
GIB = 2**30
# The nation of the fixed-cost run: next to no data.
TINY_TRUSTS, TINY_SCALE = 8, 0.02


def children_cpu_seconds() -> float:
    """User + system CPU of every ended descendant that was waited for, grandchildren too."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, command: list[str], env: dict[str, str]) -> dict:
    """Run one command; sample the RSS of its whole process tree until it ends. Its CPU
    seconds (whole tree) show how far two cores could take the wall time: CPU / 2."""
    started_wall, started, cpu_before = time.time(), time.perf_counter(), children_cpu_seconds()
    process = psutil.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples = []
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            samples.append((time.time(), sum(p.memory_info().rss for p in tree if p.is_running())))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - started
    cpu = children_cpu_seconds() - cpu_before
    if process.returncode != 0:
        sys.stderr.write(process.stderr.read().decode(errors="replace")[-5000:])
        raise SystemExit(f"{name} failed with exit code {process.returncode}")
    peak = max((rss for _, rss in samples), default=0)
    print(f"{name:<28} {wall:>7.1f} s {peak / GIB:>7.2f} GiB {cpu:>7.1f} s", flush=True)
    return {"name": name, "wall_s": round(wall, 1), "peak_rss_gib": round(peak / GIB, 2), "cpu_s": round(cpu, 1),
            "started": started_wall, "samples": samples}  # fmt: skip


def steps(result: dict, metadata_db: Path) -> list[dict]:
    """Each task of the latest DAG run: Airflow's duration, and the peak of the samples
    taken while it ran."""
    with sqlite3.connect(metadata_db) as connection:
        (run_id,) = connection.execute("select run_id from dag_run order by start_date desc limit 1").fetchone()
        tasks = connection.execute(
            "select task_id, (julianday(start_date) - 2440587.5) * 86400, (julianday(end_date) - 2440587.5) * 86400,"
            " duration from task_instance where run_id = ? order by start_date",
            (run_id,),
        ).fetchall()
    found = []
    for task, start, end, duration in tasks:
        inside = [rss for t, rss in result["samples"] if start <= t <= end]
        found.append({"step": task, "wall_s": round(duration or 0, 1), "peak_rss_gib": round(max(inside, default=0) / GIB, 2)})
        print(f"  {task:<26} {duration or 0:>7.1f} s {max(inside, default=0) / GIB:>7.2f} GiB")
    return found


def nation(first_year: int, scale: float, trusts: int) -> Path:
    """The landing folder of a generated nation, generated once and kept for next time."""
    landing = PROJECT_ROOT / "data" / "bench" / f"landing-{first_year}-{LAST_YEAR}-s{scale}-t{trusts}"
    if not landing.is_dir():
        years = LAST_YEAR - first_year + 1
        print(f"Generating {years} years of a nation at scale {scale} into {landing} (kept for next time)")
        staging = landing.with_name(landing.name + ".tmp")
        subprocess.run(["rm", "-rf", str(staging)], check=True)
        subprocess.run(
            [str(BIN / "python"), "-m", "ingest.synthetic", "--landing", str(staging), "--scale", str(scale),
             "--trusts", str(trusts), "--first-year", str(first_year), "--last-year", str(LAST_YEAR)],
            cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        staging.rename(landing)
    return landing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--trusts", type=int, default=210)
    args = parser.parse_args()
    first_year = LAST_YEAR - args.years + 1

    landing = nation(first_year, args.scale, args.trusts)

    root = Path(tempfile.mkdtemp(prefix="equity-bench-"))
    output = root / "output"
    env = {
        **os.environ,
        "EQUITY_LANDING_DIR": str(landing),
        "EQUITY_OUTPUT_DIR": str(output),
        "EQUITY_PSEUDONYMISATION_KEY": "benchmark-key",
        "EQUITY_SIGN_OFF": "automatic",
        "AIRFLOW_HOME": str(root / "airflow"),
    }
    env.pop("EQUITY_CACHE_DIR", None)
    env.pop("EQUITY_CACHE", None)
    # The install's parts exist before anything is timed, as after a first `make run`.
    subprocess.run(["make", "-s", f"{root / 'airflow' / 'airflow.db'}", "dbt_project/target/partial_parse.msgpack"],
                   env=env, cwd=PROJECT_ROOT, check=True)  # fmt: skip
    load_before = os.getloadavg()
    files = sum(1 for p in landing.rglob("*") if p.is_file())
    print(f"Benchmark: {args.years} years ({first_year}-{LAST_YEAR}), scale {args.scale}, {args.trusts} trusts, "
          f"{files:,} landing files; {os.cpu_count()} CPUs; load average {load_before[0]:.1f}; in {root}")  # fmt: skip
    print(f"{'command / step':<28} {'wall':>9} {'peak RSS':>11} {'CPU':>9}")

    runs = {}
    for name in ("first run", "rerun, nothing new"):
        result = measure(f"make run ({name})", ["make", "-s", "run"], env)
        result["steps"] = steps(result, root / "airflow" / "airflow.db")
        runs[name] = result

    release = output / "releases" / (output / "LATEST").read_text().strip()
    # The profiles are built inside publish; this builds them again from the published
    # release alone, to time them and measure their size (issue 13's budget: <= 30 MB).
    profiles_dir = root / "profiles"
    profiles = measure("profiles (rebuilt alone)", [str(BIN / "python"), "-c", (
        "import pathlib; from exports.reports.release_data import ReleaseContext, ReleaseData; "
        "from exports.reports.profiles import write_profiles; "
        f"release = pathlib.Path({str(release)!r}); "
        f"write_profiles(ReleaseData(release, ReleaseContext.from_manifest(release)), pathlib.Path({str(profiles_dir)!r}))"
    )], env)
    pages = list(profiles_dir.rglob("*.html"))
    profiles["pages"], profiles["bytes"] = len(pages), sum(page.stat().st_size for page in pages)
    print(f"profiles: {len(pages)} pages, {profiles['bytes'] / 1e6:.1f} MB (budget 30 MB)", flush=True)
    floor = measure("floor (DuckDB script)", [str(BIN / "python"), str(Path(__file__).with_name("floor.py")), str(landing)], env)
    check = subprocess.run(
        [str(BIN / "python"), str(Path(__file__).with_name("floor.py")), str(landing), "--release", str(release)],
        cwd=PROJECT_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    print(check.stdout.strip().splitlines()[-1] if check.returncode == 0 else check.stderr.strip())
    # The same run on a nation of 8 trusts at a fiftieth of the volume for one year: what
    # Airflow, GX, dbt and publishing cost with next to no data. The rest is the data's.
    tiny = {**env, "EQUITY_LANDING_DIR": str(nation(LAST_YEAR, TINY_SCALE, TINY_TRUSTS)),
            "EQUITY_OUTPUT_DIR": str(root / "output-tiny")}  # fmt: skip
    fixed_cost = measure(f"make run ({TINY_TRUSTS} trusts, scale {TINY_SCALE})", ["make", "-s", "run"], tiny)
    fixed_cost["steps"] = steps(fixed_cost, root / "airflow" / "airflow.db")
    ratios = {name: round(run["wall_s"] / floor["wall_s"], 1) for name, run in runs.items()}
    print("pipeline-to-floor ratio: " + ", ".join(f"{name} {ratio}x" for name, ratio in ratios.items()))
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}")

    out = PROJECT_ROOT / "data" / "bench" / f"results-{args.years}y.json"
    for result in (*runs.values(), floor, profiles, fixed_cost):
        result.pop("samples", None)
    out.write_text(json.dumps({
        "years": args.years, "scale": args.scale, "trusts": args.trusts, "landing_files": files,
        "cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": load_after,
        "runs": runs, "floor": floor, "profiles": profiles, "fixed_cost": fixed_cost, "floor_agrees": check.returncode == 0, "ratio": ratios,
    }, indent=2))  # fmt: skip
    if check.returncode != 0:
        raise SystemExit("the floor disagrees with the release")


if __name__ == "__main__":
    main()
