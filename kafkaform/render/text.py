"""The terminal rendering of a plan, in Terraform's style.

`+` create, `~` change, `-` destroy, `±` move replicas; actions grouped by
resource; warnings, refusals and what is kept (`=`) after the actions; the
summary line last.
Colour only on a terminal (rich); otherwise plain text, byte for byte what
`render_text` returns.
"""

from __future__ import annotations

import os
from typing import TextIO

from kafkaform.core.actions import (
    Action,
    AddPartitions,
    AlterTopicConfigs,
    CreateAcl,
    CreateTopic,
    CredentialChange,
    DeleteAcl,
    DeleteTopic,
    DeleteUserCredentials,
    Plan,
    Reassign,
    SetBrokerConfigs,
    SetClientQuota,
    SetUserCredentials,
)
from kafkaform.core.summary import (
    PlanSummary,
    ReplicaMoves,
    ResourceGroup,
    counts_line,
    group_by_resource,
    replica_counts,
)
from kafkaform.core.wording import (
    config_change_line,
    config_value,
    human_bytes,
    plural,
    quota_change_line,
)

INDENT = "    "
MAX_KEPT_SHOWN = 20
# Line styles: the symbol a line starts with decides its colour.
_STYLES = {
    "+": "green",
    "-": "red",
    "~": "yellow",
    "±": "cyan",
    "#": "dim",
    "!": "yellow",
    "=": "dim",
    "✗": "bold red",
}


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (https://no-color.org;
    `kafkaform --no-color` sets it)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def render_text(plan: Plan) -> str:
    return "\n".join(plan_lines(plan)) + "\n"


def print_plan(plan: Plan, out: TextIO, color: bool) -> None:
    """Write the plan; with `color`, style each line by its leading symbol."""
    if not color:
        out.write(render_text(plan))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, highlight=False, soft_wrap=True, force_terminal=True)
    for line in plan_lines(plan):
        symbol = line.lstrip()[:1]
        style = ("bold" if line.startswith(("Plan:", "No changes", TARGETED))
                 else _STYLES.get(symbol, ""))
        console.print(Text(line, style=style))


TARGETED = "Targeted plan"


def targeted_line(plan: Plan) -> str:
    """What a targeted plan covers, said before anything else in every format."""
    return (f"{TARGETED} (--target): only {', '.join(plan.targets)}; the rest of the "
            "environment is not planned and would not be applied.")


def plan_lines(plan: Plan) -> list[str]:
    cluster = plan.cluster_id or "unknown"
    lines = [f"kafkaform plan for environment {plan.environment} on cluster {cluster}", ""]
    if plan.targets:
        lines += [targeted_line(plan), ""]
    for group in group_by_resource(plan.actions):
        lines += group_lines(group)
        lines.append("")
    if plan.warnings:
        lines.append("Warnings:")
        lines += [f"  ! {p.render()}" for p in plan.warnings]
        lines.append("")
    if plan.errors:
        lines.append("Errors (the plan cannot be applied):")
        lines += [f"  ✗ {p.render()}" for p in plan.errors]
        lines.append("")
    lines += kept_lines(plan)
    lines += replica_moves_lines(ReplicaMoves.of(plan.actions))
    lines.append(PlanSummary.of(plan).line())
    return lines


def kept_lines(plan: Plan) -> list[str]:
    """What stays on the cluster although the files do not declare it, because
    deletion is off: the first `MAX_KEPT_SHOWN` (the JSON form lists them all)."""
    kept = [f"topic {name}" for name in plan.kept_topics]
    kept += [f"ACL {binding.describe()}" for binding in plan.kept_acls]
    if not kept:
        return []
    lines = ["Kept on the cluster (in the managed scope, not in the files; deletion is off):"]
    lines += [f"  = {item}" for item in kept[:MAX_KEPT_SHOWN]]
    if len(kept) > MAX_KEPT_SHOWN:
        lines.append(f"  = … and {len(kept) - MAX_KEPT_SHOWN} more (--format json lists all)")
    return [*lines, ""]


def replica_moves_lines(moves: ReplicaMoves | None) -> list[str]:
    """The whole plan's replica copying: totals, bytes and time; per broker when
    several topics move (one topic's group already shows its counts)."""
    if moves is None:
        return []
    lines = [moves.line()]
    if moves.topics > 1:
        lines.append(INDENT + "# " + counts_line(moves.counts))
    return lines


def group_lines(group: ResourceGroup) -> list[str]:
    """One resource: a header line, the reasons, then what changes."""
    return [f"{group.symbol} {group.title}{_header_note(group)}"] + [
        INDENT + line for line in group_body(group)
    ]


