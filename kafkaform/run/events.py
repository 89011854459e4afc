"""What the executor reports while it works: plain events, no presentation.

`apply_plan` and the reassignment engine call a `Reporter` in the order
things happen; `kafkaform.render.progress` shows them (a live bar on a
terminal, timestamped lines in CI), and tests record them
(`RecordingReporter`). Statuses and summary rows are plain data, so the
executor never imports a renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    """The outcome of one planned action."""

    DONE = "done"
    FAILED = "failed"
    # The request got no answer (timeout, lost connection): the broker may have done it.
    UNKNOWN = "outcome unknown"
    NOT_ATTEMPTED = "not attempted"


@dataclass(frozen=True)
class SummaryRow:
    status: Status
    action: str
    detail: str = ""


class Reporter(Protocol):
    """Events of an apply, in the order they happen."""

    def phase_started(self, title: str, total: int) -> None:
        """A phase with `total` actions begins (e.g. "create topics", 3)."""
        ...

    def action_finished(self, label: str, status: Status, detail: str = "") -> None:
        """One action of the current phase is settled."""
        ...

    def phase_finished(self) -> None: ...

    def progress(self, done: int, total: int, detail: str) -> None:
        """How far a long step of the current phase is (e.g. partitions moved).

        Called on every poll; `detail` follows the counts ("partitions done,
        2 moving, 4 waiting"). Reporters decide how often to show it.
        """
        ...

    def info(self, message: str) -> None: ...

    def warning(self, message: str) -> None: ...

    def summary(self, rows: Sequence[SummaryRow]) -> None:
        """The final table: every action with its outcome."""
        ...


@dataclass
class RecordingReporter:
    """Keeps every event as a tuple, for tests."""

    events: list[tuple] = field(default_factory=list)

    def phase_started(self, title: str, total: int) -> None:
        self.events.append(("phase", title, total))

    def action_finished(self, label: str, status: Status, detail: str = "") -> None:
        self.events.append(("action", label, status, detail))

    def phase_finished(self) -> None:
        self.events.append(("phase_finished",))

    def progress(self, done: int, total: int, detail: str) -> None:
        self.events.append(("progress", done, total, detail))

    def info(self, message: str) -> None:
        self.events.append(("info", message))

    def warning(self, message: str) -> None:
        self.events.append(("warning", message))

    def summary(self, rows: Sequence[SummaryRow]) -> None:
        self.events.append(("summary", tuple(rows)))

    def messages(self, kind: str) -> list[str]:
        return [e[1] for e in self.events if e[0] == kind]
