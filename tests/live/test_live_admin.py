"""The Kafka adapter against both live brokers: Tansu, and a real Apache Kafka cluster."""

from __future__ import annotations

import pytest

from kafkaform.cluster.kafka import ALWAYS_LISTED_TOPIC_CONFIGS
from kafkaform.core.model import AclBinding, AclOperation, PatternType, ResourceType
from kafkaform.core.observed import Api, ConfigSource, TopicPartition
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewPartitions, NewTopic
from kafkaform.errors import UnsupportedApi
from tests.live.helpers import created, eventually, settled

pytestmark = [pytest.mark.live, pytest.mark.smoke]


def test_describe_cluster_names_brokers_and_controller(live_admin, live_bootstrap):
    cluster = live_admin.describe_cluster()
    assert cluster.cluster_id
    assert cluster.brokers
    assert cluster.controller_id in {b.id for b in cluster.brokers}
    assert cluster.address == live_bootstrap


def test_capabilities_cover_topics_and_configs(live_admin):
    assert {Api.CREATE_TOPICS, Api.DELETE_TOPICS, Api.DESCRIBE_CONFIGS,
            Api.INCREMENTAL_ALTER_CONFIGS} <= live_admin.capabilities()


def test_create_describe_and_delete_topics(live_admin, topic_prefix):
    orders, users = f"{topic_prefix}orders", f"{topic_prefix}users"
    results = live_admin.create_topics([
        NewTopic(orders, 3, 1, {"retention.ms": "3600000"}),
        NewTopic(users, 1, 1, {"cleanup.policy": "compact"}),
    ])
    assert results == {orders: None, users: None}

    topics = settled(live_admin.list_topics, lambda found: {orders, users} <= found.keys())
    assert [p.partition for p in topics[orders].partitions] == [0, 1, 2]
    assert all(p.leader is not None and p.isr for p in topics[orders].partitions)
    assert topics[users].replication_factor == 1

    configs = settled(lambda: live_admin.describe_topic_configs([orders, users]),
                      lambda found: {orders, users} <= found.keys())
    assert configs[orders]["retention.ms"].value == "3600000"
    assert configs[users]["cleanup.policy"].value == "compact"

    again = live_admin.create_topics([NewTopic(orders, 3, 1)])
    assert again[orders].code == "TOPIC_ALREADY_EXISTS"

    deleted = live_admin.delete_topics([orders, users, f"{topic_prefix}missing"])
    assert deleted[orders] is None and deleted[users] is None
    assert deleted[f"{topic_prefix}missing"].code == "UNKNOWN_TOPIC_OR_PARTITION"
    assert eventually(lambda: not ({orders, users} & live_admin.list_topics().keys()))


def test_incremental_config_set_and_delete(live_admin, topic_prefix):
    topic = f"{topic_prefix}events"
    assert live_admin.create_topics([NewTopic(topic, 1, 1, {"retention.ms": "60000"})]) == {
        topic: None
    }
    assert created(live_admin, topic)

    result = live_admin.alter_topic_configs({topic: [
        ConfigOp("retention.ms", ConfigOpType.DELETE),
        ConfigOp("max.message.bytes", ConfigOpType.SET, "2097152"),
    ]})
    assert result == {topic: None}
    configs = settled(lambda: live_admin.describe_topic_configs([topic]).get(topic, {}),
                      lambda found: getattr(found.get("max.message.bytes"), "value", None)
                      == "2097152")
    assert configs["max.message.bytes"].value == "2097152"
    retention = configs.get("retention.ms")
    assert retention is None or retention.value != "60000"


def test_records_round_trip(live_admin, topic_prefix):
    topic = f"{topic_prefix}lock"
    live_admin.create_topics([NewTopic(topic, 1, 1)])
    assert created(live_admin, topic)
    live_admin.write_record(topic, "holder", "first")
    live_admin.write_record(topic, "holder", "second")
    assert live_admin.read_records(topic) == [("holder", "first"), ("holder", "second")]


def test_reading_records_asks_for_that_topic_only(live_admin, topic_prefix, monkeypatch):
    """No Metadata request for every topic (0.3 s at 1,000 topics on Tansu, twice an apply)."""
    topic = f"{topic_prefix}ledger"
    live_admin.create_topics([NewTopic(topic, 2, 1)])
    assert created(live_admin, topic)
    live_admin.write_record(topic, "k", "v")

    def every_topic() -> None:
        raise AssertionError("read_records listed every topic")

    monkeypatch.setattr(live_admin, "list_topics", every_topic)
    assert live_admin.read_records(topic) == [("k", "v")]


