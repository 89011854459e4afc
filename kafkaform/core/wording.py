"""Small phrases every message and renderer builds the same way.

The one place for counted nouns, short lists, byte sizes, durations and
config changes: the plan renderers, the executor's progress and results, and
the reassignment reports all word them through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from difflib import get_close_matches
from typing import TYPE_CHECKING

from kafkaform.core.kafka_configs import BYTE_RATE_QUOTAS
from kafkaform.core.units import humanize_config_value, humanize_size_bytes

if TYPE_CHECKING:  # describe_action imports them when it runs: `validate` needs no action
    from kafkaform.core.actions import (
        Action,
        ConfigChange,
        DeleteUserCredentials,
        QuotaChange,
        SetUserCredentials,
    )


def plural(count: int, noun: str, many: str | None = None) -> str:
    """"1 replica move", "24 replica moves"; `many` where adding an s is wrong
    ("batches", "replica copies")."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def named(noun: str, items: Sequence[object]) -> str:
    """"broker 4", "brokers 4, 5": the noun in the number the items take, then the items."""
    return f"{noun}{'' if len(items) == 1 else 's'} {', '.join(map(str, items))}"


def listed(items: Sequence[object], limit: int = 5, separator: str = ", ") -> str:
    """The first `limit` items, then how many more: one line however many."""
    shown = separator.join(map(str, items[:limit]))
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


def quota_value(key: str, value: float) -> str:
    """A quota as Kafka stores it, then in the files' units: `10485760 (10MiB/s)`,
    `25` (request_percentage), `2.5` (controller_mutation_rate)."""
    number = str(int(value)) if float(value).is_integer() else repr(value)
    if key in BYTE_RATE_QUOTAS and float(value).is_integer():
        human = humanize_size_bytes(int(value))
        if isinstance(human, str):
            return f"{number} ({human}/s)"
    return number


def quota_change_line(change: QuotaChange) -> str:
    """`+ key: value`, `~ key: before → after`, `- key: before (removed)`."""
    symbol = "+" if change.before is None else "-" if change.after is None else "~"
    return f"{symbol} {quota_change(change)}"


def quota_change(change: QuotaChange) -> str:
    """`key: value`, `key: before → after`, `key: before (removed)`."""
    if change.before is None:
        return f"{change.key}: {quota_value(change.key, change.after or 0)}"
    if change.after is None:
        return f"{change.key}: {quota_value(change.key, change.before)} (removed)"
    return (f"{change.key}: {quota_value(change.key, change.before)} → "
            f"{quota_value(change.key, change.after)}")


def describe_action(action: Action) -> str:
    """One short line naming what the action changes (tables, logs, refusals)."""
    from kafkaform.core import actions

    match action:
        case actions.SetBrokerConfigs():
            return f"cluster-wide broker configs: {_changes(action.changes)}"
        case actions.CreateTopic():
            return (
                f"create topic {action.topic} ({plural(action.partitions, 'partition')}, "
                f"RF {action.replication_factor})"
            )
        case actions.AlterTopicConfigs():
            return f"topic {action.topic} configs: {_changes(action.changes)}"
        case actions.AddPartitions():
            return f"topic {action.topic} partitions {action.before} → {action.after}"
        case actions.Reassign():
            return (
                f"reassign {plural(len(action.moves), 'partition')} of {action.topic} "
                f"({plural(action.replica_moves, 'replica move')})"
            )
        case actions.CreateAcl():
            return f"create ACL {action.binding.describe()}"
        case actions.DeleteAcl():
            return f"delete ACL {action.binding.describe()}"
        case actions.DeleteTopic():
            return f"delete topic {action.topic} ({plural(action.partitions, 'partition')})"
        case actions.SetClientQuota():
            changes = "; ".join(quota_change(c) for c in action.changes)
            return f"client quota for {action.entity.describe()}: {changes}"
        case actions.SetUserCredentials():
            verb = "create" if action.new_user else "update"
            return (f"{verb} SCRAM user {action.user} ({_mechanisms(action)}, "
                    f"password from {action.password})")
        case actions.DeleteUserCredentials():
            if action.whole_user:
                return f"delete SCRAM user {action.user}"
            return f"delete {_mechanisms(action)} of SCRAM user {action.user}"
    raise TypeError(f"unknown action {action!r}")


def _changes(changes: Sequence[ConfigChange]) -> str:
    return "; ".join(config_change_line(c).lstrip("~+ ") for c in changes)


def _mechanisms(action: SetUserCredentials | DeleteUserCredentials) -> str:
    return ", ".join(str(c.mechanism) for c in action.changes)
