"""Sign-off: a release candidate becomes a release only when a person approves it.

A candidate (`<output>/candidates/<id>/`, built by exports/release.py) waits for one
decision:

- **approved**: `finalise_candidate` writes the sign-off record, manifest, revisions log and
  final reports (no candidate banner), then SHA256SUMS, then renames the folder into
  `<output>/releases/<id>/` and moves LATEST. A release is never written again after that.
- **rejected**: `reject_candidate` moves it to `<output>/rejected/<id>/`, with the reason
  beside it in `<id>.reason.json`. Nothing is published.

A candidate is rejected without a decision when a newer candidate exists (superseded: a
late resubmission was built meanwhile) or when LATEST no longer names its base (stale:
another release went out meanwhile, so its figure revisions and resubmission flags are out
of date). Both are checked again at the moment of publishing, under a lock, so two sign-off
runs can never both move LATEST.

Nothing published identifies a person: the release records the approver's configured role
(EQUITY_SIGN_OFF_APPROVERS), the time and the comment. The user id stays in Airflow's own
human-in-the-loop record and in the unpublished log `<output>/sign_off_log.jsonl`.

Local runs (`make run`, `make bench`, the tests) set EQUITY_SIGN_OFF=automatic: the gate is
skipped and the release records "signed off automatically (local run)". It is read from the
environment only, never from a run's params, so nobody who can trigger a run can skip it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from exports.latest_pointer import point_latest_to
from exports.release import (
    CANDIDATE_FILE,
    MANIFEST_FILE,
    STAGING_PREFIX,
    _log_summary,
    latest_release_id,
    read_candidate,
    write_json,
    write_release_documents,
)
from ingest.config import ConfigurationError, Paths

logger = logging.getLogger(__name__)

MODE_VARIABLE = "EQUITY_SIGN_OFF"
AUTOMATIC = "automatic"
APPROVERS_VARIABLE = "EQUITY_SIGN_OFF_APPROVERS"
AUTOMATIC_STATEMENT = "signed off automatically (local run)"
UNCONFIGURED_ROLE = "reviewer (role not configured)"
REASON_SUFFIX = ".reason.json"
LOCK_FILE = ".sign-off.lock"

# Why a candidate was rejected (the `reason` of its reason file and of the log).
REJECTED_AT_SIGN_OFF = "rejected at sign-off"
SUPERSEDED = "superseded"
STALE = "stale"
NO_DECISION = "no decision before the sign-off timeout"


class CandidateRejected(RuntimeError):
    """The candidate could not be published and has been moved to rejected/."""


def automatic_sign_off() -> bool:
    """True when this deployment signs off automatically (local runs only)."""
    mode = os.environ.get(MODE_VARIABLE, "").strip().lower()
    if mode not in ("", AUTOMATIC):
        raise ConfigurationError(f"{MODE_VARIABLE} is {mode!r}: set it to {AUTOMATIC!r} or leave it unset")
    return mode == AUTOMATIC


def approver_roles() -> dict[str, str]:
    """Approvers' user ids and their roles, from EQUITY_SIGN_OFF_APPROVERS (a JSON object)."""
    text = os.environ.get(APPROVERS_VARIABLE, "").strip()
    if not text:
        return {}
    try:
        roles = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"{APPROVERS_VARIABLE} is not JSON: {error}") from error
    if not isinstance(roles, dict) or not all(isinstance(v, str) and v.strip() for v in roles.values()):
        raise ConfigurationError(f'{APPROVERS_VARIABLE} must be a JSON object {{"user id": "role", ...}}')
    return {str(user): role.strip() for user, role in roles.items()}


