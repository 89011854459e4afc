"""Which partitions move together, and where each partition stands. Pure.

A batch holds at most `batch_size` partitions and gives each broker at most
`max_moves_per_broker` incoming replicas (the copies that load its network
and disks); batches run one after the other. Partitions whose replica set
does not change (a leader reorder) receive nothing and always fit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kafkaform.core.observed import (
    PartitionInfo,
    ReassignmentInProgress,
    TopicInfo,
    TopicPartition,
)


@dataclass(frozen=True)
class PendingMove:
    partition: TopicPartition
    target: tuple[int, ...]
    incoming: frozenset[int]  # brokers that receive a new replica


def pending_move(partition: TopicPartition, current: Sequence[int],
                 target: Sequence[int]) -> PendingMove:
    return PendingMove(partition, tuple(target), frozenset(target) - frozenset(current))


def plan_batches(pending: Sequence[PendingMove], batch_size: int,
                 max_moves_per_broker: int) -> list[list[PendingMove]]:
    """Split moves into batches, keeping their order as far as the limits allow."""
    if batch_size < 1 or max_moves_per_broker < 1:
        raise ValueError("batch size and max moves per broker must be at least 1")
    remaining = list(pending)
    batches: list[list[PendingMove]] = []
    while remaining:
        batch: list[PendingMove] = []
        load: Counter[int] = Counter()
        for move in remaining:
            if len(batch) == batch_size:
                break
            if all(load[b] < max_moves_per_broker for b in move.incoming):
                batch.append(move)
                load.update(move.incoming)
        batches.append(batch)
        chosen = {m.partition for m in batch}
        remaining = [m for m in remaining if m.partition not in chosen]
    return batches


def find_partition(topics: Mapping[str, TopicInfo], tp: TopicPartition) -> PartitionInfo | None:
    """The partition's metadata, or None when the topic or partition does not exist."""
    info = topics.get(tp.topic)
    if info is None:
        return None
    return next((p for p in info.partitions if p.partition == tp.partition), None)


def in_flight_target(move: ReassignmentInProgress) -> tuple[int, ...]:
    """The replica list a running reassignment ends with (Kafka keeps its order)."""
    return tuple(b for b in move.replicas if b not in move.removing)


def in_flight_origin(move: ReassignmentInProgress) -> tuple[int, ...]:
    """The replicas a running reassignment started from (their order is not kept:
    during a move Kafka lists the target first, then the replicas being removed)."""
    return tuple(b for b in move.replicas if b not in move.adding)


class PartitionStatus(StrEnum):
    COMPLETE = "complete"
    IN_PROGRESS = "in progress"
    FAILED = "failed"


def partition_status(
    target: Sequence[int],
    info: PartitionInfo | None,
    moving: ReassignmentInProgress | None,
) -> tuple[PartitionStatus, str]:
    """Where one partition stands against its target, with a one-line detail.

    Complete means the replicas equal the target (order included: the first
    is the preferred leader) and every one of them is in sync.
    """
    if moving is not None:
        adding = ",".join(map(str, moving.adding)) or "-"
        return PartitionStatus.IN_PROGRESS, f"moving, adding {adding}"
    if info is None:
        return PartitionStatus.FAILED, "partition does not exist"
    if tuple(info.replicas) != tuple(target):
        return PartitionStatus.FAILED, (
            f"no move in progress, but replicas are {_ids(info.replicas)} "
            f"rather than {_ids(target)}"
        )
    missing = [b for b in target if b not in info.isr]
    if missing:
        return PartitionStatus.IN_PROGRESS, f"replicas at target, {_ids(missing)} not in sync yet"
    return PartitionStatus.COMPLETE, "complete"


def _ids(brokers: Sequence[int]) -> str:
    return ",".join(map(str, brokers))
