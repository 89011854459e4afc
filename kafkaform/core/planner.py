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
  bindings that stay are listed in the plan as kept (`Plan.kept_topics`);
- client quotas compare key by key; a declared entity's keys that the files
  do not list are removed, other entities only with `manage.quotas.delete`;
- SCRAM users compare mechanisms and iterations (passwords cannot be read
  back); a password is set again when `passwordVersion` or the password's
  reference differs from what kafkaform recorded setting (its users ledger),
  or when there is no record of it (docs/quotas-and-users.md).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import ClassVar

from kafkaform.core import placement
from kafkaform.core.actions import (
    Action,
    AddPartitions,
    AlterTopicConfigs,
    ConfigChange,
    CreateAcl,
    CreateTopic,
    CredentialChange,
    DeleteAcl,
    DeleteTopic,
    DeleteUserCredentials,
    PartitionMove,
    Plan,
    QuotaChange,
    Reassign,
    SetBrokerConfigs,
    SetClientQuota,
    SetUserCredentials,
    sort_actions,
)
from kafkaform.core.capabilities import missing_capabilities
from kafkaform.core.fingerprint import desired_hash, observed_summary, summary_fingerprint
from kafkaform.core.kafka_configs import BROKER_CONFIGS, TOPIC_CONFIGS
from kafkaform.core.model import (
    THROTTLE_LEDGER_TOPIC,
    AclBinding,
    DesiredState,
    PlacementStrategy,
    QuotaEntity,
    TopicSpec,
    UserSpec,
    is_internal_topic,
    is_kafkaform_topic,
)
from kafkaform.core.observed import (
    Api,
    ConfigEntry,
    ConfigSource,
    LogDirPartitionSize,
    ObservedState,
    PartitionInfo,
    PasswordRecord,
    ReassignmentInProgress,
    does_not_support,
)
from kafkaform.core.placement.kafka_default import assign_replicas
from kafkaform.core.policies import KAFKA_DEFAULT_MIN_INSYNC, check_cluster_policies
from kafkaform.core.problems import Problem, Severity
from kafkaform.core.reassign.batches import in_flight_origin, in_flight_target
from kafkaform.core.reassign.throttles import is_throttle_key
from kafkaform.core.units import normalize_config_value
from kafkaform.core.wording import did_you_mean, listed, named, plural
from kafkaform.errors import KafkaformError

Assignment = list[list[int]]
Brokers = dict[int, str | None]
# A topic's moves in flight, by partition number.
Moving = dict[int, ReassignmentInProgress]
# Cluster-wide dynamic broker configs Kafka does not let anyone remove. With
# eligible leader replicas (KIP-966; on by default for clusters created by
# Kafka 4.1 and later) the controller adds the cluster-level
# min.insync.replicas itself (the active controller's static value) and
# refuses its deletion with INVALID_CONFIG "Cluster-level min.insync.replicas
# cannot be removed while ELR is enabled" (ConfigurationControlManager; seen on
# Kafka 4.4). Being one resource, the whole cluster-wide change would fail.
_KAFKA_KEEPS_CLUSTER_WIDE = frozenset({"min.insync.replicas"})

