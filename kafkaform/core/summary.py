"""What a plan amounts to: the summary counts, actions grouped by resource, replica moves.

Pure computations every renderer (and the saved plan's summary) shares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain

from kafkaform.core.actions import (
    Action,
    AddPartitions,
    AlterTopicConfigs,
    CreateAcl,
    CreateTopic,
    DeleteAcl,
    DeleteTopic,
    DeleteUserCredentials,
    PartitionMove,
    Plan,
    Reassign,
    SetBrokerConfigs,
    SetClientQuota,
    SetUserCredentials,
    computed_once,
)
from kafkaform.core.wording import human_bytes, human_duration, plural

NO_CHANGES = "No changes. The cluster matches the desired state."


@dataclass(frozen=True)
class PlanSummary:
    """Counts as Terraform gives them: resources created, changed, destroyed.

    A topic with config changes and new partitions is one change; each ACL
    binding is one resource; the cluster-wide broker configs are one resource.
    A client quota entity and a SCRAM user are one resource each: created,
    changed (a mechanism added or removed, a password set again) or destroyed.
    Reassignments count topics, with the replicas to copy in brackets.
    """

    create: int
    change: int
    destroy: int
    reassign: int
    replica_moves: int
    # Not in the files, in the managed scope, left on the cluster: deletion is off.
    kept_topics: int = 0
    kept_acls: int = 0
    errors: int = 0

    @classmethod
    def of(cls, plan: Plan) -> PlanSummary:
        kinds = Counter(type(a) for a in plan.actions)
        changed = {
            getattr(a, "topic", "") for a in plan.actions
            if isinstance(a, SetBrokerConfigs | AlterTopicConfigs | AddPartitions)
        }
        by_symbol: dict[str, set[tuple[str, str]]] = {"+": set(), "~": set(), "-": set()}
        for group in group_by_resource(plan.actions):
            if group.kind in ("quota", "user"):
                by_symbol[group.symbol].add((group.kind, group.name))
        return cls(
            create=kinds[CreateTopic] + kinds[CreateAcl] + len(by_symbol["+"]),
            change=len(changed) + len(by_symbol["~"]),
            destroy=kinds[DeleteTopic] + kinds[DeleteAcl] + len(by_symbol["-"]),
            reassign=kinds[Reassign],
            replica_moves=sum(a.replica_moves for a in plan.actions if isinstance(a, Reassign)),
            kept_topics=len(plan.kept_topics),
            kept_acls=len(plan.kept_acls),
            errors=len(plan.errors),
        )

    @property
    def kept(self) -> int:
        return self.kept_topics + self.kept_acls

    def line(self) -> str:
        """The plan in one line; "matches" only for a plan with nothing to do,
        nothing kept and no errors."""
        changes = self.create or self.change or self.destroy or self.reassign
        if self.errors:
            if not changes:
                what = "error is" if self.errors == 1 else f"{self.errors} errors are"
                return (f"No changes can be planned until the {what} fixed: this plan "
                        "cannot be applied.")
            return f"{self._counts()} {plural(self.errors, 'error')}: this plan cannot be applied."
        kept = [plural(self.kept_topics, "topic")] if self.kept_topics else []
        kept += [plural(self.kept_acls, "ACL binding")] if self.kept_acls else []
        if not changes:
            if not kept:
                return NO_CHANGES
            return ("No changes. Kept on the cluster although not in the files, because "
                    f"deletion is off: {', '.join(kept)}.")
        tail = f" Kept (not in the files, deletion is off): {', '.join(kept)}." if kept else ""
        return self._counts() + tail

    def _counts(self) -> str:
        reassign = plural(self.reassign, "reassignment")
        if self.reassign:
            reassign += f" ({plural(self.replica_moves, 'replica move')})"
        return (
            f"Plan: {self.create} to create, {self.change} to change, "
            f"{self.destroy} to destroy, {reassign}."
        )


@dataclass
class ResourceGroup:
    """All actions about one resource: a topic, a principal's ACLs, the broker
    configs, a client quota entity or a SCRAM user."""

    kind: str  # "broker-configs" | "topic" | "acl" | "quota" | "user"
    name: str
    actions: list[Action] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        """+ create, - destroy, ± only moves replicas, ~ anything else."""
        symbols = {action_symbol(a) for a in self.actions}
        return symbols.pop() if len(symbols) == 1 else "~"

    @property
    def title(self) -> str:
        if self.kind == "broker-configs":
            return "broker configs (cluster-wide dynamic defaults)"
        if self.kind == "quota":
            return f"client quota for {self.name}"
        if self.kind == "user":
            return f"SCRAM user {self.name}"
        return f"{self.kind} {self.name}"


def action_symbol(action: Action) -> str:
    """What one action does to its resource: + create, - destroy, ± move, ~ change."""
    if isinstance(action, CreateTopic | CreateAcl):
        return "+"
    if isinstance(action, DeleteTopic | DeleteAcl):
        return "-"
    if isinstance(action, Reassign):
        return "±"
    if isinstance(action, SetClientQuota):
        return action.symbol
    if isinstance(action, SetUserCredentials):
        return "+" if action.new_user else "~"
    if isinstance(action, DeleteUserCredentials):
        return "-" if action.whole_user else "~"
    return "~"


def group_by_resource(actions: Iterable[Action]) -> list[ResourceGroup]:
    """Broker configs first, then client quotas, SCRAM users, topics by name,
    and ACLs by principal."""
    groups: dict[tuple[int, str], ResourceGroup] = {}
    for action in actions:
        if isinstance(action, SetBrokerConfigs):
            key, kind, name = (0, ""), "broker-configs", ""
        elif isinstance(action, SetClientQuota):
            name = action.entity.describe()
            key, kind = (1, "\0".join(action.entity.sort_key)), "quota"
        elif isinstance(action, SetUserCredentials | DeleteUserCredentials):
            key, kind, name = (2, action.user), "user", action.user
        elif isinstance(action, CreateAcl | DeleteAcl):
            key, kind, name = (4, action.binding.principal), "acl", action.binding.principal
        else:
            key, kind, name = (3, action.topic), "topic", action.topic
        groups.setdefault(key, ResourceGroup(kind, name)).actions.append(action)
    return [groups[k] for k in sorted(groups)]


def replica_counts(moves: Iterable[PartitionMove]) -> dict[int, tuple[int, int, int]]:
    """Replicas of the moving partitions on each broker: before, at peak, after.

    At peak a broker holds its old replicas and the new ones: Kafka removes a
    replica only when its partition's move completes.
    """
    moves = list(moves)
    before = Counter(chain.from_iterable([m.before for m in moves]))
    added = Counter(chain.from_iterable([m.added for m in moves]))
    after = Counter(chain.from_iterable([m.after for m in moves]))
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
    moves: tuple[PartitionMove, ...] = field(repr=False)
    bytes_to_copy: int | None  # None: some partition's size is unknown
    busiest: tuple[int, int, str] | None  # broker, bytes, "receives" | "sends"
    throttle: int | None  # bytes/s per broker; 0: unthrottled; None: not known

    @classmethod
    def of(cls, actions: Iterable[Action]) -> ReplicaMoves | None:
        reassigns = [a for a in actions if isinstance(a, Reassign)]
        if not reassigns:
            return None
        moves = [m for a in reassigns for m in a.moves]
        copying = [m for m in moves if m.added]
        known = all(m.size_bytes is not None for m in copying)
        busiest = _busiest(copying) if known else None
        return cls(
            topics=len(reassigns),
            replica_moves=sum([a.replica_moves for a in reassigns]),
            already_moving=sum(m.in_flight for m in moves),
            moves=tuple(moves),
            bytes_to_copy=sum([m.bytes_to_copy or 0 for m in copying]) if known else None,
            busiest=busiest,
            throttle=reassigns[0].throttle_bytes_per_sec,
        )

    @computed_once
    def counts(self) -> dict[int, tuple[int, int, int]]:
        """`replica_counts` of the moves; computed when shown (a topic's header
        shows only the totals)."""
        return replica_counts(self.moves)

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


def _busiest(copying: list[PartitionMove]) -> tuple[int, int, str] | None:
    """The broker receiving or sending the most bytes (each added replica is
    copied from the leader): (broker, bytes, "receives" | "sends"); ties go to
    the lowest broker id, receiving before sending."""
    traffic: Counter[tuple[int, str]] = Counter()
    for move in copying:
        for broker in move.added:
            traffic[(broker, "receives")] += move.size_bytes or 0
        if move.before:
            traffic[(move.before[0], "sends")] += move.bytes_to_copy or 0
    busiest = max(traffic.items(), default=None, key=lambda item: (
        item[1], -item[0][0], item[0][1] == "receives"))
    return (busiest[0][0], busiest[1], busiest[0][1]) if busiest else None
