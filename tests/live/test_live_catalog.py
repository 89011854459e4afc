"""The config catalog (kafkaform/data/kafka_configs.json) against a real Apache Kafka.

The catalog's version tags and defaults are derived from Kafka's jars
(tools/config_catalog.py); this checks them against what a running broker of
the tested release actually says: DescribeConfigs of a fresh topic and of a
broker, and CreateTopics with each config the catalog says the release lacks.
Marked `smoke`, so it also runs on the oldest supported Kafka line.
"""

from __future__ import annotations

import pytest

from kafkaform.cluster.kafka import ALWAYS_LISTED_TOPIC_CONFIGS
from kafkaform.core.kafka_configs import (
    BROKER_CONFIGS,
    TOPIC_CONFIGS,
    available_in,
    default_in,
    version_tuple,
)
from kafkaform.core.observed import ConfigSource
from kafkaform.core.requests import NewTopic
from tests.live.helpers import settled

pytestmark = [pytest.mark.live, pytest.mark.kafka_only, pytest.mark.smoke]

# Topic configs a broker may list that the catalog leaves out on purpose
# (Kafka's internal ones, such as `internal.segment.bytes`, are only listed
# when set, and the test sets none).
KNOWN_INTERNAL_TOPIC_CONFIGS: frozenset[str] = frozenset()

# Kafka 3.0.1 .. 3.5 define the tiered-storage topic configs as internal ones:
# never listed (so the catalog has them from 3.6), yet accepted when set.
INTERNAL_BEFORE_3_6 = frozenset({
    "remote.storage.enable", "local.retention.bytes", "local.retention.ms",
})

# Dynamic-only broker configs (DynamicConfig.Broker, not KafkaConfig): a broker
# lists them only once they are set, so absence from its description is normal.
DYNAMIC_ONLY_BROKER_CONFIGS = frozenset({
    "leader.replication.throttled.rate",
    "follower.replication.throttled.rate",
    "replica.alter.log.dirs.io.max.bytes.per.second",
})


def test_catalog_topic_configs_match_the_broker(live_admin, kafka_cluster, topic_prefix):
    release = kafka_cluster.version
    topic = f"{topic_prefix}catalog"
    assert live_admin.create_topics([NewTopic(topic, 1, 1)]) == {topic: None}
    # A broker may not know a just-created topic yet (KRaft brokers replay the
    # metadata log at their own pace): wait for a full listing.
    listed = settled(lambda: live_admin.describe_topic_configs([topic]).get(topic, {}),
                     lambda found: found.keys() >= ALWAYS_LISTED_TOPIC_CONFIGS)
    assert listed, f"{topic}: no broker described it"

    expected = {name for name, d in TOPIC_CONFIGS.items() if available_in(d, release)}
    missing = sorted(expected - listed.keys())
    not_in_catalog = sorted(listed.keys() - TOPIC_CONFIGS.keys() - KNOWN_INTERNAL_TOPIC_CONFIGS)
    listed_but_tagged_unavailable = sorted((listed.keys() & TOPIC_CONFIGS.keys()) - expected)
    wrong_defaults = {
        name: {"catalog": default_in(TOPIC_CONFIGS[name], release), "broker": entry.value}
        for name, entry in sorted(listed.items())
        if name in expected and entry.source is ConfigSource.DEFAULT_CONFIG
        and entry.value != default_in(TOPIC_CONFIGS[name], release)
    }
    assert {
        "missing from the broker": missing,
        "not in the catalog": not_in_catalog,
        "listed but tagged unavailable": listed_but_tagged_unavailable,
        "wrong defaults": wrong_defaults,
    } == {
        "missing from the broker": [],
        "not in the catalog": [],
        "listed but tagged unavailable": [],
        "wrong defaults": {},
    }, f"Kafka {release}"


def test_catalog_configs_the_release_lacks_are_refused(live_admin, kafka_cluster,
                                                      topic_prefix):
    """Removed configs (and those of later lines) make CreateTopics fail."""
    release = kafka_cluster.version
    lacking = sorted(
        name for name, d in TOPIC_CONFIGS.items()
        if not available_in(d, release) and not (
            name in INTERNAL_BEFORE_3_6 and version_tuple(release) < (3, 6))
    )
    # Kafka 4.4 refusing it is how the catalog was first found wrong: keep it covered.
    assert version_tuple(release) < (4, 0) or "message.downconversion.enable" in lacking
    # One topic per config: a single unknown config fails the whole topic.
    topics = {
        name: NewTopic(f"{topic_prefix}lacking-{index}", 1, 1,
                       {name: TOPIC_CONFIGS[name].default or ""})
        for index, name in enumerate(lacking)
    }
    results = live_admin.create_topics(list(topics.values())) if topics else {}
    outcome = {
        name: getattr(results[topic.name], "code", "accepted")
        for name, topic in topics.items()
    }
    assert outcome == dict.fromkeys(lacking, "INVALID_CONFIG"), f"Kafka {release}"


def test_catalog_broker_configs_match_a_brokers_own_description(live_admin, kafka_cluster):
    release = kafka_cluster.version
    broker = live_admin.describe_cluster().brokers[0].id
    listed = live_admin.describe_broker_configs([broker])[broker]

    expected = {name for name, d in BROKER_CONFIGS.items() if available_in(d, release)}
    missing = sorted(expected - listed.keys() - DYNAMIC_ONLY_BROKER_CONFIGS)
    wrong_defaults = {
        name: {"catalog": default_in(BROKER_CONFIGS[name], release), "broker": entry.value}
        for name, entry in sorted(listed.items())
        if name in expected and entry.source is ConfigSource.DEFAULT_CONFIG
        and entry.value != default_in(BROKER_CONFIGS[name], release)
    }
    assert {"missing from the broker": missing, "wrong defaults": wrong_defaults} == {
        "missing from the broker": [], "wrong defaults": {},
    }, f"Kafka {release}"
