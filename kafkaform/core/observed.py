"""What kafkaform reads from a cluster: plain, immutable data.

The `ClusterAdmin` port (`kafkaform.cluster.port`) returns these types and
`kafkaform.run.observe` gathers them into one `ObservedState`; the planner,
the fingerprint, health and import read nothing else. No adapter, no Kafka
client: Kafka's own names (APIs, config sources) as plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kafkaform.core.model import AclBinding, is_internal_topic


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


def does_not_support(address: str, apis: Sequence[Api]) -> str:
    """`the cluster at ADDRESS does not support API (needs Kafka ≥ V)`: the one
    wording of a missing admin API, whoever finds it missing."""
    needs = max((API_MIN_KAFKA_VERSION[api] for api in apis), key=_version)
    names = " and ".join(api.value for api in apis)
    return f"the cluster at {address} does not support {names} (needs Kafka ≥ {needs})"


def _version(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


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
