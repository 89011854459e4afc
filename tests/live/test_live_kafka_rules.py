"""Where the in-memory cluster stands in for Kafka's rules, real Kafka agrees.

The official tools (kafka-topics, kafka-configs from the same jars) are the
oracle; kafkaform's rules and `cluster.memory` must say what they say.
"""

from __future__ import annotations

import re

import pytest

from kafkaform.cluster.local_kafka import LocalKafka
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.kafka_rules import topic_name_problem
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewTopic
from tests.live.helpers import settled

pytestmark = [pytest.mark.live, pytest.mark.kafka_only]


def kafka_topics(kafka, *args: str):
    return kafka.run_tool("kafka-topics", "--bootstrap-server", kafka.bootstrap, *args,
                          check=False)


def test_kafka_takes_a_249_character_topic_name_and_refuses_250(kafka_cluster, topic_prefix):
    longest = topic_prefix + "x" * (249 - len(topic_prefix))
    too_long = longest + "x"
    assert topic_name_problem(longest) is None and topic_name_problem(too_long) is not None

    try:
        created = kafka_topics(kafka_cluster, "--create", "--topic", longest,
                               "--partitions", "1", "--replication-factor", "1")
        refused = kafka_topics(kafka_cluster, "--create", "--topic", too_long,
                               "--partitions", "1", "--replication-factor", "1")
    finally:
        kafka_topics(kafka_cluster, "--delete", "--topic", longest)

    assert created.returncode == 0, created.stderr
    # The tool runs Kafka's Topic.validate before asking the broker (which runs it again):
    # "Topic name ... is longer than the max allowed length 249".
    assert refused.returncode != 0
    assert re.search(r"longer than .*\b249\b", refused.stdout + refused.stderr)


def described(kafka: LocalKafka, entity: str, name: str, key: str) -> tuple[str, str] | None:
    """(value, source) of `key` in `kafka-configs --describe --all`: the source is the
    first of its synonyms, the one Kafka took the value from."""
    output = kafka.run_tool("kafka-configs", "--bootstrap-server", kafka.bootstrap,
                            "--entity-type", entity, "--entity-name", name,
                            "--describe", "--all").stdout
    found = re.search(rf"^\s*{re.escape(key)}=(\S*) .*synonyms=\{{(\w+):", output, re.MULTILINE)
    return (found.group(1), found.group(2)) if found else None


def test_a_dynamic_cluster_default_wins_over_the_static_config_as_in_memory(kafka_cluster):
    """server.properties sets log.retention.ms; the cluster-wide dynamic default
    set after it wins, for the broker and for a topic inheriting it. The
    shared cluster has no static topic-config synonym, so one broker of its own
    (the same jars: kafka_cluster is only asked for them to be there)."""
    static = {"log.retention.ms": "3600000"}
    with LocalKafka(brokers=1, controllers=1, racks=("rack-a",), version=kafka_cluster.version,
                    broker_configs=static) as kafka:
        kafka.run_tool("kafka-configs", "--bootstrap-server", kafka.bootstrap,
                       "--entity-type", "brokers", "--entity-default", "--alter",
                       "--add-config", "log.retention.ms=7200000")
        kafka_topics(kafka, "--create", "--topic", "inherits", "--partitions", "1",
                     "--replication-factor", "1")
        want = ("7200000", "DYNAMIC_DEFAULT_BROKER_CONFIG")
        broker = settled(lambda: described(kafka, "brokers", "1", "log.retention.ms"),
                         lambda found: found == want, timeout=60)
        topic = settled(lambda: described(kafka, "topics", "inherits", "retention.ms"),
                        lambda found: found == want, timeout=60)

    memory = MemoryCluster(1, static_broker_configs=static)
    memory.create_topics([NewTopic("inherits", 1, 1)])
    memory.alter_broker_configs(
        {None: [ConfigOp("log.retention.ms", ConfigOpType.SET, "7200000")]})
    in_memory = (memory.describe_broker_configs([1])[1]["log.retention.ms"],
                 memory.describe_topic_configs(["inherits"])["inherits"]["retention.ms"])
    assert [broker, topic] == [(e.value, e.source.value) for e in in_memory]
    assert broker == want
