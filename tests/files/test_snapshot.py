"""Snapshots: ObservedState -> JSON -> MemoryCluster -> the same ObservedState."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import AclBinding, AclOperation, PatternType, ResourceType
from kafkaform.core.observed import Api, ConfigEntry, ConfigSource, TopicPartition
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewTopic
from kafkaform.errors import KafkaformError
from kafkaform.files.snapshot import (
    _is_plain_topic,
    cluster_from_snapshot,
    load_snapshot,
    snapshot_to_dict,
    snapshot_validator,
    write_snapshot,
)
from kafkaform.run.observe import observe

ROOT = Path(__file__).resolve().parents[2]


def busy_cluster():
    """A cluster with something of every kind a snapshot must carry."""
    cluster = MemoryCluster.with_racks(6, racks=3, static_broker_configs={"log.retention.ms": "1"})
    cluster.create_topics(
        [
            NewTopic("orders", 6, 3, {"cleanup.policy": "compact", "retention.ms": "86400000"}),
            NewTopic("__consumer_offsets", 3, 3),
            NewTopic("moving", 2, 2),
        ]
    )
    cluster.alter_broker_configs(
        {
            None: [ConfigOp("min.insync.replicas", ConfigOpType.SET, "2")],
            2: [ConfigOp("leader.replication.throttled.rate", ConfigOpType.SET, "1000")],
        }
    )
    cluster.set_broker_config(3, "listener.name.internal.ssl.key.password", None)
    cluster.create_acls(
        [
            AclBinding("User:a", ResourceType.TOPIC, "orders", PatternType.PREFIXED,
                       AclOperation.READ),
            AclBinding("User:b", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                       AclOperation.ALTER_CONFIGS, host="10.0.0.1"),
        ]
    )  # fmt: skip
    moving = cluster.list_topics()["moving"].partitions[0].replicas
    target = [b for b in range(1, 7) if b not in moving][:2]
    cluster.alter_partition_reassignments({TopicPartition("moving", 0): target})
    cluster.stop_broker(6)
    return cluster


def test_round_trip_gives_the_same_observed_state(tmp_path):
    observed = observe(busy_cluster())
    path = tmp_path / "snapshot.json"
    write_snapshot(observed, path)
    loaded = load_snapshot(path)
    assert observe(loaded) == observed
    assert loaded.stopped_brokers() == [6]


def test_the_written_document_is_valid_and_small():
    data = snapshot_to_dict(observe(busy_cluster()))
    assert list(snapshot_validator().iter_errors(data)) == []
    assert data["version"] == 1
    assert data["topics"]["orders"]["configs"] == {
        "cleanup.policy": "compact",
        "retention.ms": "86400000",
    }
    assert data["staticBrokerConfigs"] == {"log.retention.ms": "1"}
    assert "topicConfigDefaults" not in data
    assert data["perBrokerConfigs"]["3"] == {"listener.name.internal.ssl.key.password": None}


def test_the_schema_is_draft_2020_12():
    schema = json.loads((ROOT / "schemas" / "snapshot.schema.json").read_text())
    Draft202012Validator.check_schema(schema)


def test_round_trip_keeps_cluster_facts_from_an_older_kafka():
    cluster = MemoryCluster(3, cluster_id="old", capabilities=frozenset({Api.DESCRIBE_CONFIGS}))
    cluster.configs.topic_defaults.pop("remote.storage.enable")
    cluster.configs.topic_defaults["message.timestamp.after.max.ms"] = "9223372036854775807"
    cluster.configs.topic_defaults["confluent.tier.enable"] = "false"
    cluster.add_topic("t", [[1, 2]])
    observed = observe(cluster)
    data = snapshot_to_dict(observed)
    assert data["topicConfigDefaults"] == {
        "confluent.tier.enable": "false",
        "message.timestamp.after.max.ms": "9223372036854775807",
        "remote.storage.enable": None,
    }
    assert data["acls"] is None
    assert observe(cluster_from_snapshot(data)) == observed


def write(tmp_path, document):
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(document) if isinstance(document, dict) else document)
    return path


def test_a_hand_written_snapshot(tmp_path):
    path = write(
        tmp_path,
        {
            "version": 1,
            "brokers": [{"id": 1, "rack": "a"}, {"id": 2, "rack": "b"}, {"id": 3, "rack": "c"}],
            "topics": {
                "orders": {
                    "partitions": [[1, 2], {"replicas": [2, 4], "isr": [2], "sizeBytes": 5}],
                    "configs": {
                        "retention.ms": 3600000,
                        "unclean.leader.election.enable": False,
                        "segment.bytes": {"value": "1048576", "source": "STATIC_BROKER_CONFIG"},
                    },
                }
            },
            "acls": [
                {"principal": "User:x", "resourceType": "GROUP", "resourceName": "g",
                 "operation": "READ"}
            ],
        },
    )  # fmt: skip
    cluster = load_snapshot(path)
    observed = observe(cluster)
    orders = observed.topics["orders"]
    assert orders.assignment == [[1, 2], [2, 4]]
    assert (orders.partitions[1].leader, orders.partitions[1].isr) == (2, (2,))
    assert cluster.stopped_brokers() == [4]
    configs = observed.topic_configs["orders"]
    assert configs["retention.ms"] == ConfigEntry(
        "retention.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG
    )
    assert configs["unclean.leader.election.enable"].value == "false"
    assert configs["segment.bytes"].source is ConfigSource.STATIC_BROKER_CONFIG
    assert [a.resource_name for a in observed.acls] == ["g"]
    # partition 0 has no sizeBytes: no size reported (a plan says "unknown")
    assert {(s.broker, s.partition): s.size_bytes for s in cluster.describe_log_dirs()} == {
        (2, 1): 5,
    }  # fmt: skip
    assert cluster.calls["describe_log_dirs"] == 1


def doc(**parts):
    return {"version": 1, "brokers": [{"id": 1}], **parts}


BAD_CLUSTER_ACL = {"principal": "User:a", "resourceType": "CLUSTER", "resourceName": "c",
                   "operation": "ALTER"}  # fmt: skip


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{nope", r"snap.json:1: not valid JSON"),
        ({"version": 2, "brokers": [{"id": 1}]}, r"snap.json: \$.version: 1 was expected"),
        ({"version": 1}, r"snap.json: \$: 'brokers' is a required property"),
        (doc(topics={"t": {"partitions": [{"replica": []}]}}), r"\$.topics.t.partitions\[0\]"),
        (
            doc(topics={"a.b": {"partitions": [{"replicas": [1], "leader": 2}]}}),
            r"\$.topics\['a.b'\].partitions\[0\].leader: 2 is not a replica",
        ),
        (
            doc(topics={"t": {"partitions": [{"replicas": [1], "isr": [3]}]}}),
            r"\$.topics.t.partitions\[0\].isr: \[3\] is not within \[1\]",
        ),
        (
            doc(reassignments=[{"topic": "x", "partition": 0}]),
            r"\$.reassignments\[0\]: no partition x-0",
        ),
        (doc(acls=[BAD_CLUSTER_ACL]), r"\$.acls\[0\]: The only valid name for the CLUSTER"),
        (  # one bad topic among plain ones, which skip the schema
            doc(topics={**{f"t{i}": {"partitions": [[1]]} for i in range(100)},
                        "t50x": {"partitions": [[1, 1]]}}),
            r"\$.topics.t50x.partitions\[0\]: \[1, 1\] has non-unique elements",
        ),
    ],
)
def test_bad_snapshots_give_one_line_naming_the_place(tmp_path, document, message):
    with pytest.raises(KafkaformError, match=message) as raised:
        load_snapshot(write(tmp_path, document))
    assert "\n" not in str(raised.value)


def test_a_missing_file():
    with pytest.raises(KafkaformError, match="cannot read snapshot"):
        load_snapshot("/nonexistent/snapshot.json")


# Values around the plain shape: replica lists, partition objects, configs.
SNAPSHOT_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=False), st.text(max_size=2),
    st.lists(st.one_of(st.integers(-1, 3), st.booleans()), max_size=3),
    st.dictionaries(st.sampled_from(["replicas", "leader", "value", "source"]), st.integers(0, 2)),
)
PLAIN_ISH_TOPICS = st.fixed_dictionaries(
    {"partitions": st.lists(SNAPSHOT_VALUES, max_size=3)},
    optional={"configs": st.dictionaries(st.sampled_from(["a", "b"]), SNAPSHOT_VALUES),
              "internal": SNAPSHOT_VALUES, "other": SNAPSHOT_VALUES},
)


@settings(max_examples=1000)
@given(PLAIN_ISH_TOPICS)
def test_every_topic_the_schema_check_skips_is_one_the_schema_accepts(topic):
    if _is_plain_topic(topic):
        assert snapshot_validator().is_valid(doc(topics={"t": topic}))


def test_healthy_topics_as_kafkaform_snapshot_writes_them_skip_the_schema_check():
    cluster = MemoryCluster(3)
    cluster.create_topics([NewTopic("orders", 6, 3, {"retention.ms": "86400000"}),
                           NewTopic("__consumer_offsets", 3, 3)])
    topics = snapshot_to_dict(observe(cluster))["topics"]
    assert [name for name, topic in topics.items() if _is_plain_topic(topic)] == [
        "__consumer_offsets", "orders"]
