"""Reading YAML with lines, interpolation, overlays, defaults, sizing and ACL roles."""

from pathlib import Path

import pytest

from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    PartitionSizing,
    PatternType,
    PlacementStrategy,
    ResourceType,
)
from kafkaform.files.documents import read_documents
from kafkaform.files.load import load_environment

from .conftest import ENVIRONMENT


def test_lines_for_keys_and_items_over_several_documents(write):
    path = write("a.yaml", """
        kind: Topics
        topics:
          - name: a
            configs:
              retention.ms: 7d
        ---
        kind: Acls
        bindings: []
        """)
    first, second = read_documents(path, {})
    assert first.lines[("topics", 0)] == 3
    assert first.lines[("topics", 0, "configs", "retention.ms")] == 5
    assert second.lines[("kind",)] == 7
    assert first.line(("topics", 0, "configs", "retention.ms", "missing")) == 5


def test_duplicate_keys_are_errors_at_the_second_key(write):
    path = write("a.yaml", """
        kind: Topics
        topics:
          - name: a
            partitions: 3
            partitions: 4
        """)
    (doc,) = read_documents(path, {})
    assert [p.render() for p in doc.problems] == [
        f"{path}:5: topics[a].partitions: duplicate key (first written at line 4)"
    ]
    assert doc.data["topics"][0]["partitions"] == 3


@pytest.mark.parametrize(
    ("text", "environ", "value"),
    [
        ("v: ${P}", {"P": "12"}, 12),                 # plain scalar: typed like YAML would
        ("v: ${P:-6}", {}, 6),
        ("v: '${P:-6}'", {}, "6"),                    # quoted stays a string
        ("v: ${HOST:-localhost}:9092", {}, "localhost:9092"),
        ("v: ${T}", {"T": "true"}, True),
        ("v: $${LITERAL}", {}, "${LITERAL}"),
        ("v: ${A}-${B:-b}", {"A": "a"}, "a-b"),
    ],
)
def test_interpolation(write, text, environ, value):
    (doc,) = read_documents(write("a.yaml", text), environ)
    assert doc.data == {"v": value}
    assert doc.unresolved == []


def test_unresolved_variables_are_recorded_with_their_path(write):
    (doc,) = read_documents(write("a.yaml", "a:\n  b: ${NOT_SET}\n"), {})
    assert doc.unresolved == [(("a", "b"), "NOT_SET")]


def test_overlay_merges_field_by_field(write, tmp_path):
    write("base/topics.yaml", """
        kind: Topics
        topics:
          - name: orders
            partitions: 6
            keyed: true
            configs: {retention.ms: 7d, cleanup.policy: delete, retention.bytes: 1GiB}
          - name: legacy
          - name: users
            configs: {cleanup.policy: compact}
        """)
    write("env/environment.yaml", ENVIRONMENT + "include: [../base]\n")
    write("env/topics.yaml", """
        kind: Topics
        topics:
          - name: orders
            partitions: 12
            configs: {retention.ms: 3d, retention.bytes: null}
          - name: legacy
            remove: true
          - name: extra
        """)
    loaded = load_environment(tmp_path / "env", {})
    assert loaded.problems == [] and loaded.shape_problems == []
    topics = loaded.desired.topics
    assert sorted(topics) == ["extra", "orders", "users"]
    orders = topics["orders"]
    assert (orders.partitions, orders.replication_factor, orders.keyed) == (12, 1, True)
    assert orders.configs == {"retention.ms": "259200000", "cleanup.policy": "delete"}
    assert orders.source.file.endswith("env/topics.yaml")
    assert loaded.topic_origins["orders"].where["configs.cleanup.policy"].file.endswith(
        "base/topics.yaml"
    )
    assert topics["users"].keyed  # compacted topics are keyed unless they say otherwise


def test_defaults_fill_in_and_null_removes_a_default_config(write, tmp_path):
    write("env/environment.yaml", """
        kind: Environment
        name: test
        defaults:
          topic: {partitions: 6, replicationFactor: 3, placement: rack-spread,
                  configs: {min.insync.replicas: 2, compression.type: zstd}}
        """)
    write("env/topics.yaml", """
        kind: Topics
        topics:
          - name: a
            configs: {compression.type: null}
          - name: b
            replicationFactor: 2
            placement: default
            configs: {min.insync.replicas: 1}
        """)
    topics = load_environment(tmp_path / "env", {}).desired.topics
    assert topics["a"].configs == {"min.insync.replicas": "2"}
    assert (topics["a"].partitions, topics["a"].placement) == (6, PlacementStrategy.RACK_SPREAD)
    assert topics["b"].configs == {"min.insync.replicas": "1", "compression.type": "zstd"}
    assert (topics["b"].replication_factor, topics["b"].placement) == (
        2, PlacementStrategy.DEFAULT
    )


def test_include_kinds_and_nested_includes(write, tmp_path):
    write("shared/topics.yaml", "kind: Topics\ntopics: [{name: shared}]\n")
    write("shared/acls.yaml", """
        kind: Acls
        bindings: [{principal: User:a, resource: group, name: g, operations: [Read]}]
        """)
    write("base/environment.yaml", "kind: Environment\nname: base\ninclude: [../shared]\n")
    write("base/topics.yaml", "kind: Topics\ntopics: [{name: base}]\n")
    write("env/environment.yaml", ENVIRONMENT + "include: [{path: ../base, kinds: [Topics]}]\n")
    loaded = load_environment(tmp_path / "env", {})
    assert loaded.problems == []
    assert sorted(loaded.desired.topics) == ["base", "shared"]
    assert loaded.desired.acls == frozenset()


