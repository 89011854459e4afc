"""Small phrases every message and renderer builds the same way."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, noun: str) -> str:
    """"1 replica move", "24 replica moves"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def listed(items: Sequence[object], limit: int = 5) -> str:
    """The first `limit` items, then how many more: one line however many."""
    shown = ", ".join(map(str, items[:limit]))
    more = len(items) - limit
    return f"{shown} and {more} more" if more > 0 else shown
