"""The package, the image and the compose file, checked without Docker (there is no engine
here): the wheel refuses to build unstamped, the image's Airflow is the locked one, and
docker-compose.yml passes compose v1's own validation and says what the README says."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from deployment import uv_executable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_V1 = PROJECT_ROOT / ".tools" / "compose-v1"


def locked_version(package: str) -> str:
    lock = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text(encoding="utf-8"))
    (version,) = {entry["version"] for entry in lock["package"] if entry["name"] == package}
    return version


def test_runtime_dependencies_leave_airflow_to_the_platform():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert not [dep for dep in project["project"]["dependencies"] if dep.startswith("apache-airflow")]
    assert project["dependency-groups"]["airflow"] == ["apache-airflow>=3.3,<3.4"]


def test_the_image_is_the_official_airflow_image_of_the_locked_version():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    (image,) = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    assert image == f"apache/airflow:{locked_version('apache-airflow')}-python3.11"
    assert "deploy/install.sh" in dockerfile  # the same install script as the deployment test


def test_shipped_files_are_found_through_the_package():
    from nhs_equity_monitor import resources

    assert (resources.dbt_project_dir() / "dbt_project.yml").is_file()
    assert (resources.gx_context_dir() / "great_expectations.yml").is_file()
    assert (resources.dags_folder() / "nhs_equity_monitoring.py").is_file()


def test_a_wheel_without_a_build_stamp_is_refused(tmp_path):
    archive = subprocess.run(["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", "HEAD"],
                             check=True, capture_output=True)  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)
    result = subprocess.run([uv_executable(), "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(tmp_path)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode != 0
    assert "build_stamp.json is missing" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def compose_v1() -> Path:
    """docker-compose 1.x from the package registry, in a venv of its own (PITFALLS.md)."""
    executable = COMPOSE_V1 / "bin" / "docker-compose"
    if not executable.exists():
        uv = uv_executable()
        constraints = PROJECT_ROOT / ".tools" / "compose-build-constraints.txt"
        constraints.parent.mkdir(exist_ok=True)
        constraints.write_text("cython<3\n", encoding="utf-8")
        subprocess.run([uv, "venv", "--quiet", "--python", "python3.11", str(COMPOSE_V1)], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", str(COMPOSE_V1 / "bin" / "python"),
                        "docker-compose", "--build-constraints", str(constraints)], check=True)  # fmt: skip
    return executable


def test_compose_file_is_valid_for_compose_v1(compose_v1):
    # With the example's values for .env, as a fresh `cp .env.example .env` would have them.
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "EQUITY"))}
    result = subprocess.run(
        [str(compose_v1), "--env-file", ".env.example", "-f", "docker-compose.yml", "config", "-q"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_compose_file_runs_the_deployment_test_topology_with_shared_secrets():
    services = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    airflow = {name: service for name, service in services.items() if name.startswith("airflow-")}
    assert set(services) == {"postgres", "redis", *airflow}
    assert set(airflow) == {"airflow-init", "airflow-apiserver", "airflow-scheduler",
                            "airflow-dag-processor", "airflow-worker"}  # fmt: skip
    secrets = ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY")
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    for name, service in airflow.items():
        environment = service["environment"]
        assert service["build"] and "_PIP_ADDITIONAL_REQUIREMENTS" not in environment, name
        assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        for secret in secrets:  # one value for every component, from .env
            assert environment[secret].startswith(f"${{{secret}:?"), (name, secret)
            assert f"\n{secret}=" in example
        assert ("EQUITY_PSEUDONYMISATION_KEY" in environment) == (name == "airflow-worker"), name
        if name != "airflow-init":
            assert service["healthcheck"]["test"], name
            assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
            assert service["user"] == "${AIRFLOW_UID:-50000}:0", name
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert airflow["airflow-worker"]["environment"]["EQUITY_LANDING_DIR"] == "${EQUITY_LANDING_DIR:-/opt/equity/sample/landing}"
    assert "--landing /opt/equity/sample/landing" in (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
