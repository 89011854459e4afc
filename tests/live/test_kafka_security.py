"""Connection settings and authorization, for real: SASL/SCRAM and mutual TLS
listeners of the local Apache Kafka cluster, with the StandardAuthorizer on.

Each result is checked with the official `kafka-topics` from the same jars
over the admin listener, not with kafkaform's own reading of the cluster.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kafkaform.core.model import AclBinding, AclOperation, PatternType, ResourceType
from tests.live.helpers import eventually, settled

pytestmark = [pytest.mark.live, pytest.mark.kafka_only]


def kafkaform(*args: str, env: dict[str, str] | None = None, timeout: float = 90):
    import os

    return subprocess.run(
        [sys.executable, "-m", "kafkaform", *args], capture_output=True, text=True,
        timeout=timeout, check=False, env={**os.environ, **(env or {})},
    )


def environment(folder: Path, bootstrap: str, topic: str, client: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    prefix = topic.rsplit(".", 1)[0] + "."
    (folder / "environment.yaml").write_text(
        "kind: Environment\n"
        f"name: {folder.name}\n"
        f"cluster:\n  bootstrap: '{bootstrap}'\n  timeoutSeconds: 15\n{client}"
        "policies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n"
        f"manage:\n  topics: {{prefixes: ['{prefix}']}}\n",
        encoding="utf-8",
    )
    (folder / "topics.yaml").write_text(
        "kind: Topics\n"
        f"topics:\n  - {{name: '{topic}', partitions: 3, replicationFactor: 3,"
        " configs: {retention.ms: 1d}}\n",
        encoding="utf-8",
    )
    return folder


def described(kafka_cluster, topic: str) -> str:
    """`kafka-topics --describe` over the admin listener: the oracle."""
    return kafka_cluster.run_tool(
        "kafka-topics", "--bootstrap-server", kafka_cluster.bootstrap,
        "--describe", "--topic", topic, check=False,
    ).stdout


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_apply_over_sasl_scram_with_a_command_config_file(kafka_cluster, tmp_path, topic_prefix):
    topic = f"{topic_prefix}sasl"
    env = environment(tmp_path / "sasl", kafka_cluster.sasl_bootstrap, topic)
    properties = str(kafka_cluster.command_config("sasl", "admin"))

    applied = kafkaform("apply", str(env), "--command-config", properties, "--auto-approve")

    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert eventually(lambda: "PartitionCount: 3" in described(kafka_cluster, topic))
    replanned = kafkaform("plan", str(env), "--command-config", properties,
                          "--detailed-exitcode")
    assert replanned.returncode == 0, replanned.stdout + replanned.stderr


def test_cluster_client_settings_take_the_password_from_a_variable(
    kafka_cluster, tmp_path, topic_prefix
):
    topic = f"{topic_prefix}scram"
    client = ("  client:\n    security.protocol: SASL_PLAINTEXT\n"
              "    sasl.mechanism: SCRAM-SHA-512\n"
              "    sasl.username: ${KF_USER}\n    sasl.password: ${KF_PASSWORD}\n")
    env = environment(tmp_path / "scram", kafka_cluster.sasl_bootstrap, topic, client)
    secrets = {"KF_USER": "admin", "KF_PASSWORD": kafka_cluster.passwords["admin"]}

    applied = kafkaform("apply", str(env), "--auto-approve", env=secrets)

    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert secrets["KF_PASSWORD"] not in applied.stdout + applied.stderr
    assert eventually(lambda: "PartitionCount: 3" in described(kafka_cluster, topic))


def test_mutual_tls_with_the_java_pem_keystore_of_kafkas_own_tools(
    kafka_cluster, tmp_path, topic_prefix
):
    topic = f"{topic_prefix}tls"
    env = environment(tmp_path / "tls", kafka_cluster.ssl_bootstrap, topic)
    properties = str(kafka_cluster.command_config("ssl"))

    applied = kafkaform("apply", str(env), "--command-config", properties, "--auto-approve")

    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert eventually(lambda: "PartitionCount: 3" in described(kafka_cluster, topic))


def test_mutual_tls_with_librdkafka_settings_in_the_environment(
    kafka_cluster, tmp_path, topic_prefix
):
    settings = kafka_cluster.client_config("ssl")
    client = "  client:\n" + "".join(f"    {k}: '{v}'\n" for k, v in settings.items())
    env = environment(tmp_path / "tls2", kafka_cluster.ssl_bootstrap, f"{topic_prefix}t", client)

    planned = kafkaform("plan", str(env), "--detailed-exitcode")

    assert planned.returncode == 2, planned.stdout + planned.stderr  # the topic is missing


def test_a_wrong_password_is_one_line_naming_the_cause(kafka_cluster, tmp_path, topic_prefix):
    wrong = tmp_path / "wrong.properties"
    wrong.write_text(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="admin" password="not-the-password-42";\n', encoding="utf-8")
    env = environment(tmp_path / "wrong", kafka_cluster.sasl_bootstrap, f"{topic_prefix}t")

    line = assert_one_line_error(kafkaform("plan", str(env), "--command-config", str(wrong)))

    assert "invalid credentials" in line
    assert line.startswith(f"error: cannot connect to {kafka_cluster.sasl_bootstrap}: ")
    assert "not-the-password-42" not in line


def test_a_principal_without_rights_is_told_so_in_one_line(kafka_cluster, tmp_path, topic_prefix):
    env = environment(tmp_path / "alice", kafka_cluster.sasl_bootstrap, f"{topic_prefix}t")
    properties = str(kafka_cluster.command_config("sasl", "alice"))

    line = assert_one_line_error(kafkaform("plan", str(env), "--command-config", properties))

    assert "AUTHORIZATION_FAILED" in line


def grant(admin, principal: str, *grants: tuple[ResourceType, str, PatternType, AclOperation]):
    bindings = [AclBinding(principal, kind, name, pattern, operation)
                for kind, name, pattern, operation in grants]
    assert set(admin.create_acls(bindings).values()) == {None}
    return bindings


def reading_rights(prefix: str) -> list[tuple[ResourceType, str, PatternType, AclOperation]]:
    """What plan needs: describe the cluster, its configs and the managed topics."""
    cluster = (ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL)
    topics = (ResourceType.TOPIC, prefix, PatternType.PREFIXED)
    return [(*cluster, AclOperation.DESCRIBE), (*cluster, AclOperation.DESCRIBE_CONFIGS),
            (*topics, AclOperation.DESCRIBE), (*topics, AclOperation.DESCRIBE_CONFIGS)]


def planned_with_granted_rights(env, properties: str) -> None:
    """Plan (exit 2) once every broker has replayed the ACLs just granted: each
    run may ask another broker, and a kafkaform process takes seconds to start
    on a loaded machine, so the wait is long and the last answer is shown."""
    result = settled(lambda: kafkaform("plan", str(env), "--command-config", properties,
                                       "--detailed-exitcode"),
                     lambda done: done.returncode == 2, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr


@pytest.fixture
def acl_admin(kafka_cluster):
    """The admin listener's adapter; removes the ACLs a test granted."""
    from kafkaform.cluster.kafka import KafkaClusterAdmin

    admin = KafkaClusterAdmin(kafka_cluster.bootstrap, timeout_seconds=15)
    granted: list[AclBinding] = []
    admin.grant = lambda principal, *grants: granted.extend(grant(admin, principal, *grants))
    try:
        yield admin
    finally:
        if granted:
            admin.delete_acls(granted)
        admin.close()


