from dataclasses import replace

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.health import assess, effective_min_isr
from kafkaform.core.observed import PartitionInfo, TopicPartition
from kafkaform.core.requests import ConfigOp, ConfigOpType
from kafkaform.run.observe import observe


def racked_cluster() -> MemoryCluster:
    cluster = MemoryCluster(3, racks=["rack-a", "rack-b", "rack-c"])
    cluster.add_topic("orders", [[1, 2, 3], [2, 3, 1]], {"min.insync.replicas": "2"})
    cluster.add_topic("logs", [[3, 1]])
    return cluster


def test_a_settled_cluster_is_healthy():
    report = assess(observe(racked_cluster()))
    assert report.healthy, report.problems
    assert report.brokers == 3
    assert report.racks == {"rack-a": 1, "rack-b": 1, "rack-c": 1}
    assert report.partitions == 3


def test_a_stopped_broker_shows_under_replication_and_min_isr():
    cluster = racked_cluster()
    cluster.stop_broker(2)
    cluster.stop_broker(3)
    report = assess(observe(cluster))
    assert not report.healthy
    assert TopicPartition("orders", 0) in report.under_replicated
    assert [u.partition for u in report.under_min_isr] == [
        TopicPartition("orders", 0), TopicPartition("orders", 1)
    ]
    assert report.under_min_isr[0].min_isr == 2


def test_partitions_without_a_live_replica_are_offline():
    cluster = MemoryCluster(2)
    cluster.add_topic("solo", [[2]])
    cluster.stop_broker(2)
    report = assess(observe(cluster))
    assert report.offline == (TopicPartition("solo", 0),)
    assert report.under_replicated == ()  # its ISR still names the stopped broker
    assert "1 offline partition: solo-0" in report.problems


def test_an_offline_partition_is_judged_as_kafka_topics_judges_it():
    """kafka-topics --describe (TopicCommand.PartitionDescription): under-replicated
    when fewer are in sync than its replicas, leader or not; under min ISR when
    it has no leader. With eligible leader replicas (Kafka 4.1+) a leaderless
    partition's ISR is empty (seen on Kafka 4.4)."""
    cluster = MemoryCluster(3)
    cluster.add_topic("solo", [[2]])
    cluster.add_topic("wide", [[1, 2, 3]])
    cluster.stop_broker(2)
    observed = observe(cluster)
    leaderless = {"solo": PartitionInfo(0, (2,), None, ()),
                  "wide": PartitionInfo(0, (1, 2, 3), None, (1,))}
    topics = {name: replace(info, partitions=(leaderless[name],))
              for name, info in observed.topics.items()}
    report = assess(replace(observed, topics=topics))
    both = (TopicPartition("solo", 0), TopicPartition("wide", 0))
    assert report.offline == both
    assert report.under_replicated == both
    assert [u.partition for u in report.under_min_isr] == list(both)


def test_a_reassignment_in_progress_is_reported_and_its_adding_replica_is_not_missing():
    cluster = MemoryCluster(4)
    cluster.add_topic("orders", [[1, 2]])
    cluster.alter_partition_reassignments({TopicPartition("orders", 0): [3, 4]})
    observed = observe(cluster)
    report = assess(observed)
    assert report.reassigning == (TopicPartition("orders", 0),)
    assert report.under_replicated == ()
    assert not report.healthy
    assert any("being reassigned" in problem for problem in report.problems)


def test_effective_min_isr_comes_from_topic_then_cluster_default_then_kafka():
    cluster = racked_cluster()
    cluster.alter_broker_configs({None: [ConfigOp("min.insync.replicas", ConfigOpType.SET, "3")]})
    observed = observe(cluster)
    assert effective_min_isr(observed, "orders") == 2
    assert effective_min_isr(observed, "logs") == 3
    assert effective_min_isr(observe(racked_cluster()), "logs") == 1


def test_no_controller_is_unhealthy():
    cluster = racked_cluster()
    for broker in (1, 2, 3):
        cluster.stop_broker(broker)
    report = assess(observe(cluster))
    assert "no active controller" in report.problems or "no brokers are alive" in report.problems


def test_racks_on_some_brokers_only_is_a_warning_not_a_problem():
    # All or none racked is consistent; a mix leaves the unracked brokers out of
    # Kafka's rack-aware placement.
    def warnings(racks):
        return assess(observe(MemoryCluster(3, racks=racks))).warnings
    assert warnings(["rack-a", None, None]) == [
        "2 brokers without broker.rack while others have one"]
    assert warnings(["rack-a", "rack-b", "rack-c"]) == []
    assert warnings([None, None, None]) == []