@dataclass(frozen=True)
class Decision:
    """A person's answer at the gate, or automatic sign-off. `user_id` is never published."""

    approved: bool
    role: str
    decided_at: str  # ISO 8601, UTC
    comment: str | None
    run_id: str
    user_id: str | None = None
    automatic: bool = False

    @classmethod
    def signed_automatically(cls, run_id: str) -> Decision:
        return cls(True, AUTOMATIC_STATEMENT, _now(), None, run_id, automatic=True)

    @classmethod
    def from_gate(cls, response: dict, run_id: str) -> Decision:
        """From the approval task's result: chosen option, comment, who and when."""
        user = response.get("responded_by_user") or {}
        user_id = user.get("id")
        responded_at = response.get("responded_at")
        if isinstance(responded_at, datetime):
            responded_at = _iso(responded_at)
        comment = ((response.get("params_input") or {}).get("comment") or "").strip() or None
        return cls(
            approved=list(response.get("chosen_options") or []) == ["Approve"],
            role=approver_roles().get(str(user_id), UNCONFIGURED_ROLE),
            decided_at=responded_at or _now(),
            comment=comment,
            run_id=run_id,
            user_id=user_id,
        )

    @property
    def statement(self) -> str:
        if self.automatic:
            return AUTOMATIC_STATEMENT
        return f"{'signed off' if self.approved else 'rejected'} by the {self.role}"

    def published(self) -> dict:
        """The sign-off record of a release: a role, never a person."""
        return {
            "decision": "approved" if self.approved else "rejected",
            "signed_off_by_role": None if self.automatic else self.role,
            "automatic": self.automatic,
            "signed_off_at": self.decided_at,
            "comment": self.comment,
            "statement": self.statement,
            "sign_off_run_id": self.run_id,
        }


def _now() -> str:
    return _iso(datetime.now(UTC))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@contextmanager
