"""Cluster health from one observed state: what `check` shows and what gates data moves.

Pure: `assess(observed)` needs nothing but the ObservedState. The signals are
the ones operators watch (KAFKA-HA-NOTES): a controller present, no offline
partitions, no under-replicated partitions, none below their effective
`min.insync.replicas`, and no reassignment already moving data. Replicas a
reassignment is still adding do not count against the replication factor,
as in Kafka's own UnderReplicatedPartitions metric.

Each partition is judged as `kafka-topics --describe` judges it (TopicCommand's
PartitionDescription), so `check` and the official tool list the same
partitions: offline = no leader; under-replicated = fewer in sync than its
replicas (whether it has a leader or not: an offline partition whose ISR
shrank is both, and with eligible leader replicas, Kafka 4.1+, a leaderless
partition's ISR is empty); below min.insync.replicas = no leader, or fewer in
sync than its effective `min.insync.replicas`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kafkaform.core.kafka_configs import TOPIC_CONFIGS
from kafkaform.core.observed import ObservedState, TopicPartition
from kafkaform.core.wording import listed, plural

MIN_ISR = "min.insync.replicas"


@dataclass(frozen=True)
class UnderMinIsr:
    partition: TopicPartition
    isr: int
    min_isr: int


@dataclass(frozen=True)
class HealthReport:
    cluster_id: str
    brokers: int
    racks: dict[str | None, int]  # rack → broker count (None: brokers without a rack)
    controller_present: bool
    offline: tuple[TopicPartition, ...]
    under_replicated: tuple[TopicPartition, ...]
    under_min_isr: tuple[UnderMinIsr, ...]
    reassigning: tuple[TopicPartition, ...]
    partitions: int

    @property
    def problems(self) -> list[str]:
        """One line per failed check; empty when healthy."""
        found = []
        if self.brokers == 0:
            found.append("no brokers are alive")
        if not self.controller_present:
            found.append("no active controller")
        if self.offline:
            found.append(
                f"{plural(len(self.offline), 'offline partition')}: {listed(self.offline)}"
            )
        if self.under_replicated:
            found.append(
                f"{plural(len(self.under_replicated), 'under-replicated partition')}: "
                f"{listed(self.under_replicated)}"
            )
        if self.under_min_isr:
            found.append(
                f"{plural(len(self.under_min_isr), 'partition')} below min.insync.replicas: "
                + listed([u.partition for u in self.under_min_isr])
            )
        if self.reassigning:
            found.append(
                f"{plural(len(self.reassigning), 'partition')} being reassigned: "
                f"{listed(self.reassigning)}"
            )
        return found

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def warnings(self) -> list[str]:
        """Worth knowing, not failing: e.g. racks set on some brokers only."""
        if None in self.racks and len(self.racks) > 1:
            return [f"{plural(self.racks[None], 'broker')} without broker.rack while others "
                    "have one"]
        return []


def assess(observed: ObservedState) -> HealthReport:
    offline: list[TopicPartition] = []
    under_replicated: list[TopicPartition] = []
    under_min_isr: list[UnderMinIsr] = []
    partitions = 0
    for topic in observed.topics.values():
        min_isr = effective_min_isr(observed, topic.name)
        for p in topic.partitions:
            partitions += 1
            tp = TopicPartition(topic.name, p.partition)
            if p.leader is None:
                offline.append(tp)
            move = observed.reassignments.get(tp)
            expected = len(p.replicas) - (len(move.adding) if move else 0)
            if len(p.isr) < expected:
                under_replicated.append(tp)
            if p.leader is None or len(p.isr) < min_isr:
                under_min_isr.append(UnderMinIsr(tp, len(p.isr), min_isr))
    return HealthReport(
        cluster_id=observed.cluster.cluster_id,
        brokers=len(observed.cluster.brokers),
        racks=dict(Counter(b.rack for b in observed.cluster.brokers)),
        controller_present=observed.cluster.controller_id is not None,
        offline=tuple(sorted(offline)),
        under_replicated=tuple(sorted(under_replicated)),
        under_min_isr=tuple(sorted(under_min_isr, key=lambda u: u.partition)),
        reassigning=tuple(sorted(observed.reassignments)),
        partitions=partitions,
    )


def effective_min_isr(observed: ObservedState, topic: str) -> int:
    """The topic's min.insync.replicas: its config, else the cluster default, else Kafka's."""
    for value in (
        _value(observed.topic_configs.get(topic, {}).get(MIN_ISR)),
        _value(observed.broker_configs.get(MIN_ISR)),
        TOPIC_CONFIGS[MIN_ISR].default if MIN_ISR in TOPIC_CONFIGS else None,
    ):
        if value is not None and value.strip().isdigit():
            return int(value)
    return 1


def _value(entry: object) -> str | None:
    return getattr(entry, "value", None)


