"""The desired state: what the YAML files say the cluster should look like.

Values here are already normalised to Kafka's own forms (config values are the
strings Kafka reports, durations in ms, sizes in bytes), so the planner compares
like with like. Loading and validation build these; nothing here does I/O.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cached_property


@dataclass(frozen=True, order=True)
class Source:
    """Where a value was written: reported in every problem and plan reason."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class PlacementStrategy(StrEnum):
    """How replicas of a topic's partitions are placed on brokers.

    DEFAULT leaves placement to the broker on create and never moves replicas
    afterwards except to meet the replication factor. RACK_SPREAD also moves
    replicas so each partition spans as many racks as possible. STATIC pins the
    exact replica list of every partition (`TopicSpec.assignment`).
    """

    DEFAULT = "default"
    RACK_SPREAD = "rack-spread"
    STATIC = "static"


@dataclass(frozen=True)
class PartitionSizing:
    """The HA notes' sizing rule: ceil(throughput / per_partition * factor)."""

    throughput: float
    per_partition: float
    factor: float = 1.5


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)
    placement: PlacementStrategy = PlacementStrategy.DEFAULT
    # Replica lists per partition when placement is STATIC, else None.
    assignment: tuple[tuple[int, ...], ...] | None = None
    # Messages are keyed: growing partitions changes key -> partition mapping.
    keyed: bool = False
    # The sizing rule the partition count was resolved from, if any.
    sizing: PartitionSizing | None = None
    source: Source | None = None


class ResourceType(StrEnum):
    TOPIC = "TOPIC"
    GROUP = "GROUP"
    CLUSTER = "CLUSTER"
    TRANSACTIONAL_ID = "TRANSACTIONAL_ID"
    DELEGATION_TOKEN = "DELEGATION_TOKEN"


class PatternType(StrEnum):
    LITERAL = "LITERAL"
    PREFIXED = "PREFIXED"


class AclOperation(StrEnum):
    ALL = "ALL"
    READ = "READ"
    WRITE = "WRITE"
    CREATE = "CREATE"
    DELETE = "DELETE"
    ALTER = "ALTER"
    DESCRIBE = "DESCRIBE"
    CLUSTER_ACTION = "CLUSTER_ACTION"
    DESCRIBE_CONFIGS = "DESCRIBE_CONFIGS"
    ALTER_CONFIGS = "ALTER_CONFIGS"
    IDEMPOTENT_WRITE = "IDEMPOTENT_WRITE"
    CREATE_TOKENS = "CREATE_TOKENS"
    DESCRIBE_TOKENS = "DESCRIBE_TOKENS"


class AclPermission(StrEnum):
    ALLOW = "ALLOW"
    DENY = "DENY"


CLUSTER_RESOURCE_NAME = "kafka-cluster"


@dataclass(frozen=True, order=True)
class AclBinding:
    """One Kafka ACL binding, exactly as the admin API knows it.

    Shared by desired and observed state, so set arithmetic finds what to
    create and what to delete. Field order is the sort order used in output.
    """

    principal: str
    resource_type: ResourceType
    resource_name: str
    pattern_type: PatternType
    operation: AclOperation
    permission: AclPermission = AclPermission.ALLOW
    host: str = "*"

    def describe(self) -> str:
        pattern = "" if self.pattern_type is PatternType.LITERAL else " (prefixed)"
        return (
            f"{self.permission.value.lower()} {self.principal} {self.operation.value} on "
            f"{self.resource_type.value.lower()} {self.resource_name}{pattern}"
            f" from {self.host}"
        )


# A binding's fields in order, as a tuple: the sort key of AclBinding's own order
# (order=True compares these tuples), and its content as plain data. Sorting
# 50,000 bindings by it takes a fifth of the time the dataclass's __lt__ does.
acl_order = operator.attrgetter(*(f.name for f in fields(AclBinding)))

# Kafka's name for the default entity of a client quota (ConfigEntityName.DEFAULT),
# as `kafka-configs --entity-default` means it; null on the wire.
DEFAULT_ENTITY = "<default>"


