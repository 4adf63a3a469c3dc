"""Which code a run is: from a git checkout, its commit and whether it had uncommitted
changes; from an installed wheel or image, the version and commit stamped at build time.

Never None: code that is neither a checkout nor a stamped build cannot say what it is, so
it does not run (`ProvenanceError`). The manifest records which of the two sources it used.
"""

from __future__ import annotations

import json
import subprocess
from importlib import metadata
from importlib.resources import files
from pathlib import Path

DISTRIBUTION = "nhs-equity-monitor"
STAMP_FILE = "build_stamp.json"  # written by deploy/install.sh, shipped in the wheel


class ProvenanceError(RuntimeError):
    """The code cannot say which commit it is."""


def code_provenance() -> dict:
    """{"source": "git checkout" | "build stamp", "version", "commit", "dirty"}."""
    checkout = _checkout_root()
    if checkout is not None:
        return _from_git(checkout)
    stamp = read_stamp()
    if stamp is None:
        raise ProvenanceError(
            f"This installed copy of {DISTRIBUTION} has no {STAMP_FILE}: it was not built by "
            "deploy/install.sh, so a release could not say which code made it."
        )
    return {"source": "build stamp", **stamp}


def read_stamp() -> dict | None:
    stamp = files("nhs_equity_monitor") / STAMP_FILE
    if not stamp.is_file():
        return None
    values = json.loads(stamp.read_text(encoding="utf-8"))
    return {key: values.get(key) for key in ("version", "commit", "dirty")}


def _checkout_root() -> Path | None:
    # The package folder sits at the top of a checkout; an installed wheel has no .git beside it.
    root = Path(str(files("nhs_equity_monitor"))).resolve().parent
    return root if (root / ".git").exists() else None


def _from_git(root: Path) -> dict:
    commit = _git(root, "rev-parse", "HEAD").strip()
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {
        "source": "git checkout",
        "version": metadata.version(DISTRIBUTION),
        "commit": commit,
        "dirty": bool(status.strip()),
    }


def _git(root: Path, *args: str) -> str:
    # safe.directory: a checkout owned by another user (a service account) is still read.
    command = ["git", "-c", f"safe.directory={root}", "-C", str(root), *args]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise ProvenanceError(f"{' '.join(command)} failed: {error}") from error
    if result.returncode != 0:
        raise ProvenanceError(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return result.stdout
