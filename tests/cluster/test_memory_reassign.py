"""Reassignments, leader election, broker failures, injected failures and
capabilities on the in-memory cluster."""

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.observed import Api, ReassignmentInProgress, TopicPartition
from kafkaform.core.requests import NewTopic
from kafkaform.errors import ClusterError, UnsupportedApi

TP = TopicPartition("t", 0)


def cluster_with(assignment, brokers=6, **kwargs):
    cluster = MemoryCluster.with_racks(brokers, racks=3, **kwargs)
    cluster.add_topic("t", assignment)
    return cluster


def partition(cluster, tp=TP):
    return cluster.list_topics()[tp.topic].partitions[tp.partition]


def codes(results):
    return {k: None if e is None else e.code for k, e in results.items()}


def test_a_move_progresses_one_replica_per_tick_and_moves_the_leader():
    cluster = cluster_with([[1, 2, 3]])
    assert cluster.alter_partition_reassignments({TP: [4, 5, 3]}) == {TP: None}
    moving = ReassignmentInProgress("t", 0, (4, 5, 3, 1, 2), adding=(4, 5), removing=(1, 2))
    assert cluster.list_partition_reassignments() == {TP: moving}
    cluster.tick()
    assert set(partition(cluster).isr) == {1, 2, 3, 4}  # 4 caught up, the move goes on
    assert cluster.list_partition_reassignments() == {TP: moving}
    cluster.tick()
    assert cluster.list_partition_reassignments() == {}
    done = partition(cluster)
    assert (done.replicas, done.isr, done.leader) == ((4, 5, 3), (4, 5, 3), 4)


def test_the_leader_stays_when_it_is_kept():
    cluster = cluster_with([[1, 2, 3]], replicas_per_tick=5)
    cluster.alter_partition_reassignments({TP: [2, 1, 4]})
    cluster.tick()
    done = partition(cluster)
    assert (done.replicas, done.leader) == ((2, 1, 4), 1)


def test_reordering_or_shrinking_completes_at_once():
    cluster = cluster_with([[1, 2, 3], [1, 2, 3]])
    other = TopicPartition("t", 1)
    cluster.alter_partition_reassignments({TP: [3, 2, 1], other: [2, 3]})
    assert cluster.list_partition_reassignments() == {}
    assert cluster.list_topics()["t"].assignment == [[3, 2, 1], [2, 3]]
    assert partition(cluster, other).leader == 2


def test_cancel_reverts_to_the_original_replicas():
    cluster = cluster_with([[1, 2, 3]])
    cluster.alter_partition_reassignments({TP: [4, 5, 6]})
    cluster.tick()
    assert cluster.alter_partition_reassignments({TP: None}) == {TP: None}
    reverted = partition(cluster)
    assert (reverted.replicas, reverted.isr, reverted.leader) == ((1, 2, 3), (1, 2, 3), 1)
    assert cluster.list_partition_reassignments() == {}


def test_resubmitting_the_same_target_keeps_the_new_replica_catching_up():
    # KRaft computes a new reassignment from the current replicas, which already
    # hold the brokers being added: the adding list empties, the data keeps flowing.
    cluster = cluster_with([[1, 2]])
    cluster.alter_partition_reassignments({TP: [1, 2, 3]})
    assert cluster.alter_partition_reassignments({TP: [1, 2, 3]}) == {TP: None}
    behind = partition(cluster)
    assert (behind.replicas, behind.isr) == ((1, 2, 3), (1, 2))
    cluster.tick()
    assert partition(cluster).isr == (1, 2, 3)


def test_a_resubmitted_move_still_completes_once_in_sync():
    cluster = cluster_with([[1, 2]])
    cluster.alter_partition_reassignments({TP: [2, 3]})
    cluster.alter_partition_reassignments({TP: [2, 3]})
    assert cluster.list_partition_reassignments() == {
        TP: ReassignmentInProgress("t", 0, (2, 3, 1), adding=(), removing=(1,))
    }
    cluster.tick()
    done = partition(cluster)
    assert (done.replicas, done.isr, done.leader) == ((2, 3), (2, 3), 2)


def test_reassignment_errors():
    cluster = cluster_with([[1, 2, 3]])
    results = cluster.alter_partition_reassignments(
        {
            TP: None,
            TopicPartition("t", 1): [1, 2, 3],
            TopicPartition("missing", 0): [1, 2, 3],
        }
    )
    results |= cluster.alter_partition_reassignments({TP: [1, 1, 2]})
    results |= cluster.alter_partition_reassignments({TopicPartition("t", 1): None})
    assert codes(results) == {
        TP: "INVALID_REPLICA_ASSIGNMENT",
        TopicPartition("t", 1): "UNKNOWN_TOPIC_OR_PARTITION",
        TopicPartition("missing", 0): "UNKNOWN_TOPIC_OR_PARTITION",
    }
    assert codes(cluster.alter_partition_reassignments({TP: None})) == {
        TP: "NO_REASSIGNMENT_IN_PROGRESS"
    }
    assert codes(cluster.alter_partition_reassignments({TP: [1, 2, 99]})) == {
        TP: "INVALID_REPLICA_ASSIGNMENT"
    }


