"""Reading a user's text file within a size limit, as UTF-8, with the line of what is wrong.

Environment files, client properties and plan files all come from users (or
from whoever can touch a CI artifact), so none is read whole before its size
is known, and a byte that is not UTF-8 is one `file:line:` problem, not a
UnicodeDecodeError.
"""

from __future__ import annotations

from pathlib import Path

from kafkaform.core.wording import human_bytes


class UnreadableText(Exception):
    """The file cannot be read as text: its `line` and why, for a `file:line:` message."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def read_text(path: Path, limit: int) -> str:
    """The file's text; `UnreadableText` when it is missing, over `limit` bytes or not UTF-8."""
    try:
        with path.open("rb") as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise UnreadableText(1, f"cannot read file: {error.strerror or error}") from None
    if len(data) > limit:
        raise UnreadableText(1, f"the file is larger than {human_bytes(limit)}, the most "
                                "kafkaform reads from one file (split it)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise UnreadableText(
            line, f"not UTF-8 text: byte 0x{data[error.start]:02x} at column {column}"
        ) from None
