"""
### NHS equity release: sign-off

Runs when the build DAG `nhs_equity_monitoring` has written a release candidate (Asset
`nhs-equity/release-candidate`). A named reviewer reads the candidate's data-quality report
and national report and approves or rejects it. Only an approval publishes.

**Story:** open candidate (its headline facts; a candidate already superseded by a newer one,
or built against a release that is no longer `LATEST`, is rejected here) → **sign_off** (the
human gate: Approve or Reject, with a comment) → publish release (sign-off record, manifest,
revisions log, final reports, `SHA256SUMS`, rename into `releases/<id>/`, move `LATEST`) or
reject candidate (move it to `rejected/<id>/` with the reason beside it).

**Ending:** approve and reject end the run as success. No answer before the timeout ends it
as failed (so the platform's alerting fires) and counts as a reject.

**Configuration (environment, never run params):** `EQUITY_SIGN_OFF_APPROVERS` (JSON object,
Airflow user id → role; the role, never the id, is published), `EQUITY_SIGN_OFF_TIMEOUT`
(default `14d`; also `36h`, `90m`, `600s`), `EQUITY_SIGN_OFF_NOTIFIER` (`module:attribute`,
an Airflow notifier called when the gate opens; default a log line), `EQUITY_SIGN_OFF=automatic`
(local runs only: the gate is skipped and the release says "signed off automatically (local
run)"), and the build DAG's `EQUITY_OUTPUT_DIR`.

A reviewer answers in the Airflow UI (Browse → Required Actions, or the `sign_off` task of
the run) or through the REST API:
`PATCH /api/v2/dags/nhs_equity_sign_off/dagRuns/<run_id>/taskInstances/sign_off/-1/hitlDetails`
with `{"chosen_options": ["Approve"], "params_input": {"comment": "..."}}`.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Asset, BaseNotifier, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

RELEASE_CANDIDATE = Asset("nhs-equity/release-candidate")
EQUITY_RELEASE = Asset("nhs-equity/equity-release")
GATE_TASK = "sign_off"
ANSWER_KEYS = ("chosen_options", "params_input", "responded_at", "responded_by_user")
DEFAULT_TIMEOUT = "14d"
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}

log = logging.getLogger(__name__)


def _timeout() -> timedelta:
    """EQUITY_SIGN_OFF_TIMEOUT: `<n><d|h|m|s>` (default 14 days)."""
    text = os.environ.get("EQUITY_SIGN_OFF_TIMEOUT", "").strip() or DEFAULT_TIMEOUT
    match = re.fullmatch(r"(\d+)\s*([dhms])", text.lower())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"EQUITY_SIGN_OFF_TIMEOUT must be like 14d, 36h, 90m or 600s, not {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _assigned_users() -> list[dict] | None:
    """The approvers (EQUITY_SIGN_OFF_APPROVERS: {"user id": "role"}); None lets any user
    with access to this DAG answer (exports/sign_off.py then publishes a generic role)."""
    text = os.environ.get("EQUITY_SIGN_OFF_APPROVERS", "").strip()
    return [{"id": str(user), "name": str(user)} for user in json.loads(text)] if text else None


class GateAnnouncement(BaseNotifier):
    """Announces the open gate: a log line, then the notifier EQUITY_SIGN_OFF_NOTIFIER names."""

    def notify(self, context) -> None:
        task = context["task"]
        run_id = context["run_id"]
        log.warning(
            "Sign-off needed: %s. Answer in the Airflow UI (Required Actions) or by "
            "PATCH /api/v2/dags/%s/dagRuns/%s/taskInstances/%s/-1/hitlDetails",
            task.subject, context["dag"].dag_id, run_id, task.task_id,
        )
        target = os.environ.get("EQUITY_SIGN_OFF_NOTIFIER", "").strip()
        if target:
            module, _, attribute = target.partition(":")
            notifier = getattr(importlib.import_module(module), attribute)
            notifier(context)


class SignOffGate(ApprovalOperator):
    """The standard ApprovalOperator, keeping the reviewer's answer in XCom (key `answer`)
    on Reject too: on Reject it skips its downstream task before it returns, so by itself
    only an approval reaches XCom, and the rejection's comment and role would be lost."""

    def execute_complete(self, context, event):
        if "error" not in event:
            answer = {key: event.get(key) for key in ANSWER_KEYS}
            context["ti"].xcom_push(key="answer", value=answer)
        return super().execute_complete(context, event)