def test_apply_without_the_right_to_take_the_lock_names_the_acl(
    kafka_cluster, acl_admin, tmp_path, topic_prefix
):
    acl_admin.grant("User:alice", *reading_rights(topic_prefix))
    env = environment(tmp_path / "alice", kafka_cluster.sasl_bootstrap, f"{topic_prefix}t")
    properties = str(kafka_cluster.command_config("sasl", "alice"))
    planned_with_granted_rights(env, properties)

    line = assert_one_line_error(
        kafkaform("apply", str(env), "--command-config", properties, "--auto-approve"))

    assert "__kafkaform_lock" in line
    assert "CREATE on the topic or on the cluster" in line
    assert "does not exist" in described(kafka_cluster, f"{topic_prefix}t")


def test_a_principal_with_exactly_the_documented_rights_applies_under_the_lock(
    kafka_cluster, acl_admin, tmp_path, topic_prefix
):
    lock = (ResourceType.TOPIC, "__kafkaform_lock", PatternType.LITERAL)
    topics = (ResourceType.TOPIC, topic_prefix, PatternType.PREFIXED)
    acl_admin.grant(
        "User:bob", *reading_rights(topic_prefix),
        *[(*lock, operation) for operation in (AclOperation.CREATE, AclOperation.DESCRIBE,
                                               AclOperation.READ, AclOperation.WRITE,
                                               AclOperation.DELETE)],
        *[(*topics, operation) for operation in (AclOperation.CREATE,
                                                 AclOperation.ALTER_CONFIGS)],
    )
    topic = f"{topic_prefix}t"
    env = environment(tmp_path / "bob", kafka_cluster.sasl_bootstrap, topic)
    properties = str(kafka_cluster.command_config("sasl", "bob"))
    planned_with_granted_rights(env, properties)

    applied = kafkaform("apply", str(env), "--command-config", properties, "--auto-approve")

    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "PartitionCount: 3" in described(kafka_cluster, topic)
    assert "__kafkaform_lock" not in kafka_cluster.run_tool(
        "kafka-topics", "--bootstrap-server", kafka_cluster.bootstrap, "--list").stdout


