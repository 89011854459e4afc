"""What every renderer shares: the summary counts and actions grouped by resource."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from kafkaform.actions import (
    Action,
    AddPartitions,
    AlterTopicConfigs,
    CreateAcl,
    CreateTopic,
    DeleteAcl,
    DeleteTopic,
    PartitionMove,
    Plan,
    Reassign,
    SetBrokerConfigs,
)

NO_CHANGES = "No changes. The cluster matches the desired state."


@dataclass(frozen=True)
class PlanSummary:
    """Counts as Terraform gives them: resources created, changed, destroyed.

    A topic with config changes and new partitions is one change; each ACL
    binding is one resource; the cluster-wide broker configs are one resource.
    Reassignments count topics, with the replicas to copy in brackets.
    """

    create: int
    change: int
    destroy: int
    reassign: int
    replica_moves: int

    @classmethod
    def of(cls, plan: Plan) -> PlanSummary:
        kinds = Counter(type(a) for a in plan.actions)
        changed = {
            getattr(a, "topic", "") for a in plan.actions
            if isinstance(a, SetBrokerConfigs | AlterTopicConfigs | AddPartitions)
        }
        return cls(
            create=kinds[CreateTopic] + kinds[CreateAcl],
            change=len(changed),
            destroy=kinds[DeleteTopic] + kinds[DeleteAcl],
            reassign=kinds[Reassign],
            replica_moves=sum(a.replica_moves for a in plan.actions if isinstance(a, Reassign)),
        )

    def line(self) -> str:
        if not (self.create or self.change or self.destroy or self.reassign):
            return NO_CHANGES
        reassign = plural(self.reassign, "reassignment")
        if self.reassign:
            reassign += f" ({plural(self.replica_moves, 'replica move')})"
        return (
            f"Plan: {self.create} to create, {self.change} to change, "
            f"{self.destroy} to destroy, {reassign}."
        )


def plural(count: int, noun: str) -> str:
    """"1 replica move", "24 replica moves"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class ResourceGroup:
    """All actions about one resource: a topic, a principal's ACLs, or the broker configs."""

    kind: str  # "broker-configs" | "topic" | "acl"
    name: str
    actions: list[Action] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        """+ create, - destroy, ± only moves replicas, ~ anything else."""
        kinds = {type(a) for a in self.actions}
        if kinds <= {CreateTopic, CreateAcl}:
            return "+"
        if kinds <= {DeleteTopic, DeleteAcl}:
            return "-"
        if kinds == {Reassign}:
            return "±"
        return "~"

    @property
    def title(self) -> str:
        if self.kind == "broker-configs":
            return "broker configs (cluster-wide dynamic defaults)"
        return f"{self.kind} {self.name}"


def group_by_resource(actions: Iterable[Action]) -> list[ResourceGroup]:
    """Broker configs first, then topics by name, then ACLs by principal."""
    groups: dict[tuple[int, str], ResourceGroup] = {}
    for action in actions:
        if isinstance(action, SetBrokerConfigs):
            key, kind, name = (0, ""), "broker-configs", ""
        elif isinstance(action, CreateAcl | DeleteAcl):
            key, kind, name = (2, action.binding.principal), "acl", action.binding.principal
        else:
            key, kind, name = (1, action.topic), "topic", action.topic
        groups.setdefault(key, ResourceGroup(kind, name)).actions.append(action)
    return [groups[k] for k in sorted(groups)]


def replicas_per_broker(moves: Iterable[PartitionMove]) -> dict[int, tuple[int, int]]:
    """Replica count on each broker across the moved partitions, before and after."""
    before: Counter[int] = Counter()
    after: Counter[int] = Counter()
    for move in moves:
        before.update(move.before)
        after.update(move.after)
    return {b: (before[b], after[b]) for b in sorted(set(before) | set(after))}