def test_reading_a_missing_topic_finds_no_records_and_creates_nothing(live_admin,
                                                                       topic_prefix):
    """A single-topic Metadata request may auto-create the topic (Tansu does, for
    librdkafka's admin client): the lock and the ledger must not appear by being read."""
    topic = f"{topic_prefix}never-created"
    assert live_admin.read_records(topic) == []
    assert topic not in live_admin.list_topics()


@pytest.mark.usefixtures("tansu_only")
def test_apis_tansu_lacks_are_refused_before_any_request(live_admin, topic_prefix):
    topic = f"{topic_prefix}grow"
    live_admin.create_topics([NewTopic(topic, 1, 1)])
    binding = AclBinding("User:alice", ResourceType.TOPIC, topic, PatternType.LITERAL,
                         AclOperation.READ)
    refused = {
        "CreatePartitions (needs Kafka ≥ 1.0)":
            lambda: live_admin.create_partitions([NewPartitions(topic, 2)]),
        "AlterPartitionReassignments (needs Kafka ≥ 2.4)":
            lambda: live_admin.alter_partition_reassignments({TopicPartition(topic, 0): [1]}),
        "CreateAcls (needs Kafka ≥ 0.11)": lambda: live_admin.create_acls([binding]),
    }
    for expected, call in refused.items():
        with pytest.raises(UnsupportedApi) as refusal:
            call()
        assert str(refusal.value).endswith(f"does not support {expected}")
    # Nothing was sent: the broker is still up and the topic unchanged.
    assert len(live_admin.list_topics()[topic].partitions) == 1


@pytest.mark.kafka_only
def test_create_partitions_grows_a_topic(live_admin, topic_prefix):
    topic = f"{topic_prefix}grow"
    live_admin.create_topics([NewTopic(topic, 1, 1)])
    assert created(live_admin, topic)
    assert live_admin.create_partitions([NewPartitions(topic, 3)]) == {topic: None}
    grown = settled(live_admin.list_topics,
                    lambda found: topic in found and len(found[topic].partitions) == 3)
    assert len(grown[topic].partitions) == 3
    shrink = live_admin.create_partitions([NewPartitions(topic, 2)])
    assert shrink[topic].code == "INVALID_PARTITIONS"


@pytest.mark.kafka_only
def test_explicit_replica_assignment(live_admin, topic_prefix):
    brokers = sorted(b.id for b in live_admin.describe_cluster().brokers)
    assignment = tuple((b,) for b in reversed(brokers))
    topic = f"{topic_prefix}pinned"
    results = live_admin.create_topics([NewTopic(topic, len(brokers), 1, assignment=assignment)])
    assert results == {topic: None}
    topics = settled(live_admin.list_topics, lambda found: topic in found)
    assert topics[topic].assignment == [list(r) for r in assignment]


@pytest.mark.kafka_only
def test_config_sources_tell_overrides_from_defaults(live_admin, topic_prefix):
    topic = f"{topic_prefix}sourced"
    live_admin.create_topics([NewTopic(topic, 1, 1, {"retention.ms": "3600000"})])
    configs = settled(lambda: live_admin.describe_topic_configs([topic]).get(topic, {}),
                      lambda found: "retention.ms" in found)
    assert configs["retention.ms"].source is ConfigSource.DYNAMIC_TOPIC_CONFIG
    assert configs["max.message.bytes"].source is not ConfigSource.DYNAMIC_TOPIC_CONFIG


@pytest.mark.kafka_only
def test_cluster_default_broker_config_set_and_delete(live_admin):
    key = "log.cleaner.threads"
    assert live_admin.alter_broker_configs({None: [ConfigOp(key, ConfigOpType.SET, "2")]}) == {
        None: None
    }
    try:
        # Reads lag writes on KRaft: a broker answers from its replay of the metadata log.
        assert eventually(lambda: key in live_admin.describe_broker_configs([None])[None])
        defaults = live_admin.describe_broker_configs([None])[None]
        assert defaults[key].value == "2"
        assert defaults[key].source is ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
    finally:
        live_admin.alter_broker_configs({None: [ConfigOp(key, ConfigOpType.DELETE)]})
    assert eventually(lambda: key not in live_admin.describe_broker_configs([None])[None])


@pytest.mark.kafka_only
def test_acls_create_describe_delete(live_admin, topic_prefix):
    binding = AclBinding("User:kafkaform-test", ResourceType.TOPIC, topic_prefix,
                         PatternType.PREFIXED, AclOperation.READ)
    assert live_admin.create_acls([binding]) == {binding: None}
    try:
        assert eventually(lambda: binding in live_admin.describe_acls())
    finally:
        assert live_admin.delete_acls([binding]) == {binding: None}
    assert eventually(lambda: binding not in live_admin.describe_acls())