def test_duplicate_topic_in_one_folder_names_both_places(write, tmp_path):
    write("env/environment.yaml", ENVIRONMENT)
    write("env/a.yaml", "kind: Topics\ntopics: [{name: t}]\n")
    write("env/b.yaml", "kind: Topics\ntopics:\n  - name: t\n")
    (problem,) = load_environment(tmp_path / "env", {}).problems
    assert problem.render() == (
        f"{tmp_path}/env/b.yaml:3: topics[t].name: duplicate topic 't' "
        f"(also defined at {tmp_path}/env/a.yaml:2)"
    )


@pytest.mark.parametrize(
    ("partitions", "resolved", "sizing"),
    [
        ("{throughput: 120000, perPartition: 40000, factor: 1.5}", 5,
         PartitionSizing(120000, 40000, 1.5)),
        ("{throughput: 100, perPartition: 10}", 15, PartitionSizing(100, 10, 1.5)),
        ("{throughput: 0.3, perPartition: 0.1, factor: 1}", 3, PartitionSizing(0.3, 0.1, 1)),
        ("7", 7, None),
    ],
)
def test_partition_sizing(write, tmp_path, partitions, resolved, sizing):
    write("env/environment.yaml", ENVIRONMENT)
    write("env/t.yaml", f"kind: Topics\ntopics:\n  - name: t\n    partitions: {partitions}\n")
    topic = load_environment(tmp_path / "env", {}).desired.topics["t"]
    assert (topic.partitions, topic.sizing) == (resolved, sizing)


def test_static_placement_implies_counts(write, tmp_path):
    write("env/environment.yaml", "kind: Environment\nname: e\n")
    write("env/t.yaml", """
        kind: Topics
        topics:
          - name: t
            placement: {replicas: [[1, 2], [2, 3], [3, 1]]}
        """)
    topic = load_environment(tmp_path / "env", {}).desired.topics["t"]
    assert (topic.partitions, topic.replication_factor) == (3, 2)
    assert topic.placement is PlacementStrategy.STATIC
    assert topic.assignment == ((1, 2), (2, 3), (3, 1))


def _binding(resource, name, operation, pattern=PatternType.LITERAL, principal="User:svc"):
    return AclBinding(principal, resource, name, pattern, operation)


def test_roles_expand_like_kafka_acls(write, tmp_path):
    write("env/environment.yaml", ENVIRONMENT)
    write("env/acls.yaml", """
        kind: Acls
        principals:
          - principal: User:svc
            produce: {topics: ['orders.*'], transactionalIds: [tx], idempotent: true}
            consume: {topics: ['*'], groups: [g]}
        """)
    topic, txn, group = ResourceType.TOPIC, ResourceType.TRANSACTIONAL_ID, ResourceType.GROUP
    op = AclOperation
    assert load_environment(tmp_path / "env", {}).desired.acls == {
        _binding(topic, "orders.", op.WRITE, PatternType.PREFIXED),
        _binding(topic, "orders.", op.DESCRIBE, PatternType.PREFIXED),
        _binding(topic, "orders.", op.CREATE, PatternType.PREFIXED),
        _binding(txn, "tx", op.WRITE),
        _binding(txn, "tx", op.DESCRIBE),
        _binding(ResourceType.CLUSTER, "kafka-cluster", op.IDEMPOTENT_WRITE),
        _binding(topic, "*", op.READ),
        _binding(topic, "*", op.DESCRIBE),
        _binding(group, "g", op.READ),
    }


def test_acls_union_and_an_overlay_drops_a_principal(write, tmp_path):
    write("base/acls.yaml", """
        kind: Acls
        principals:
          - {principal: User:a, consume: {groups: [a]}}
          - {principal: User:b, consume: {groups: [b]}}
        """)
    write("env/environment.yaml", ENVIRONMENT + "include: [../base]\n")
    write("env/acls.yaml", """
        kind: Acls
        principals:
          - {principal: User:b, remove: true}
          - {principal: User:c, consume: {groups: [c]}}
        bindings:
          - {principal: User:a, resource: topic, name: t, operations: [Read], permission: deny}
        """)
    acls = load_environment(tmp_path / "env", {}).desired.acls
    assert sorted((b.principal, b.resource_name, b.permission.value) for b in acls) == [
        ("User:a", "a", "ALLOW"), ("User:a", "t", "DENY"), ("User:c", "c", "ALLOW"),
    ]


def test_connection_variables_left_out_and_named(write, tmp_path):
    write("env/environment.yaml", ENVIRONMENT + (
        "cluster:\n"
        "  bootstrap: ${BOOT}\n"
        "  client: {sasl.username: me, sasl.password: '${PASS}', ssl.verify: false}\n"
    ))
    loaded = load_environment(tmp_path / "env", {})
    cluster = loaded.desired.cluster
    assert cluster.bootstrap is None
    assert cluster.client == {"sasl.username": "me",
                              "ssl.verify": "false"}
    assert cluster.missing_variables == ("BOOT", "PASS")
    assert [p.is_error for p in loaded.problems] == [False, False]


def test_thousands_of_topics_load(write, tmp_path):
    lines = ["kind: Topics", "topics:"]
    for i in range(3000):
        lines += [f"  - name: orders.t{i}", "    configs: {retention.ms: 7d}"]
    write("env/environment.yaml", ENVIRONMENT)
    write("env/topics.yaml", "\n".join(lines) + "\n")
    loaded = load_environment(Path(tmp_path / "env"), {})
    assert len(loaded.desired.topics) == 3000
    assert loaded.desired.topics["orders.t2999"].source.line == 2 + 2 * 2999 + 1