@dataclass(frozen=True)
class Targets:
    """`--target` selections: only these resources are planned.

    Written as `topic/NAME`, `acl/PRINCIPAL`, `broker-configs`, `user/NAME`
    (a SCRAM user) or `quota/NAME` (the quota entities naming that user or
    client id).
    """

    topics: frozenset[str] = frozenset()
    principals: frozenset[str] = frozenset()
    broker_configs: bool = False
    users: frozenset[str] = frozenset()
    quotas: frozenset[str] = frozenset()
    # A target that names nothing is the user's typo, except when verifying an
    # apply: a target the apply deleted rightly names nothing any more.
    must_match: bool = True
    BROKER_CONFIGS: ClassVar[str] = "broker-configs"

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Targets:
        named: dict[str, set[str]] = {"topic": set(), "acl": set(), "user": set(), "quota": set()}
        broker_configs = False
        for spec in specs:
            kind, _, name = spec.partition("/")
            if kind in named and name:
                named[kind].add(name)
            elif spec == cls.BROKER_CONFIGS:
                broker_configs = True
            else:
                raise KafkaformError(
                    f"--target {spec!r}: expected topic/NAME, acl/PRINCIPAL, broker-configs, "
                    "user/NAME or quota/NAME"
                )
        return cls(frozenset(named["topic"]), frozenset(named["acl"]), broker_configs,
                   frozenset(named["user"]), frozenset(named["quota"]))

    def specs(self) -> tuple[str, ...]:
        """As written on the command line, sorted: what a targeted plan records."""
        return (*(f"topic/{name}" for name in sorted(self.topics)),
                *(f"acl/{principal}" for principal in sorted(self.principals)),
                *((self.BROKER_CONFIGS,) if self.broker_configs else ()),
                *(f"user/{name}" for name in sorted(self.users)),
                *(f"quota/{name}" for name in sorted(self.quotas)))


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
        targets=targets.specs() if targets else (),
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
    if not copies and not any(m.size_bytes is not None for a in plan.actions
                              if isinstance(a, Reassign) for m in a.moves):
        return plan  # no log dirs reported (a snapshot, Tansu): nothing to size

    def sized(topic: str, move: PartitionMove) -> PartitionMove:
        known = copies.get((topic, move.partition), {})
        found = [known[b] for b in move.before if b in known]
        # The constructor, not dataclasses.replace: ten times faster, for 100,000 moves.
        return PartitionMove(move.partition, move.before, move.after, move.in_flight,
                             max(found) if found else None)

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
class _Request:
    """A topic's replicas to plan: where they are (moves in flight ended),
    why they change, and the target when it is given (static placement, or
    only moves in flight to wait for) rather than placed."""

    current: Assignment
    reasons: list[str]
    target: Assignment | None = None


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
    layout: placement.RackLayout = field(init=False)
    # At least two racks to spread over: only then does rack-spread place replicas itself.
    racked: bool = field(init=False)
    # Topic config → the value topics without an override have (see _revert_default).
    _inherited: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self.leaving = frozenset(self.desired.decommission)
        self.brokers = {b: r for b, r in self.observed.racks.items() if b not in self.leaving}
        self.layout = placement.RackLayout(self.brokers)
        self.racked = len({r for r in self.brokers.values() if r is not None}) >= 2

    def run(self) -> None:
        self._check_cluster_id()
        self._check_targets()
        self._add_problems(check_cluster_policies(self.desired, self.observed))
        if self._selects_broker_configs():
            self._broker_configs()
        self._check_racks()
        self._check_decommission()
        in_flight = self._moves_in_flight()
        existing = self.observed.topics
        requests: dict[str, _Request] = {}
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
            request = self._replica_request(spec, moving)
            if request is not None:
                requests[name] = request
        targets = self._place(requests, in_flight)
        for name, target in sorted(targets.items()):
            self._reassign(self.desired.topics[name], target, requests[name].reasons,
                           in_flight.get(name, {}))
        self._decommission_ledger(in_flight)
        self._warn_decommission_leftovers()
        self._delete_topics()
        self._acls()
        self._quotas()
        self._users()
        self._order_min_insync()

    # --- selection ----------------------------------------------------------
    def _check_targets(self) -> None:
        """A target that names nothing is a mistake (a typo would plan "No changes")."""
        if self.targets is None or not self.targets.must_match:
            return
        topics = {name for name in [*self.desired.topics, *self.observed.user_topics()]
                  if self.desired.scope.topics.manages(name)}
        principals = {b.principal for b in [*self.desired.acls, *(self.observed.acls or ())]
                      if self.desired.scope.acls.manages(b)}
        users = {name for name in [*self.desired.users, *(self.observed.users or ())]
                 if self.desired.scope.users.manages((name,))}
        quota_names = {name for entity in [*self.desired.quotas, *(self.observed.quotas or ())]
                       if self.desired.scope.quotas.manages(entity.names)
                       for name in entity.names}
        for kind, what, names, known in (
            ("topic", "no topic", self.targets.topics, topics),
            ("acl", "no principal with ACL bindings", self.targets.principals, principals),
            ("user", "no SCRAM user", self.targets.users, users),
            ("quota", "no client quota entity", self.targets.quotas, quota_names),
        ):
            for name in sorted(names - known):
                hint = did_you_mean(f"{kind}/{name}", [f"{kind}/{n}" for n in known])
                self._refuse(None, "--target",
                             f"{kind}/{name} matches {what} the environment manages, in the "
                             "files or on the cluster" + (f"; {hint}" if hint else ""))

    def _selects_topic(self, name: str) -> bool:
        if not self.desired.scope.topics.manages(name):
            return False
        return self.targets is None or name in self.targets.topics

    def _selects_acl(self, binding: AclBinding) -> bool:
        return self.targets is None or binding.principal in self.targets.principals

    def _selects_broker_configs(self) -> bool:
        return self.targets is None or self.targets.broker_configs

    def _selects_quota(self, entity: QuotaEntity) -> bool:
        if not self.desired.scope.quotas.manages(entity.names):
            return False
        return self.targets is None or bool(self.targets.quotas & set(entity.names))

    def _selects_user(self, name: str) -> bool:
        if not self.desired.scope.users.manages((name,)):
            return False
        return self.targets is None or name in self.targets.users

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

    def _check_racks(self) -> None:
        """Rack-spread with some brokers lacking a rack is refused, as Kafka's
        rack-aware assignment refuses it, unless the environment says to
        count each such broker as a rack of its own."""
        racked, bare = placement.rack_information(self.brokers)
        if not (racked and bare) or self.desired.allow_missing_racks:
            return
        if any(self._selects_topic(name) and spec.placement is PlacementStrategy.RACK_SPREAD
               for name, spec in self.desired.topics.items()):
            self._refuse(None, "placement",
                         f"rack-spread needs every broker's rack, but {named('broker', bare)} "
                         f"{'has' if len(bare) == 1 else 'have'} no broker.rack while "
                         f"{named('broker', racked)} {'has' if len(racked) == 1 else 'have'} "
                         "one; set broker.rack, "
                         "or allowMissingRacks: true to count each as a rack of its own")

    def _check_decommission(self) -> None:
        """Every broker to decommission exists, or still holds replicas
        (a broker that is gone but not yet emptied)."""
        if not self.leaving:
            return
        if not self.observed.cluster.brokers:
            self._warn(None, "decommission", "the cluster reports no brokers: cannot check "
                       f"{named('broker', sorted(self.leaving))}")
            return
        holding = {b for info in self.observed.topics.values()
                   for p in info.partitions for b in p.replicas}
        unknown = sorted(self.leaving - set(self.observed.racks) - holding)
        if unknown:
            self._refuse(None, "decommission",
                         f"{named('broker', unknown)} "
                         + ("is not in the cluster and holds no" if len(unknown) == 1
                            else "are not in the cluster and hold no")
                         + f" replicas (brokers: {_ids(self.observed.broker_ids)}): a typo, "
                         "or a broker already decommissioned and retired; then remove it "
                         "from decommission")

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
                    if key in _KAFKA_KEEPS_CLUSTER_WIDE:
                        self._warn(None, f"cluster.brokerConfigs.{key}",
                                   f"set cluster-wide ({entry.value}) but not in the files: not "
                                   "removed, because Kafka refuses to while eligible leader "
                                   "replicas are enabled (the default from Kafka 4.1) and sets "
                                   "it itself; declare the value you want")
                        continue
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
            self._refuse(spec, "replicationFactor", self._too_few_brokers(spec))
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
            return _frozen(placement.place({spec.name: born}, brokers,
                                           spread={spec.name})[spec.name])
        return None

    def _topic_configs(self, spec: TopicSpec) -> None:
        if spec.name in self.observed.configs_unread:
            self._refuse(spec, "configs", f"the configs of topic {spec.name} could not be read: "
                         "kafkaform needs DESCRIBE_CONFIGS on the topics it manages "
                         "(or the topic was deleted meanwhile)")
            return
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
        """The value a topic override falls back to, for the plan's reader.

        In the order Kafka resolves it once the override is gone (apply sets
        broker configs first): the cluster-wide default the files set, the one
        the cluster has, then what topics without an override of the key
        inherit (a static `server.properties` value, possibly through another
        synonym such as `log.retention.hours`, or this Kafka's own default),
        and only then the catalog's default.
        """
        catalog = TOPIC_CONFIGS.get(key)
        synonym = catalog.broker_synonym if catalog else None
        if synonym and synonym in self.desired.broker_configs:
            return self.desired.broker_configs[synonym]
        broker_entry = self.observed.broker_configs.get(synonym or "")
        if broker_entry is not None and broker_entry.value is not None:
            return broker_entry.value
        if self._inherited is None:
            self._inherited = _inherited_values(self.observed)
        if key in self._inherited:
            return self._inherited[key]
        return catalog.default if catalog else None

    def _add_partitions(self, spec: TopicSpec, moving: Moving) -> None:
        info = self.observed.topics[spec.name]
        current = len(info.partitions)
        if spec.partitions < current:
            self._refuse(spec, "partitions",
                         f"topic {spec.name} has {plural(current, 'partition')}, the files ask for "
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
            reason=f"{_where(spec)} asks for {plural(spec.partitions, 'partition')}"
                   + self._broker_places(spec),
            sizing=_sizing(spec),
        ))

    def _new_partitions_assignment(
        self, spec: TopicSpec, current: Assignment
    ) -> tuple[tuple[int, ...], ...] | None:
        if spec.placement is PlacementStrategy.STATIC and spec.assignment is not None:
            return spec.assignment[len(current):]
        if spec.placement is PlacementStrategy.RACK_SPREAD and self.racked:
            return _frozen(placement.extend_partitions(current, spec.partitions, self.brokers))
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
    def _replica_request(self, spec: TopicSpec, moving: Moving) -> _Request | None:
        """What the existing partitions' replicas need, and why.

        Partitions in `moving` count as where their moves end. None when
        nothing can move them: refused, or no rule asks for a move and none is
        in flight (the common case, checked without copying the assignment).
        """
        partitions = _settled(self.observed.topics[spec.name].partitions, moving)
        current = [list(p.replicas) for p in partitions] if partitions else []
        if spec.replication_factor > len(self.brokers):
            self._refuse(spec, "replicationFactor", self._too_few_brokers(spec))
            return None
        if spec.placement is PlacementStrategy.STATIC and spec.assignment is not None:
            if not moving and all(
                p.replicas == r for p, r in zip(partitions, spec.assignment, strict=False)
            ):
                return None
            target = [list(r) for r in spec.assignment[: len(partitions)]]
            unknown = sorted({b for r in target for b in r} - set(self.brokers))
            if unknown:
                self._refuse(spec, "placement",
                             f"static placement uses brokers {unknown} that are not live "
                             "(or are being decommissioned)")
                return None
            return _Request(current, [f"static placement at {_where(spec)}"], target)
        reasons = []
        leaving = self.leaving & {b for p in partitions for b in p.replicas}
        if leaving:
            reasons.append(f"decommission {named('broker', sorted(leaving))}")
        rf = sorted({len(p.replicas) for p in partitions})
        if rf != [spec.replication_factor]:
            reasons.append(f"replication factor {'/'.join(map(str, rf))} → "
                           f"{spec.replication_factor}")
        if spec.placement is PlacementStrategy.RACK_SPREAD:
            short = sum(self.layout.missing(p.replicas) > 0 for p in partitions)
            if short:
                reasons.append(f"rack-spread: {plural(short, 'partition')} span fewer than "
                               "min(replicas, racks) racks")
        if reasons or self.desired.rebalance:
            return _Request(current, reasons)
        if moving:
            return _Request(current, [], current)
        return None

    def _too_few_brokers(self, spec: TopicSpec) -> str:
        rf = spec.replication_factor
        if not self.leaving:
            return (f"replication factor {rf} is more than the "
                    f"{plural(len(self.brokers), 'live broker')}")
        return (f"replication factor {rf} needs {rf} brokers, but {len(self.brokers)} would "
                f"remain ({_ids(sorted(self.brokers))}) once "
                f"{named('broker', sorted(self.leaving))} leave (decommission)")

    def _place(self, requests: dict[str, _Request],
               in_flight: dict[str, Moving]) -> dict[str, Assignment]:
        """Targets for every topic in `requests`: static ones as written, the
        rest from one placement problem, with the replicas and leaders of
        every other topic (as they will be once moves in flight end) as
        load the cluster-wide balance counts.

        kafkaform's own topics are no load: they come and go with its runs,
        so counting them made `plan` (no lock topic yet) and apply's plan
        (lock held) differ, and apply's verification (the throttle ledger
        just created) want one more leader reorder: "reassign 1 partition
        (0 replica moves) is still planned after apply" on Apache Kafka."""
        targets = {name: r.target for name, r in requests.items() if r.target is not None}
        solve = {name: r.current for name, r in requests.items() if r.target is None}
        if not solve:
            return targets
        load: Counter[int] = Counter()
        leaders: Counter[int] = Counter()
        for name, info in self.observed.topics.items():
            if name in solve or is_kafkaform_topic(name):
                continue
            parts = targets.get(name) or [
                list(p.replicas)
                for p in _settled(info.partitions, in_flight.get(name, {}))
            ]
            load.update(b for r in parts for b in r if b in self.brokers)
            leaders.update(r[0] for r in parts if r and r[0] in self.brokers)
        specs = self.desired.topics
        targets.update(placement.place(
            solve, self.brokers,
            replication={name: specs[name].replication_factor for name in solve},
            spread={name for name in solve
                    if specs[name].placement is PlacementStrategy.RACK_SPREAD},
            leaving=self.leaving, rebalance=self.desired.rebalance,
            load=load, leaders=leaders,
        ))
        return targets

    def _reassign(self, spec: TopicSpec, target: Assignment, reasons: list[str],
                  moving: Moving) -> None:
        current = self.observed.topics[spec.name].partitions
        moves: list[PartitionMove] = []
        astray: list[str] = []
        # Tuples as they are, no copies: this runs once per partition of a reassignment.
        for p, (info, after) in enumerate(zip(current, map(tuple, target), strict=False)):
            move = moving.get(p)
            if move is None:
                if info.replicas != after:
                    moves.append(PartitionMove(p, info.replicas, after))
            elif in_flight_target(move) == after:
                moves.append(PartitionMove(p, in_flight_origin(move), after, True))
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

    # --- safe order ------------------------------------------------------------
    def _order_min_insync(self) -> None:
        """min.insync.replicas moves with the replication factor, never ahead of it.

        Raised together with the RF, a topic's min.insync.replicas waits until the
        topic's replicas have moved: raised first, the topic would sit at its old RF
        with the new min.insync.replicas for the whole copy (RF 2 with 2: one broker
        down stops acks=all writes; docs/reassignment.md: "RF 3 first, then the
        config"). Lowered together with the RF, it is lowered first (the config
        phase precedes the moves), and the reason says so. The cluster-wide default
        waits as well when topics that inherit it reach their new RF in this plan.
        """
        rf_changes = [(a, _changes_rf(a)) for a in self.actions if isinstance(a, Reassign)]
        rising = {a.topic: _replication_factor(a) for a, change in rf_changes if change > 0}
        falling = {a.topic: _replication_factor(a) for a, change in rf_changes if change < 0}
        ordered: list[Action] = []
        for action in self.actions:
            if isinstance(action, AlterTopicConfigs) and action.topic in rising:
                ordered += _after_moves(action, f"replication factor {rising[action.topic]}")
            elif isinstance(action, AlterTopicConfigs) and action.topic in falling and any(
                c.key == MIN_INSYNC and not _raises_min_insync(c) for c in action.changes
            ):
                ordered.append(replace(action, reason=(
                    f"{action.reason}; lowered before the replicas move: the replication "
                    f"factor falls to {falling[action.topic]} next")))
            elif isinstance(action, SetBrokerConfigs):
                inheriting = sorted(n for n in rising if self._inherits_min_insync(n))
                needs = "the new replication factor of " + listed(
                    [f"topic {n}" for n in inheriting])
                ordered += _after_moves(action, needs) if inheriting else [action]
                self._warn_low_rf_topics(action, rising)
            else:
                ordered.append(action)
        self.actions = ordered

    def _inherits_min_insync(self, name: str) -> bool:
        """Whether the topic takes min.insync.replicas from the cluster once applied."""
        spec = self.desired.topics.get(name)
        if spec is not None and self._selects_topic(name):
            return MIN_INSYNC not in spec.configs
        entry = self.observed.topic_configs.get(name, {}).get(MIN_INSYNC)
        return entry is None or entry.source is not ConfigSource.DYNAMIC_TOPIC_CONFIG

    def _warn_low_rf_topics(self, action: SetBrokerConfigs, rising: dict[str, int]) -> None:
        """Topics this plan leaves below a raised cluster-wide min.insync.replicas."""
        raised = [c for c in action.changes if c.key == MIN_INSYNC and _raises_min_insync(c)]
        if not raised or raised[0].after is None:
            return
        value = int(raised[0].after)
        low = sorted(
            name for name, info in self.observed.user_topics().items()
            if rising.get(name, info.replication_factor) < value
            and self._inherits_min_insync(name)
        )
        if low:
            self._warn(None, f"cluster.brokerConfigs.{MIN_INSYNC}",
                       f"{plural(len(low), 'topic')} inherit min.insync.replicas {value} at a "
                       f"lower replication factor: acks=all writes to them will fail: "
                       + listed(low))

    def _moves_in_flight(self) -> dict[str, Moving]:
        by_topic: dict[str, Moving] = {}
        for tp, move in self.observed.reassignments.items():
            if move.adding or move.removing:
                by_topic.setdefault(tp.topic, {})[tp.partition] = move
        return by_topic

    def _decommission_ledger(self, in_flight: dict[str, Moving]) -> None:
        """kafkaform's throttle ledger leaves the decommissioned brokers too.

        Kafka placed it when kafkaform first throttled a move, often onto a
        broker that joined for that very rebalance; left there, stopping the
        broker would leave it under-replicated (seen on Apache Kafka 4.4).
        """
        info = self.observed.topics.get(THROTTLE_LEDGER_TOPIC)
        if info is None or self.targets is not None or THROTTLE_LEDGER_TOPIC in in_flight:
            return
        current = info.assignment
        leaving = self.leaving & {b for r in current for b in r}
        if not leaving:
            return
        try:
            target = placement.place({THROTTLE_LEDGER_TOPIC: current}, self.brokers,
                                     leaving=self.leaving)[THROTTLE_LEDGER_TOPIC]
        except ValueError as error:
            self._refuse(None, "decommission", f"{THROTTLE_LEDGER_TOPIC}: {error}")
            return
        moves = tuple(PartitionMove(p, tuple(before), tuple(after))
                      for p, (before, after) in enumerate(zip(current, target, strict=True))
                      if list(before) != list(after))
        self.actions.append(Reassign(
            THROTTLE_LEDGER_TOPIC, moves,
            reason=f"kafkaform's throttle ledger; decommission {named('broker', sorted(leaving))}",
            throttle_bytes_per_sec=self.desired.reassignment.throttle_bytes_per_sec,
        ))

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
            self._warn(None, "decommission",
                       f"replicas of {plural(len(left), 'topic')} not declared in the files "
                       f"stay on {named('broker', sorted(leaving))}: {_first(left)}")
        # Kafka's and other tools' internal topics (__consumer_offsets,
        # __transaction_state, _schemas ...) are never planned; stopping the
        # broker would leave them under-replicated, so say so.
        internal = sorted(
            name for name, info in self.observed.topics.items()
            if (info.internal or is_internal_topic(name)) and name != THROTTLE_LEDGER_TOPIC
            if leaving & {b for r in info.assignment for b in r}
        )
        if internal:
            self._warn(None, "decommission",
                       f"replicas of {plural(len(internal), 'internal topic')} stay on "
                       f"{named('broker', sorted(leaving))}, "
                       f"and kafkaform never moves them: {_first(internal)}; move them before "
                       "stopping the broker (kafkaform reassign generate --topics-to-move "
                       "... --broker-list ..., then reassign execute)")

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

    # --- client quotas ------------------------------------------------------
    def _quotas(self) -> None:
        wanted = {e: q for e, q in self.desired.quotas.items() if self._selects_quota(e)}
        observed = self.observed.quotas
        if observed is None:
            if wanted:
                self._unreadable("quotas", Api.DESCRIBE_CLIENT_QUOTAS,
                                 plural(len(wanted), "client quota"))
            return
        for entity, spec in sorted(wanted.items(), key=lambda item: item[0].sort_key):
            current = observed.get(entity, {})
            changes = [QuotaChange(key, current.get(key), value)
                       for key, value in sorted(spec.values.items()) if current.get(key) != value]
            changes += [QuotaChange(key, value, None)
                        for key, value in sorted(current.items()) if key not in spec.values]
            if changes:
                where = spec.source or "the files"
                self.actions.append(SetClientQuota(
                    entity, tuple(changes), new_entity=not current,
                    reason=(f"quotas differ from {where}" if current
                            else f"declared at {where}, not on the cluster"),
                ))
        if not self.desired.scope.quotas.delete:
            return
        for entity, values in sorted(observed.items(), key=lambda item: item[0].sort_key):
            if entity not in self.desired.quotas and self._selects_quota(entity):
                self.actions.append(SetClientQuota(
                    entity, tuple(QuotaChange(k, v, None) for k, v in sorted(values.items())),
                    removes_entity=True, reason="not in the files, and manage.quotas.delete is on",
                ))

    # --- SCRAM users --------------------------------------------------------
    def _users(self) -> None:
        wanted = {n: u for n, u in self.desired.users.items() if self._selects_user(n)}
        observed = self.observed.users
        if observed is None:
            if wanted:
                self._unreadable("users", Api.DESCRIBE_USER_SCRAM_CREDENTIALS,
                                 plural(len(wanted), "SCRAM user"))
            return
        for name, spec in sorted(wanted.items()):
            self._user(spec, observed.get(name, {}), self.observed.password_records.get(name))
        if not self.desired.scope.users.delete:
            return
        for name, credentials in sorted(observed.items()):
            if name not in self.desired.users and self._selects_user(name):
                gone = tuple(CredentialChange(m, i, None) for m, i in sorted(credentials.items()))
                self.actions.append(DeleteUserCredentials(
                    name, gone, whole_user=True,
                    reason="not in the files, and manage.users.delete is on",
                ))

    def _user(self, spec: UserSpec, current: dict, record: PasswordRecord | None) -> None:
        where = spec.source or "the files"
        changes = [CredentialChange(m, current.get(m), i)
                   for m, i in sorted(spec.credentials.items()) if current.get(m) != i]
        reasons = [f"declared at {where}, not on the cluster"] if not current else [
            f"{c.mechanism} " + ("not on the cluster" if c.before is None
                                 else f"iterations {c.before} → {c.after}")
            for c in changes]
        rotation = _rotation(spec, record) if current else None
        if rotation:
            reasons.append(rotation)
        if changes or rotation:
            # Every mechanism gets the password, so all of them carry the one
            # the files name (and the record says), never two different ones.
            changed = {c.mechanism for c in changes}
            changes = sorted(changes + [CredentialChange(m, i, i) for m, i in
                                        spec.credentials.items() if m not in changed],
                             key=lambda c: c.mechanism)
        if changes and spec.password is None:
            source = spec.source
            self._add_problems([Problem(
                source.file if source else None, source.line if source else None,
                f"users[{spec.name}].password",
                "; ".join(reasons) + ": that sets the password, and the user has no password "
                "reference (add `password: ${VAR}` or `passwordFile: PATH`)")])
        elif changes:
            assert spec.password is not None
            self.actions.append(SetUserCredentials(
                spec.name, tuple(changes), spec.password.describe(), new_user=not current,
                reason="; ".join(reasons)))
        removed = [CredentialChange(m, i, None)
                   for m, i in sorted(current.items()) if m not in spec.credentials]
        if removed:
            self.actions.append(DeleteUserCredentials(
                spec.name, tuple(removed), whole_user=False,
                reason=f"{', '.join(c.mechanism for c in removed)} not declared at {where}"))

    def _unreadable(self, what: str, api: Api, declared: str) -> None:
        """Refuse to plan what the cluster cannot show (Tansu: no quota APIs)."""
        address = self.observed.cluster.address or "the given address"
        why = (does_not_support(address, [api]) if api not in self.observed.capabilities
               else f"cannot read the cluster's {what}: "
                    + self.observed.unreadable.get(what, "not allowed"))
        self._refuse(None, what, f"{why}: {declared} cannot be planned")


