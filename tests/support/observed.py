"""Hand-built observed states for planner tests: only what a test cares about."""

from __future__ import annotations

from kafkaform.core.model import AclBinding
from kafkaform.core.observed import (
    Api,
    BrokerInfo,
    ClusterInfo,
    ConfigEntry,
    ConfigSource,
    ObservedState,
    PartitionInfo,
    ReassignmentInProgress,
    TopicInfo,
    TopicPartition,
)

ALL_APIS = frozenset(Api)


def override(value: str) -> ConfigEntry:
    return ConfigEntry("", value, ConfigSource.DYNAMIC_TOPIC_CONFIG)


def default(value: str) -> ConfigEntry:
    return ConfigEntry("", value, ConfigSource.DEFAULT_CONFIG)


def entry(value: str | None, source: ConfigSource, **flags: bool) -> ConfigEntry:
    return ConfigEntry("", value, source, **flags)


def topic_info(name: str, assignment: list[list[int]]) -> TopicInfo:
    return TopicInfo(
        name,
        tuple(PartitionInfo(p, tuple(r), r[0] if r else None, tuple(r))
              for p, r in enumerate(assignment)),
    )


def observed(
    topics: dict[str, list[list[int]]] | None = None,
    configs: dict[str, dict[str, ConfigEntry]] | None = None,
    *,
    brokers: int = 3,
    racks: list[str] | None = None,
    broker_configs: dict[str, ConfigEntry] | None = None,
    acls: frozenset[AclBinding] | None = frozenset(),
    reassigning: dict[TopicPartition, tuple[int, ...]] | None = None,
    capabilities: frozenset[Api] = ALL_APIS,
    cluster_id: str = "test-cluster",
) -> ObservedState:
    infos = tuple(
        BrokerInfo(i, "localhost", 9092 + i, racks[i - 1] if racks else None)
        for i in range(1, brokers + 1)
    )
    topics = topics or {}
    configs = configs or {}
    return ObservedState(
        cluster=ClusterInfo(cluster_id, 1, infos, "localhost:9093"),
        capabilities=capabilities,
        topics={n: topic_info(n, a) for n, a in topics.items()},
        topic_configs={n: {k: _named(k, e) for k, e in configs.get(n, {}).items()}
                       for n in topics},
        broker_configs={k: _named(k, e) for k, e in (broker_configs or {}).items()},
        per_broker_configs={},
        acls=acls,
        reassignments={
            tp: ReassignmentInProgress(tp.topic, tp.partition, target, target[-1:], ())
            for tp, target in (reassigning or {}).items()
        },
    )


def _named(key: str, e: ConfigEntry) -> ConfigEntry:
    return ConfigEntry(key, e.value, e.source, e.sensitive, e.read_only)
