#!/usr/bin/env bash
# Install the pipeline into an Airflow environment, beside the platform's own Airflow.
#
#   deploy/install.sh AIRFLOW_PYTHON
#
# AIRFLOW_PYTHON is the Python of the environment where Airflow (>=3.3,<3.4) is installed.
# The script stamps the version and commit into the package, builds the wheel, and installs
# it with that environment's own `pip freeze` as the constraint, so nothing the platform has
# (Airflow above all) is upgraded or replaced: a conflict stops the install instead. Then
# it has dbt parse the shipped project once, so a first run starts from that parse.
# The Dockerfile and the deployment test (tests/test_deployment.py) both run it.
#
# A copy without .git (a git archive, a Docker build context) names its commit in
# EQUITY_BUILD_COMMIT (and EQUITY_BUILD_DIRTY=true|false). With `uv` on PATH (or UV set) it
# builds and installs with uv; otherwise with pip. With EQUITY_DAGS_LINK set, a symlink of
# that name points at the installed DAG folder (a fixed path for `dags_folder`).
set -euo pipefail

python=${1:?usage: deploy/install.sh AIRFLOW_PYTHON}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
uv=${UV:-$(command -v uv || true)}

"$python" -c 'import airflow, sys; v = tuple(map(int, airflow.__version__.split(".")[:2]));
sys.exit(0 if (3, 3) <= v < (3, 4) else f"Airflow {airflow.__version__} is installed; the pipeline needs >=3.3,<3.4")'

git_here() { git -c safe.directory="$source_dir" -C "$source_dir" "$@"; }
commit=${EQUITY_BUILD_COMMIT:-$(git_here rev-parse HEAD 2>/dev/null || true)}
if [ -z "$commit" ]; then
    echo "install.sh: no commit to stamp. This copy has no git history: set EQUITY_BUILD_COMMIT." >&2
    exit 1
fi
dirty=${EQUITY_BUILD_DIRTY:-$([ -n "$(git_here status --porcelain --untracked-files=no 2>/dev/null)" ] && echo true || echo false)}
version=$("$python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$source_dir/pyproject.toml")
printf '{"version": "%s", "commit": "%s", "dirty": %s}\n' "$version" "$commit" "$dirty" \
    > "$source_dir/nhs_equity_monitor/build_stamp.json"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "$uv" ]; then
    "$uv" build --quiet --wheel --out-dir "$work" "$source_dir"
    "$uv" pip freeze --python "$python" | grep -v -e '^-e ' -e '^nhs-equity-monitor' > "$work/platform-constraints.txt"
    "$uv" pip install --quiet --python "$python" --constraints "$work/platform-constraints.txt" \
        --reinstall-package nhs-equity-monitor "$work"/*.whl
else
    "$python" -m pip wheel --quiet --no-deps --wheel-dir "$work" "$source_dir"
    "$python" -m pip freeze | grep -v -e '^-e ' -e '^nhs-equity-monitor' > "$work/platform-constraints.txt"
    "$python" -m pip install --quiet --constraint "$work/platform-constraints.txt" "$work"/*.whl
    "$python" -m pip install --quiet --force-reinstall --no-deps "$work"/*.whl
fi
# dbt's parse of the shipped project, once, so a first run does not parse it (decision 127).
"$python" -P -m nhs_equity_monitor.dbt_build parse \
    || echo "install.sh: dbt could not parse the project now; the first run will parse it" >&2
dags_folder=$("$python" -P -m nhs_equity_monitor dags-folder)
if [ -n "${EQUITY_DAGS_LINK:-}" ]; then
    ln -sfn "$dags_folder" "$EQUITY_DAGS_LINK"
fi
echo "Installed nhs-equity-monitor $version (commit $commit, dirty $dirty) into $python"
echo "Its DAG folder: $dags_folder${EQUITY_DAGS_LINK:+ (linked from $EQUITY_DAGS_LINK)}"
