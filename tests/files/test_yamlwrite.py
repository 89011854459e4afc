"""What import writes loads back to the same topics and bindings."""

from pathlib import Path

from kafkaform.core.kafka_configs import TOPIC_CONFIGS
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    AclPermission,
    PartitionSizing,
    PatternType,
    PlacementStrategy,
    ResourceType,
    TopicSpec,
)
from kafkaform.files.load import load_environment
from kafkaform.files.yamlwrite import acls_document, topics_document

ENVIRONMENTS = Path(__file__).parents[2] / "environments"
TOPICS = [
    TopicSpec("orders", 12, 3, {"retention.ms": "259200000", "cleanup.policy": "delete",
                                "max.message.bytes": "1048588"}, keyed=True),
    TopicSpec("users", 6, 3, {"cleanup.policy": "compact,delete", "retention.bytes": "512000000",
                              "min.cleanable.dirty.ratio": "0.1"}, keyed=False),
    TopicSpec("static", 2, 2, {}, PlacementStrategy.STATIC, ((1, 2), (2, 1))),
    TopicSpec("spread", 1, 1, {"unclean.leader.election.enable": "false"},
              PlacementStrategy.RACK_SPREAD),
    TopicSpec("sized", 5, 3, {}, sizing=PartitionSizing(120000, 40000, 1.5)),
]


def _load_back(tmp_path, name, text):
    env = tmp_path / "env"
    env.mkdir(exist_ok=True)
    (env / "environment.yaml").write_text("kind: Environment\nname: e\n")
    (env / name).write_text(text)
    loaded = load_environment(env, {})
    assert loaded.shape_problems == [] and loaded.problems == []
    return loaded.desired


def _without_source(topic: TopicSpec) -> TopicSpec:
    return TopicSpec(**{**topic.__dict__, "source": None})


def test_topics_round_trip(tmp_path):
    text = topics_document(TOPICS, omit_kafka_defaults=False)
    desired = _load_back(tmp_path, "topics.yaml", text)
    assert {n: _without_source(t) for n, t in desired.topics.items()} == {
        t.name: t for t in TOPICS
    }


def test_topics_use_human_units_and_omit_defaults():
    text = topics_document(TOPICS)
    assert "retention.ms: 3d" in text
    assert "retention.bytes: 512MB" in text
    assert "cleanup.policy: [compact, delete]" in text
    assert "max.message.bytes" not in text  # Kafka's default
    assert "cleanup.policy: delete" not in text
    assert "unclean.leader.election.enable" not in text
    assert text.startswith("# yaml-language-server: $schema=../../schemas/topics.schema.json\n")


def test_example_environment_round_trips(tmp_path):
    prod = load_environment(ENVIRONMENTS / "prod", {"KAFKA_PASSWORD": "x"}).desired
    desired = _load_back(tmp_path, "topics.yaml", topics_document(list(prod.topics.values())))
    assert desired.topics.keys() == prod.topics.keys()
    for name, topic in desired.topics.items():
        expected = prod.topics[name]
        overrides = {k: v for k, v in expected.configs.items()
                     if TOPIC_CONFIGS[k].default != v}
        assert topic.configs == overrides
        assert (topic.partitions, topic.replication_factor, topic.keyed, topic.placement) == (
            expected.partitions, expected.replication_factor, expected.keyed, expected.placement
        )


def _acl(principal, resource, name, operation, pattern=PatternType.LITERAL,
         permission=AclPermission.ALLOW, host="*"):
    return AclBinding(principal, resource, name, pattern, operation, permission, host)


def test_acls_round_trip_with_roles_and_raw_bindings(tmp_path):
    op, topic = AclOperation, ResourceType.TOPIC
    bindings = {
        *(_acl("User:p", topic, "orders.", o, PatternType.PREFIXED)
          for o in (op.WRITE, op.DESCRIBE, op.CREATE, op.READ)),
        _acl("User:p", ResourceType.GROUP, "g", op.READ),
        _acl("User:p", ResourceType.CLUSTER, "kafka-cluster", op.IDEMPOTENT_WRITE),
        _acl("User:p", topic, "audit", op.DESCRIBE_CONFIGS),            # not a role: raw
        _acl("User:q", topic, "lit*", op.READ),                         # literal ending in '*'
        _acl("User:q", topic, "lit*", op.DESCRIBE),
        _acl("User:q", topic, "x", op.WRITE, permission=AclPermission.DENY),
        _acl("User:q", topic, "*", op.ALL),
        _acl("User:r", ResourceType.TRANSACTIONAL_ID, "tx", op.WRITE, host="10.0.0.1"),
        _acl("User:r", ResourceType.TRANSACTIONAL_ID, "tx", op.DESCRIBE, host="10.0.0.1"),
    }
    text = acls_document(bindings)
    assert "topics: [orders.*]" in text
    assert "name: '*'" in text
    assert _load_back(tmp_path, "acls.yaml", text).acls == bindings


def test_example_acls_round_trip(tmp_path):
    prod = load_environment(ENVIRONMENTS / "prod", {"KAFKA_PASSWORD": "x"}).desired
    assert _load_back(tmp_path, "acls.yaml", acls_document(prod.acls)).acls == prod.acls
