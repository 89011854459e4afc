"""How one run moves replicas: what `kafkaform apply` and `reassign execute` share.

The environment's `reassignment:` settings say how its moves normally run;
a command line may override them for one run, relax the gates (`force`,
`additional`) and bound the wait. The clock (`sleep`) is part of the options
so that tests, and anything else driving time, reach the engine the same way
through `apply_plan` as through `execute_reassignments`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kafkaform.core.model import ReassignmentSettings
from kafkaform.run.process import idle


@dataclass(frozen=True)
class ReassignmentOptions:
    """Per-run overrides (None: the environment's setting) and the clock."""

    throttle_bytes_per_sec: int | None = None  # 0: unthrottled
    batch_size: int | None = None
    max_moves_per_broker: int | None = None
    force: bool = False  # move even while partitions are under-replicated or offline
    additional: bool = False  # run alongside reassignments already in progress
    timeout_seconds: float | None = None  # stop waiting (the moves go on); None: no bound
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = idle

    def settings(self, base: ReassignmentSettings) -> ReassignmentSettings:
        """`base` (the environment's settings) with this run's overrides."""
        return ReassignmentSettings(
            base.throttle_bytes_per_sec
            if self.throttle_bytes_per_sec is None
            else self.throttle_bytes_per_sec,
            self.batch_size or base.batch_size,
            self.max_moves_per_broker or base.max_moves_per_broker,
        )
