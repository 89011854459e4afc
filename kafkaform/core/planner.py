"""The planner: a pure diff of the desired state against the observed cluster.

`plan(desired, observed)` returns typed actions in apply order, plus warnings
and refusals (errors). No I/O: everything it needs is in its two arguments, so
the same inputs always give the same plan, and a plan is cheap enough to run
on every pull request against 10,000 topics.

The rules (DESIGN.md, "Rules the planner keeps"):
- configs compare on normalised values; a desired value equal to the effective
  value is no change whatever its source; a topic override (source
  DYNAMIC_TOPIC_CONFIG) that the files do not list is reverted; values that
  come from a broker default are never drift; replication throttles
  (`*.replication.throttled.*`) belong to reassignments and are never drift;
  read-only and sensitive configs are never planned;
- partitions only grow; replication-factor and placement changes become
  reassignments computed by `kafkaform.core.placement` (minimal moves);
- new topics and partitions carry an explicit replica assignment only when it
  is needed: `placement: static`, or `rack-spread` on brokers in at least two
  racks; otherwise the broker places them (some Kafka-compatible brokers, such
  as Tansu, cannot take an explicit assignment at all);
- a partition already moving is planned from where its move ends: a move
  that ends where the files want it is part of the plan (`in_flight`: apply
  waits for it, so an interrupted apply continues at once); a move that ends
  anywhere else is not ours to override, and its topic's replicas are left
  alone, with a warning, until it finishes;
- nothing outside `manage:` is planned, internal topics never, and deletes
  only where the environment opts in; where it does not, the topics and
  bindings that stay are listed in the plan as kept (`Plan.kept_topics`).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from kafkaform.core import placement
from kafkaform.core.actions import (
    Action,
    AddPartitions,
    AlterTopicConfigs,
    ConfigChange,
    CreateAcl,
    CreateTopic,
    DeleteAcl,
    DeleteTopic,
    PartitionMove,
    Plan,
    Reassign,
    SetBrokerConfigs,
    sort_actions,
)
from kafkaform.core.capabilities import missing_capabilities
from kafkaform.core.fingerprint import desired_hash, observed_summary, summary_fingerprint
from kafkaform.core.kafka_configs import BROKER_CONFIGS, TOPIC_CONFIGS
from kafkaform.core.model import (
    AclBinding,
    DesiredState,
    PlacementStrategy,
    TopicSpec,
)
from kafkaform.core.observed import (
    ConfigEntry,
    ConfigSource,
    LogDirPartitionSize,
    ObservedState,
    PartitionInfo,
    ReassignmentInProgress,
)
from kafkaform.core.placement import RackLayout
from kafkaform.core.placement.kafka_default import assign_replicas
from kafkaform.core.policies import check_cluster_policies
from kafkaform.core.problems import Problem, Severity
from kafkaform.core.reassign.batches import in_flight_origin, in_flight_target
from kafkaform.core.reassign.throttles import is_throttle_key
from kafkaform.core.units import normalize_config_value
from kafkaform.core.wording import named
from kafkaform.errors import KafkaformError

Assignment = list[list[int]]
Brokers = dict[int, str | None]
# A topic's moves in flight, by partition number.
Moving = dict[int, ReassignmentInProgress]

@dataclass(frozen=True)
class Targets:
    """`--target` selections: only these resources are planned.

    Written as `topic/NAME`, `acl/PRINCIPAL` or `broker-configs`.
    """

    topics: frozenset[str] = frozenset()
    principals: frozenset[str] = frozenset()
    broker_configs: bool = False

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Targets:
        topics: set[str] = set()
        principals: set[str] = set()
        broker_configs = False
        for spec in specs:
            kind, _, name = spec.partition("/")
            if kind == "topic" and name:
                topics.add(name)
            elif kind == "acl" and name:
                principals.add(name)
            elif spec == "broker-configs":
                broker_configs = True
            else:
                raise KafkaformError(
                    f"--target {spec!r}: expected topic/NAME, acl/PRINCIPAL or broker-configs"
                )
        return cls(frozenset(topics), frozenset(principals), broker_configs)


def plan(desired: DesiredState, observed: ObservedState, targets: Targets | None = None) -> Plan:
    """Everything that must change for the cluster to match `desired`, in apply order."""
    planner = _Planner(desired, observed, targets)
    planner.run()
    summary = observed_summary(observed)
    result = Plan(
        environment=desired.environment,
        cluster_id=observed.cluster.cluster_id,
        observed_fingerprint=summary_fingerprint(summary),
        desired_hash=desired_hash(desired),
        actions=sort_actions(planner.actions),
        warnings=_sorted(planner.warnings),
        observed_summary=summary,
    )
    # Refuse now what apply would refuse before its first write.
    unsupported = missing_capabilities(
        result.actions, observed.capabilities, observed.cluster.address or "the given address"
    )
    planner.errors += [Problem(None, None, "cluster", message) for message in unsupported]
    return replace(result, errors=_sorted(planner.errors),
                   kept_topics=tuple(sorted(planner.kept_topics)),
                   kept_acls=tuple(sorted(planner.kept_acls)))


def with_sizes(plan: Plan, sizes: Iterable[LogDirPartitionSize]) -> Plan:
    """`plan` with each replica move's partition size, from DescribeLogDirs.

    A partition's size is its largest copy on a broker it moves from (every
    added replica copies that much); unknown when none of those brokers
    reported it. Sizes change by the second, so they are not part of what a
    plan is fingerprinted on: they only inform the reviewer.
    """
    copies: dict[tuple[str, int], dict[int, int]] = {}
    for size in sizes:
        on_brokers = copies.setdefault((size.topic, size.partition), {})
        on_brokers[size.broker] = max(size.size_bytes, on_brokers.get(size.broker, 0))

    def sized(topic: str, move: PartitionMove) -> PartitionMove:
        known = copies.get((topic, move.partition), {})
        found = [known[b] for b in move.before if b in known]
        return replace(move, size_bytes=max(found) if found else None)

    return replace(plan, actions=tuple(
        replace(a, moves=tuple(sized(a.topic, m) for m in a.moves))
        if isinstance(a, Reassign) else a
        for a in plan.actions
    ))


def _sorted(problems: list[Problem]) -> tuple[Problem, ...]:
    """Unique, by file and line (cluster-wide findings, without a file, first)."""
    return tuple(sorted(set(problems), key=lambda p: (
        p.file or "", p.line or 0, p.path, p.message, p.severity)))


@dataclass
class _Planner:
    desired: DesiredState
    observed: ObservedState
    targets: Targets | None
    actions: list[Action] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    # Not in the files, in the scope, kept: deletion is off (`Plan.kept_topics`).
    kept_topics: list[str] = field(default_factory=list)
    kept_acls: list[AclBinding] = field(default_factory=list)
    # Replicas may live on: the cluster's brokers minus those being decommissioned.
    brokers: Brokers = field(init=False)
    leaving: frozenset[int] = field(init=False)
    layout: RackLayout = field(init=False)
    # At least two racks to spread over: only then does rack-spread place replicas itself.
    racked: bool = field(init=False)
    # Replicas per broker across all topics, as planned so far (see `_place`).
    _load: Counter[int] | None = None

    def __post_init__(self) -> None:
        self.leaving = frozenset(self.desired.decommission)
        self.brokers = {b: r for b, r in self.observed.racks.items() if b not in self.leaving}
        self.layout = RackLayout(self.brokers)
        self.racked = len({r for r in self.brokers.values() if r is not None}) >= 2

    def run(self) -> None:
        self._check_cluster_id()
        self._add_problems(check_cluster_policies(self.desired, self.observed))
        if self._selects_broker_configs():
            self._broker_configs()
        in_flight = self._moves_in_flight()
        existing = self.observed.topics
        targets: dict[str, Assignment] = {}
        reasons: dict[str, list[str]] = {}
        for name in sorted(self.desired.topics):
            spec = self.desired.topics[name]
            if not self._selects_topic(name):
                continue
            if name not in existing:
                self._create_topic(spec)
                continue
            self._topic_configs(spec)
            moving = in_flight.get(name, {})
            self._add_partitions(spec, moving)
            planned = self._replica_target(spec, moving)
            if planned is not None:
                targets[name], reasons[name] = planned
        if self.desired.rebalance:
            self._rebalance(targets)
        for name, target in sorted(targets.items()):
            self._reassign(self.desired.topics[name], target, reasons[name],
                           in_flight.get(name, {}))
        self._warn_decommission_leftovers()
        self._delete_topics()
        self._acls()

    # --- selection ----------------------------------------------------------
    def _selects_topic(self, name: str) -> bool:
        if not self.desired.scope.topics.manages(name):
            return False
        return self.targets is None or name in self.targets.topics

    def _selects_acl(self, binding: AclBinding) -> bool:
        return self.targets is None or binding.principal in self.targets.principals

    def _selects_broker_configs(self) -> bool:
        return self.targets is None or self.targets.broker_configs

    # --- problems -----------------------------------------------------------
    def _add_problems(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            (self.errors if problem.is_error else self.warnings).append(problem)

    def _problem(self, spec: TopicSpec | None, key: str, message: str, severity: Severity) -> None:
        source = spec.source if spec else None
        path = f"topics[{spec.name}].{key}" if spec else key
        problem = Problem(
            source.file if source else None, source.line if source else None, path, message,
            severity,
        )
        self._add_problems([problem])

    def _warn(self, spec: TopicSpec | None, key: str, message: str) -> None:
        self._problem(spec, key, message, Severity.WARNING)

    def _refuse(self, spec: TopicSpec | None, key: str, message: str) -> None:
        self._problem(spec, key, message, Severity.ERROR)

    def _check_cluster_id(self) -> None:
        expected = self.desired.cluster.cluster_id
        actual = self.observed.cluster.cluster_id
        if expected and expected != actual:
            self._refuse(None, "cluster.clusterId",
                         f"the environment is for cluster {expected}, but the cluster at "
                         f"{self.observed.cluster.address or 'the given address'} is {actual}")

    # --- broker configs -----------------------------------------------------
    def _broker_configs(self) -> None:
        observed = self.observed.broker_configs
        changes: list[ConfigChange] = []
        for key, value in sorted(self.desired.broker_configs.items()):
            entry = observed.get(key)
            if _unplannable(entry):
                self._warn(None, f"cluster.brokerConfigs.{key}",
                           "read-only or sensitive on the cluster: not planned")
                continue
            if entry is None or not _same_value(key, entry.value, value):
                changes.append(ConfigChange(key, entry.value if entry else None, value))
        if self.desired.scope.delete_broker_configs:
            for key, entry in sorted(observed.items()):
                if (
                    entry.source is ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
                    and key not in self.desired.broker_configs
                    and not is_throttle_key(key)
                    and not entry.read_only
                ):
                    catalog = BROKER_CONFIGS.get(key)
                    changes.append(
                        ConfigChange(key, entry.value, None, catalog.default if catalog else None)
                    )
        if changes:
            self.actions.append(SetBrokerConfigs(
                tuple(changes),
                reason="cluster.brokerConfigs differs from the cluster-wide dynamic defaults",
            ))

    # --- topics -------------------------------------------------------------
    def _create_topic(self, spec: TopicSpec) -> None:
        brokers = self.brokers
        if spec.replication_factor > len(brokers):
            self._refuse(spec, "replicationFactor",
                         f"replication factor {spec.replication_factor} is more than the "
                         f"{len(brokers)} live brokers")
            return
        assignment = self._new_topic_assignment(spec, brokers)
        self.actions.append(CreateTopic(
            topic=spec.name,
            partitions=spec.partitions,
            replication_factor=spec.replication_factor,
            configs={k: v for k, v in sorted(spec.configs.items()) if not is_throttle_key(k)},
            assignment=assignment,
            reason=f"declared at {_where(spec)}, not on the cluster{self._broker_places(spec)}",
            sizing=_sizing(spec),
        ))

    def _new_topic_assignment(
        self, spec: TopicSpec, brokers: Brokers
    ) -> tuple[tuple[int, ...], ...] | None:
        if spec.placement is PlacementStrategy.STATIC:
            return spec.assignment
        if spec.placement is PlacementStrategy.RACK_SPREAD and self.racked:
            # Born spread: Kafka's round robin (rack-aware when every broker
            # has a rack), started at a broker derived from the name so the
            # leaders of many topics do not pile up, then spread where needed.
            start = zlib.crc32(spec.name.encode()) % len(brokers)
            racks = brokers if None not in brokers.values() else dict.fromkeys(brokers)
            born = assign_replicas(spec.partitions, spec.replication_factor, racks, start)
            return _frozen(placement.spread_racks(born, brokers))
        return None

    def _topic_configs(self, spec: TopicSpec) -> None:
        observed = self.observed.topic_configs.get(spec.name, {})
        changes: list[ConfigChange] = []
        for key, value in sorted(spec.configs.items()):
            entry = observed.get(key)
            if is_throttle_key(key):
                continue
            if _unplannable(entry):
                self._warn(spec, f"configs.{key}", "read-only or sensitive on the cluster: "
                           "not planned")
                continue
            if entry is None or not _same_value(key, entry.value, value):
                changes.append(ConfigChange(key, entry.value if entry else None, value))
        overrides = [
            (key, entry) for key, entry in observed.items()
            if entry.source is ConfigSource.DYNAMIC_TOPIC_CONFIG and key not in spec.configs
        ]
        for key, entry in overrides:
            if not is_throttle_key(key) and not _unplannable(entry):
                changes.append(ConfigChange(key, entry.value, None, self._revert_default(key)))
        if changes:
            self.actions.append(AlterTopicConfigs(
                spec.name, tuple(sorted(changes, key=lambda c: c.key)),
                reason=f"configs differ from {_where(spec)}",
            ))

    def _revert_default(self, key: str) -> str | None:
        """The value a topic override falls back to: the cluster default, else Kafka's."""
        catalog = TOPIC_CONFIGS.get(key)
        if catalog is None:
            return None
        broker_entry = self.observed.broker_configs.get(catalog.broker_synonym or "")
        if broker_entry is not None and broker_entry.value is not None:
            return broker_entry.value
        return catalog.default

    def _add_partitions(self, spec: TopicSpec, moving: Moving) -> None:
        info = self.observed.topics[spec.name]
        current = len(info.partitions)
        if spec.partitions < current:
            self._refuse(spec, "partitions",
                         f"topic {spec.name} has {current} partitions, the files ask for "
                         f"{spec.partitions}: partitions can only grow (kafkaform never "
                         "recreates a topic)")
            return
        if spec.partitions == current:
            return
        if moving:
            self._warn(spec, "partitions",
                       f"growing {spec.name} to {spec.partitions} partitions waits: Kafka refuses "
                       "to add partitions while a reassignment of the topic is in progress; "
                       "run apply again once it has finished")
            return
        if spec.keyed or self._is_compacted(spec):
            why = "keyed: true" if spec.keyed else "cleanup.policy=compact"
            self._warn(spec, "partitions",
                       f"growing {spec.name} from {current} to {spec.partitions} partitions "
                       f"changes which partition each key maps to ({why})")
        self.actions.append(AddPartitions(
            topic=spec.name,
            before=current,
            after=spec.partitions,
            assignment=self._new_partitions_assignment(spec, info.assignment),
            reason=f"{_where(spec)} asks for {spec.partitions} partitions"
                   + self._broker_places(spec),
            sizing=_sizing(spec),
        ))

    def _new_partitions_assignment(
        self, spec: TopicSpec, current: Assignment
    ) -> tuple[tuple[int, ...], ...] | None:
        if spec.placement is PlacementStrategy.STATIC and spec.assignment is not None:
            return spec.assignment[len(current):]
        if spec.placement is PlacementStrategy.RACK_SPREAD and self.racked:
            return _frozen(placement.extend_partitions(
                current, spec.partitions, self.brokers, spread=True
            ))
        return None

    def _broker_places(self, spec: TopicSpec) -> str:
        """Why a rack-spread topic's new replicas carry no assignment, for the reason."""
        if spec.placement is PlacementStrategy.RACK_SPREAD and not self.racked:
            return ("; rack-spread, but the brokers are not in two or more racks: the broker "
                    "places the replicas")
        return ""

    def _is_compacted(self, spec: TopicSpec) -> bool:
        policy = spec.configs.get("cleanup.policy")
        if policy is None:
            entry = self.observed.topic_configs.get(spec.name, {}).get("cleanup.policy")
            policy = entry.value if entry else None
        return "compact" in (policy or "").split(",")

    # --- replicas -----------------------------------------------------------
    def _replica_target(self, spec: TopicSpec,
                        moving: Moving) -> tuple[Assignment, list[str]] | None:
        """Where the existing partitions' replicas should be and why.

        Partitions in `moving` count as where their moves end. None when
        nothing can move them: refused, or no rule asks for a move and none is
        in flight (the common case, checked without copying the assignment).
        """
        partitions = _settled(self.observed.topics[spec.name].partitions, moving)
        brokers = self.brokers
        if spec.replication_factor > len(brokers):
            self._refuse(spec, "replicationFactor",
                         f"replication factor {spec.replication_factor} is more than the "
                         f"{len(brokers)} live brokers")
            return None
        if spec.placement is PlacementStrategy.STATIC and spec.assignment is not None:
            if not moving and all(
                p.replicas == r for p, r in zip(partitions, spec.assignment, strict=False)
            ):
                return None
            target = [list(r) for r in spec.assignment[: len(partitions)]]
            unknown = sorted({b for r in target for b in r} - set(brokers))
            if unknown:
                self._refuse(spec, "placement",
                             f"static placement uses brokers {unknown} that are not live "
                             "(or are being decommissioned)")
                return None
            return target, [f"static placement at {_where(spec)}"]
        steps = []
        leaving = self.leaving and self.leaving & {b for p in partitions for b in p.replicas}
        if leaving:
            steps.append((
                f"decommission {named('broker', sorted(leaving))}",
                lambda a, load: placement.decommission(a, leaving, self.observed.racks,
                                                       load=load),
            ))
        rf = sorted({len(p.replicas) for p in partitions})
        if rf != [spec.replication_factor]:
            steps.append((
                f"replication factor {'/'.join(map(str, rf))} → {spec.replication_factor}",
                lambda a, load: placement.set_replication_factor(
                    a, spec.replication_factor, brokers, load=load),
            ))
        if spec.placement is PlacementStrategy.RACK_SPREAD:
            crowded = sum(self.layout.excess(p.replicas) > 0 for p in partitions)
            if crowded:
                steps.append((
                    f"rack-spread: {crowded} partitions have too many replicas on one rack",
                    lambda a, load: placement.spread_racks(a, brokers, load=load),
                ))
        if not steps:
            if self.desired.rebalance or moving:
                return [list(p.replicas) for p in partitions], []
            return None
        current = [list(p.replicas) for p in partitions]
        return self._place(current, [change for _, change in steps]), [why for why, _ in steps]

    def _place(self, current: Assignment, changes) -> Assignment:
        """Chain placement changes, each seeing the other topics' replicas as load.

        The running load makes many topics' choices add up to a balanced
        cluster (as `placement.across_topics`), at the cost of one count of
        all replicas, taken only when some topic needs to move.
        """
        if self._load is None:
            # Replicas being removed by moves in flight are as good as gone.
            self._load = Counter(b for info in self.observed.topics.values()
                                 for p in info.partitions for b in p.replicas) - Counter(
                b for move in self.observed.reassignments.values() for b in move.removing)
        own = Counter(b for r in current for b in r)
        others = self._load - own
        target = current
        for change in changes:
            target = change(target, others)
        self._load = others + Counter(b for r in target for b in r)
        return target

    def _rebalance(self, targets: dict[str, Assignment]) -> None:
        movable = {
            name: target for name, target in targets.items()
            if self.desired.topics[name].placement is not PlacementStrategy.STATIC
        }
        targets.update(placement.rebalance(movable, self.brokers))

    def _reassign(self, spec: TopicSpec, target: Assignment, reasons: list[str],
                  moving: Moving) -> None:
        current = self.observed.topics[spec.name].assignment
        moves: list[PartitionMove] = []
        astray: list[str] = []
        for p, (before, after) in enumerate(zip(current, target, strict=False)):
            move = moving.get(p)
            if move is None:
                if list(before) != list(after):
                    moves.append(PartitionMove(p, tuple(before), tuple(after)))
            elif in_flight_target(move) == tuple(after):
                moves.append(PartitionMove(p, in_flight_origin(move), tuple(after), True))
            else:
                astray.append(f"{p} is moving to {_ids(in_flight_target(move))}, "
                              f"the files want {_ids(after)}")
        if astray:
            self._warn(spec, "replicationFactor",
                       "a reassignment kafkaform did not plan is in progress (partition "
                       + "; ".join(astray) + "): the topic's replicas are not planned until "
                       "it finishes or is cancelled")
            return
        resumed = [m.partition for m in moves if m.in_flight]
        if resumed:
            reasons = [*reasons, f"{named('partition', resumed)} already moving where the "
                       "files want them (apply waits for these moves, it does not restart them)"]
        if self.desired.rebalance and spec.placement is not PlacementStrategy.STATIC:
            reasons = [*reasons, "rebalance: even out replicas and leaders across brokers"]
        if moves:
            self.actions.append(Reassign(
                spec.name, tuple(moves), reason="; ".join(reasons),
                throttle_bytes_per_sec=self.desired.reassignment.throttle_bytes_per_sec,
            ))

    def _moves_in_flight(self) -> dict[str, Moving]:
        by_topic: dict[str, Moving] = {}
        for tp, move in self.observed.reassignments.items():
            if move.adding or move.removing:
                by_topic.setdefault(tp.topic, {})[tp.partition] = move
        return by_topic

    def _warn_decommission_leftovers(self) -> None:
        leaving = self.leaving
        if not leaving:
            return
        left = sorted(
            name for name, info in self.observed.user_topics().items()
            if not self._selects_topic(name) or name not in self.desired.topics
            if leaving & {b for r in info.assignment for b in r}
        )
        if left:
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            self._warn(None, "decommission",
                       f"{len(left)} topics not declared in the files keep replicas on broker(s) "
                       f"{', '.join(map(str, sorted(leaving)))}: {shown}")

    # --- deletes ------------------------------------------------------------
    def _delete_topics(self) -> None:
        delete = self.desired.scope.topics.delete
        for name, info in sorted(self.observed.user_topics().items()):
            if name in self.desired.topics or not self._selects_topic(name):
                continue
            if not delete:
                self.kept_topics.append(name)
                continue
            self.actions.append(DeleteTopic(
                name, len(info.partitions),
                reason="not in the files, and manage.topics.delete is on",
            ))

    # --- ACLs ---------------------------------------------------------------
    def _acls(self) -> None:
        wanted = {b for b in self.desired.acls if self._selects_acl(b)}
        if self.observed.acls is None:
            if wanted:
                self._warn(None, "acls", "the cluster cannot list ACLs (no authorizer, or the "
                           "API is missing): ACLs are not planned")
            return
        scope = self.desired.scope.acls
        outside = sorted(b for b in wanted if not scope.manages(b))
        if outside:
            self._warn(None, "acls", f"{len(outside)} ACL bindings are for principals outside "
                       "manage.acls.principals and are not planned")
        for binding in sorted(wanted - self.observed.acls):
            if scope.manages(binding):
                source = self.desired.acl_sources.get(binding)
                self.actions.append(CreateAcl(
                    binding, reason=f"declared at {source}" if source else "declared in the files"
                ))
        for binding in sorted(self.observed.acls - self.desired.acls):
            if not (scope.manages(binding) and self._selects_acl(binding)):
                continue
            if not scope.delete:
                self.kept_acls.append(binding)
                continue
            self.actions.append(DeleteAcl(
                binding, reason="not in the files, and manage.acls.delete is on"
            ))


