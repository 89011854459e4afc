"""Topics, partitions and configs on the in-memory cluster: Kafka's rules and error names."""

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.kafka_configs import TOPIC_CONFIGS
from kafkaform.core.observed import ConfigSource
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewPartitions, NewTopic


def error_code(result):
    return None if result is None else result.code


def create(cluster, *topics):
    return {name: error_code(e) for name, e in cluster.create_topics(list(topics)).items()}


def test_memory_cluster_implements_the_port():
    assert isinstance(MemoryCluster(), ClusterAdmin)


def test_default_placement_is_kafkas_rack_aware_round_robin():
    cluster = MemoryCluster.with_racks(6, racks=3)
    assert create(cluster, NewTopic("orders", 6, 3)) == {"orders": None}
    topic = cluster.list_topics()["orders"]
    racks = {b.id: b.rack for b in cluster.describe_cluster().brokers}
    assert all(len({racks[b] for b in p.replicas}) == 3 for p in topic.partitions)
    assert sorted(p.leader for p in topic.partitions) == [1, 2, 3, 4, 5, 6]
    assert all(p.isr == p.replicas and p.leader == p.replicas[0] for p in topic.partitions)


@pytest.mark.parametrize(
    ("topic", "code"),
    [
        (NewTopic("a b", 1, 1), "INVALID_TOPIC_EXCEPTION"),
        (NewTopic("", 1, 1), "INVALID_TOPIC_EXCEPTION"),
        (NewTopic("..", 1, 1), "INVALID_TOPIC_EXCEPTION"),
        (NewTopic("x" * 250, 1, 1), "INVALID_TOPIC_EXCEPTION"),
        (NewTopic("ok", 0, 1), "INVALID_PARTITIONS"),
        (NewTopic("ok", 1, 0), "INVALID_REPLICATION_FACTOR"),
        (NewTopic("ok", 1, 4), "INVALID_REPLICATION_FACTOR"),
        (NewTopic("ok", 1, 1, {"retention.mss": "1"}), "INVALID_CONFIG"),
        (NewTopic("ok", 1, 1, {"retention.ms": "7d"}), "INVALID_CONFIG"),
        (NewTopic("ok", 1, 1, {"cleanup.policy": "shred"}), "INVALID_CONFIG"),
        (NewTopic("ok", 1, 1, {"min.insync.replicas": "0"}), "INVALID_CONFIG"),
        (NewTopic("ok", 1, 1, {"leader.replication.throttled.replicas": "x"}), "INVALID_CONFIG"),
        (NewTopic("ok", 1, 1, assignment=((1, 1),)), "INVALID_REPLICA_ASSIGNMENT"),
        (NewTopic("ok", 1, 1, assignment=((1, 9),)), "INVALID_REPLICA_ASSIGNMENT"),
        (NewTopic("ok", 2, 2, assignment=((1, 2), (3,))), "INVALID_REPLICA_ASSIGNMENT"),
        (NewTopic("ok", 1, 1, assignment=((),)), "INVALID_REPLICA_ASSIGNMENT"),
    ],
)
def test_create_topic_errors(topic, code):
    cluster = MemoryCluster(3)
    assert create(cluster, topic) == {topic.name: code}
    assert topic.name not in cluster.list_topics()


def test_existing_and_colliding_names():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("a.b", 1, 1))
    assert create(cluster, NewTopic("a.b", 1, 1), NewTopic("a_b", 1, 1)) == {
        "a.b": "TOPIC_ALREADY_EXISTS",
        "a_b": "INVALID_TOPIC_EXCEPTION",
    }


def test_one_bad_topic_does_not_stop_the_others():
    cluster = MemoryCluster(3)
    assert create(cluster, NewTopic("good", 1, 3), NewTopic("bad", 1, 9)) == {
        "good": None,
        "bad": "INVALID_REPLICATION_FACTOR",
    }
    assert list(cluster.list_topics()) == ["good"]


def test_explicit_assignment_and_broker_defaults():
    cluster = MemoryCluster(3, static_broker_configs={"num.partitions": "4"})
    create(cluster, NewTopic("pinned", 9, 9, assignment=((3, 1), (2, 3))), NewTopic("d", -1, -1))
    topics = cluster.list_topics()
    assert topics["pinned"].assignment == [[3, 1], [2, 3]]
    assert len(topics["d"].partitions) == 4 and topics["d"].replication_factor == 1


def test_replication_factor_counts_live_brokers_only():
    cluster = MemoryCluster(3)
    cluster.stop_broker(3)
    assert create(cluster, NewTopic("t", 1, 3)) == {"t": "INVALID_REPLICATION_FACTOR"}
    assert create(cluster, NewTopic("t", 3, 2)) == {"t": None}
    assert all(3 not in p.replicas for p in cluster.list_topics()["t"].partitions)