@dataclass(frozen=True)
class QuotaEntity:
    """Whom a client quota applies to: a user, a client id, or both.

    A part is None when the entity does not have it, and `DEFAULT_ENTITY`
    (`<default>`) for Kafka's default of that kind (`--entity-default`), which
    applies to every user (client id) without a quota of its own.
    """

    user: str | None = None
    client_id: str | None = None

    def describe(self) -> str:
        """`user orders, client-id <default>`: as the files and the plan name it."""
        parts = [("user", self.user), ("client-id", self.client_id)]
        return ", ".join(f"{kind} {name}" for kind, name in parts if name is not None)

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.user or "", self.client_id or "")

    @property
    def names(self) -> tuple[str, ...]:
        """The named (not default) parts: what a managed scope matches."""
        return tuple(n for n in (self.user, self.client_id) if n not in (None, DEFAULT_ENTITY))


@dataclass(frozen=True)
class QuotaSpec:
    """One entity's client quotas: Kafka's quota keys to their numbers
    (bytes per second, percent, mutations per second)."""

    entity: QuotaEntity
    values: dict[str, float]
    source: Source | None = None


class ScramMechanism(StrEnum):
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


@dataclass(frozen=True)
class SecretRef:
    """Where a password comes from, never the password itself: an environment
    variable (`${VAR}`) or a file. Safe to show, hash and save.

    `file` is the path as written; `path` is where it points (relative to the
    file that names it), used only to read it.
    """

    variable: str | None = None
    file: str | None = None
    path: str | None = field(default=None, compare=False)

    def describe(self) -> str:
        return f"${{{self.variable}}}" if self.variable is not None else f"file {self.file}"


@dataclass(frozen=True)
class UserSpec:
    """A SCRAM user: its credentials (mechanism -> iterations) and where its
    password comes from (None: kafkaform may not set one)."""

    name: str
    credentials: dict[ScramMechanism, int]
    password: SecretRef | None = None
    # Bumped in the files to have the password set again (rotated).
    password_version: int | None = None
    source: Source | None = None


@dataclass(frozen=True)
class ClusterConnection:
    """How to reach the cluster; `client` holds librdkafka properties.

    `client` may hold secrets (sasl.password ...): never print it.
    """

    bootstrap: str | None = None
    cluster_id: str | None = None
    client: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 30.0
    # ${VAR}s in bootstrap/client that were not set when loading (their keys
    # are left out above): connecting should fail naming them.
    missing_variables: tuple[str, ...] = ()


class PolicyLevel(StrEnum):
    ERROR = "error"
    WARN = "warn"
    OFF = "off"


@dataclass(frozen=True)
class Policies:
    """The HA rules of one environment, with defaults from the HA notes.

    `levels` maps a policy name (the YAML key, e.g. "minReplicationFactor") to
    how a violation is reported; a policy missing from it is an error.
    """

    min_replication_factor: int = 3
    min_insync_replicas: int = 2
    require_unclean_leader_election_disabled: bool = True
    topic_name_pattern: str | None = None
    max_partitions_per_broker: int = 1000
    # Compacted topics must not use cleanup.policy=delete retention settings
    # that make no sense for them, and need a key: see policies.py.
    compacted_topics_require_keys: bool = True
    require_rack_spread: bool = False
    # Every principal the files let produce has a producer_byte_rate quota.
    require_producer_quota: bool = False
    levels: dict[str, PolicyLevel] = field(default_factory=dict)

    def level(self, policy: str) -> PolicyLevel:
        return self.levels.get(policy, PolicyLevel.ERROR)


@dataclass(frozen=True)
class TopicScope:
    """Which topics this environment manages; everything else is left alone.

    No prefixes and no patterns means every non-internal topic is managed.
    """

    prefixes: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    delete: bool = False

    def manages(self, topic: str) -> bool:
        if is_internal_topic(topic):
            return False
        if not self.prefixes and not self.patterns:
            return True
        return topic.startswith(self.prefixes) or any(
            re.fullmatch(p, topic) for p in self.patterns
        )


@dataclass(frozen=True)
class AclScope:
    """Which ACL bindings this environment manages, by principal.

    No principals listed means every binding is managed.
    """

    principals: tuple[str, ...] = ()
    delete: bool = False

    def manages(self, binding: AclBinding) -> bool:
        return not self.principals or binding.principal in self._principal_set

    @cached_property
    def _principal_set(self) -> frozenset[str]:
        # Asked once per binding: a set, not a scan of the tuple (50,000 x 50).
        return frozenset(self.principals)