# --- small pure helpers -----------------------------------------------------
def _unplannable(entry: ConfigEntry | None) -> bool:
    return entry is not None and (entry.read_only or entry.sensitive)


def _same_value(key: str, observed: str | None, desired: str) -> bool:
    return observed is not None and _canonical(key, observed) == _canonical(key, desired)


@lru_cache(maxsize=4096)
def _canonical(key: str, value: str) -> str:
    """Kafka's form of a value; list configs compare as sets ("compact,delete")."""
    try:
        normal = normalize_config_value(key, value)
    except ValueError:
        normal = value
    catalog = TOPIC_CONFIGS.get(key) or BROKER_CONFIGS.get(key)
    if catalog is not None and catalog.type == "list":
        return ",".join(sorted(item.strip() for item in normal.split(",")))
    return normal


def _settled(partitions: tuple[PartitionInfo, ...], moving: Moving) -> tuple[PartitionInfo, ...]:
    """The partitions as they will be once the moves in flight have ended."""
    if not moving:
        return partitions
    return tuple(
        replace(p, replicas=in_flight_target(moving[p.partition])) if p.partition in moving else p
        for p in partitions
    )


def _ids(brokers: Iterable[int]) -> str:
    return "[" + ", ".join(map(str, brokers)) + "]"


def _frozen(assignment: Assignment) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(r) for r in assignment)


def _where(spec: TopicSpec) -> str:
    return str(spec.source) if spec.source else "the files"


def _sizing(spec: TopicSpec) -> str | None:
    """"120000/s ÷ 40000/s × 1.5", shown next to a partition count sized from throughput."""
    s = spec.sizing
    if s is None:
        return None
    return f"{_number(s.throughput)}/s ÷ {_number(s.per_partition)}/s × {_number(s.factor)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


