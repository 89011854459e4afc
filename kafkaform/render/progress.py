"""How an apply tells the person (or the CI log) what it is doing.

The executor never prints: it reports plain events (`kafkaform.run.events`)
to a `Reporter`. On a terminal `RichReporter` shows a live progress bar per
phase, and a second bar for a long step within it (partitions moved);
anywhere else `PlainReporter` writes one timestamped line per event, and
progress lines only when the count changes or now and then, which reads well
in CI logs and survives being piped. `make_reporter` picks between the two.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kafkaform.core.wording import plural
from kafkaform.run.events import Reporter, Status, SummaryRow

_STATUS_STYLE = {Status.DONE: "green", Status.FAILED: "bold red", Status.NOT_ATTEMPTED: "yellow"}


class PlainReporter:
    """One line per event with a UTC timestamp: for CI logs and pipes.

    Progress is a line whenever the count changes, and otherwise at most once
    per `progress_every`, so an hour of copying is a readable log.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress_every: timedelta = timedelta(seconds=30),
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._progress_every = progress_every
        self._last_progress: tuple[int, int, datetime] | None = None
        self._reported: set[str] = set()  # actions already logged with their outcome

    def _line(self, text: str) -> None:
        stamp = self._clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} {text}", file=self._stream or sys.stdout, flush=True)

    def phase_started(self, title: str, total: int) -> None:
        self._line(f"{title}: {plural(total, 'action')}")

    def action_finished(self, label: str, status: Status, detail: str = "") -> None:
        self._reported.add(label)
        self._line(f"  {status.value}: {label}{f' ({detail})' if detail else ''}")

    def phase_finished(self) -> None:
        self._last_progress = None

    def progress(self, done: int, total: int, detail: str) -> None:
        now = self._clock()
        last = self._last_progress
        if last is not None and last[:2] == (done, total) and now - last[2] < self._progress_every:
            return
        self._last_progress = (done, total, now)
        self._line(f"  {done}/{total} {detail}")

    def info(self, message: str) -> None:
        self._line(message)

    def warning(self, message: str) -> None:
        self._line(f"warning: {message}")

    def summary(self, rows: Sequence[SummaryRow]) -> None:
        """The counts, after what the log does not show yet (verification's
        findings): each action's outcome is already a line above, once."""
        out = self._stream or sys.stdout
        unreported = [row for row in rows if row.action not in self._reported]
        width = max((len(r.status.value) for r in unreported), default=0)
        print("", file=out)
        for row in unreported:
            detail = f"  ({row.detail})" if row.detail else ""
            print(f"{row.status.value:<{width}}  {row.action}{detail}", file=out)
        print(_counts_line(rows), file=out, flush=True)


class RichReporter:
    """A live progress bar per phase on a terminal, then a coloured table."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console()
        self._progress: Progress | None = None
        self._task = None
        self._step_task = None  # the bar of `progress`, under the phase's

    def phase_started(self, title: str, total: int) -> None:
        self.phase_finished()
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(title, total=total)

    def progress(self, done: int, total: int, detail: str) -> None:
        if self._progress is None:
            return  # only within a phase: its bar is stopped with it
        if self._step_task is None:
            self._step_task = self._progress.add_task(detail, total=total)
        self._progress.update(self._step_task, completed=done, total=total, description=detail)

    def action_finished(self, label: str, status: Status, detail: str = "") -> None:
        suffix = f" [dim]({detail})[/dim]" if detail else ""
        style = _STATUS_STYLE[status]
        self._console.print(f"  [{style}]{status.value}[/{style}] {label}{suffix}", highlight=False)
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task)

    def phase_finished(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None
            self._step_task = None

    def info(self, message: str) -> None:
        self._console.print(message, highlight=False)

    def warning(self, message: str) -> None:
        self._console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)

    def summary(self, rows: Sequence[SummaryRow]) -> None:
        self.phase_finished()
        table = Table(title="Apply result", show_lines=False)
        table.add_column("status")
        table.add_column("action")
        table.add_column("detail")
        for row in rows:
            style = _STATUS_STYLE[row.status]
            table.add_row(f"[{style}]{row.status.value}[/{style}]", row.action, row.detail)
        self._console.print(table)
        self._console.print(_counts_line(rows), highlight=False)


def make_reporter(stream: TextIO | None = None) -> Reporter:
    """Rich progress on a terminal, plain timestamped lines otherwise."""
    out = stream or sys.stdout
    if out.isatty():
        return RichReporter(Console(file=out))
    return PlainReporter(out)


def _counts_line(rows: Sequence[SummaryRow]) -> str:
    counts = {s: sum(1 for r in rows if r.status is s) for s in Status}
    return ", ".join(f"{counts[s]} {s.value}" for s in Status)
