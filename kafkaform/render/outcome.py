"""The last line of an apply: truthful about what was and was not done."""

from __future__ import annotations

from kafkaform.core.wording import plural
from kafkaform.run.apply import ApplyReport
from kafkaform.run.events import Status


def outcome_line(report: ApplyReport) -> str:
    done, failed, skipped = (len(report.with_status(s)) for s in Status)
    if report.ok and report.targets:
        return (f"Apply complete: {plural(done, 'action')} done, and "
                f"{', '.join(report.targets)} match the environment. Targeted apply: the rest "
                "of the environment was not planned nor applied (run apply without --target).")
    if report.ok:
        return (f"Apply complete: {plural(done, 'action')} done, and the cluster matches the "
                "environment.")
    parts = [f"{done} done", f"{failed} failed", f"{skipped} not attempted"]
    tail = ""
    if report.stopped:
        tail += f" The apply stopped: {report.stopped}."
    if report.not_converged:
        tail += f" {plural(len(report.not_converged), 'change')} did not converge (see the table)."
    if report.targets:
        tail += f" Targeted at {', '.join(report.targets)}: the rest was not applied."
    return (
        f"Apply FAILED: {', '.join(parts)}.{tail} Fix the cause and run apply again: "
        "it plans only what is left."
    )
