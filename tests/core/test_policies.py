"""HA policies: those the files alone show (min.insync.replicas from the cluster-wide
broker configs) and those that need the cluster (partitions per broker, rack spread)."""

from dataclasses import replace

from kafkaform.core.model import (
    DesiredState,
    ManagedScope,
    PlacementStrategy,
    Policies,
    PolicyLevel,
    TopicScope,
    TopicSpec,
)
from kafkaform.core.observed import (
    BrokerInfo,
    ClusterInfo,
    ObservedState,
    PartitionInfo,
    TopicInfo,
)
from kafkaform.core.policies import check_cluster_policies, check_policies, relaxations


def _observed(racks, topics=()):
    brokers = tuple(BrokerInfo(i, "h", 9092, rack) for i, rack in enumerate(racks, start=1))
    return ObservedState(
        cluster=ClusterInfo("c", 1, brokers),
        capabilities=frozenset(),
        topics={t.name: t for t in topics},
        topic_configs={}, broker_configs={}, per_broker_configs={}, acls=None, reassignments={},
    )


def _topic_info(name, assignment):
    return TopicInfo(name, tuple(PartitionInfo(p, tuple(r), r[0], tuple(r))
                                 for p, r in enumerate(assignment)))


def _desired(topics, broker_configs=None, **policies):
    return DesiredState("e", topics={t.name: t for t in topics}, policies=Policies(**policies),
                        broker_configs=broker_configs or {})


def _min_insync_paths(desired):
    return [p.path for p in check_policies(desired, {}, {}) if "minInsyncReplicas" in p.message]


def test_a_topic_without_its_own_min_insync_replicas_gets_the_cluster_wide_one():
    # Kafka's default is 1, below the policy's 2: only the cluster-wide 2 satisfies it.
    inherits, overrides = TopicSpec("inherits", 3, 3), TopicSpec(
        "overrides", 3, 3, configs={"min.insync.replicas": "1"})
    assert _min_insync_paths(_desired([inherits, overrides], {"min.insync.replicas": "2"})) == [
        "topics[overrides].configs.min.insync.replicas"]
    # And a cluster-wide 1 is a violation for itself and for every topic inheriting it.
    assert _min_insync_paths(_desired([inherits], {"min.insync.replicas": "1"})) == [
        "cluster.brokerConfigs.min.insync.replicas",
        "topics[inherits].configs.min.insync.replicas"]


def test_a_single_replica_topic_is_not_held_to_min_insync_replicas():
    # min.insync.replicas above 1 would make it refuse acks=all writes; its
    # single copy is the minReplicationFactor policy's business.
    single = TopicSpec("single", 3, 1)
    assert _min_insync_paths(_desired([single], min_replication_factor=1)) == []


def test_partitions_per_broker_counts_desired_and_unmanaged_replicas():
    observed = _observed(["a", "b", "c"], [_topic_info("other", [[1, 2, 3]] * 10)])
    desired = _desired([TopicSpec("t", 40, 3)], max_partitions_per_broker=40)
    (problem,) = check_cluster_policies(desired, observed)
    assert problem.render() == (
        "<cluster>: policies.maxPartitionsPerBroker: about 50 partition replicas per broker "
        "once the files are applied (150 replicas on 3 brokers); the limit is 40 "
        "(policy maxPartitionsPerBroker)"
    )
    desired = _desired([TopicSpec("t", 40, 3)], max_partitions_per_broker=50)
    assert check_cluster_policies(desired, observed) == []


def test_partitions_per_broker_leaves_out_the_topics_the_plan_deletes():
    """The state after the plan: 500 topics the files drop no longer count."""
    old = [_topic_info(f"old.{n}", [[1, 2, 3]] * 3) for n in range(500)]
    observed = _observed(["a", "b", "c"], old)
    deleting = ManagedScope(TopicScope(prefixes=("old.",), delete=True))
    desired = DesiredState("e", topics={"new": TopicSpec("new", 30, 3)}, scope=deleting)
    assert check_cluster_policies(desired, observed) == []
    keeping = replace(desired, scope=ManagedScope(TopicScope(prefixes=("old.",))))
    (problem,) = check_cluster_policies(keeping, observed)
    assert "about 1530 partition replicas per broker" in problem.message


def test_rack_spread_flags_existing_default_placement_on_one_rack():
    observed = _observed(["a", "a", "b"], [_topic_info("t", [[1, 3], [1, 2]])])
    topics = [TopicSpec("t", 2, 2),
              TopicSpec("moved", 2, 2, placement=PlacementStrategy.RACK_SPREAD)]
    (problem,) = check_cluster_policies(_desired(topics, require_rack_spread=True), observed)
    assert "t" in problem.path and "partition 1 spans 1 of 2 racks" in problem.message
    assert problem.is_error


