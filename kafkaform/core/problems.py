"""Problems found in desired-state files or in a plan, each one line long."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kafkaform.core.quoting import QUOTE_LIMIT, one_line


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: where it is (file, line, key path) and what is wrong.

    Rendered as `file:line: key.path: message`, with `warning: ` before the
    message for warnings, always on one line (`kafkaform.core.quoting`).
    `file` is None for problems that are not about a file (for example a plan
    refusal found only against the live cluster).
    """

    file: str | None
    line: int | None
    path: str
    message: str
    severity: Severity = Severity.ERROR

    def render(self) -> str:
        where = self.file or "<cluster>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        # A path holds names from the files (a topic's), cut like any quote.
        key = f"{one_line(self.path, 2 * QUOTE_LIMIT)}: " if self.path else ""
        return one_line(f"{where}: {key}{prefix}{self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