# --- small pure helpers -----------------------------------------------------
def _rotation(spec: UserSpec, record: PasswordRecord | None) -> str | None:
    """Why an existing user's password is set again, or None.

    Passwords cannot be read back from Kafka; what kafkaform last set them
    from is in its users ledger. Setting the same secret again is harmless
    (clients keep working; only the salt changes), so when in doubt it is set.
    """
    if spec.password is None:
        return None
    new = spec.password.describe()
    if record is None:
        return f"no record that kafkaform set this password: set it from {new}"
    if record.reference != spec.password:
        return f"the password now comes from {new} (was {record.reference.describe()})"
    if record.version != spec.password_version:
        return f"passwordVersion {record.version} → {spec.password_version}: set it again"
    return None



def _unplannable(entry: ConfigEntry | None) -> bool:
    return entry is not None and (entry.read_only or entry.sensitive)


# Sources of a value a topic inherits from every broker alike. A per-broker
# dynamic config (DYNAMIC_BROKER_CONFIG) differs by the broker that answered.
_CLUSTER_WIDE_SOURCES = (ConfigSource.STATIC_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG)


def _inherited_values(observed: ObservedState) -> dict[str, str]:
    """Each topic config's value on topics that do not override it, as the
    broker reports it: static broker configs win over Kafka's defaults."""
    found: dict[str, tuple[int, str]] = {}
    for entries in observed.topic_configs.values():
        for key, entry in entries.items():
            if entry.source in _CLUSTER_WIDE_SOURCES and entry.value is not None:
                rank = _CLUSTER_WIDE_SOURCES.index(entry.source)
                if key not in found or rank < found[key][0]:
                    found[key] = (rank, entry.value)
    return {key: value for key, (_, value) in found.items()}


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