def test_rack_spread_checks_the_topics_after_one_kafka_will_create():
    # "a.new" is not on the cluster yet (Kafka's create-time placement is rack
    # aware): nothing to say about it, but "t" after it is still checked.
    observed = _observed(["a", "a", "b"], [_topic_info("t", [[1, 3], [1, 2]])])
    topics = [TopicSpec("a.new", 2, 2), TopicSpec("t", 2, 2)]
    (problem,) = check_cluster_policies(_desired(topics, require_rack_spread=True), observed)
    assert problem.path == "topics[t].placement"


def test_rack_spread_without_racks_and_levels():
    observed = _observed([None, None, None])
    warn = _desired([], require_rack_spread=True, levels={"rackSpread": PolicyLevel.WARN})
    (problem,) = check_cluster_policies(warn, observed)
    assert not problem.is_error and "fewer than two racks" in problem.message
    off = _desired([], require_rack_spread=True, levels={"rackSpread": PolicyLevel.OFF})
    assert check_cluster_policies(off, observed) == []
    assert check_cluster_policies(_desired([], require_rack_spread=False), observed) == []


def test_rack_spread_means_min_of_replicas_and_racks_as_the_planner_places():
    # RF 4 on 2 racks: a 3+1 split spans both racks, which is spread (the
    # planner copies nothing for it either); 4+0 is not.
    observed = _observed(["a", "a", "a", "a", "b"],
                         [_topic_info("t", [[1, 2, 3, 5]]), _topic_info("u", [[1, 2, 3, 4]])])
    topics = [TopicSpec("t", 1, 4), TopicSpec("u", 1, 4)]
    (problem,) = check_cluster_policies(_desired(topics, require_rack_spread=True), observed)
    assert "topics[u]" in problem.path and "partition 0 spans 1 of 2 racks" in problem.message


def test_rack_spread_on_three_racks_wants_every_rack_a_replica_can_reach():
    # Three racks are enough racks (not "fewer than two"); RF 3 must then span all
    # three, so two replicas sharing rack "a" is a violation and one per rack is not.
    observed = _observed(["a", "a", "b", "c"],
                         [_topic_info("t", [[1, 3, 4]]), _topic_info("u", [[1, 2, 3]])])
    topics = [TopicSpec("t", 1, 3), TopicSpec("u", 1, 3)]
    (problem,) = check_cluster_policies(_desired(topics, require_rack_spread=True), observed)
    assert problem.path == "topics[u].placement"
    assert "partition 0 spans 2 of 3 racks" in problem.message


def test_the_documented_defaults_hold_at_their_edges():
    # docs/policies.md: minReplicationFactor 3, minInsyncReplicas 2,
    # maxPartitionsPerBroker 1000; a topic exactly at each passes, one past fails.
    def problems(*topics):
        desired = DesiredState("e", topics={t.name: t for t in topics})
        return [p.path for p in check_policies(desired, {}, {})]
    at_edge = {"min.insync.replicas": "2"}
    assert problems(TopicSpec("t", 1, 3, configs=at_edge)) == []
    assert problems(TopicSpec("t", 1, 2, configs={"min.insync.replicas": "1"})) == [
        "topics[t].replicationFactor", "topics[t].configs.min.insync.replicas"]
    observed = _observed(["a", "b", "c"])
    full = DesiredState("e", topics={"t": TopicSpec("t", 1000, 3, configs=at_edge)})
    assert check_cluster_policies(full, observed) == []
    over = DesiredState("e", topics={"t": TopicSpec("t", 1001, 3, configs=at_edge)})
    assert [p.path for p in check_cluster_policies(over, observed)] == [
        "policies.maxPartitionsPerBroker"]


def test_an_import_relaxes_only_the_policies_its_topics_break():
    # What `kafkaform import` writes: nothing for topics at the HA defaults
    # (RF 3, min.insync.replicas 2), the lowest value for those below them.
    at_defaults = TopicSpec("ok", 1, 3, configs={"min.insync.replicas": "2"})
    observed = _observed(["a", "b", "c"])
    assert relaxations(_desired([at_defaults]), observed) == []
    low = TopicSpec("low", 1, 2, configs={"min.insync.replicas": "1"})
    assert [(r.policy, r.value, r.default) for r in relaxations(
        _desired([at_defaults, low]), observed)] == [
        ("minReplicationFactor", 2, 3), ("minInsyncReplicas", 1, 2)]
