"""observe(): a full ObservedState in a constant number of port calls."""

import threading
import time

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import AclBinding, AclOperation, PatternType, ResourceType
from kafkaform.core.observed import Api, ConfigSource, TopicPartition
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewTopic
from kafkaform.errors import ClusterError
from kafkaform.run.observe import observe


def cluster_with_topics(count):
    cluster = MemoryCluster.with_racks(6, racks=3)
    cluster.create_topics(
        [NewTopic(f"topic-{i}", 3, 3, {"retention.ms": "1000"}) for i in range(count)]
    )
    cluster.calls.clear()
    return cluster


def test_observing_1000_topics_costs_as_many_calls_as_one():
    small, large = cluster_with_topics(1), cluster_with_topics(1000)
    assert len(observe(large).topics) == 1000
    observe(small)
    assert small.calls == large.calls
    assert sum(large.calls.values()) == 9  # + client quotas, SCRAM users
    assert set(large.calls.values()) == {1}


def test_observed_state_holds_everything():
    cluster = cluster_with_topics(2)
    acl = AclBinding("User:a", ResourceType.TOPIC, "t", PatternType.LITERAL, AclOperation.READ)
    cluster.create_acls([acl])
    cluster.alter_broker_configs(
        {
            None: [ConfigOp("min.insync.replicas", ConfigOpType.SET, "2")],
            3: [ConfigOp("follower.replication.throttled.rate", ConfigOpType.SET, "100")],
        }
    )
    cluster.alter_partition_reassignments({TopicPartition("topic-0", 0): [1, 2, 3]})
    observed = observe(cluster)
    assert observed.cluster.cluster_id == "memory-cluster"
    assert observed.broker_ids == [1, 2, 3, 4, 5, 6]
    assert observed.racks[4] == "rack-1"
    assert (
        observed.topic_configs["topic-0"]["retention.ms"].source
        is ConfigSource.DYNAMIC_TOPIC_CONFIG
    )
    assert {n: e.value for n, e in observed.broker_configs.items()} == {"min.insync.replicas": "2"}
    assert {
        b: {n: e.value for n, e in c.items()} for b, c in observed.per_broker_configs.items()
    } == {1: {}, 2: {}, 3: {"follower.replication.throttled.rate": "100"}, 4: {}, 5: {}, 6: {}}
    assert observed.acls == frozenset({acl})
    assert len(observed.reassignments) == 1
    assert observed.capabilities == frozenset(Api)


def _observed_without(api):
    cluster = MemoryCluster(3, capabilities=frozenset(Api) - {api})
    cluster.create_topics([NewTopic("t", 1, 1)])
    observed = observe(cluster)
    assert list(observed.topics) == ["t"]
    return observed


def test_without_describe_acls_acls_are_unknown():
    assert _observed_without(Api.DESCRIBE_ACLS).acls is None


def test_without_list_reassignments_none_are_reported():
    cluster = MemoryCluster(3, capabilities=frozenset(Api) - {Api.LIST_PARTITION_REASSIGNMENTS})
    cluster.add_topic("t", [[1, 2]])
    cluster.set_reassignment(TopicPartition("t", 0), adding=[2], removing=[])
    assert observe(cluster).reassignments == {}
    assert cluster.calls["list_partition_reassignments"] == 0


def test_without_describe_configs_no_configs_are_read():
    observed = _observed_without(Api.DESCRIBE_CONFIGS)
    assert observed.topic_configs == {} and observed.broker_configs == {}
    assert observed.acls == frozenset()


@pytest.mark.parametrize("code", ["SECURITY_DISABLED", "CLUSTER_AUTHORIZATION_FAILED"])
def test_acls_are_none_when_they_cannot_be_read(code):
    cluster = MemoryCluster(3)
    cluster.fail_next("describe_acls", ClusterError(code))
    assert observe(cluster).acls is None
    assert observe(MemoryCluster(3, authorizer=False)).acls is None


def test_empty_cluster():
    observed = observe(MemoryCluster(3))
    assert observed.topics == {} and observed.topic_configs == {}
    assert observed.acls == frozenset()


def test_topics_whose_configs_may_not_be_read_are_named_and_plan_only_if_unmanaged():
    # A principal with READ (so DESCRIBE) on a topic but not DESCRIBE_CONFIGS:
    # Kafka refuses that topic's configs alone. Reading every listed topic's
    # configs used to fail the whole plan for a topic it does not manage
    # (found on Apache Kafka 4.4 with the StandardAuthorizer).
    from kafkaform.core.model import DesiredState, ManagedScope, TopicScope, TopicSpec
    from kafkaform.core.planner import plan

    cluster = cluster_with_topics(2)
    cluster.configs_denied.add("topic-1")
    observed = observe(cluster)
    assert observed.configs_unread == {"topic-1"}
    assert set(observed.topic_configs) == {"topic-0"}

    def planned(prefix):
        spec = TopicSpec(f"{prefix}", 3, 3, {"retention.ms": "1000"})
        scope = ManagedScope(topics=TopicScope(prefixes=(prefix,)))
        return plan(DesiredState("e", topics={spec.name: spec}, scope=scope), observed)

    assert planned("topic-0").errors == ()
    [error] = planned("topic-1").errors
    assert "configs" in error.path and "DESCRIBE_CONFIGS" in error.message


class ConcurrentCluster(MemoryCluster):
    """A cluster that takes concurrent reads; its ACLs take a while to read and
    its broker configs may be refused."""

    concurrent_reads = True

    def __init__(self, refuse_broker_configs: bool = False) -> None:
        super().__init__(3)
        self.refuse_broker_configs = refuse_broker_configs
        self.reading: set[str] = set()
        self.overlapped: set[str] = set()  # reads that ran while the topic configs did
        self.acls_done = threading.Event()

    def describe_topic_configs(self, topics):
        self.reading.add("topic configs")
        time.sleep(0.2)
        self.overlapped.update(self.reading - {"topic configs"})
        return super().describe_topic_configs(topics)

    def describe_acls(self):
        self.reading.add("acls")
        time.sleep(0.4)
        self.acls_done.set()
        return super().describe_acls()

    def describe_broker_configs(self, broker_ids):
        if self.refuse_broker_configs:
            raise ClusterError("CLUSTER_AUTHORIZATION_FAILED", "no")
        return super().describe_broker_configs(broker_ids)


def test_an_adapter_taking_concurrent_reads_has_them_overlap_the_topic_configs():
    cluster = ConcurrentCluster()
    cluster.create_topics([NewTopic("t", 1, 1, {})])
    observed = observe(cluster)
    assert cluster.overlapped == {"acls"}
    assert observed.acls == frozenset() and "t" in observed.topic_configs


def test_a_failed_read_returns_only_once_no_other_read_is_running():
    # The caller closes the admin next: librdkafka freed under a read still in
    # flight on another thread crashed the process.
    cluster = ConcurrentCluster(refuse_broker_configs=True)
    cluster.create_topics([NewTopic("t", 1, 1, {})])
    with pytest.raises(ClusterError, match="CLUSTER_AUTHORIZATION_FAILED"):
        observe(cluster)
    assert cluster.acls_done.is_set()