@pytest.mark.kafka_only
def test_no_reassignments_and_preferred_election(live_admin, topic_prefix):
    topic = f"{topic_prefix}elect"
    live_admin.create_topics([NewTopic(topic, 1, 1)])
    assert created(live_admin, topic)
    assert not any(tp.topic == topic for tp in live_admin.list_partition_reassignments())
    assert live_admin.elect_preferred_leaders([TopicPartition(topic, 0)]) == {
        TopicPartition(topic, 0): None
    }


@pytest.mark.kafka_only
def test_every_topic_lists_the_configs_the_partial_listing_rule_relies_on(live_admin,
                                                                          topic_prefix):
    """Apache Kafka must list ALWAYS_LISTED_TOPIC_CONFIGS for every topic, or
    kafkaform would take its defaults for overrides (sources_of_partial_listing)."""
    topic = f"{topic_prefix}plain"
    live_admin.create_topics([NewTopic(topic, 1, 1)])
    configs = settled(lambda: live_admin.describe_topic_configs([topic]).get(topic, {}),
                      bool)
    assert configs.keys() >= ALWAYS_LISTED_TOPIC_CONFIGS
    assert not any(e.source is ConfigSource.DYNAMIC_TOPIC_CONFIG for e in configs.values())


@pytest.mark.kafka_only
def test_deleting_an_override_brings_back_the_inherited_source(live_admin, topic_prefix):
    topic = f"{topic_prefix}unset"
    live_admin.create_topics([NewTopic(topic, 1, 1, {"retention.ms": "3600000"})])
    assert created(live_admin, topic)
    assert live_admin.alter_topic_configs(
        {topic: [ConfigOp("retention.ms", ConfigOpType.DELETE)]}) == {topic: None}
    configs = settled(lambda: live_admin.describe_topic_configs([topic]).get(topic, {}),
                      lambda found: "retention.ms" in found and found["retention.ms"].source
                      is not ConfigSource.DYNAMIC_TOPIC_CONFIG)
    retention = configs["retention.ms"]
    assert retention.source in (ConfigSource.DEFAULT_CONFIG, ConfigSource.STATIC_BROKER_CONFIG,
                                ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)


@pytest.mark.kafka_only
def test_a_brokers_own_description_lists_static_and_default_configs(live_admin):
    broker = live_admin.describe_cluster().brokers[0].id
    configs = live_admin.describe_broker_configs([broker])[broker]
    sources = {entry.source for entry in configs.values()}
    assert {ConfigSource.STATIC_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG} <= sources
    assert configs["log.retention.hours"].source in (ConfigSource.DEFAULT_CONFIG,
                                                     ConfigSource.STATIC_BROKER_CONFIG)


@pytest.mark.kafka_only
def test_new_partitions_take_an_explicit_assignment(live_admin, topic_prefix):
    brokers = sorted(b.id for b in live_admin.describe_cluster().brokers)
    topic = f"{topic_prefix}placed"
    live_admin.create_topics([NewTopic(topic, 1, 1, assignment=((brokers[0],),))])
    assert created(live_admin, topic)
    added = ((brokers[-1],), (brokers[0],))
    assert live_admin.create_partitions([NewPartitions(topic, 3, added)]) == {topic: None}
    topics = settled(live_admin.list_topics,
                     lambda found: topic in found and len(found[topic].partitions) == 3)
    assert topics[topic].assignment == [[brokers[0]], [brokers[-1]], [brokers[0]]]


@pytest.mark.kafka_only
def test_a_reassignment_moves_a_replica_and_a_cancel_of_nothing_says_so(live_admin,
                                                                        topic_prefix):
    brokers = sorted(b.id for b in live_admin.describe_cluster().brokers)
    topic = f"{topic_prefix}moved"
    live_admin.create_topics([NewTopic(topic, 1, 1, assignment=((brokers[0],),))])
    assert created(live_admin, topic)
    tp = TopicPartition(topic, 0)
    assert live_admin.alter_partition_reassignments({tp: [brokers[-1]]}) == {tp: None}
    moved = settled(live_admin.list_topics,
                    lambda found: topic in found and found[topic].assignment == [[brokers[-1]]],
                    timeout=60)
    assert moved[topic].assignment == [[brokers[-1]]]
    assert eventually(lambda: tp not in live_admin.list_partition_reassignments())
    cancel = live_admin.alter_partition_reassignments({tp: None})
    assert cancel[tp].code == "NO_REASSIGNMENT_IN_PROGRESS"


@pytest.mark.kafka_only
def test_log_dirs_report_a_written_partition(live_admin, topic_prefix):
    topic = f"{topic_prefix}sized"
    live_admin.create_topics([NewTopic(topic, 1, 1)])
    assert created(live_admin, topic)
    live_admin.write_record(topic, "k", "v" * 1000)
    assert eventually(lambda: any(
        s.topic == topic and s.size_bytes > 0 for s in live_admin.describe_log_dirs()))