def _locked(paths: Paths) -> Iterator[None]:
    """One sign-off action at a time in this output folder (publish, reject, supersede)."""
    paths.output.mkdir(parents=True, exist_ok=True)
    with (paths.output / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def waiting_candidates(paths: Paths) -> list[str]:
    """Ids of the complete candidates waiting for sign-off, oldest first."""
    if not paths.candidates.is_dir():
        return []
    found = []
    for folder in paths.candidates.iterdir():
        if folder.name.startswith(STAGING_PREFIX) or not (folder / CANDIDATE_FILE).is_file():
            continue
        found.append((read_candidate(folder)["created_at"], folder.name))
    return [candidate_id for _, candidate_id in sorted(found)]


def candidate_state(paths: Paths, candidate_id: str) -> str:
    """`waiting`, `released`, `rejected` or `missing`."""
    if (paths.candidates / candidate_id / CANDIDATE_FILE).is_file():
        return "waiting"
    if (paths.releases / candidate_id).is_dir():
        return "released"
    if (paths.rejected / candidate_id).is_dir():
        return "rejected"
    return "missing"


def why_not_current(paths: Paths, candidate_id: str) -> tuple[str, str] | None:
    """(reason, detail) when a waiting candidate can no longer be published; else None."""
    waiting = waiting_candidates(paths)
    newer = waiting[waiting.index(candidate_id) + 1 :] if candidate_id in waiting else []
    if newer:
        return SUPERSEDED, f"superseded by the newer candidate {newer[-1]}"
    base = read_candidate(paths.candidates / candidate_id).get("base_release_id")
    latest = latest_release_id(paths)
    if base != latest:
        return STALE, (
            f"stale: built against {base or 'no release'}, but LATEST now names {latest or 'no release'}; "
            "a new run builds a candidate against it"
        )
    return None


def finalise_candidate(paths: Paths, candidate_id: str, decision: Decision) -> Path:
    """Publish an approved candidate; return the release folder.

    Raises CandidateRejected (after moving it to rejected/) when it is superseded or stale.
    Called again for a candidate it has already published, it returns the release (and
    moves LATEST if an interruption left it behind).
    """
    if not decision.approved:
        raise ValueError("finalise_candidate needs an approval")
    with _locked(paths):
        release_dir = paths.releases / candidate_id
        state = candidate_state(paths, candidate_id)
        if state == "released":
            _finish_interrupted(paths, release_dir)
            return release_dir
        if state != "waiting":
            raise CandidateRejected(f"Candidate {candidate_id} is not waiting for sign-off ({state})")
        obstacle = why_not_current(paths, candidate_id)
        if obstacle is not None:
            reason, detail = obstacle
            _reject(paths, candidate_id, reason, detail, decision)
            raise CandidateRejected(f"Candidate {candidate_id} was not published: {detail}")

        candidate_dir = paths.candidates / candidate_id
        record = read_candidate(candidate_dir)
        tables = write_release_documents(paths, candidate_dir, record, decision.published())
        paths.releases.mkdir(parents=True, exist_ok=True)
        if release_dir.exists():  # rename() would replace an empty folder silently
            raise FileExistsError(f"Release {release_dir} already exists; releases are never overwritten")
        candidate_dir.rename(release_dir)
        point_latest_to(paths, candidate_id)
        _log_decision(paths, candidate_id, "approved", decision, decision.statement)
    logger.info("Release %s published: %s", candidate_id, decision.statement)
    _log_summary(release_dir, tables)
    return release_dir


def _finish_interrupted(paths: Paths, release_dir: Path) -> None:
    """A release renamed into place whose LATEST move was interrupted: finish the move."""
    manifest = json.loads((release_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    if latest_release_id(paths) == manifest.get("base_release_id"):
        logger.info("Release %s was published but LATEST was not moved: moving it", release_dir.name)
        point_latest_to(paths, release_dir.name)


def reject_candidate(paths: Paths, candidate_id: str, reason: str, detail: str, decision: Decision | None) -> Path | None:
    """Move a waiting candidate to rejected/ with its reason beside it; None if it is not waiting."""
    with _locked(paths):
        if candidate_state(paths, candidate_id) != "waiting":
            logger.info("Candidate %s is no longer waiting (%s): nothing to reject", candidate_id,
                        candidate_state(paths, candidate_id))
            return None
        return _reject(paths, candidate_id, reason, detail, decision)


def supersede_older_candidates(paths: Paths, newest_id: str) -> list[str]:
    """Reject every candidate still waiting that is older than `newest_id`, as superseded."""
    superseded = []
    with _locked(paths):
        waiting = waiting_candidates(paths)
        if newest_id not in waiting:
            return superseded
        for candidate_id in waiting[: waiting.index(newest_id)]:
            _reject(paths, candidate_id, SUPERSEDED, f"superseded by the newer candidate {newest_id}", None)
            superseded.append(candidate_id)
    return superseded


def _reject(paths: Paths, candidate_id: str, reason: str, detail: str, decision: Decision | None) -> Path:
    paths.rejected.mkdir(parents=True, exist_ok=True)
    target = paths.rejected / candidate_id
    (paths.candidates / candidate_id).rename(target)
    record = {
        "candidate_id": candidate_id,
        "reason": reason,
        "detail": detail,
        "decided_at": decision.decided_at if decision else _now(),
        "decided_by_role": decision.role if decision and not decision.automatic else None,
        "comment": decision.comment if decision else None,
        "sign_off_run_id": decision.run_id if decision else None,
    }
    write_json(paths.rejected / f"{candidate_id}{REASON_SUFFIX}", record)
    _log_decision(paths, candidate_id, reason, decision, detail)
    logger.warning("Candidate %s rejected: %s", candidate_id, detail)
    return target


def _log_decision(paths: Paths, candidate_id: str, outcome: str, decision: Decision | None, detail: str) -> None:
    """Append to the unpublished sign-off log; the only file of ours with the user id."""
    entry = {
        "at": _now(),
        "candidate_id": candidate_id,
        "outcome": outcome,
        "detail": detail,
        "user_id": decision.user_id if decision else None,
        "role": decision.role if decision else None,
        "decided_at": decision.decided_at if decision else None,
        "comment": decision.comment if decision else None,
        "run_id": decision.run_id if decision else None,
    }
    with paths.sign_off_log.open("a", encoding="utf-8", newline="\n") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


def rejection_reason(paths: Paths, candidate_id: str) -> dict | None:
    """The reason file of a rejected candidate, or None."""
    path = paths.rejected / f"{candidate_id}{REASON_SUFFIX}"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
