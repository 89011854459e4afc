"""Fingerprints change with anything a plan depends on, and only with that."""

from __future__ import annotations

import dataclasses

import pytest

from kafkaform.core.fingerprint import (
    desired_hash,
    fingerprint_diff,
    observed_summary,
    summary_fingerprint,
)
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    ClusterConnection,
    PatternType,
    ResourceType,
)
from kafkaform.core.observed import ConfigEntry, ConfigSource, TopicPartition
from tests.support.observed import default, entry, observed, override, topic_info
from tests.support.scenario import scenario_desired

READ = AclBinding("User:a", ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.READ)
BASE = dict(
    topics={"orders": [[1, 2, 3], [2, 3, 1]], "users": [[3, 1, 2]]},
    configs={"orders": {"retention.ms": override("1000"), "segment.ms": default("604800000")}},
    broker_configs={"min.insync.replicas": entry("2", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)},
    acls=frozenset({READ}),
)


def observed_fingerprint(observed):
    """What a saved plan records: the sha256 of the observed summary."""
    return summary_fingerprint(observed_summary(observed))


def variant(**changes):
    return observed(**{**BASE, **changes})


CHANGES = {
    "topic created": ({**BASE["topics"], "new": [[1, 2, 3]]}, "topics",
                      "topic new was created"),
    "topic deleted": ({"orders": BASE["topics"]["orders"]}, "topics", "topic users was deleted"),
    "partition added": ({**BASE["topics"], "users": [[3, 1, 2], [1, 2, 3]]}, "topics",
                        "topic users partitions 1 → 2"),
    "replica moved": ({**BASE["topics"], "users": [[3, 1, 4]]}, "topics",
                      "topic users replica assignment changed"),
    "preferred leader order changed": ({**BASE["topics"], "users": [[1, 3, 2]]}, "topics",
                                       "topic users replica assignment changed"),
    "config value changed": ({"orders": {"retention.ms": override("2000")}}, "configs",
                             "topic orders config retention.ms changed: 1000 → 2000"),
    "override removed": ({"orders": {}}, "configs",
                         "topic orders config retention.ms was removed"),
    "override added": (
        {"orders": {"retention.ms": override("1000"), "segment.ms": override("1")}}, "configs",
        "topic orders config segment.ms was added"),
    "non-default value of a broker without sources": (
        {"orders": {"retention.ms": override("1000"),
                    "segment.ms": entry("1", ConfigSource.UNKNOWN)}}, "configs",
        "topic orders config segment.ms was added"),
    "broker config changed": (
        {"min.insync.replicas": entry("1", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)},
        "broker_configs", "cluster-wide broker config min.insync.replicas changed: 2 → 1"),
    "ACL added": (frozenset({READ, dataclasses.replace(READ, operation=AclOperation.WRITE)}),
                  "acls", "ACL added: allow User:a WRITE on topic orders from *"),
    "ACL removed": (frozenset(), "acls", "ACL removed: allow User:a READ on topic orders from *"),
    "ACLs unreadable": (None, "acls", "the cluster's ability to list ACLs changed"),
}


@pytest.mark.parametrize("case", CHANGES)
def test_fingerprint_changes_and_says_what_changed(case):
    value, field, line = CHANGES[case]
    before, after = variant(), variant(**{field: value})
    assert observed_fingerprint(before) != observed_fingerprint(after)
    assert line in fingerprint_diff(observed_summary(before), observed_summary(after))


def with_partitions(state, topic, **changes):
    info = state.topics[topic]
    parts = tuple(dataclasses.replace(p, **changes) for p in info.partitions)
    return dataclasses.replace(state, topics={**state.topics,
                                              topic: dataclasses.replace(info, partitions=parts)})


@pytest.mark.parametrize(
    "change",
    [
        lambda s: with_partitions(s, "orders", leader=3),
        lambda s: with_partitions(s, "orders", isr=(1,)),
        lambda s: with_partitions(s, "orders", leader=None, isr=()),
        lambda s: dataclasses.replace(s, topic_configs={"orders": {
            **s.topic_configs["orders"],
            "leader.replication.throttled.replicas": override("0:1")}}),
        lambda s: dataclasses.replace(s, topic_configs={"orders": {
            **s.topic_configs["orders"],
            "retention.bytes": entry("5", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)}}),
        lambda s: dataclasses.replace(s, topics={**s.topics, "__consumer_offsets": topic_info(
            "__consumer_offsets", [[1]])}),
    ],
    ids=["leader", "isr", "offline", "throttle", "inherited value", "internal topic"],
)
def test_fingerprint_ignores_what_no_plan_depends_on(change):
    state = variant()
    assert observed_fingerprint(change(state)) == observed_fingerprint(state)


def test_the_same_cluster_read_through_different_brokers_has_one_fingerprint():
    """Kafka 4.4: a static log.retention.hours=72 shows as retention.ms
    259200000 with source DEFAULT_CONFIG; broker 1, with a per-broker dynamic
    log.retention.ms, answers its own value as DYNAMIC_BROKER_CONFIG."""
    def answered_by(retention: ConfigEntry):
        return variant(configs={"orders": {**BASE["configs"]["orders"],
                                           "segment.ms": retention}})

    broker_1 = answered_by(entry("7200000", ConfigSource.DYNAMIC_BROKER_CONFIG))
    broker_2 = answered_by(default("259200000"))
    assert observed_fingerprint(broker_1) == observed_fingerprint(broker_2)


def test_reassignment_in_progress_changes_the_fingerprint():
    moving = variant(reassigning={TopicPartition("orders", 0): (1, 2, 3, 4)})
    assert observed_fingerprint(moving) != observed_fingerprint(variant())
    assert fingerprint_diff(observed_summary(variant()), observed_summary(moving)) == [
        "reassignment orders-0 was added"]


def test_same_state_same_fingerprint_and_no_diff():
    assert observed_fingerprint(variant()) == observed_fingerprint(variant())
    assert fingerprint_diff(observed_summary(variant()), observed_summary(variant())) == []


def test_desired_hash_ignores_secrets_and_line_numbers_but_not_content():
    desired = scenario_desired()
    other_secret = dataclasses.replace(
        desired, cluster=ClusterConnection(cluster_id="prod-cluster", client={"x": "y"}),
        topics={n: dataclasses.replace(t, source=None) for n, t in desired.topics.items()})
    assert desired_hash(other_secret) == desired_hash(desired)
    changed = dataclasses.replace(desired, broker_configs={"min.insync.replicas": "3"})
    assert desired_hash(changed) != desired_hash(desired)
