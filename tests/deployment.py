"""A real Airflow deployment on this machine, for tests/test_deployment.py.

PostgreSQL and Redis from Debian's packages, and Airflow's api-server, scheduler,
dag-processor and one Celery worker, all run as a non-root service user from a `git archive`
copy of the project whose venv is built from /usr/bin/python3.11 with the README's own
install commands. Every process is started in a session of its own and stopped by its
process id; every wait has a deadline and, when it passes, shows the components' logs.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SERVICE_USER = "equitydeploy"
PLATFORM_REQUIREMENTS = ["apache-airflow[celery,postgres]==3.3.2", "celery<5.7"]
README_INSTALL_MARKER = "<!-- deployment-install: run by tests/test_deployment.py -->"
API_USER = "admin"


class DeploymentError(AssertionError):
    """A step of the deployment did not happen in time; the message holds the component logs."""


def uv_executable() -> str:
    found = os.environ.get("UV") or shutil.which("uv") or str(PROJECT_ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        raise DeploymentError("uv is needed to build the deployment's venv (make does install it)")
    return found


def readme_install_commands(readme: Path, airflow_python: Path) -> str:
    """The README's install block, with its placeholder Python replaced by the deployment's."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(re.escape(README_INSTALL_MARKER) + r"\s*```bash\n(.*?)```", text, re.S)
    if not match:
        raise DeploymentError(f"README.md has no ```bash block after {README_INSTALL_MARKER}")
    block, count = re.subn(r"AIRFLOW_PYTHON=\S+", f"AIRFLOW_PYTHON={airflow_python}", match.group(1))
    if count != 1:
        raise DeploymentError("the README's install block must set AIRFLOW_PYTHON exactly once")
    return block


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
        )
        return pwd.getpwnam(SERVICE_USER)


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise DeploymentError("Debian's postgresql is not installed (make test installs it as root)")
    return Path(found[-1]).parent