@dataclass(frozen=True)
class NameScope:
    """Which quota entities or SCRAM users this environment manages, by name
    prefix. No prefixes means all of them; with prefixes, a quota entity is
    managed when one of its named parts starts with one (default entities
    only without prefixes)."""

    prefixes: tuple[str, ...] = ()
    delete: bool = False

    def manages(self, names: tuple[str, ...]) -> bool:
        if not self.prefixes:
            return True
        return any(name.startswith(self.prefixes) for name in names)


@dataclass(frozen=True)
class ManagedScope:
    topics: TopicScope = field(default_factory=TopicScope)
    acls: AclScope = field(default_factory=AclScope)
    # Remove cluster-wide dynamic broker configs that are not in the files.
    delete_broker_configs: bool = False
    quotas: NameScope = field(default_factory=NameScope)
    users: NameScope = field(default_factory=NameScope)


@dataclass(frozen=True)
class ReassignmentSettings:
    """How replica moves are executed (throttle in bytes per second)."""

    throttle_bytes_per_sec: int = 50 * 1024 * 1024
    batch_size: int = 10
    max_moves_per_broker: int = 5


@dataclass(frozen=True)
class DesiredState:
    environment: str
    cluster: ClusterConnection = field(default_factory=ClusterConnection)
    broker_configs: dict[str, str] = field(default_factory=dict)
    topics: dict[str, TopicSpec] = field(default_factory=dict)
    acls: frozenset[AclBinding] = frozenset()
    acl_sources: dict[AclBinding, Source] = field(default_factory=dict)
    quotas: dict[QuotaEntity, QuotaSpec] = field(default_factory=dict)
    users: dict[str, UserSpec] = field(default_factory=dict)
    scope: ManagedScope = field(default_factory=ManagedScope)
    policies: Policies = field(default_factory=Policies)
    reassignment: ReassignmentSettings = field(default_factory=ReassignmentSettings)
    # Broker ids to move every replica off (environment-level trigger).
    decommission: tuple[int, ...] = ()
    # Even out replicas and leaders across brokers (environment-level trigger).
    rebalance: bool = False
    # Rack-spread with some brokers lacking broker.rack: count each such broker
    # as a rack of its own instead of refusing (Kafka refuses).
    allow_missing_racks: bool = False
    # Folder the environment was loaded from, for messages.
    path: str | None = None


# Topics owned by Kafka itself (`__consumer_offsets`, `__transaction_state`,
# kafkaform's own `__kafkaform_lock` ...), Schema Registry and Confluent Platform.
INTERNAL_TOPIC_NAMES = frozenset({"_schemas"})
INTERNAL_TOPIC_PREFIXES = ("__", "_confluent")


# kafkaform's own lasting topic: the ledger of the replication throttles it set
# (kafkaform.reassign.ledger). Internal, yet kafkaform's to move: a
# decommission takes it off the leaving brokers with the managed topics.
THROTTLE_LEDGER_TOPIC = "__kafkaform_throttles"

# Every topic kafkaform keeps for itself starts so: the apply lock, the ledgers.
KAFKAFORM_TOPIC_PREFIX = "__kafkaform_"


def is_kafkaform_topic(name: str) -> bool:
    """kafkaform's own bookkeeping topics, which come and go with its runs
    (the lock exists only while an apply holds it; the throttle ledger
    appears with the first throttled move)."""
    return name.startswith(KAFKAFORM_TOPIC_PREFIX)


def is_internal_topic(name: str) -> bool:
    """Topics kafkaform never plans, imports or deletes."""
    return name in INTERNAL_TOPIC_NAMES or name.startswith(INTERNAL_TOPIC_PREFIXES)


@dataclass
class TopicOrigin:
    """Where each part of a merged topic was written, for problem lines.

    `where` keys: "name", the topic fields, and "configs.<key>".
    `keyed` is the value as written (None when not written anywhere).
    """

    where: dict[str, Source] = field(default_factory=dict)
    keyed: bool | None = None
    raw_configs: dict[str, object] = field(default_factory=dict)
    removed: bool = False
