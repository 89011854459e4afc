"""Property: a cluster built straight from the desired state plans nothing.

Also no phantom drift on a MemoryCluster: values equal to broker defaults,
replication throttles, and Tansu-like listings where every entry is a default.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    DesiredState,
    ManagedScope,
    PatternType,
    PlacementStrategy,
    ResourceType,
    TopicScope,
    TopicSpec,
)
from kafkaform.core.planner import plan
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewTopic
from kafkaform.run.observe import observe

RACKS = ["a", "b", "c"]

TOPIC_CONFIGS = {
    "retention.ms": st.integers(-1, 10**10).map(str),
    "cleanup.policy": st.sampled_from(["delete", "compact", "compact,delete"]),
    "max.message.bytes": st.integers(0, 10**7).map(str),
    "compression.type": st.sampled_from(["producer", "gzip", "lz4", "zstd", "uncompressed"]),
    "segment.ms": st.integers(1, 10**9).map(str),
    "unclean.leader.election.enable": st.sampled_from(["true", "false"]),
}
BROKER_CONFIGS = {
    "log.retention.ms": st.integers(1, 10**10).map(str),
    "min.insync.replicas": st.sampled_from(["1", "2"]),
    "unclean.leader.election.enable": st.sampled_from(["true", "false"]),
}


def configs(catalog) -> st.SearchStrategy[dict[str, str]]:
    return st.sets(st.sampled_from(sorted(catalog))).flatmap(
        lambda keys: st.fixed_dictionaries({k: catalog[k] for k in keys}))


@st.composite
def topic_specs(draw, name: str, brokers: int) -> TopicSpec:
    partitions = draw(st.integers(1, 8))
    rf = draw(st.integers(1, 3))
    placement = draw(st.sampled_from(list(PlacementStrategy)))
    assignment = None
    if placement is PlacementStrategy.STATIC:
        lists = st.permutations(range(1, brokers + 1)).map(lambda p: tuple(p[:rf]))
        assignment = tuple(draw(st.lists(lists, min_size=partitions, max_size=partitions)))
    return TopicSpec(name, partitions, rf, draw(configs(TOPIC_CONFIGS)), placement, assignment,
                     keyed=draw(st.booleans()))


@st.composite
def scenarios(draw) -> tuple[DesiredState, MemoryCluster]:
    brokers = draw(st.sampled_from([3, 6]))
    racks = draw(st.sampled_from([None, RACKS]))
    names = draw(st.sets(st.sampled_from([f"orders.t{i}" for i in range(12)]), max_size=6))
    topics = {n: draw(topic_specs(n, brokers)) for n in sorted(names)}
    acls = draw(st.sets(st.builds(
        AclBinding,
        principal=st.sampled_from(["User:a", "User:b"]),
        resource_type=st.just(ResourceType.TOPIC),
        resource_name=st.sampled_from(["orders.t1", "orders."]),
        pattern_type=st.sampled_from(list(PatternType)),
        operation=st.sampled_from([AclOperation.READ, AclOperation.WRITE]),
    ), max_size=4))
    desired = DesiredState(
        "prop", broker_configs=draw(configs(BROKER_CONFIGS)), topics=topics,
        acls=frozenset(acls),
        scope=ManagedScope(topics=TopicScope(prefixes=("orders.",), delete=True),
                           delete_broker_configs=True),
    )
    return desired, MemoryCluster(brokers, racks)


def apply_directly(desired: DesiredState, cluster: MemoryCluster) -> None:
    """Build the desired state through the port, the plain way (not the executor)."""
    results = {}
    if desired.broker_configs:
        ops = [ConfigOp(k, ConfigOpType.SET, v) for k, v in sorted(desired.broker_configs.items())]
        results.update(cluster.alter_broker_configs({None: ops}))
    results.update(cluster.create_topics([
        NewTopic(t.name, t.partitions, t.replication_factor, t.configs,
                 t.assignment if t.placement is PlacementStrategy.STATIC else None)
        for t in desired.topics.values()
    ]))
    if desired.acls:
        results.update(cluster.create_acls(sorted(desired.acls)))
    assert all(error is None for error in results.values()), results


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_cluster_built_from_the_files_plans_nothing(scenario):
    desired, cluster = scenario
    apply_directly(desired, cluster)
    result = plan(desired, observe(cluster))
    assert result.actions == ()
    assert not result.errors


def topic(name: str, **configs: str) -> TopicSpec:
    return TopicSpec(name, 3, 3, configs)


def test_values_equal_to_broker_defaults_are_not_drift():
    cluster = MemoryCluster(3)
    cluster.set_broker_config(None, "log.retention.ms", "86400000")
    cluster.set_broker_config(None, "min.insync.replicas", "2")
    cluster.add_topic("t", [[1, 2, 3]] * 3)  # no overrides: everything inherited
    desired = DesiredState("d", broker_configs={"log.retention.ms": "86400000",
                                                "min.insync.replicas": "2"},
                           topics={"t": topic("t", **{"retention.ms": "86400000",
                                                      "min.insync.replicas": "2",
                                                      "cleanup.policy": "delete"})})
    assert plan(desired, observe(cluster)).is_empty


def test_throttles_set_by_a_reassignment_are_not_drift():
    cluster = MemoryCluster(3)
    cluster.add_topic("t", [[1, 2, 3]] * 3, {
        "leader.replication.throttled.replicas": "0:1,1:1",
        "follower.replication.throttled.replicas": "0:2"})
    cluster.set_broker_config(None, "leader.replication.throttled.rate", "1048576")
    desired = DesiredState("d", topics={"t": topic("t")},
                           scope=ManagedScope(delete_broker_configs=True))
    assert plan(desired, observe(cluster)).is_empty


def test_an_override_removed_from_the_files_is_reverted():
    cluster = MemoryCluster(3)
    cluster.add_topic("t", [[1, 2, 3]] * 3, {"retention.ms": "1000"})
    (action,) = plan(DesiredState("d", topics={"t": topic("t")}), observe(cluster)).actions
    assert (action.kind, action.changes[0].after, action.changes[0].default) == (
        "alter_topic_configs", None, "604800000")
