"""The one port through which kafkaform talks to a cluster.

Three adapters implement `ClusterAdmin`: the Kafka adapter (confluent-kafka,
plus kafka-python for the reassignment APIs), the in-memory cluster (Kafka's
rules, for tests, snapshots and what-ifs) and the read-only wrapper used by
plan and dry runs. Everything above this line works on the plain data types
below and never imports a Kafka client.

Conventions every adapter keeps:
- Batched: one request per call for all the items given, never one per topic.
- Per-item results: write calls return `{item: None}` on success or
  `{item: ClusterError}` with Kafka's error name, so partial failures are exact.
- Before calling an API, check `capabilities()`; an adapter raises
  `UnsupportedApi` instead of sending a request the broker does not advertise.
- Whole-call failures (unreachable, timeout, auth) raise `KafkaformError`s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from kafkaform.core.model import AclBinding, is_internal_topic
from kafkaform.errors import ClusterError


class Api(StrEnum):
    """Admin APIs kafkaform may need, named as in the Kafka protocol."""

    CREATE_TOPICS = "CreateTopics"
    DELETE_TOPICS = "DeleteTopics"
    CREATE_PARTITIONS = "CreatePartitions"
    DESCRIBE_CONFIGS = "DescribeConfigs"
    INCREMENTAL_ALTER_CONFIGS = "IncrementalAlterConfigs"
    DESCRIBE_ACLS = "DescribeAcls"
    CREATE_ACLS = "CreateAcls"
    DELETE_ACLS = "DeleteAcls"
    ALTER_PARTITION_REASSIGNMENTS = "AlterPartitionReassignments"
    LIST_PARTITION_REASSIGNMENTS = "ListPartitionReassignments"
    ELECT_LEADERS = "ElectLeaders"
    DESCRIBE_LOG_DIRS = "DescribeLogDirs"


# The oldest Apache Kafka release that has each API, for "needs Kafka >= X".
API_MIN_KAFKA_VERSION: dict[Api, str] = {
    Api.CREATE_TOPICS: "0.10.1",
    Api.DELETE_TOPICS: "0.10.1",
    Api.CREATE_PARTITIONS: "1.0",
    Api.DESCRIBE_CONFIGS: "0.11",
    Api.INCREMENTAL_ALTER_CONFIGS: "2.3",
    Api.DESCRIBE_ACLS: "0.11",
    Api.CREATE_ACLS: "0.11",
    Api.DELETE_ACLS: "0.11",
    Api.ALTER_PARTITION_REASSIGNMENTS: "2.4",
    Api.LIST_PARTITION_REASSIGNMENTS: "2.4",
    Api.ELECT_LEADERS: "2.2",
    Api.DESCRIBE_LOG_DIRS: "1.0",
}


class ConfigSource(StrEnum):
    """Where a config's effective value comes from (DescribeConfigs' source)."""

    DYNAMIC_TOPIC_CONFIG = "DYNAMIC_TOPIC_CONFIG"
    DYNAMIC_BROKER_CONFIG = "DYNAMIC_BROKER_CONFIG"
    DYNAMIC_DEFAULT_BROKER_CONFIG = "DYNAMIC_DEFAULT_BROKER_CONFIG"
    STATIC_BROKER_CONFIG = "STATIC_BROKER_CONFIG"
    DEFAULT_CONFIG = "DEFAULT_CONFIG"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class ConfigEntry:
    name: str
    value: str | None  # None when sensitive or unset
    source: ConfigSource
    sensitive: bool = False
    read_only: bool = False

    @property
    def is_override(self) -> bool:
        """True for a value set on this very resource (what kafkaform manages)."""
        return self.source in (
            ConfigSource.DYNAMIC_TOPIC_CONFIG,
            ConfigSource.DYNAMIC_BROKER_CONFIG,
            ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        )


@dataclass(frozen=True)
class BrokerInfo:
    id: int
    host: str
    port: int
    rack: str | None = None


@dataclass(frozen=True)
class ClusterInfo:
    cluster_id: str
    controller_id: int | None
    brokers: tuple[BrokerInfo, ...]
    # The bootstrap servers this description was read from, for messages.
    address: str = ""


@dataclass(frozen=True)
class PartitionInfo:
    partition: int
    replicas: tuple[int, ...]
    leader: int | None  # None when the partition has no leader (offline)
    isr: tuple[int, ...]


@dataclass(frozen=True)
class TopicInfo:
    name: str
    partitions: tuple[PartitionInfo, ...]  # sorted by partition id
    internal: bool = False

    @property
    def replication_factor(self) -> int:
        return len(self.partitions[0].replicas) if self.partitions else 0

    @property
    def assignment(self) -> list[list[int]]:
        return [list(p.replicas) for p in self.partitions]


@dataclass(frozen=True)
class NewTopic:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)
    # Explicit replica lists (one per partition); then partitions and RF are
    # implied by it and the broker does not place replicas itself.
    assignment: tuple[tuple[int, ...], ...] | None = None


@dataclass(frozen=True)
class NewPartitions:
    topic: str
    total_count: int  # the new total, as Kafka's CreatePartitions takes it
    # Replica lists for the new partitions only, or None to let Kafka place.
    assignment: tuple[tuple[int, ...], ...] | None = None


class ConfigOpType(StrEnum):
    SET = "SET"
    DELETE = "DELETE"


@dataclass(frozen=True)
class ConfigOp:
    """One IncrementalAlterConfigs operation (SET a value or DELETE the override)."""

    name: str
    op: ConfigOpType
    value: str | None = None


@dataclass(frozen=True, order=True)
class TopicPartition:
    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}-{self.partition}"


@dataclass(frozen=True)
class ReassignmentInProgress:
    """A partition reassignment as ListPartitionReassignments reports it."""

    topic: str
    partition: int
    replicas: tuple[int, ...]  # the full set during the move
    adding: tuple[int, ...]
    removing: tuple[int, ...]


@dataclass(frozen=True)
class LogDirPartitionSize:
    broker: int
    topic: str
    partition: int
    size_bytes: int


# The resource name of the cluster-wide dynamic broker default config.
CLUSTER_DEFAULT_BROKER: None = None


@runtime_checkable
class ClusterAdmin(Protocol):
    """Admin operations kafkaform uses, batched, with Kafka's error codes."""

    # --- reading -----------------------------------------------------------
    def describe_cluster(self) -> ClusterInfo: ...

    def capabilities(self) -> frozenset[Api]:
        """The admin APIs the cluster advertises (from ApiVersions)."""
        ...

    def list_topics(self) -> dict[str, TopicInfo]:
        """Every topic with partitions, replicas, leader and ISR, in one call."""
        ...

    def describe_topic_configs(self, topics: Sequence[str]) -> dict[str, dict[str, ConfigEntry]]:
        """All configs of the given topics with their sources, in one call."""
        ...

    def describe_broker_configs(
        self, broker_ids: Sequence[int | None]
    ) -> dict[int | None, dict[str, ConfigEntry]]:
        """Configs of brokers; None stands for the cluster-wide dynamic default."""
        ...

    def describe_acls(self) -> frozenset[AclBinding]:
        """Every ACL binding on the cluster."""
        ...

    def list_partition_reassignments(self) -> dict[TopicPartition, ReassignmentInProgress]:
        """Reassignments in progress (an empty dict when none)."""
        ...

    def describe_log_dirs(self) -> list[LogDirPartitionSize]:
        """Partition sizes on each broker, for estimating bytes to move."""
        ...

    # --- writing -----------------------------------------------------------
    def create_topics(self, topics: Sequence[NewTopic]) -> dict[str, ClusterError | None]: ...

    def create_partitions(
        self, increases: Sequence[NewPartitions]
    ) -> dict[str, ClusterError | None]: ...

    def alter_topic_configs(
        self, changes: Mapping[str, Sequence[ConfigOp]]
    ) -> dict[str, ClusterError | None]:
        """IncrementalAlterConfigs for many topics in one request."""
        ...

    def alter_broker_configs(
        self, changes: Mapping[int | None, Sequence[ConfigOp]]
    ) -> dict[int | None, ClusterError | None]:
        """IncrementalAlterConfigs for brokers; None is the cluster-wide default."""
        ...

    def delete_topics(self, topics: Sequence[str]) -> dict[str, ClusterError | None]: ...

    def create_acls(
        self, bindings: Sequence[AclBinding]
    ) -> dict[AclBinding, ClusterError | None]: ...

    def delete_acls(
        self, bindings: Sequence[AclBinding]
    ) -> dict[AclBinding, ClusterError | None]:
        """Delete exactly these bindings (each used as an exact-match filter)."""
        ...

    def alter_partition_reassignments(
        self, targets: Mapping[TopicPartition, Sequence[int] | None]
    ) -> dict[TopicPartition, ClusterError | None]:
        """Start moves to the given replica lists; None cancels a move."""
        ...

    def elect_preferred_leaders(
        self, partitions: Sequence[TopicPartition]
    ) -> dict[TopicPartition, ClusterError | None]: ...

    # --- records (only for kafkaform's apply lock topic) -------------------
    def write_record(self, topic: str, key: str, value: str) -> None:
        """Produce one record and wait for its acknowledgement."""
        ...

    def read_records(self, topic: str) -> list[tuple[str, str]]:
        """Every (key, value) record in the topic, oldest first."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ObservedState:
    """One consistent read of everything kafkaform manages on a cluster.

    `acls` is None when the cluster cannot list ACLs (no authorizer, or the API
    is missing): then ACLs are neither planned nor deleted.
    """

    cluster: ClusterInfo
    capabilities: frozenset[Api]
    topics: dict[str, TopicInfo]
    topic_configs: dict[str, dict[str, ConfigEntry]]
    # Cluster-wide dynamic defaults (resource "") and dynamic per-broker configs.
    broker_configs: dict[str, ConfigEntry]
    per_broker_configs: dict[int, dict[str, ConfigEntry]]
    acls: frozenset[AclBinding] | None
    reassignments: dict[TopicPartition, ReassignmentInProgress]

    def user_topics(self) -> dict[str, TopicInfo]:
        return {n: t for n, t in self.topics.items() if not (t.internal or is_internal_topic(n))}

    @property
    def broker_ids(self) -> list[int]:
        return sorted(b.id for b in self.cluster.brokers)

    @property
    def racks(self) -> dict[int, str | None]:
        return {b.id: b.rack for b in self.cluster.brokers}