@dataclass
class Deployment:
    root: Path
    user: pwd.struct_passwd
    commit: str
    key: str = field(default_factory=lambda: "deploy-test-key-" + secrets.token_hex(16))
    sign_off_timeout: int = 60  # long enough to answer the gate on a busy machine
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    api_port: int = field(default_factory=free_port)
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    token: str | None = None
    dags_folder: str = ""
    # One set of secrets for every component: with different ones every task fails.
    shared_secrets: dict[str, str] = field(default_factory=lambda: {
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    })  # fmt: skip

    # --- folders ----------------------------------------------------------------------
    @property
    def source(self) -> Path:
        return self.root / "src"

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def state(self) -> Path:
        """Everything the service user writes."""
        return self.root / "state"

    @property
    def airflow_home(self) -> Path:
        return self.state / "airflow"

    @property
    def logs(self) -> Path:
        return self.state / "component-logs"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def output(self) -> Path:
        return self.state / "output"

    # --- building ---------------------------------------------------------------------
    def copy_project(self) -> None:
        """The committed project, as `git archive` gives it: no .git, so the wheel is stamped."""
        self.source.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", self.commit],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(self.source)], input=archive.stdout, check=True)

    def build_venv(self, uv: str) -> str:
        """The platform (Airflow alone) from Debian's Python, then the README's install commands.

        A platform installs Airflow under a constraints file; the project's lock stands in for
        Airflow's published one (there is no network here but the package registry).
        """
        constraints = self.root / "platform-constraints.txt"
        exported = subprocess.run(
            [uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--all-groups",
             "--format", "requirements-txt", "--quiet"],
            cwd=self.source, check=True, capture_output=True, text=True,
        )  # fmt: skip
        constraints.write_text(exported.stdout, encoding="utf-8")
        run_checked([uv, "venv", "--quiet", "--python", "/usr/bin/python3.11", str(self.venv)])
        run_checked(
            [uv, "pip", "install", "--quiet", "--python", str(self.venv / "bin" / "python"),
             *PLATFORM_REQUIREMENTS, "--constraints", str(constraints)]
        )  # fmt: skip
        commands = readme_install_commands(self.source / "README.md", self.venv / "bin" / "python")
        result = run_checked(
            ["bash", "-euo", "pipefail", "-c", commands],
            cwd=self.source,
            env={**os.environ, "UV": uv, "EQUITY_BUILD_COMMIT": self.commit, "EQUITY_BUILD_DIRTY": "false",
                 "EQUITY_DAGS_LINK": str(self.root / "dags")},
        )  # fmt: skip
        printed = Path(result.stdout.strip().splitlines()[-1])
        if not (printed / "nhs_equity_monitoring.py").is_file() or self.venv not in printed.parents:
            raise DeploymentError(f"the install commands did not print the installed DAG folder:\n{result.stdout}")
        if (self.root / "dags").resolve() != printed.resolve():
            raise DeploymentError(f"EQUITY_DAGS_LINK does not point at {printed}")
        return str(self.root / "dags")  # as the image's dags_folder is its link

    def prepare_state(self, dags_folder: str) -> None:
        for folder in (self.state, self.airflow_home, self.logs, self.output, self.state / "home"):
            folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["chown", "-R", f"{self.user.pw_uid}:{self.user.pw_gid}", str(self.state)], check=True)
        os.chmod(self.root, 0o755)
        self.dags_folder = dags_folder

    # --- the environment of every component ---------------------------------------------
    def environment(self) -> dict[str, str]:
        database = f"postgresql+psycopg2://{SERVICE_USER}@127.0.0.1:{self.pg_port}/airflow"
        return {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.state / "home"),
            "LANG": "C.UTF-8",
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": self.dags_folder,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{API_USER}:admin",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database.replace("+psycopg2", ""),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            **self.shared_secrets,
            # The pipeline's settings; the key is not here: it is an Airflow variable.
            "EQUITY_LANDING_DIR": str(self.landing),
            "EQUITY_OUTPUT_DIR": str(self.output),
            "EQUITY_SIGN_OFF_TIMEOUT": f"{self.sign_off_timeout}s",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    # --- running as the service user ----------------------------------------------------
    def run_as_user(self, command: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        return run_checked(
            command, env=self.environment(), user=self.user.pw_uid, group=self.user.pw_gid,
            extra_groups=[], cwd=self.state, timeout=timeout,
        )  # fmt: skip

    def start(self, name: str, command: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            command, env=self.environment(), user=self.user.pw_uid, group=self.user.pw_gid,
            extra_groups=[], cwd=self.state, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()

    def start_services(self) -> None:
        pg = postgres_bin()
        data, sockets = self.state / "pgdata", self.state / "pgsocket"
        sockets.mkdir()
        os.chown(sockets, self.user.pw_uid, self.user.pw_gid)
        self.run_as_user([str(pg / "initdb"), "-D", str(data), "-U", SERVICE_USER, "--auth=trust"])
        self.start("postgres", [str(pg / "postgres"), "-D", str(data), "-p", str(self.pg_port),
                                "-k", str(sockets), "-c", "listen_addresses=127.0.0.1"])  # fmt: skip
        self.start("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"])  # fmt: skip
        self.wait_for("PostgreSQL", lambda: subprocess.run(
            [str(pg / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.pg_port)], capture_output=True
        ).returncode == 0, deadline=30)  # fmt: skip
        self.run_as_user([str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", SERVICE_USER, "airflow"])
        self.run_as_user([str(self.venv / "bin" / "airflow"), "db", "migrate"], timeout=180)
        airflow = str(self.venv / "bin" / "airflow")
        self.start("api-server", [airflow, "api-server", "--port", str(self.api_port)])
        self.start("scheduler", [airflow, "scheduler"])
        self.start("dag-processor", [airflow, "dag-processor"])
        self.start("celery-worker", [airflow, "celery", "worker"])
        self.wait_for("the api-server", self._api_answers, deadline=180)
        self.token = self._token()

    def stop(self) -> None:
        """Stop every process this deployment started, by its id. Each component leads a
        session of its own; Airflow starts task processes in process groups of their own
        inside it, so the whole session is signalled. PostgreSQL gets a fast shutdown."""
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                signal_session(process.pid, signal.SIGINT if name == "postgres" else signal.SIGTERM)
        for name, process in reversed(list(self.processes.items())):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                signal_session(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            signal_session(process.pid, signal.SIGKILL)  # what is left of its session (tasks, dbt)

    # --- the REST API -----------------------------------------------------------------
    def _api_answers(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.api_port}/api/v2/monitor/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def _token(self) -> str:
        passwords = json.loads(
            (self.airflow_home / "simple_auth_manager_passwords.json.generated").read_text(encoding="utf-8")
        )
        response = httpx.post(
            f"http://127.0.0.1:{self.api_port}/auth/token",
            json={"username": API_USER, "password": passwords[API_USER]},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(
            method, f"http://127.0.0.1:{self.api_port}/api/v2{path}",
            headers={"Authorization": f"Bearer {self.token}"}, timeout=30, **kwargs,
        )  # fmt: skip

    def dag_exists(self, dag_id: str) -> bool:
        return self.api("GET", f"/dags/{dag_id}").status_code == 200

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        response = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        assert response.status_code == 200, response.text
        return response.json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]

    def wait_for_run(self, dag_id: str, run_id: str, deadline: float) -> str:
        self.wait_for(f"{dag_id} run {run_id} to finish",
                      lambda: self.run_state(dag_id, run_id) in ("success", "failed"), deadline)  # fmt: skip
        return self.run_state(dag_id, run_id)

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        response = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {ti["task_id"]: ti for ti in response.json()["task_instances"]}

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        response = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}")
        return response.text

    def runs(self, dag_id: str) -> list[dict]:
        response = self.api("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after", "limit": 50})
        return response.json()["dag_runs"] if response.status_code == 200 else []

    # --- waiting ------------------------------------------------------------------------
    def wait_for(self, what: str, condition, deadline: float, every: float = 1.0) -> None:
        ends = time.monotonic() + deadline
        while time.monotonic() < ends:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise DeploymentError(f"{name} exited ({process.returncode}) while waiting for {what}\n{self.component_logs()}")
            if condition():
                return
            time.sleep(every)
        raise DeploymentError(f"waited {deadline:.0f} s for {what}\n{self.component_logs()}")

    def component_logs(self, lines: int = 40) -> str:
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"----- {log.name} (last {lines} lines) -----\n" + "\n".join(tail))
        return "\n".join(parts)


def session_members(session_id: int) -> list[int]:
    """The process ids in the session `session_id` leads (field 6 of /proc/<pid>/stat)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session_id:
                members.append(int(stat.parent.name))
    return members


def signal_session(session_id: int, signum: int) -> None:
    for pid in session_members(session_id):
        with suppress(ProcessLookupError):
            os.kill(pid, signum)


def run_checked(command: list[str], timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
    if result.returncode != 0:
        raise DeploymentError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result
