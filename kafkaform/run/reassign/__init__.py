"""Partition reassignment: the official tool's JSON, throttles, execute, verify, cancel.

`kafkaform.run.apply` calls `execute_reassignments` for a plan's REASSIGN phase;
`kafkaform reassign ...` (cli/commands/reassign.py) exposes the same steps
one by one. See docs/reassignment.md.
"""

from kafkaform.run.reassign.execute import (
    CancelResult,
    ReassignmentReport,
    ReassignProgress,
    VerifyResult,
    cancel_reassignment,
    clear_leftover_throttles,
    execute_reassignments,
    verify_reassignment,
)
from kafkaform.run.reassign.options import ReassignmentOptions

__all__ = [
    "CancelResult",
    "ReassignProgress",
    "ReassignmentOptions",
    "ReassignmentReport",
    "VerifyResult",
    "cancel_reassignment",
    "clear_leftover_throttles",
    "execute_reassignments",
    "verify_reassignment",
]
