"""The last line of an apply: truthful about what was and was not done."""

from __future__ import annotations

from kafkaform.run.apply import ApplyReport
from kafkaform.run.events import Status


def outcome_line(report: ApplyReport) -> str:
    done, failed, skipped = (len(report.with_status(s)) for s in Status)
    if report.ok:
        return f"Apply complete: {done} action(s) done, and the cluster matches the environment."
    parts = [f"{done} done", f"{failed} failed", f"{skipped} not attempted"]
    tail = ""
    if report.stopped:
        tail += f" The apply stopped: {report.stopped}."
    if report.not_converged:
        tail += f" {len(report.not_converged)} change(s) did not converge (see the table)."
    return (
        f"Apply FAILED: {', '.join(parts)}.{tail} Fix the cause and run apply again: "
        "it plans only what is left."
    )
