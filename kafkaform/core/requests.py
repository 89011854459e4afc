"""What kafkaform asks a cluster to change: the write requests of the port.

Plain, immutable data, built by the executor and the reassignment steps and
carried out by an adapter (`kafkaform.cluster.port.ClusterAdmin`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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

