"""The last line of an apply: truthful about what was and was not done.

"Matches" only when a fresh plan after the writes was empty and had no
errors (`ApplyReport.verified`); every other end says what is left and what
to do, counting each of the four outcomes (docs/apply.md).
"""

from __future__ import annotations

from kafkaform.core.wording import plural
from kafkaform.run.apply import ApplyReport
from kafkaform.run.events import Status


def outcome_line(report: ApplyReport) -> str:
    counts = {status: len(report.with_status(status)) for status in Status}
    done = f"Apply complete: {plural(counts[Status.DONE], 'action')} done"
    if report.ok and report.targets:
        return (f"{done}, and {', '.join(report.targets)} match the environment. Targeted "
                "apply: the rest of the environment was not planned nor applied (run apply "
                "without --target).")
    if report.ok:
        return f"{done}, and the cluster matches the environment." if report.verified \
            else f"{done}."
    parts = ", ".join(f"{counts[status]} {status.value}" for status in Status)
    tail = ""
    if report.stopped:
        tail += f" The apply stopped: no answer from the cluster ({report.stopped})."
    if counts[Status.UNKNOWN]:
        unknown = counts[Status.UNKNOWN]
        tail += (f" Outcome unknown for {plural(unknown, 'action')}: the cluster may have done "
                 f"{'it' if unknown == 1 else 'them'}.")
    if report.not_converged:
        tail += f" {plural(len(report.not_converged), 'change')} did not converge (see the table)."
    if report.verify_problem:
        tail += f" Not verified: {report.verify_problem}."
    if report.targets:
        tail += f" Targeted at {', '.join(report.targets)}: the rest was not applied."
    if report.lock_left:
        tail += f" {report.lock_left}"
    return f"Apply FAILED: {parts}.{tail} Fix the cause and run apply again: it plans only " \
        "what is left."