def group_body(group: ResourceGroup) -> list[str]:
    """Each action's reason as a comment (once while it repeats), then its changes."""
    lines: list[str] = []
    last_reason = None
    for action in group.actions:
        if action.reason and action.reason != last_reason:
            lines.append(f"# {action.reason}")
        last_reason = action.reason
        lines += action_lines(action)
    return lines


def _header_note(group: ResourceGroup) -> str:
    deletes = [a for a in group.actions if isinstance(a, DeleteTopic)]
    if deletes:
        return f" ({plural(deletes[0].partitions, 'partition')})"
    moves = ReplicaMoves.of(group.actions)
    if moves is None or not moves.replica_moves:
        return ""
    notes = [plural(moves.replica_moves, "replica move")]
    if moves.bytes_to_copy is not None:
        notes.append(human_bytes(moves.bytes_to_copy))
    if moves.already_moving:
        notes.append(f"{plural(moves.already_moving, 'partition')} already moving")
    return f" ({', '.join(notes)})"


def action_lines(action: Action) -> list[str]:
    if isinstance(action, SetBrokerConfigs | AlterTopicConfigs):
        return [config_change_line(c, human=True) for c in action.changes]
    if isinstance(action, CreateTopic):
        return _create_topic_lines(action)
    if isinstance(action, AddPartitions):
        return _add_partitions_lines(action)
    if isinstance(action, Reassign):
        return _reassign_lines(action)
    if isinstance(action, CreateAcl):
        return [f"+ {action.binding.describe()}"]
    if isinstance(action, DeleteAcl):
        return [f"- {action.binding.describe()}"]
    if isinstance(action, SetClientQuota):
        return [quota_change_line(c) for c in action.changes]
    if isinstance(action, SetUserCredentials):
        verb = "+ password: from" if action.new_user else "~ password: set from"
        return [_credential_line(c) for c in action.changes] + [f"{verb} {action.password}"]
    if isinstance(action, DeleteUserCredentials):
        return [_credential_line(c) for c in action.changes]
    return []  # DeleteTopic: the header says it all


def _credential_line(change: CredentialChange) -> str:
    """`+ SCRAM-SHA-512: 8192 iterations`, `~ ...: 4096 → 8192 iterations`,
    `~ ...: set again (4096 iterations)`, `- ...: 4096 iterations`."""
    if change.before is None:
        return f"+ {change.mechanism}: {change.after} iterations"
    if change.after is None:
        return f"- {change.mechanism}: {change.before} iterations"
    if change.before == change.after:
        return f"~ {change.mechanism}: set again ({change.after} iterations)"
    return f"~ {change.mechanism}: {change.before} → {change.after} iterations"


def _partitions(count: int, sizing: str | None) -> str:
    return f"{count} (from {sizing})" if sizing else str(count)


def _create_topic_lines(action: CreateTopic) -> list[str]:
    lines = [
        f"+ partitions: {_partitions(action.partitions, action.sizing)}",
        f"+ replication factor: {action.replication_factor}",
    ]
    lines += [f"+ {key}: {config_value(key, value)}"
              for key, value in sorted(action.configs.items())]
    if action.assignment:
        lines += [
            f"+ partition {p}: {_replicas(r)}" for p, r in enumerate(action.assignment)
        ]
    return lines


def _add_partitions_lines(action: AddPartitions) -> list[str]:
    lines = [f"~ partitions: {action.before} → {_partitions(action.after, action.sizing)}"]
    if action.assignment:
        lines += [
            f"+ partition {action.before + i}: {_replicas(r)}"
            for i, r in enumerate(action.assignment)
        ]
    return lines


def _reassign_lines(action: Reassign) -> list[str]:
    lines = []
    for move in action.moves:  # one line each, notes two spaces apart
        line = f"± partition {move.partition}: {_replicas(move.before)} → {_replicas(move.after)}"
        if move.added:
            line += f"  +{_ids(move.added)}"
        if move.removed:
            line += f"  -{_ids(move.removed)}"
        if move.leader_changes:
            line += f"  leader {move.before[0]} → {move.after[0]}"
        if move.in_flight:
            line += "  (in progress: waited for, not restarted)"
        lines.append(line)
    lines.append("# " + counts_line(replica_counts(action.moves)))
    return lines


def _replicas(replicas) -> str:
    return "[" + ", ".join(map(str, replicas)) + "]"


def _ids(ids) -> str:
    return ",".join(map(str, ids))
