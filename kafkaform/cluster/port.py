"""The one port through which kafkaform talks to a cluster.

Three adapters implement `ClusterAdmin`: the Kafka adapter (confluent-kafka,
plus kafka-python for the reassignment APIs), the in-memory cluster (Kafka's
rules, for tests, snapshots and what-ifs) and the read-only wrapper used by
plan and dry runs. Everything above this line works on the plain data types
of `kafkaform.core.observed` (what is read) and `kafkaform.core.requests`
(what is written) and never imports a Kafka client.

Conventions every adapter keeps:
- Batched: one request per call for all the items given, never one per topic.
- Per-item results: write calls return `{item: None}` on success or
  `{item: ClusterError}` with Kafka's error name, so partial failures are exact.
- Before calling an API, check `capabilities()`; an adapter raises
  `UnsupportedApi` instead of sending a request the broker does not advertise.
- Whole-call failures (unreachable, timeout, auth) raise `KafkaformError`s.
- `with admin:` closes it on the way out (`AdminContext`), however the block ends.
- Reads run one at a time, unless the adapter sets `concurrent_reads = True`:
  then observe overlaps them on worker threads (`kafkaform.run.observe`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from kafkaform.core.model import AclBinding, QuotaEntity, ScramMechanism
from kafkaform.core.observed import (
    Api,
    ClusterInfo,
    ConfigEntry,
    LogDirPartitionSize,
    ReassignmentInProgress,
    TopicInfo,
    TopicPartition,
)
from kafkaform.core.requests import ConfigOp, NewPartitions, NewTopic, ScramAlteration
from kafkaform.errors import ClusterError


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
        """All configs of the given topics with their sources, in one call.
        Topics that no longer exist, and topics whose configs the principal
        may not describe (TOPIC_AUTHORIZATION_FAILED), are left out: a
        principal may well see topics it has no business with."""
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

    def describe_client_quotas(self) -> dict[QuotaEntity, dict[str, float]]:
        """Every user and client-id quota (defaults as `<default>`), in one call.
        IP quotas and entities literally named `<default>` are left out."""
        ...

    def describe_scram_credentials(self) -> dict[str, dict[ScramMechanism, int]]:
        """Every SCRAM user: its mechanisms and their iterations (never a secret)."""
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

    def alter_client_quotas(
        self, changes: Mapping[QuotaEntity, Mapping[str, float | None]]
    ) -> dict[QuotaEntity, ClusterError | None]:
        """Set quota keys of many entities in one request; None removes a key."""
        ...

    def alter_scram_credentials(
        self, alterations: Sequence[ScramAlteration]
    ) -> dict[tuple[str, ScramMechanism], ClusterError | None]:
        """Upsert and delete SCRAM credentials, by (user, mechanism). Kafka takes
        one alteration per user per request, so a user's second mechanism goes
        in a second request (`kafkaform.core.requests.scram_rounds`)."""
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

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class AdminContext:
    """`with open_admin(...) as admin:` closes the admin however the block ends.

    Every adapter inherits this, so no command writes `try/finally: close()`;
    the adapter's own `close` does the work.
    """

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()  # type: ignore[attr-defined]