def _first(names: list[str], shown: int = 5) -> str:
    """The first few names, then how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


MIN_INSYNC = "min.insync.replicas"


def _replication_factor(action: Reassign) -> int:
    return max(len(m.after) for m in action.moves)


def _changes_rf(action: Reassign) -> int:
    """> 0 when the moves raise the replication factor, < 0 when they lower it."""
    return max((len(m.after) - len(m.before) for m in action.moves), key=abs, default=0)


def _raises_min_insync(change: ConfigChange) -> bool:
    """A min.insync.replicas change to a higher value (unset counts as Kafka's 1)."""
    after = change.after if change.after is not None else change.default
    return (change.key == MIN_INSYNC and after is not None
            and int(after) > int(change.before or KAFKA_DEFAULT_MIN_INSYNC))


def _after_moves(action: AlterTopicConfigs | SetBrokerConfigs, needs: str) -> list[Action]:
    """The action split in two: its min.insync.replicas raise moved after the
    replica moves (with a reason naming what it waits for), the rest as it was."""
    raised = tuple(c for c in action.changes if _raises_min_insync(c))
    if not raised:
        return [action]
    rest = tuple(c for c in action.changes if c not in raised)
    value = raised[0].after if raised[0].after is not None else raised[0].default
    waiting = replace(action, changes=raised, after_moves=True, reason=(
        f"after the replicas move: min.insync.replicas {value} needs {needs} first "
        "(raised before, one broker down would stop acks=all writes during the copy)"))
    return [replace(action, changes=rest), waiting] if rest else [waiting]


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


