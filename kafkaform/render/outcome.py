"""The last line of an apply: truthful about what was and was not done.

"Matches" only when a fresh plan after the writes was empty and had no
errors (`ApplyReport.verified`); every other end says what is left and what
to do, counting each of the four outcomes (docs/apply.md).
"""

from __future__ import annotations

from kafkaform.run.apply import ApplyReport
from kafkaform.run.events import Status


def outcome_line(report: ApplyReport) -> str:
    counts = {status: len(report.with_status(status)) for status in Status}
    if report.ok:
        done = f"Apply complete: {counts[Status.DONE]} action(s) done"
        return f"{done}, and the cluster matches the environment." if report.verified \
            else f"{done}."
    parts = ", ".join(f"{counts[status]} {status.value}" for status in Status)
    tail = ""
    if report.stopped:
        tail += f" The apply stopped: no answer from the cluster ({report.stopped})."
    if counts[Status.UNKNOWN]:
        tail += (f" {counts[Status.UNKNOWN]} outcome(s) stay unknown: the cluster may have "
                 "done them.")
    if report.not_converged:
        tail += f" {len(report.not_converged)} change(s) did not converge (see the table)."
    if report.verify_problem:
        tail += f" Not verified: {report.verify_problem}."
    if report.lock_left:
        tail += f" {report.lock_left}"
    return f"Apply FAILED: {parts}.{tail} Fix the cause and run apply again: it plans only " \
        "what is left."
