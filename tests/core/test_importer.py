from pathlib import Path

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.importer import (
    TopicFilter,
    adopt,
    import_acls,
    import_topics,
    topic_overrides,
)
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    AclScope,
    PatternType,
    ResourceType,
    TopicSpec,
)
from kafkaform.core.observed import ConfigEntry, ConfigSource
from kafkaform.core.planner import plan
from kafkaform.errors import KafkaformError
from kafkaform.files.validate import validate_environment
from kafkaform.files.yamlwrite import acls_document, topics_document
from kafkaform.run.observe import observe

READ_ORDERS = AclBinding("User:orders", ResourceType.TOPIC, "orders.", PatternType.PREFIXED,
                         AclOperation.READ)


def cluster() -> MemoryCluster:
    kafka = MemoryCluster(3, racks=["a", "b", "c"])
    kafka.add_topic("orders.created", [[1, 2, 3], [2, 3, 1], [3, 1, 2]],
                    {"retention.ms": "604800000", "max.message.bytes": "2097152",
                     "leader.replication.throttled.replicas": "0:1"})
    kafka.add_topic("users", [[1, 2, 3]], {"cleanup.policy": "compact"})
    kafka.add_topic("__consumer_offsets", [[1, 2, 3]])
    kafka.add_acls([READ_ORDERS])
    return kafka


def test_topics_carry_their_shape_and_only_their_own_overrides():
    topics = {t.name: t for t in import_topics(observe(cluster()))}
    assert set(topics) == {"orders.created", "users"}
    orders = topics["orders.created"]
    assert (orders.partitions, orders.replication_factor) == (3, 3)
    # retention.ms is set on the topic (even at Kafka's default value); throttles are not ours.
    assert orders.configs == {"max.message.bytes": "2097152", "retention.ms": "604800000"}
    assert not orders.keyed
    assert topics["users"].configs == {"cleanup.policy": "compact"}
    assert topics["users"].keyed


def test_filters_select_by_whole_name_and_internal_topics_on_request():
    observed = observe(cluster())
    assert [t.name for t in import_topics(observed, TopicFilter(include=r"orders\..*"))] == [
        "orders.created"
    ]
    assert [t.name for t in import_topics(observed, TopicFilter(exclude="orders.*"))] == ["users"]
    assert "__consumer_offsets" in [
        t.name for t in import_topics(observed, TopicFilter(internal=True))
    ]
    with pytest.raises(KafkaformError, match="--include '\\(': invalid regex"):
        TopicFilter(include="(")


def test_only_the_topics_own_readable_overrides_are_imported():
    entries = {
        "retention.ms": ConfigEntry("retention.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG),
        "cleanup.policy": ConfigEntry("cleanup.policy", "compact", ConfigSource.DEFAULT_CONFIG),
        "min.insync.replicas": ConfigEntry("min.insync.replicas", "2",
                                           ConfigSource.STATIC_BROKER_CONFIG),
        "secret": ConfigEntry("secret", None, ConfigSource.DYNAMIC_TOPIC_CONFIG, sensitive=True),
    }
    assert topic_overrides(entries) == {"retention.ms": "3600000"}


def test_acls_are_imported_sorted_and_absent_when_unlistable():
    assert import_acls(observe(cluster())) == [READ_ORDERS]
    assert import_acls(observe(MemoryCluster(1, authorizer=False))) == []


def test_only_the_managed_principals_bindings_are_imported():
    """Another principal's binding in the files would make the environment invalid
    ("outside the managed scope"), as quotas and users outside theirs would."""
    observed = observe(cluster())
    assert import_acls(observed, AclScope(principals=("User:orders",))) == [READ_ORDERS]
    assert import_acls(observed, AclScope(principals=("User:billing",))) == []


def write_environment(folder: Path, topics: list[TopicSpec], acls: list[AclBinding]) -> Path:
    folder.mkdir()
    (folder / "environment.yaml").write_text(
        "kind: Environment\nname: imported\ncluster: {bootstrap: 'memory:1'}\n"
        "policies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n"
    )
    (folder / "topics.yaml").write_text(topics_document(topics, omit_kafka_defaults=False))
    (folder / "acls.yaml").write_text(acls_document(acls))
    return folder


def test_import_then_load_gives_the_observed_topics_and_an_empty_plan(tmp_path):
    observed = observe(cluster())
    topics, acls = import_topics(observed), import_acls(observed)
    result = validate_environment(write_environment(tmp_path / "imported", topics, acls))
    assert result.desired is not None, [p.render() for p in result.problems]
    loaded = result.desired
    assert {
        n: (t.partitions, t.replication_factor, t.configs) for n, t in loaded.topics.items()
    } == {t.name: (t.partitions, t.replication_factor, t.configs) for t in topics}
    assert loaded.acls == frozenset(acls)
    planned = plan(loaded, observed)
    assert planned.is_empty, [a for a in planned.actions]


def test_adopt_manages_exactly_the_selected_topics_and_relaxes_what_they_break():
    kafka = cluster()
    kafka.add_topic("orders.single", [[1]])
    adoption = adopt(observe(kafka), "legacy", TopicFilter(include=r"orders\..*"))
    assert adoption.cluster_id == kafka.cluster_id
    assert [t.name for t in adoption.topics] == ["orders.created", "orders.single"]
    assert adoption.acls == [READ_ORDERS]
    scope = adoption.desired.scope.topics
    assert scope.manages("orders.created") and not scope.manages("users")
    assert [(r.policy, r.value) for r in adoption.relaxed] == [
        ("minReplicationFactor", 1), ("minInsyncReplicas", 1)]
    with pytest.raises(KafkaformError, match="cannot adopt them: leave out --internal"):
        adopt(observe(kafka), "legacy", TopicFilter(internal=True))


def test_topics_whose_configs_could_not_be_read_are_refused_not_imported_bare():
    kafka = cluster()
    kafka.configs_denied.add("users")
    observed = observe(kafka)
    with pytest.raises(KafkaformError, match=r"configs of 1 topic could not be read \(users\)"):
        import_topics(observed)
    assert [t.name for t in import_topics(observed, TopicFilter(exclude="users"))] == [
        "orders.created"]
