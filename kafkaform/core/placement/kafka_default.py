"""Kafka's own replica assignment, ported line for line.

Source followed: `AdminUtils.assignReplicasToBrokers` (apache/kafka,
server-common/src/main/java/org/apache/kafka/admin/AdminUtils.java, formerly
core/src/main/scala/kafka/admin/AdminUtils.scala). That is what Kafka 3.x's
`kafka-reassign-partitions.sh --generate` and ZooKeeper-mode topic creation
use. KRaft controllers place new topics with `StripedReplicaPlacer`, which is
randomised, and Kafka 4.x's --generate uses it too (AdminUtils is gone from
4.x's jars; benchmarks/placement.py runs the real 4.x --generate through
tools/KafkaGenerate.java). The in-memory cluster and the planner's first
guess for a new topic use this deterministic algorithm: a valid rack-aware
placement, reproducible in tests, though not the one a KRaft cluster picks.

Kafka picks `startIndex` and the initial replica shift at random unless a fixed
start index is given (then both equal it). kafkaform needs reproducible
results, so `start_index=None` means 0.
"""

from __future__ import annotations

from collections.abc import Iterator

Brokers = dict[int, str | None]


def assign_replicas(
    partitions: int,
    rf: int,
    brokers: Brokers,
    start_index: int | None = None,
    first_partition: int = 0,
) -> list[list[int]]:
    """Replica lists for `partitions` partitions numbered from `first_partition`.

    Raises ValueError with Kafka's message when the request cannot be placed:
    no partitions, RF < 1, RF above the broker count, or racks on only some
    brokers (Kafka's RackAwareMode.Enforced).
    """
    if partitions <= 0:
        raise ValueError("Number of partitions must be larger than 0.")
    if rf <= 0:
        raise ValueError("Replication factor must be larger than 0.")
    if rf > len(brokers):
        raise ValueError(f"Replication factor: {rf} larger than available brokers: {len(brokers)}.")
    start = 0 if start_index is None else start_index
    racks = [r for r in brokers.values() if r is not None]
    if not racks:
        return _rack_unaware(partitions, rf, sorted(brokers), start, first_partition)
    if len(racks) != len(brokers):
        raise ValueError("Not all brokers have rack information for replica rack aware assignment.")
    return _rack_aware(partitions, rf, brokers, start, first_partition)  # type: ignore[arg-type]


def rack_alternated_brokers(brokers: dict[int, str]) -> list[int]:
    """Brokers taken one per rack in turn (racks sorted, ids sorted within a rack).

    {0: r1, 1: r3, 2: r3, 3: r2, 4: r2, 5: r1} -> [0, 3, 1, 5, 4, 2].
    """
    by_rack: dict[str, list[int]] = {}
    for broker_id in sorted(brokers):
        by_rack.setdefault(brokers[broker_id], []).append(broker_id)
    columns = [by_rack[rack] for rack in sorted(by_rack)]
    depth = max(len(c) for c in columns)
    return [c[row] for row in range(depth) for c in columns if row < len(c)]


def _replica_index(first_replica_index: int, shift: int, replica: int, n_brokers: int) -> int:
    return (first_replica_index + 1 + (shift + replica) % (n_brokers - 1)) % n_brokers


def _first_replicas(
    partitions: int, n_brokers: int, start: int, first_partition: int
) -> Iterator[tuple[int, int]]:
    """(first replica index, follower shift) per partition: round robin from
    `start`, the shift growing by one each time the broker list wraps around."""
    next_replica_shift = start
    for partition_id in range(first_partition, first_partition + partitions):
        if partition_id > 0 and partition_id % n_brokers == 0:
            next_replica_shift += 1
        yield (partition_id + start) % n_brokers, next_replica_shift


def _rack_unaware(
    partitions: int, rf: int, broker_list: list[int], start: int, first_partition: int
) -> list[list[int]]:
    n = len(broker_list)
    return [
        [broker_list[first]]
        + [broker_list[_replica_index(first, shift, j, n)] for j in range(rf - 1)]
        for first, shift in _first_replicas(partitions, n, start, first_partition)
    ]


def _rack_aware(
    partitions: int, rf: int, brokers: dict[int, str], start: int, first_partition: int
) -> list[list[int]]:
    num_racks = len(set(brokers.values()))
    arranged = rack_alternated_brokers(brokers)
    n = len(arranged)
    result = []
    for first, shift in _first_replicas(partitions, n, start, first_partition):
        leader = arranged[first]
        replicas = [leader]
        racks_with_replicas = {brokers[leader]}
        brokers_with_replicas = {leader}
        k = 0
        for _ in range(rf - 1):
            while True:
                broker = arranged[_replica_index(first, shift * num_racks, k, n)]
                rack = brokers[broker]
                k += 1
                # Skip a broker whose rack already has a replica while some rack
                # has none, or a broker already used while some broker is unused.
                rack_ok = rack not in racks_with_replicas or len(racks_with_replicas) == num_racks
                broker_ok = broker not in brokers_with_replicas or len(brokers_with_replicas) == n
                if rack_ok and broker_ok:
                    replicas.append(broker)
                    racks_with_replicas.add(rack)
                    brokers_with_replicas.add(broker)
                    break
        result.append(replicas)
    return result
