"""What kafkaform reads from a cluster: plain, immutable data.

The `ClusterAdmin` port (`kafkaform.cluster.port`) returns these types and
`kafkaform.run.observe` gathers them into one `ObservedState`; the planner,
the fingerprint, health and import read nothing else. No adapter, no Kafka
client: Kafka's own names (APIs, config sources) as plain values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kafkaform.core.model import (
    AclBinding,
    QuotaEntity,
    ScramMechanism,
    SecretRef,
    is_internal_topic,
)


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
    DESCRIBE_CLIENT_QUOTAS = "DescribeClientQuotas"
    ALTER_CLIENT_QUOTAS = "AlterClientQuotas"
    DESCRIBE_USER_SCRAM_CREDENTIALS = "DescribeUserScramCredentials"
    ALTER_USER_SCRAM_CREDENTIALS = "AlterUserScramCredentials"


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
    Api.DESCRIBE_CLIENT_QUOTAS: "2.6",
    Api.ALTER_CLIENT_QUOTAS: "2.6",
    Api.DESCRIBE_USER_SCRAM_CREDENTIALS: "2.7",
    Api.ALTER_USER_SCRAM_CREDENTIALS: "2.7",
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


@dataclass(frozen=True)
class PasswordRecord:
    """What kafkaform last set a user's password from, as its users ledger
    (`kafkaform.run.users_ledger`) remembers it: the reference and the
    `passwordVersion`, never the password."""

    reference: SecretRef
    version: int | None = None

    def to_dict(self) -> dict[str, object]:
        """`{"variable": "ORDERS_PASSWORD", "passwordVersion": 2}` (or `"file": PATH`)."""
        data: dict[str, object] = (
            {"variable": self.reference.variable} if self.reference.variable is not None
            else {"file": self.reference.file})
        if self.version is not None:
            data["passwordVersion"] = self.version
        return data

    @classmethod
    def from_dict(cls, data: dict) -> PasswordRecord:
        return cls(SecretRef(variable=data.get("variable"), file=data.get("file")),
                   data.get("passwordVersion"))


# The users ledger: one record under this key in this compacted topic holds
# every user's PasswordRecord (`kafkaform.run.users_ledger` reads and writes it).
USERS_LEDGER_TOPIC = "__kafkaform_users"
USERS_LEDGER_KEY = "passwords"
_USERS_LEDGER_FORMAT = 1


def users_ledger_json(records: dict[str, PasswordRecord]) -> str:
    return json.dumps({"version": _USERS_LEDGER_FORMAT, "users": {
        name: record.to_dict() for name, record in sorted(records.items())}}, sort_keys=True)


def users_ledger_records(text: str) -> dict[str, PasswordRecord]:
    """The records of a users ledger value; ValueError when it is not one."""
    try:
        users = json.loads(text)["users"]
        return {name: PasswordRecord.from_dict(entry) for name, entry in users.items()}
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a users ledger record: {error}") from None


# The resource name of the cluster-wide dynamic broker default config.
CLUSTER_DEFAULT_BROKER: None = None


@dataclass(frozen=True)
class ObservedState:
    """One consistent read of everything kafkaform manages on a cluster.

    `acls` is None when the cluster cannot list ACLs (no authorizer, or the API
    is missing): then ACLs are neither planned nor deleted. `quotas` and
    `users` (SCRAM credentials: mechanism -> iterations) are None when they
    cannot be read; `unreadable` then says why, by "quotas" / "users".
    `configs_unread` names the listed topics whose configs did not come back:
    the principal may describe the topic but not its configs (often a topic
    kafkaform does not manage), or it was deleted meanwhile.
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
    quotas: dict[QuotaEntity, dict[str, float]] | None = None
    users: dict[str, dict[ScramMechanism, int]] | None = None
    password_records: dict[str, PasswordRecord] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    configs_unread: frozenset[str] = frozenset()

    def user_topics(self) -> dict[str, TopicInfo]:
        return {n: t for n, t in self.topics.items() if not (t.internal or is_internal_topic(n))}

    @property
    def broker_ids(self) -> list[int]:
        return sorted(b.id for b in self.cluster.brokers)

    @property
    def racks(self) -> dict[int, str | None]:
        return {b.id: b.rack for b in self.cluster.brokers}
