"""An in-memory Kafka cluster with Kafka's rules and error codes.

The test double for everything a local broker cannot show (racks, broker
failures, reassignments that take time) and the engine behind `--snapshot`.
Behaviour follows the KRaft controller (apache/kafka metadata module:
ReplicationControlManager, PartitionReassignmentReplicas/Revert,
ConfigurationControlManager, ClientQuotaControlManager, ScramControlManager)
unless a comment says otherwise.

Time does not pass by itself: reassignments progress only through `tick()`,
so tests decide exactly when replicas catch up.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kafkaform.cluster.acl_filter import AclFilter
from kafkaform.cluster.memory_configs import ClusterConfigs
from kafkaform.cluster.port import AdminContext
from kafkaform.core.kafka_rules import (
    check_client_quota,
    check_new_acl,
    check_scram_upsertion,
    check_topic_name,
    cluster_error,
)
from kafkaform.core.model import AclBinding, QuotaEntity, ScramMechanism
from kafkaform.core.observed import (
    Api,
    BrokerInfo,
    ClusterInfo,
    ConfigEntry,
    LogDirPartitionSize,
    PartitionInfo,
    ReassignmentInProgress,
    TopicInfo,
    TopicPartition,
    does_not_support,
)
from kafkaform.core.placement.kafka_default import assign_replicas
from kafkaform.core.requests import (
    ConfigOp,
    ConfigOpType,
    NewPartitions,
    NewTopic,
    ScramAlteration,
    ScramUpsertion,
    scram_rounds,
)
from kafkaform.errors import ClusterError, KafkaformError, UnsupportedApi

Key = TypeVar("Key")
Value = TypeVar("Value")

# Kafka's Topic.isInternal: the topics the broker itself flags as internal.
KAFKA_INTERNAL_TOPICS = frozenset({"__consumer_offsets", "__transaction_state"})


@dataclass
class _Partition:
    replicas: list[int]
    leader: int | None
    isr: list[int]
    adding: list[int] = field(default_factory=list)
    removing: list[int] = field(default_factory=list)
    size_bytes: int | None = None  # None: not reported (no set_partition_size)


@dataclass
class _Topic:
    partitions: list[_Partition]
    configs: dict[str, str] = field(default_factory=dict)
    internal: bool = False
    records: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Credential:
    """What Kafka keeps of a SCRAM password: salt, iterations and the salted
    password (RFC 5802's Hi(), i.e. PBKDF2-HMAC), from which it derives its keys."""

    iterations: int
    salt: bytes
    salted_password: bytes = field(repr=False)


_SCRAM_HASHES = {ScramMechanism.SCRAM_SHA_256: "sha256", ScramMechanism.SCRAM_SHA_512: "sha512"}


def _salted(mechanism: ScramMechanism, password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac(_SCRAM_HASHES[mechanism], password.encode(), salt, iterations)


def _port_call(api: Api | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Count the call, refuse an API the cluster lacks, apply injected failures."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: MemoryCluster, *args: Any, **kwargs: Any) -> Any:
            self.calls[method.__name__] += 1
            if api is not None and api not in self._capabilities:
                raise UnsupportedApi(api.value, does_not_support(self.address, [api]))
            failure = self._take_failure(method.__name__, None)
            if failure is not None:
                raise failure
            result = method(self, *args, **kwargs)
            lost = self._take_failure(method.__name__, _ANSWER_LOST)
            if lost is not None:
                raise lost
            return result

        return wrapper

    return decorate


# The "item" of a failure raised after the call took effect (`lose_answer`).
_ANSWER_LOST = object()


class MemoryCluster(AdminContext):
    """Implements `ClusterAdmin` in memory; see the module docstring."""

    def __init__(
        self,
        brokers: int | Sequence[BrokerInfo] = 3,
        racks: Sequence[str] | None = None,
        cluster_id: str = "memory-cluster",
        capabilities: frozenset[Api] | None = None,
        *,
        static_broker_configs: Mapping[str, str] | None = None,
        authorizer: bool = True,
        replicas_per_tick: int = 1,
    ) -> None:
        """`brokers` is a count (ids 1..N) or explicit BrokerInfos; `racks` are
        dealt to counted brokers in turn (6 brokers, racks a,b,c -> a,b,c,a,b,c).
        `authorizer=False` models a cluster without one (ACL calls fail with
        SECURITY_DISABLED). `replicas_per_tick` is how many adding replicas of
        each moving partition catch up per `tick()`."""
        if isinstance(brokers, int):
            brokers = [
                BrokerInfo(i, f"broker-{i}", 9092, racks[(i - 1) % len(racks)] if racks else None)
                for i in range(1, brokers + 1)
            ]
        self._brokers = {b.id: b for b in brokers}
        self._live = set(self._brokers)
        self.cluster_id = cluster_id
        # The broker describe_cluster names as controller (default: lowest live id).
        self.controller_id: int | None = None
        self.address = f"memory://{cluster_id}"
        self._capabilities = frozenset(Api) if capabilities is None else frozenset(capabilities)
        self.configs = ClusterConfigs(static_broker_configs)
        self.authorizer = authorizer
        self.replicas_per_tick = replicas_per_tick
        self._topics: dict[str, _Topic] = {}
        self._acls: set[AclBinding] = set()
        self._quotas: dict[QuotaEntity, dict[str, float]] = {}
        self._scram: dict[str, dict[ScramMechanism, _Credential]] = {}
        self._failures: list[tuple[str, object, KafkaformError]] = []
        self.calls: Counter[str] = Counter()
        # Topics whose configs the principal may not describe (DESCRIBE
        # without DESCRIBE_CONFIGS): Kafka's authorizer refuses them one by one.
        self.configs_denied: set[str] = set()

    # --- builders for tests ---------------------------------------------------
    @classmethod
    def with_racks(cls, brokers: int = 6, racks: int = 3, **kwargs: Any) -> MemoryCluster:
        """`with_racks(6, 3)`: brokers 1..6 on racks rack-1, rack-2, rack-3 in turn."""
        return cls(brokers, [f"rack-{r}" for r in range(1, racks + 1)], **kwargs)

    def add_topic(
        self,
        name: str,
        assignment: Sequence[Sequence[int]],
        configs: Mapping[str, str] | None = None,
        *,
        leaders: Sequence[int | None] | None = None,
        isrs: Sequence[Sequence[int]] | None = None,
        internal: bool | None = None,
    ) -> None:
        """Put a topic in place as-is (no validation, no port call): test setup
        and snapshot loading. Leaders default to the first replica, ISRs to all;
        a broker named in replicas that the cluster lacks is added, stopped."""
        partitions = [
            _Partition(
                list(replicas),
                replicas[0] if leaders is None else leaders[i],
                list(replicas if isrs is None else isrs[i]),
            )
            for i, replicas in enumerate(assignment)
        ]
        for broker_id in {b for replicas in assignment for b in replicas} - set(self._brokers):
            self._brokers[broker_id] = BrokerInfo(broker_id, f"broker-{broker_id}", 9092)
        is_internal = name in KAFKA_INTERNAL_TOPICS if internal is None else internal
        self._topics[name] = _Topic(partitions, dict(configs or {}), is_internal)

    def set_reassignment(
        self, tp: TopicPartition, adding: Iterable[int], removing: Iterable[int]
    ) -> None:
        """Mark a move in progress on a partition whose replicas are already the union."""
        partition = self._partition(tp)
        partition.adding, partition.removing = sorted(adding), sorted(removing)

    def set_broker_config(self, broker: int | None, name: str, value: str | None) -> None:
        """Set a dynamic broker config as-is (value None = sensitive)."""
        self.configs.set_broker(broker, name, value)

    def add_acls(self, bindings: Iterable[AclBinding]) -> None:
        """Add bindings without a port call; ClusterError if Kafka would refuse one."""
        for binding in bindings:
            check_new_acl(binding)
            self._acls.add(binding)

    def set_quota(self, entity: QuotaEntity, values: Mapping[str, float]) -> None:
        """Set an entity's quotas without a port call; ClusterError if Kafka would refuse."""
        check_client_quota(entity, dict(values))
        self._quotas.setdefault(entity, {}).update(values)

    def set_scram_credential(self, user: str, mechanism: ScramMechanism, iterations: int,
                             password: str | None = None) -> None:
        """Give a user a SCRAM credential without a port call (a snapshot's users
        have no known password: then none authenticates)."""
        check_scram_upsertion(user, iterations)
        salt = os.urandom(16)
        salted = (os.urandom(64) if password is None
                  else _salted(mechanism, password, salt, iterations))
        self._scram.setdefault(user, {})[mechanism] = _Credential(iterations, salt, salted)

    def authenticates(self, user: str, mechanism: ScramMechanism, password: str) -> bool:
        """Whether a SCRAM login as `user` with `password` would succeed."""
        credential = self._scram.get(user, {}).get(mechanism)
        if credential is None:
            return False
        tried = _salted(mechanism, password, credential.salt, credential.iterations)
        return hmac.compare_digest(tried, credential.salted_password)

    def set_partition_size(self, tp: TopicPartition, size_bytes: int) -> None:
        self._partition(tp).size_bytes = size_bytes

    def stopped_brokers(self) -> list[int]:
        return sorted(set(self._brokers) - self._live)

    # --- failure injection and time ---------------------------------------------
    def fail_next(self, method: str, error: KafkaformError, item: object = None) -> None:
        """Make the next call of `method` fail, or only `item` within it."""
        self._failures.append((method, item, error))

    def lose_answer(self, method: str, error: KafkaformError) -> None:
        """Make the next call of `method` take effect, then raise `error`: the
        cluster did it, the answer never arrived (a timeout, a cut connection)."""
        self._failures.append((method, _ANSWER_LOST, error))

    def _take_failure(self, method: str, item: object) -> KafkaformError | None:
        for index, (m, i, error) in enumerate(self._failures):
            if m == method and i == item:
                del self._failures[index]
                return error
        return None

    def tick(self, n: int = 1) -> None:
        """Let time pass: live replicas out of the ISR catch up and join it
        (`replicas_per_tick` per partition per tick), and moves whose target
        replicas are all in sync complete.

        Every assigned replica catches up, not only those a reassignment lists
        as adding: Kafka's followers fetch whatever they are assigned, and a
        reassignment resubmitted with the same target leaves KRaft's adding
        list empty while the new replica is still behind.
        """
        for _ in range(n):
            for partition in self._all_partitions():
                if partition.leader is None:
                    continue
                behind = [
                    b for b in partition.replicas if b not in partition.isr and b in self._live
                ]
                for broker_id in behind[: self.replicas_per_tick]:
                    partition.isr = self._in_replica_order(partition, {*partition.isr, broker_id})
                self._maybe_complete_reassignment(partition)

    def stop_broker(self, broker_id: int) -> None:
        """Fence a broker: it leaves every ISR it is not the last member of, and
        partitions it led get a new leader from the ISR, or none (offline)."""
        self._live.discard(broker_id)
        for name, topic in self._topics.items():
            for partition in topic.partitions:
                if broker_id not in partition.isr:
                    continue
                isr = [b for b in partition.isr if b != broker_id]
                leader = partition.leader if partition.leader in isr else None
                if leader is None:
                    leader = self._best_leader(partition.replicas, isr, self._unclean_ok(name))
                if leader is not None and leader not in isr:
                    isr = [leader]  # unclean election resets the ISR to the leader
                partition.leader, partition.isr = leader, isr or partition.isr

    def start_broker(self, broker_id: int) -> None:
        """Unfence a broker: it leads partitions that had no leader and it is in
        the ISR of; then live replicas of its partitions catch up into the ISR."""
        self._live.add(broker_id)
        for name, topic in self._topics.items():
            for partition in topic.partitions:
                if broker_id not in partition.replicas:
                    continue
                if partition.leader is None:
                    leader = self._best_leader(
                        partition.replicas, partition.isr, self._unclean_ok(name)
                    )
                    if leader is not None and leader not in partition.isr:
                        partition.isr = [leader]
                    partition.leader = leader
                if partition.leader is not None:  # live followers catch up (moves wait for ticks)
                    followers = {b for b in partition.replicas if b in self._live}
                    in_sync = {*partition.isr, *(followers - set(partition.adding))}
                    partition.isr = self._in_replica_order(partition, in_sync)
                self._maybe_complete_reassignment(partition)

    # --- reading ---------------------------------------------------------------
    @_port_call(None)
    def describe_cluster(self) -> ClusterInfo:
        live = [self._brokers[b] for b in sorted(self._live)]
        controller = self.controller_id if self.controller_id in self._live else None
        if controller is None and live:
            controller = live[0].id
        return ClusterInfo(self.cluster_id, controller, tuple(live), self.address)

    @_port_call(None)
    def capabilities(self) -> frozenset[Api]:
        return self._capabilities

    @_port_call(None)
    def list_topics(self) -> dict[str, TopicInfo]:
        return {
            name: TopicInfo(
                name,
                tuple(
                    PartitionInfo(i, tuple(p.replicas), p.leader, tuple(p.isr))
                    for i, p in enumerate(topic.partitions)
                ),
                topic.internal,
            )
            for name, topic in sorted(self._topics.items())
        }

    @_port_call(Api.DESCRIBE_CONFIGS)
    def describe_topic_configs(self, topics: Sequence[str]) -> dict[str, dict[str, ConfigEntry]]:
        """Like the Kafka adapter, topics that do not exist (any more) or whose
        configs may not be described are left out."""
        inherited = self.configs.inherited_topic_entries()
        return {
            t: self.configs.topic_entries(self._topics[t].configs, inherited)
            for t in topics
            if t in self._topics and t not in self.configs_denied
        }

    @_port_call(Api.DESCRIBE_CONFIGS)
    def describe_broker_configs(
        self, broker_ids: Sequence[int | None]
    ) -> dict[int | None, dict[str, ConfigEntry]]:
        result: dict[int | None, dict[str, ConfigEntry]] = {}
        for broker_id in broker_ids:
            if broker_id is None:
                result[None] = self.configs.cluster_default_entries()
            elif broker_id in self._live:
                result[broker_id] = self.configs.broker_entries(broker_id)
            else:
                raise cluster_error(
                    "BROKER_NOT_AVAILABLE", f"broker {broker_id} is not available", retriable=True
                )
        return result

    @_port_call(Api.DESCRIBE_ACLS)
    def describe_acls(self) -> frozenset[AclBinding]:
        return frozenset(self.find_acls(AclFilter()))

    def find_acls(self, acl_filter: AclFilter) -> list[AclBinding]:
        """DescribeAcls with a full filter (the port only needs 'all')."""
        self._require_authorizer()
        return sorted(b for b in self._acls if acl_filter.matches(b))

    @_port_call(Api.LIST_PARTITION_REASSIGNMENTS)
    def list_partition_reassignments(self) -> dict[TopicPartition, ReassignmentInProgress]:
        return {
            TopicPartition(name, i): ReassignmentInProgress(
                name, i, tuple(p.replicas), tuple(p.adding), tuple(p.removing)
            )
            for name, topic in sorted(self._topics.items())
            for i, p in enumerate(topic.partitions)
            if p.adding or p.removing
        }

    @_port_call(Api.DESCRIBE_LOG_DIRS)
    def describe_log_dirs(self) -> list[LogDirPartitionSize]:
        """Sizes on live brokers, for partitions given one (a cluster written
        by hand without sizes reports none, so plans say the bytes are
        unknown); a replica still catching up reports 0 bytes."""
        return [
            LogDirPartitionSize(b, name, i, p.size_bytes if b in p.isr else 0)
            for name, topic in sorted(self._topics.items())
            for i, p in enumerate(topic.partitions)
            if p.size_bytes is not None
            for b in p.replicas
            if b in self._live
        ]

    @_port_call(Api.DESCRIBE_CLIENT_QUOTAS)
    def describe_client_quotas(self) -> dict[QuotaEntity, dict[str, float]]:
        return {entity: dict(values) for entity, values in self._quotas.items()}

    @_port_call(Api.DESCRIBE_USER_SCRAM_CREDENTIALS)
    def describe_scram_credentials(self) -> dict[str, dict[ScramMechanism, int]]:
        return {user: {m: c.iterations for m, c in credentials.items()}
                for user, credentials in sorted(self._scram.items())}

    @_port_call(None)
    def read_records(self, topic: str) -> list[tuple[str, str]]:
        # As the Kafka adapter: a topic that does not exist has no records (its
        # DescribeTopics finds none to read), it is not an error.
        existing = self._topics.get(topic)
        return list(existing.records) if existing is not None else []

    # --- writing ---------------------------------------------------------------
    @_port_call(Api.CREATE_TOPICS)
    def create_topics(self, topics: Sequence[NewTopic]) -> dict[str, ClusterError | None]:
        counts = Counter(t.name for t in topics)
        requested = {t.name: t for t in topics if counts[t.name] == 1}
        results = self._each("create_topics", requested, lambda _, new: self._create_topic(new))
        for name in (n for n, count in counts.items() if count > 1):  # Kafka creates neither
            results[name] = cluster_error("INVALID_REQUEST", f"duplicate topic {name}")
        return results

    @_port_call(Api.CREATE_PARTITIONS)
    def create_partitions(
        self, increases: Sequence[NewPartitions]
    ) -> dict[str, ClusterError | None]:
        requested = {i.topic: i for i in increases}
        return self._each("create_partitions", requested, lambda _, i: self._create_partitions(i))

    @_port_call(Api.INCREMENTAL_ALTER_CONFIGS)
    def alter_topic_configs(
        self, changes: Mapping[str, Sequence[ConfigOp]]
    ) -> dict[str, ClusterError | None]:
        def alter(topic: str, ops: Sequence[ConfigOp]) -> None:
            if topic not in self._topics:
                raise cluster_error("UNKNOWN_TOPIC_OR_PARTITION", f"topic {topic} does not exist")
            self._topics[topic].configs = self.configs.alter_topic(self._topics[topic].configs, ops)

        return self._each("alter_topic_configs", changes, alter)

    @_port_call(Api.INCREMENTAL_ALTER_CONFIGS)
    def alter_broker_configs(
        self, changes: Mapping[int | None, Sequence[ConfigOp]]
    ) -> dict[int | None, ClusterError | None]:
        def alter(broker: int | None, ops: Sequence[ConfigOp]) -> None:
            if broker is not None and broker not in self._live:
                raise cluster_error(
                    "BROKER_NOT_AVAILABLE", f"broker {broker} is not available", retriable=True
                )
            self.configs.alter_broker(broker, ops)

        return self._each("alter_broker_configs", changes, alter)

    @_port_call(Api.DELETE_TOPICS)
    def delete_topics(self, topics: Sequence[str]) -> dict[str, ClusterError | None]:
        def delete(topic: str, _: None) -> None:
            if self._topics.pop(topic, None) is None:
                raise cluster_error("UNKNOWN_TOPIC_OR_PARTITION", f"topic {topic} does not exist")

        return self._each("delete_topics", dict.fromkeys(topics), delete)

    @_port_call(Api.CREATE_ACLS)
    def create_acls(self, bindings: Sequence[AclBinding]) -> dict[AclBinding, ClusterError | None]:
        """Creating a binding that exists succeeds and changes nothing, as in Kafka."""

        def create(binding: AclBinding, _: None) -> None:
            self._require_authorizer()
            self.add_acls([binding])

        return self._each("create_acls", dict.fromkeys(bindings), create)

    @_port_call(Api.DELETE_ACLS)
    def delete_acls(self, bindings: Sequence[AclBinding]) -> dict[AclBinding, ClusterError | None]:
        """A filter matching nothing is a success, as in Kafka."""
        return self._each(
            "delete_acls",
            dict.fromkeys(bindings),
            lambda b, _: self.delete_matching_acls(AclFilter.exact(b)),
        )

    def delete_matching_acls(self, acl_filter: AclFilter) -> list[AclBinding]:
        """DeleteAcls with a full filter; returns the bindings removed."""
        matched = self.find_acls(acl_filter)
        self._acls.difference_update(matched)
        return matched

    @_port_call(Api.ALTER_PARTITION_REASSIGNMENTS)
    def alter_partition_reassignments(
        self, targets: Mapping[TopicPartition, Sequence[int] | None]
    ) -> dict[TopicPartition, ClusterError | None]:
        return self._each("alter_partition_reassignments", targets, self._reassign)

    @_port_call(Api.ALTER_CLIENT_QUOTAS)
    def alter_client_quotas(
        self, changes: Mapping[QuotaEntity, Mapping[str, float | None]]
    ) -> dict[QuotaEntity, ClusterError | None]:
        """An entity whose every key is removed disappears, as in Kafka."""

        def alter(entity: QuotaEntity, values: Mapping[str, float | None]) -> None:
            check_client_quota(entity, dict(values))
            current = self._quotas.setdefault(entity, {})
            for key, value in values.items():
                if value is None:
                    current.pop(key, None)
                else:
                    current[key] = float(value)
            if not current:
                del self._quotas[entity]

        return self._each("alter_client_quotas", changes, alter)

    @_port_call(Api.ALTER_USER_SCRAM_CREDENTIALS)
    def alter_scram_credentials(
        self, alterations: Sequence[ScramAlteration]
    ) -> dict[tuple[str, ScramMechanism], ClusterError | None]:
        """One request per round, as the Kafka adapter sends them."""
        results: dict[tuple[str, ScramMechanism], ClusterError | None] = {}
        for request in scram_rounds(alterations):
            results.update(self._alter_scram_request(request))
        return results

    def _alter_scram_request(
        self, request: Sequence[ScramAlteration]
    ) -> dict[tuple[str, ScramMechanism], ClusterError | None]:
        """ScramControlManager.alterCredentials for one request: a user altered
        twice fails as a whole (DUPLICATE_RESOURCE)."""
        counts = Counter(a.user for a in request)

        def alter(key: tuple[str, ScramMechanism], alteration: ScramAlteration) -> None:
            user, mechanism = key
            if counts[user] > 1:
                raise cluster_error("DUPLICATE_RESOURCE",
                                    "A user credential cannot be altered twice in the same request")
            if isinstance(alteration, ScramUpsertion):
                self.set_scram_credential(user, mechanism, alteration.iterations,
                                          alteration.password)
                return
            if not user:
                raise cluster_error("UNACCEPTABLE_CREDENTIAL", "Username must not be empty")
            if mechanism not in self._scram.get(user, {}):
                raise cluster_error("RESOURCE_NOT_FOUND",
                                    "Attempt to delete a user credential that does not exist")
            del self._scram[user][mechanism]
            if not self._scram[user]:
                del self._scram[user]

        return self._each("alter_scram_credentials",
                          {(a.user, a.mechanism): a for a in request}, alter)

    @_port_call(Api.ELECT_LEADERS)
    def elect_preferred_leaders(
        self, partitions: Sequence[TopicPartition]
    ) -> dict[TopicPartition, ClusterError | None]:
        def elect(tp: TopicPartition, _: None) -> None:
            partition = self._partition(tp)
            preferred = partition.replicas[0]
            if partition.leader == preferred:
                raise cluster_error("ELECTION_NOT_NEEDED", f"{preferred} already leads {tp}")
            if preferred not in partition.isr or preferred not in self._live:
                raise cluster_error(
                    "PREFERRED_LEADER_NOT_AVAILABLE", f"broker {preferred} cannot lead {tp}"
                )
            partition.leader = preferred

        return self._each("elect_preferred_leaders", dict.fromkeys(partitions), elect)

    @_port_call(None)
    def write_record(self, topic: str, key: str, value: str) -> None:
        target = self._writable_topic(topic)
        if all(p.leader is None for p in target.partitions):
            raise cluster_error("LEADER_NOT_AVAILABLE", f"{topic} has no leader", retriable=True)
        target.records.append((key, value))

    def close(self) -> None:
        """Nothing to release."""

    # --- rules -----------------------------------------------------------------
    def _each(
        self, method: str, items: Mapping[Key, Value], action: Callable[[Key, Value], object]
    ) -> dict[Key, ClusterError | None]:
        """Run `action` per item; Kafka's per-item results (None = success)."""
        results: dict[Key, ClusterError | None] = {}
        for key, value in items.items():
            results[key] = self._take_failure(method, key)
            if results[key] is None:
                try:
                    action(key, value)
                except ClusterError as error:
                    results[key] = error
        return results

    def _create_topic(self, new: NewTopic) -> None:
        check_topic_name(new.name)
        if new.name in self._topics:
            raise cluster_error("TOPIC_ALREADY_EXISTS", f"Topic '{new.name}' already exists.")
        colliding = [t for t in self._topics if t.replace(".", "_") == new.name.replace(".", "_")]
        if colliding:
            raise cluster_error(
                "INVALID_TOPIC_EXCEPTION",
                f"Topic '{new.name}' collides with existing topic: {colliding[0]}",
            )
        sets = [ConfigOp(n, ConfigOpType.SET, v) for n, v in new.configs.items()]
        configs = self.configs.alter_topic({}, sets)
        if new.assignment is not None:
            assignment = [list(r) for r in new.assignment]
            if not assignment:
                raise cluster_error(
                    "INVALID_REPLICA_ASSIGNMENT", "The manual partition assignment is empty."
                )
            for replicas in assignment:
                self._check_manual_assignment(replicas, len(assignment[0]))
        else:
            partitions = self._request_default(
                new.partitions, "num.partitions", "INVALID_PARTITIONS"
            )
            rf = self._request_default(
                new.replication_factor, "default.replication.factor", "INVALID_REPLICATION_FACTOR"
            )
            # Kafka starts the round robin at a random broker; a hash of the name
            # keeps that reproducible and still spreads leaders across topics.
            start = zlib.crc32(new.name.encode()) % max(len(self._live), 1)
            assignment = self._place(partitions, rf, start, 0)
        for i, replicas in enumerate(assignment):
            if not any(b in self._live for b in replicas):
                raise cluster_error(
                    "INVALID_REPLICA_ASSIGNMENT",
                    f"All brokers specified in the manual partition assignment for partition {i} "
                    "are fenced.",
                )
        self._topics[new.name] = _Topic(
            [self._new_partition(r) for r in assignment], configs, new.name in KAFKA_INTERNAL_TOPICS
        )

    def _create_partitions(self, increase: NewPartitions) -> None:
        topic = self._topics.get(increase.topic)
        if topic is None:
            raise cluster_error("UNKNOWN_TOPIC_OR_PARTITION", f"No such topic {increase.topic}")
        current = len(topic.partitions)
        if increase.total_count == current:
            raise cluster_error("INVALID_PARTITIONS", f"Topic already has {current} partition(s).")
        if increase.total_count < current:
            raise cluster_error(
                "INVALID_PARTITIONS",
                f"The topic {increase.topic} currently has {current} partition(s); "
                f"{increase.total_count} would not be an increase.",
            )
        additional = increase.total_count - current
        rf = len(topic.partitions[0].replicas)
        if increase.assignment is not None:
            if len(increase.assignment) != additional:
                raise cluster_error(
                    "INVALID_REPLICA_ASSIGNMENT",
                    f"Attempted to add {additional} additional partition(s), but only "
                    f"{len(increase.assignment)} assignment(s) were specified.",
                )
            for replicas in increase.assignment:
                self._check_manual_assignment(list(replicas), rf)
            assignment = [list(r) for r in increase.assignment]
        else:
            # AdminUtils.addPartitions: continue the round robin from the broker
            # that leads partition 0 (KRaft's StripedReplicaPlacer is random).
            live = sorted(self._live)
            first_leader = topic.partitions[0].replicas[0]
            start = next((i for i, b in enumerate(live) if b >= first_leader), 0)
            assignment = self._place(additional, rf, start, current)
        topic.partitions.extend(self._new_partition(r) for r in assignment)

    def _reassign(self, tp: TopicPartition, target: Sequence[int] | None) -> None:
        partition = self._partition(tp)
        if target is None:
            # PartitionReassignmentRevert: drop what was being added, keep the rest.
            if not (partition.adding or partition.removing):
                raise cluster_error(
                    "NO_REASSIGNMENT_IN_PROGRESS", f"no reassignment of {tp} is in progress"
                )
            replicas = [b for b in partition.replicas if b not in partition.adding]
            isr = [b for b in partition.isr if b not in partition.adding] or replicas[:1]
            partition.replicas, partition.isr = replicas, isr
            partition.adding, partition.removing = [], []
            if partition.leader not in isr:
                partition.leader = self._best_leader(replicas, isr, unclean_ok=False)
            return
        self._check_manual_assignment(list(target), None)
        # PartitionReassignmentReplicas: replicas = target + what is being removed.
        current = partition.replicas
        removing = sorted(set(current) - set(target))
        adding = sorted(set(target) - set(current))
        partition.replicas = list(target) + [b for b in current if b not in target]
        partition.adding, partition.removing = adding, removing
        self._maybe_complete_reassignment(partition)

    def _maybe_complete_reassignment(self, partition: _Partition) -> None:
        """Complete once every target replica is in sync (maybeCompleteReassignment);
        the leader moves to the first in-sync target replica if it was removed."""
        if not (partition.adding or partition.removing):
            return
        target = [b for b in partition.replicas if b not in partition.removing]
        isr = [b for b in partition.isr if b not in partition.removing]
        if not isr or not set(target) <= set(isr):
            return
        partition.replicas, partition.isr = target, isr
        partition.adding, partition.removing = [], []
        if partition.leader not in target:
            partition.leader = self._best_leader(target, isr, unclean_ok=False)

    def _check_manual_assignment(self, replicas: list[int], rf: int | None) -> None:
        """ReplicationControlManager.validateManualPartitionAssignment."""
        if not replicas:
            raise cluster_error(
                "INVALID_REPLICA_ASSIGNMENT",
                "The manual partition assignment includes an empty replica list.",
            )
        for broker_id in replicas:
            if broker_id not in self._brokers:
                raise cluster_error(
                    "INVALID_REPLICA_ASSIGNMENT",
                    f"The manual partition assignment includes broker {broker_id}, "
                    "but no such broker is registered.",
                )
        duplicates = sorted(b for b, n in Counter(replicas).items() if n > 1)
        if duplicates:
            raise cluster_error(
                "INVALID_REPLICA_ASSIGNMENT",
                "The manual partition assignment includes the broker "
                f"{duplicates[0]} more than once.",
            )
        if rf is not None and len(replicas) != rf:
            raise cluster_error(
                "INVALID_REPLICA_ASSIGNMENT",
                "The manual partition assignment includes a partition with "
                f"{len(replicas)} replica(s), but this is not consistent with previous "
                f"partitions, which have {rf} replica(s).",
            )

    def _request_default(self, requested: int, broker_config: str, code: str) -> int:
        """CreateTopics: -1 takes the broker default, other non-positive values fail."""
        if requested == -1:
            return int(self.configs.static.get(broker_config, "1"))
        if requested <= 0:
            raise cluster_error(code, f"{requested} is not a positive number")
        return requested

    def _place(self, partitions: int, rf: int, start: int, first_partition: int) -> list[list[int]]:
        live = {b: self._brokers[b].rack for b in self._live}
        if rf > len(live):
            raise cluster_error(
                "INVALID_REPLICATION_FACTOR",
                f"Unable to replicate the partition {rf} time(s): The target replication factor "
                f"of {rf} cannot be reached because only {len(live)} broker(s) are registered.",
            )
        if None in live.values():  # RackAwareMode.Safe: racks only when every broker has one
            live = dict.fromkeys(live)
        return assign_replicas(partitions, rf, live, start, first_partition)

    def _new_partition(self, replicas: list[int]) -> _Partition:
        isr = [b for b in replicas if b in self._live]
        return _Partition(list(replicas), isr[0], isr)

    def _best_leader(
        self, replicas: Sequence[int], isr: Sequence[int], unclean_ok: bool
    ) -> int | None:
        """ReplicationControlManager.bestLeader: the first live in-sync replica,
        else (unclean election allowed) the first live replica."""
        live = [b for b in replicas if b in self._live]
        in_sync = [b for b in live if b in isr]
        if in_sync:
            return in_sync[0]
        return live[0] if unclean_ok and live else None

    def _unclean_ok(self, topic: str) -> bool:
        entry = self.configs.topic_entries(self._topics[topic].configs).get(
            "unclean.leader.election.enable"
        )
        return entry is not None and entry.value == "true"

    @staticmethod
    def _in_replica_order(partition: _Partition, members: set[int]) -> list[int]:
        return [b for b in partition.replicas if b in members]

    def _require_authorizer(self) -> None:
        if not self.authorizer:
            raise cluster_error("SECURITY_DISABLED", "No Authorizer is configured.")

    def _partition(self, tp: TopicPartition) -> _Partition:
        topic = self._topics.get(tp.topic)
        if topic is None or not 0 <= tp.partition < len(topic.partitions):
            raise cluster_error("UNKNOWN_TOPIC_OR_PARTITION", f"No such partition as {tp}")
        return topic.partitions[tp.partition]

    def _writable_topic(self, name: str) -> _Topic:
        topic = self._topics.get(name)
        if topic is None:
            raise cluster_error("UNKNOWN_TOPIC_OR_PARTITION", f"topic {name} does not exist")
        return topic

    def _all_partitions(self) -> Iterable[_Partition]:
        return (p for topic in self._topics.values() for p in topic.partitions)