@pytest.fixture
def topic_on_the_side(kafka_cluster, acl_admin, topic_prefix):
    """A topic outside the environment's scope (created with the plain
    AdminClient), deleted afterwards."""
    from confluent_kafka.admin import AdminClient, NewTopic

    plain = AdminClient({"bootstrap.servers": kafka_cluster.bootstrap})
    name = f"side.{topic_prefix}"
    plain.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    assert eventually(lambda: name in plain.list_topics(timeout=10).topics)
    yield name
    plain.delete_topics([name])[name].result(30)


def test_reading_an_unmanaged_topic_without_its_configs_does_not_stop_the_plan(
    kafka_cluster, acl_admin, tmp_path, topic_prefix, topic_on_the_side
):
    # READ includes DESCRIBE, so alice lists the side topic, but Kafka refuses
    # its configs: observe read every listed topic's configs and the plan
    # failed on TOPIC_AUTHORIZATION_FAILED for a topic it does not manage.
    acl_admin.grant("User:alice", *reading_rights(topic_prefix),
                    (ResourceType.TOPIC, topic_on_the_side, PatternType.LITERAL,
                     AclOperation.READ))
    env = environment(tmp_path / "alice", kafka_cluster.sasl_bootstrap, f"{topic_prefix}t")
    properties = str(kafka_cluster.command_config("sasl", "alice"))

    planned_with_granted_rights(env, properties)


def test_a_managed_topic_without_the_right_to_describe_its_configs_is_refused_by_name(
    kafka_cluster, acl_admin, tmp_path, topic_prefix
):
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"{topic_prefix}t"
    plain = AdminClient({"bootstrap.servers": kafka_cluster.bootstrap})
    plain.create_topics([NewTopic(topic, 3, 3)])[topic].result(30)
    cluster = (ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL)
    acl_admin.grant("User:alice", (*cluster, AclOperation.DESCRIBE),
                    (*cluster, AclOperation.DESCRIBE_CONFIGS),
                    (ResourceType.TOPIC, topic_prefix, PatternType.PREFIXED, AclOperation.DESCRIBE))
    env = environment(tmp_path / "alice", kafka_cluster.sasl_bootstrap, topic)
    properties = str(kafka_cluster.command_config("sasl", "alice"))
    try:
        result = settled(lambda: kafkaform("plan", str(env), "--command-config", properties),
                         lambda done: "DESCRIBE_CONFIGS" in done.stdout, timeout=60)
    finally:
        plain.delete_topics([topic])[topic].result(30)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"the configs of topic {topic} could not be read" in result.stdout
