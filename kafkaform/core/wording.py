"""Small phrases every message and renderer builds the same way.

The one place for counted nouns, short lists, byte sizes, durations and
config changes: the plan renderers, the executor's progress and results, and
the reassignment reports all word them through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from difflib import get_close_matches

from kafkaform.core.actions import ConfigChange
from kafkaform.core.units import humanize_config_value


def plural(count: int, noun: str, many: str | None = None) -> str:
    """"1 replica move", "24 replica moves"; `many` where adding an s is wrong
    ("batches", "replica copies")."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def named(noun: str, items: Sequence[object]) -> str:
    """"broker 4", "brokers 4, 5": the noun in the number the items take, then the items."""
    return f"{noun}{'' if len(items) == 1 else 's'} {', '.join(map(str, items))}"


def listed(items: Sequence[object], limit: int = 5) -> str:
    """The first `limit` items, then how many more: one line however many."""
    shown = ", ".join(map(str, items[:limit]))
    more = len(items) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """"did you mean 'staging'?" for the closest candidate, or ""."""
    close = get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def human_bytes(n: float) -> str:
    """"512 B", "1.5 MiB", "2.0 GiB"."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:g} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    """"45s", "2m 3s", "1h 5m", "2d 3h": whole seconds (rounded up), two units at most."""
    total = max(0, -int(-seconds // 1))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size or (unit == "s" and not parts):
            parts.append(f"{total // size}{unit}")
            total %= size
    return " ".join(parts[:2])


def config_change_line(change: ConfigChange, human: bool = False) -> str:
    """`~ key: before → after`; with `human`, each value as `config_value` shows it."""
    def shown(value: str | None) -> str:
        return config_value(change.key, value) if human and value is not None else str(value)

    if change.after is None:
        default = f"default {shown(change.default)}" if change.default is not None else "default"
        return f"~ {change.key}: {shown(change.before)} → ({default})"
    if change.before is None:
        return f"+ {change.key}: {shown(change.after)}"
    return f"~ {change.key}: {shown(change.before)} → {shown(change.after)}"


def config_value(key: str, value: str) -> str:
    """Kafka's exact value, then the unit form a reviewer wrote in YAML when it
    says the same exactly: `604800000 (7d)`, `1073741824 (1GiB)`.

    The exact value stays first because it is what the broker stores (and what
    `grep 'retention.ms: 604800000'` finds). No suffix when humanising gives
    nothing new: booleans, enums, lists, `-1`, numbers not exact in a unit.
    """
    human = humanize_config_value(key, value)
    return f"{value} ({human})" if isinstance(human, str) and human != value else value


def format_age(delta: timedelta) -> str:
    """How long ago, as the apply lock says it: "45s", "12 min", "3h", "2h05m"."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
