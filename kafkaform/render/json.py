"""`--format json`: a plan exactly as the saved plan file (schemas/plan.schema.json),
and how an apply ended."""

from __future__ import annotations

import json
from typing import Any

from kafkaform.core.actions import Plan
from kafkaform.errors import KafkaformError
from kafkaform.files.planfile import plan_to_json
from kafkaform.run.apply import ApplyReport
from kafkaform.run.events import Status


def render_json(plan: Plan) -> str:
    return plan_to_json(plan)


def render_apply_result(
    environment: str,
    *,
    report: ApplyReport | None = None,
    last_line: str,
    refusal: KafkaformError | None = None,
) -> str:
    """`kafkaform apply --format json`: how the apply ended, as one JSON document.

    `outcome` is `applied` (all done and verified), `nothing_to_do`, `failed`
    (something not done, unknown, not verified or the lock left) or `refused`
    (nothing was applied). A refused saved plan carries every difference, where
    the message names ten.
    """
    if refusal is not None:
        outcome = "refused"
    elif report is None:
        outcome = "nothing_to_do"
    else:
        outcome = "applied" if report.ok else "failed"
    result: dict[str, Any] = {"environment": environment, "outcome": outcome,
                              "message": last_line}
    if refusal is not None:
        result["differences"] = list(getattr(refusal, "differences", ()))
    if report is not None:
        result["results"] = [{"status": row.status.value, "action": row.action,
                              "detail": row.detail} for row in report.summary_rows()]
        result["counts"] = {status.value: len(report.with_status(status)) for status in Status}
        result["verified"] = report.verified
        result["stopped"] = report.stopped
        result["verify_problem"] = report.verify_problem
        result["lock_left"] = report.lock_left
        if report.targets:  # only these were applied and verified
            result["targets"] = list(report.targets)
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