@dag(
    dag_id="nhs_equity_sign_off",
    description="A named reviewer approves or rejects each equity release candidate",
    doc_md=__doc__,
    schedule=[RELEASE_CANDIDATE],
    start_date=datetime(2025, 9, 1, tzinfo=ZoneInfo("Europe/London")),
    catchup=False,
    # One run per candidate: a newer candidate's gate must not queue behind an older gate
    # that may wait for days (building the newer one rejects the older as superseded).
    max_active_runs=16,
    tags=["equity", "publication", "sign-off"],
)
def nhs_equity_sign_off():
    @task.branch
    def open_candidate() -> list[str]:
        from exports.candidate_facts import gate_body, gate_facts, gate_subject
        from exports.sign_off import automatic_sign_off, candidate_state, reject_candidate, why_not_current
        from ingest import config

        context = get_current_context()
        paths = config.paths()
        candidate_id = _candidate_of(context, paths)
        ti = context["ti"]
        ti.xcom_push(key="candidate_id", value=candidate_id)
        if candidate_id is None or candidate_state(paths, candidate_id) != "waiting":
            log.warning("No candidate is waiting for sign-off (%s): nothing to do", candidate_id)
            return []
        obstacle = why_not_current(paths, candidate_id)
        if obstacle is not None:
            reject_candidate(paths, candidate_id, *obstacle, None)
            return []
        facts = gate_facts(paths.candidates / candidate_id)
        log.info("Candidate %s: %s", candidate_id, facts)
        ti.xcom_push(key="gate_subject", value=gate_subject(facts))
        ti.xcom_push(key="gate_body", value=gate_body(facts))
        if automatic_sign_off():
            log.warning("EQUITY_SIGN_OFF=automatic: the gate is skipped (local run)")
            return ["publish_release"]
        return [GATE_TASK, "publish_release"]

    sign_off = SignOffGate(
        task_id=GATE_TASK,
        subject="{{ ti.xcom_pull(task_ids='open_candidate', key='gate_subject') }}",
        body="{{ ti.xcom_pull(task_ids='open_candidate', key='gate_body') }}",
        params={
            "comment": Param(
                "",
                type="string",
                title="Comment",
                description="Why you approve or reject. Published with your role; write no names.",
            )
        },
        assigned_users=_assigned_users(),
        # No defaults: an unanswered gate fails at the timeout instead of choosing for anyone.
        response_timeout=_timeout(),
        notifiers=[GateAnnouncement()],
    )

    @task(trigger_rule="none_failed_min_one_success", outlets=[EQUITY_RELEASE])
    def publish_release() -> str:
        from exports.sign_off import CandidateRejected, Decision, automatic_sign_off, finalise_candidate
        from ingest import config

        context = get_current_context()
        ti = context["ti"]
        candidate_id = ti.xcom_pull(task_ids="open_candidate", key="candidate_id")
        response = ti.xcom_pull(task_ids=GATE_TASK, key="answer")
        if response:
            decision = Decision.from_gate(response, context["run_id"])
        elif automatic_sign_off():
            decision = Decision.signed_automatically(context["run_id"])
        else:
            raise AirflowFailException("No approval recorded for this candidate: nothing is published")
        try:
            return str(finalise_candidate(config.paths(), candidate_id, decision))
        except CandidateRejected as rejected:
            raise AirflowSkipException(str(rejected)) from rejected

    # Runs whatever publish_release did; it has nothing to do once the candidate is published.
    @task(trigger_rule="all_done")
    def reject_candidate() -> None:
        from exports.sign_off import NO_DECISION, REJECTED_AT_SIGN_OFF, Decision, automatic_sign_off, candidate_state
        from exports.sign_off import reject_candidate as reject
        from ingest import config

        context = get_current_context()
        ti = context["ti"]
        paths = config.paths()
        candidate_id = ti.xcom_pull(task_ids="open_candidate", key="candidate_id")
        if candidate_id is None or candidate_state(paths, candidate_id) != "waiting":
            raise AirflowSkipException(f"Candidate {candidate_id} is not waiting (published or rejected already)")
        response = ti.xcom_pull(task_ids=GATE_TASK, key="answer")
        decision = Decision.from_gate(response, context["run_id"]) if response else None
        if (decision and decision.approved) or (decision is None and automatic_sign_off()):
            raise AirflowFailException(
                f"Candidate {candidate_id} was approved but publishing failed: it stays in candidates/ "
                "until publish_release is cleared and succeeds"
            )
        if decision is not None:
            detail = f"{decision.statement}: {decision.comment or 'no comment'}"
            reject(paths, candidate_id, REJECTED_AT_SIGN_OFF, detail, decision)
            return
        # The gate ended without an answer: it timed out (or failed). That counts as a reject,
        # and fails the run so that the platform's alerting fires.
        reject(paths, candidate_id, NO_DECISION, f"no decision within {_timeout()}", None)
        raise AirflowFailException(f"Candidate {candidate_id}: {NO_DECISION}; it has been rejected")

    opened = open_candidate()
    published = publish_release()
    opened >> [sign_off, published]
    sign_off >> published >> reject_candidate()


def _candidate_of(context, paths) -> str | None:
    """The newest candidate among the asset events that triggered this run; for a run
    triggered by hand (or `dag.test()`), the newest candidate waiting."""
    from exports.sign_off import waiting_candidates

    ids = [
        (event.extra or {}).get("candidate_id")
        for events in (context.get("triggering_asset_events") or {}).values()
        for event in events
    ]
    ids = sorted(candidate for candidate in ids if candidate)
    if ids:
        return ids[-1]
    waiting = waiting_candidates(paths)
    return waiting[-1] if waiting else None


nhs_equity_sign_off()