def test_partitions_only_grow():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("t", 2, 2))
    results = cluster.create_partitions(
        [NewPartitions("t", 2), NewPartitions("missing", 5)]
    ) | cluster.create_partitions([NewPartitions("t", 1)])
    assert {t: error_code(e) for t, e in results.items()} == {
        "t": "INVALID_PARTITIONS",
        "missing": "UNKNOWN_TOPIC_OR_PARTITION",
    }
    assert cluster.create_partitions([NewPartitions("t", 4)]) == {"t": None}
    topic = cluster.list_topics()["t"]
    assert len(topic.partitions) == 4 and topic.replication_factor == 2


@pytest.mark.parametrize(
    "assignment",
    [((1, 2),), ((1, 2), (2, 3), (3, 1)), ((1, 2, 3), (2, 3)), ((1, 7), (2, 3))],
)
def test_create_partitions_checks_the_assignment(assignment):
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("t", 1, 2))
    result = cluster.create_partitions([NewPartitions("t", 3, assignment)])
    assert error_code(result["t"]) == "INVALID_REPLICA_ASSIGNMENT"


def test_new_partitions_continue_kafkas_round_robin():
    cluster = MemoryCluster(5)
    create(cluster, NewTopic("t", 1, 3, assignment=((1, 2, 3),)))
    cluster.create_partitions([NewPartitions("t", 3)])
    # AdminUtils.addPartitions: start at partition 0's leader, partition ids 1 and 2.
    assert cluster.list_topics()["t"].assignment[1:] == [[2, 3, 4], [3, 4, 5]]


def test_delete_topics():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("t", 1, 1))
    results = cluster.delete_topics(["t", "missing"])
    assert {t: error_code(e) for t, e in results.items()} == {
        "t": None,
        "missing": "UNKNOWN_TOPIC_OR_PARTITION",
    }
    assert cluster.list_topics() == {}


def test_internal_topics_are_flagged():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("__consumer_offsets", 1, 1), NewTopic("__kafkaform_lock", 1, 1))
    topics = cluster.list_topics()
    assert topics["__consumer_offsets"].internal
    assert not topics["__kafkaform_lock"].internal


def test_describe_configs_reports_every_config_with_its_source():
    cluster = MemoryCluster(3, static_broker_configs={"log.retention.ms": "3600000"})
    create(cluster, NewTopic("t", 1, 1, {"cleanup.policy": "compact"}))
    cluster.alter_broker_configs({None: [ConfigOp("min.insync.replicas", ConfigOpType.SET, "2")]})
    entries = cluster.describe_topic_configs(["t", "gone"])["t"]
    assert set(entries) == {n for n, d in TOPIC_CONFIGS.items() if d.removed is None}
    sources = {n: (e.value, e.source) for n, e in entries.items()}
    assert sources["cleanup.policy"] == ("compact", ConfigSource.DYNAMIC_TOPIC_CONFIG)
    assert sources["min.insync.replicas"] == ("2", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
    assert sources["retention.ms"] == ("3600000", ConfigSource.STATIC_BROKER_CONFIG)
    assert sources["segment.bytes"] == ("1073741824", ConfigSource.DEFAULT_CONFIG)
    assert entries["cleanup.policy"].is_override and not entries["segment.bytes"].is_override


def test_a_dynamic_cluster_default_wins_over_the_static_config():
    # Kafka's order (DynamicBrokerConfig): per-broker dynamic, cluster-wide
    # dynamic default, static server.properties, Kafka's default; a topic without
    # its own value inherits its broker synonym's. Checked on real Kafka by
    # tests/live/test_live_kafka_rules.py.
    cluster = MemoryCluster(3, static_broker_configs={"log.retention.ms": "3600000"})
    create(cluster, NewTopic("t", 1, 1))
    cluster.alter_broker_configs({None: [ConfigOp("log.retention.ms", ConfigOpType.SET, "7200000")],
                                  2: [ConfigOp("log.retention.ms", ConfigOpType.SET, "60000")]})
    topic = cluster.describe_topic_configs(["t"])["t"]["retention.ms"]
    assert (topic.value, topic.source) == ("7200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
    brokers = cluster.describe_broker_configs([1, 2])
    assert [(brokers[b]["log.retention.ms"].value, brokers[b]["log.retention.ms"].source)
            for b in (1, 2)] == [("7200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
                                 ("60000", ConfigSource.DYNAMIC_BROKER_CONFIG)]

    cluster.alter_broker_configs({None: [ConfigOp("log.retention.ms", ConfigOpType.DELETE)]})
    topic = cluster.describe_topic_configs(["t"])["t"]["retention.ms"]
    broker = cluster.describe_broker_configs([1])[1]["log.retention.ms"]
    assert (topic.value, topic.source) == (broker.value, broker.source) == (
        "3600000", ConfigSource.STATIC_BROKER_CONFIG)


def test_incremental_alter_topic_configs():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("t", 1, 1, {"retention.ms": "1000", "cleanup.policy": "compact"}))
    set_op = ConfigOp("retention.ms", ConfigOpType.SET, "2000")
    delete_op = ConfigOp("cleanup.policy", ConfigOpType.DELETE)
    results = cluster.alter_topic_configs({"t": [set_op, delete_op], "missing": [set_op]})
    assert {t: error_code(e) for t, e in results.items()} == {
        "t": None,
        "missing": "UNKNOWN_TOPIC_OR_PARTITION",
    }
    entries = cluster.describe_topic_configs(["t"])["t"]
    assert entries["retention.ms"].value == "2000"
    assert entries["cleanup.policy"].source is ConfigSource.DEFAULT_CONFIG


def test_a_bad_op_leaves_the_topic_unchanged():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("t", 1, 1, {"retention.ms": "1000"}))
    ops = [
        ConfigOp("retention.ms", ConfigOpType.SET, "2000"),
        ConfigOp("no.such.config", ConfigOpType.SET, "1"),
    ]
    assert error_code(cluster.alter_topic_configs({"t": ops})["t"]) == "INVALID_CONFIG"
    assert cluster.describe_topic_configs(["t"])["t"]["retention.ms"].value == "1000"


def test_throttle_configs_on_topics_and_brokers():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("t", 2, 2))
    topic_ops = [
        ConfigOp("leader.replication.throttled.replicas", ConfigOpType.SET, "0:1,1:2"),
        ConfigOp("follower.replication.throttled.replicas", ConfigOpType.SET, "*"),
    ]
    rate = ConfigOp("leader.replication.throttled.rate", ConfigOpType.SET, "52428800")
    assert cluster.alter_topic_configs({"t": topic_ops}) == {"t": None}
    assert cluster.alter_broker_configs({1: [rate], 2: [rate]}) == {1: None, 2: None}
    broker = cluster.describe_broker_configs([1])[1]["leader.replication.throttled.rate"]
    assert (broker.value, broker.source) == ("52428800", ConfigSource.DYNAMIC_BROKER_CONFIG)
    unset = cluster.describe_broker_configs([3])[3]["leader.replication.throttled.rate"]
    assert unset.source is ConfigSource.DEFAULT_CONFIG