def test_a_replica_on_a_stopped_broker_never_catches_up():
    cluster = cluster_with([[1, 2, 3]])
    cluster.stop_broker(4)
    cluster.alter_partition_reassignments({TP: [1, 2, 4]})
    cluster.tick(5)
    assert TP in cluster.list_partition_reassignments()
    cluster.start_broker(4)
    cluster.tick()
    assert cluster.list_partition_reassignments() == {}
    assert partition(cluster).replicas == (1, 2, 4)


def test_stopping_brokers_gives_under_replicated_then_offline_partitions():
    cluster = cluster_with([[1, 2], [2, 3]])
    cluster.stop_broker(1)
    assert partition(cluster).isr == (2,) and partition(cluster).leader == 2
    assert [b.id for b in cluster.describe_cluster().brokers] == [2, 3, 4, 5, 6]
    cluster.stop_broker(2)
    offline = partition(cluster)
    # KRaft never shrinks the ISR to nothing: the last member stays, unled.
    assert (offline.leader, offline.isr) == (None, (2,))
    assert partition(cluster, TopicPartition("t", 1)).leader == 3
    cluster.start_broker(1)
    assert partition(cluster).leader is None  # 1 is out of sync: no clean election
    cluster.start_broker(2)
    healed = partition(cluster)
    assert (healed.leader, healed.isr) == (2, (1, 2))


def test_unclean_leader_election_when_the_topic_allows_it():
    cluster = MemoryCluster(3)
    cluster.add_topic("t", [[1, 2]], {"unclean.leader.election.enable": "true"})
    cluster.stop_broker(2)
    cluster.stop_broker(1)
    cluster.start_broker(2)
    assert (partition(cluster).leader, partition(cluster).isr) == (2, (2,))


def test_preferred_leader_election():
    cluster = cluster_with([[1, 2, 3], [2, 3, 1], [3, 1, 2]])
    cluster.stop_broker(1)
    cluster.start_broker(1)  # partition 0 is now led by 2
    cluster.stop_broker(3)
    tps = [TopicPartition("t", i) for i in range(3)] + [TopicPartition("t", 7)]
    assert codes(cluster.elect_preferred_leaders(tps)) == {
        tps[0]: None,
        tps[1]: "ELECTION_NOT_NEEDED",
        tps[2]: "PREFERRED_LEADER_NOT_AVAILABLE",
        tps[3]: "UNKNOWN_TOPIC_OR_PARTITION",
    }
    assert partition(cluster).leader == 1


def test_fail_next_whole_call_then_recovers():
    cluster = MemoryCluster(3)
    cluster.fail_next("list_topics", ClusterError("REQUEST_TIMED_OUT", retriable=True))
    with pytest.raises(ClusterError, match="REQUEST_TIMED_OUT"):
        cluster.list_topics()
    assert cluster.list_topics() == {}
    assert cluster.calls["list_topics"] == 2


def test_fail_next_for_one_item_only():
    cluster = MemoryCluster(3)
    cluster.fail_next("create_topics", ClusterError("POLICY_VIOLATION"), item="b")
    results = cluster.create_topics([NewTopic("a", 1, 1), NewTopic("b", 1, 1)])
    assert codes(results) == {"a": None, "b": "POLICY_VIOLATION"}
    assert list(cluster.list_topics()) == ["a"]
    assert codes(cluster.create_topics([NewTopic("b", 1, 1)])) == {"b": None}


def test_missing_capability_raises_unsupported_api_before_doing_anything():
    cluster = MemoryCluster(3, capabilities=frozenset(Api) - {Api.ALTER_PARTITION_REASSIGNMENTS})
    cluster.add_topic("t", [[1, 2]])
    with pytest.raises(UnsupportedApi, match="AlterPartitionReassignments.*Kafka ≥ 2.4"):
        cluster.alter_partition_reassignments({TP: [2, 3]})
    assert partition(cluster).replicas == (1, 2)
    assert cluster.capabilities() == frozenset(Api) - {Api.ALTER_PARTITION_REASSIGNMENTS}


def test_log_dir_sizes():
    cluster = cluster_with([[1, 2]])
    cluster.set_partition_size(TP, 1000)
    cluster.alter_partition_reassignments({TP: [1, 2, 3]})
    sizes = {(s.broker, s.partition): s.size_bytes for s in cluster.describe_log_dirs()}
    assert sizes == {(1, 0): 1000, (2, 0): 1000, (3, 0): 0}
