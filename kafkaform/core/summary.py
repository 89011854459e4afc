"""What a plan amounts to: the summary counts, actions grouped by resource, replica moves.

Pure computations every renderer (and the saved plan's summary) shares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from kafkaform.core.actions import (
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
from kafkaform.core.wording import human_bytes, human_duration, plural

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


def replica_counts(moves: Iterable[PartitionMove]) -> dict[int, tuple[int, int, int]]:
    """Replicas of the moving partitions on each broker: before, at peak, after.

    At peak a broker holds its old replicas and the new ones: Kafka removes a
    replica only when its partition's move completes.
    """
    before: Counter[int] = Counter()
    added: Counter[int] = Counter()
    after: Counter[int] = Counter()
    for move in moves:
        before.update(move.before)
        added.update(move.added)
        after.update(move.after)
    return {b: (before[b], before[b] + added[b], after[b])
            for b in sorted(set(before) | set(after))}


def counts_line(counts: dict[int, tuple[int, int, int]]) -> str:
    return "replicas per broker (moving partitions), before → at peak → after: " + ", ".join(
        f"{b}: {x} → {peak} → {y}" for b, (x, peak, y) in counts.items())


@dataclass(frozen=True)
class ReplicaMoves:
    """What a plan's reassignments copy, for the reviewer: moves, bytes, time.

    The time is a lower bound: the throttle limits each broker's replication
    in and out, so the broker that receives or sends the most bytes sets the
    pace; batches, load and a slow disk only add to it.
    """

    topics: int
    replica_moves: int
    already_moving: int  # partitions
    counts: dict[int, tuple[int, int, int]]
    bytes_to_copy: int | None  # None: some partition's size is unknown
    busiest: tuple[int, int, str] | None  # broker, bytes, "receives" | "sends"
    throttle: int | None  # bytes/s per broker; 0: unthrottled; None: not known

    @classmethod
    def of(cls, actions: Iterable[Action]) -> ReplicaMoves | None:
        reassigns = [a for a in actions if isinstance(a, Reassign)]
        if not reassigns:
            return None
        moves = [m for a in reassigns for m in a.moves]
        sizes = [m.bytes_to_copy for m in moves if m.added]
        traffic: Counter[tuple[int, str]] = Counter()
        for move in moves:
            for broker in move.added:
                traffic[(broker, "receives")] += move.size_bytes or 0
            if move.added and move.before:
                traffic[(move.before[0], "sends")] += move.bytes_to_copy or 0
        known = None not in sizes
        # ties: the lowest broker id, receiving before sending
        busiest = max(traffic.items(), default=None, key=lambda item: (
            item[1], -item[0][0], item[0][1] == "receives"))
        return cls(
            topics=len(reassigns),
            replica_moves=sum(a.replica_moves for a in reassigns),
            already_moving=sum(m.in_flight for m in moves),
            counts=replica_counts(moves),
            bytes_to_copy=sum(sizes) if known else None,  # type: ignore[arg-type]
            busiest=(busiest[0][0], busiest[1], busiest[0][1]) if known and busiest else None,
            throttle=reassigns[0].throttle_bytes_per_sec,
        )

    @property
    def seconds(self) -> float | None:
        """At least this long at the throttle; None without sizes or a throttle."""
        if self.busiest is None or not self.throttle:
            return None
        return self.busiest[1] / self.throttle

    def line(self) -> str:
        text = f"Replica moves: {self.replica_moves} in {plural(self.topics, 'topic')}"
        if self.already_moving:
            text += f" ({plural(self.already_moving, 'partition')} already moving)"
        if self.bytes_to_copy is None:
            return text + "; bytes to copy unknown (the brokers did not report log-dir sizes)."
        text += f", {human_bytes(self.bytes_to_copy)} to copy"
        if self.throttle == 0:
            return text + ", unthrottled (as fast as the brokers can copy)."
        if self.seconds is not None and self.busiest is not None:
            broker, busiest, direction = self.busiest
            text += (f": at least {human_duration(self.seconds)} at "
                     f"{human_bytes(self.throttle or 0)}/s per broker (broker {broker} "
                     f"{direction} the most, {human_bytes(busiest)})")
        return text + "."