def test_broker_configs_cluster_default_and_per_broker():
    cluster = MemoryCluster(3)
    results = cluster.alter_broker_configs(
        {
            None: [ConfigOp("log.retention.ms", ConfigOpType.SET, "1000")],
            2: [ConfigOp("log.retention.ms", ConfigOpType.SET, "2000")],
            9: [ConfigOp("log.retention.ms", ConfigOpType.SET, "3000")],
        }
    ) | cluster.alter_broker_configs({None: [ConfigOp("no.such", ConfigOpType.SET, "1")]})
    assert {b: error_code(e) for b, e in results.items()} == {
        None: "INVALID_CONFIG",
        2: None,
        9: "BROKER_NOT_AVAILABLE",
    }
    described = cluster.describe_broker_configs([None, 1, 2])
    assert {n: e.value for n, e in described[None].items()} == {"log.retention.ms": "1000"}
    assert described[1]["log.retention.ms"].source is ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
    assert described[2]["log.retention.ms"].source is ConfigSource.DYNAMIC_BROKER_CONFIG
    cluster.alter_broker_configs({None: [ConfigOp("log.retention.ms", ConfigOpType.DELETE)]})
    assert cluster.describe_broker_configs([None]) == {None: {}}


def test_records_for_the_lock_topic():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("__kafkaform_lock", 1, 3))
    cluster.write_record("__kafkaform_lock", "prod", "held")
    cluster.write_record("__kafkaform_lock", "prod", "released")
    assert cluster.read_records("__kafkaform_lock") == [("prod", "held"), ("prod", "released")]
    # As on Kafka (tests/live/test_live_admin.py): a missing topic has no records.
    assert cluster.read_records("missing") == []
    with pytest.raises(Exception, match="UNKNOWN_TOPIC_OR_PARTITION"):
        cluster.write_record("missing", "k", "v")


def test_a_name_given_twice_in_one_request_is_refused():
    cluster = MemoryCluster(3)
    create(cluster, NewTopic("t", 1, 1))
    assert create(cluster, NewTopic("t", 2, 1), NewTopic("t", 3, 1), NewTopic("u", 1, 1)) == {
        "t": "INVALID_REQUEST",
        "u": None,
    }
    assert len(cluster.list_topics()["t"].partitions) == 1
