"""Comparing what `kafkaform import` wrote with the files it came from."""

from __future__ import annotations

from pathlib import Path

SCHEMA_COMMENT = "# yaml-language-server: $schema="


def body(path: Path) -> str:
    return body_of(path.read_text())


def body_of(text: str) -> str:
    """The document without its first line: the editor's `$schema` comment,
    whose path is relative to the folder the file is in."""
    first, rest = text.split("\n", 1)
    assert first.startswith(SCHEMA_COMMENT), first
    return rest
