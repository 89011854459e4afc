"""Commands and YAML examples found in the Markdown docs, for the doc tests."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(\s*)```\s*([\w-]*)(.*)$")
INLINE = re.compile(r"`(kafkaform [^`]+)`")
# Words that end a command on a shell line.
SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "<", "2>", "&", "2>&1"}


@dataclass(frozen=True)
class Block:
    file: Path
    line: int  # of the opening fence
    language: str
    info: str  # the words after the language
    text: str


@dataclass(frozen=True)
class Command:
    file: Path
    line: int
    words: tuple[str, ...]  # after `kafkaform`

    def __str__(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}: kafkaform {' '.join(self.words)}"


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(file: Path) -> Iterator[Block]:
    lines = file.read_text(encoding="utf-8").splitlines()
    opened: tuple[int, str, str] | None = None
    body: list[str] = []
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line)
        if fence and opened is None:
            opened, body = (number, fence.group(2).lower(), fence.group(3).strip()), []
        elif line.strip() == "```" and opened is not None:
            yield Block(file, opened[0], opened[1], opened[2], "\n".join(body))
            opened = None
        elif opened is not None:
            body.append(line)


def commands(file: Path) -> Iterator[Command]:
    """`kafkaform ...` in shell blocks (each command of a line) and in inline code."""
    fenced: set[int] = set()
    for block in blocks(file):
        fenced.update(range(block.line, block.line + block.text.count("\n") + 2))
        if block.language not in SHELL_LANGUAGES:
            continue
        for offset, line in enumerate(block.text.splitlines(), 1):
            for words in _commands_in(line):
                yield Command(file, block.line + offset, words)
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if number in fenced:
            continue
        for span in INLINE.findall(line):
            for words in _commands_in(_unbracket(span)):
                yield Command(file, number, words)


def _unbracket(span: str) -> str:
    """`kafkaform fmt ENV [--check]` -> `kafkaform fmt ENV --check` (synopsis style)."""
    words = [w.strip("[]") for w in span.replace("…", "...").split()]
    return " ".join(w.split("|")[0] for w in words if w and w != "...")


def _commands_in(line: str) -> Iterator[tuple[str, ...]]:
    line = line.strip().removeprefix("$ ")
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return
    segment: list[str] = []
    for word in [*words, ";"]:
        if word in SHELL_OPERATORS:
            if segment and Path(segment[0]).name == "kafkaform":
                yield tuple(segment[1:])
            segment = []
        else:
            segment.append(word)
