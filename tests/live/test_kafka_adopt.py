"""Adopting a hand-made Apache Kafka cluster in one command, as a fresh user would.

Topics with overrides and ACLs are made with the plain confluent-kafka
AdminClient (as kafka-topics.sh and kafka-acls.sh would); then, with no edit
in between: `kafkaform import NEW_ENV --bootstrap-server B` -> `validate`
exits 0 -> `plan --detailed-exitcode` exits 0. Over the SASL listener with
`--command-config` as well.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    NewTopic,
    ResourcePatternType,
    ResourceType,
)

from kafkaform.cluster.kafka import KafkaClusterAdmin
from tests.live.helpers import created, eventually

pytestmark = [pytest.mark.live, pytest.mark.kafka_only]


def kafkaform(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kafkaform", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180, check=False,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.fixture
def hand_made(kafka_cluster, topic_prefix):
    """Three topics and two ACLs under the test's prefix, made without kafkaform."""
    admin = AdminClient({"bootstrap.servers": kafka_cluster.bootstrap})
    topics = {
        f"{topic_prefix}clicks": NewTopic(f"{topic_prefix}clicks", 6, 1,
                                          config={"retention.ms": "3600000"}),
        f"{topic_prefix}profiles": NewTopic(f"{topic_prefix}profiles", 3, 2, config={
            "cleanup.policy": "compact", "min.insync.replicas": "1"}),
        f"{topic_prefix}orders": NewTopic(f"{topic_prefix}orders", 3, 3, config={
            "min.insync.replicas": "2", "retention.bytes": "1073741824"}),
    }
    for future in admin.create_topics(list(topics.values())).values():
        future.result(timeout=30)
    acls = [
        AclBinding(ResourceType.TOPIC, f"{topic_prefix}orders", ResourcePatternType.LITERAL,
                   "User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW),
        AclBinding(ResourceType.GROUP, f"{topic_prefix}", ResourcePatternType.PREFIXED,
                   "User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW),
    ]
    for future in admin.create_acls(acls).values():
        future.result(timeout=30)
    with KafkaClusterAdmin(kafka_cluster.bootstrap, timeout_seconds=15) as ours:
        assert created(ours, *topics)  # every broker knows them (KRaft reads lag writes)
        assert eventually(lambda: sum(
            b.principal == "User:alice" and b.resource_name.startswith(topic_prefix)
            for b in ours.describe_acls()) == 2)
    yield sorted(topics)
    # Waited for: an AdminClient dropped with requests pending may never send
    # them, and alice's READ on orders then broke later tests' plans as alice.
    for future in admin.delete_topics(sorted(topics)).values():
        future.result(timeout=30)
    for future in admin.delete_acls([
            AclBindingFilter(a.restype, a.name, a.resource_pattern_type, a.principal, a.host,
                             a.operation, a.permission_type) for a in acls]).values():
        future.result(timeout=30)


def include(prefix: str) -> str:
    return re.escape(prefix) + ".*"


def test_import_adopts_a_hand_made_cluster_validate_and_plan_exit_0(
    kafka_cluster, hand_made, topic_prefix, tmp_path
):
    imported = kafkaform(tmp_path, "import", "adopted", "--bootstrap-server",
                         kafka_cluster.bootstrap, "--include", include(topic_prefix))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    validated = kafkaform(tmp_path, "validate", "adopted")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    planned = kafkaform(tmp_path, "plan", "adopted", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes." in planned.stdout

    folder = tmp_path / "environments" / "adopted"
    environment = yaml.safe_load((folder / "environment.yaml").read_text())
    assert environment["cluster"]["bootstrap"] == kafka_cluster.bootstrap
    assert environment["policies"]["minReplicationFactor"] == 1
    topics = {t["name"]: t for t in yaml.safe_load((folder / "topics.yaml").read_text())["topics"]}
    assert sorted(topics) == hand_made
    assert topics[f"{topic_prefix}clicks"]["configs"] == {"retention.ms": "1h"}
    assert topics[f"{topic_prefix}orders"]["configs"] == {
        "min.insync.replicas": 2, "retention.bytes": "1GiB"}
    acls = (folder / "acls.yaml").read_text()
    assert "User:alice" in acls and f"{topic_prefix}orders" in acls
    # The cluster's SCRAM users (made by its setup, as kafka-configs would) are adopted
    # too, without a password reference: nothing sets one while nothing changes.
    users = {u["name"]: u for u in yaml.safe_load((folder / "users.yaml").read_text())["users"]}
    for name in ("admin", "alice", "bob"):
        assert users[name].keys() <= {"name", "mechanisms", "iterations"}, users[name]
    print(imported.stdout, (folder / "environment.yaml").read_text(), validated.stdout,
          planned.stdout, sep="\n")


def test_import_over_sasl_with_a_command_config(kafka_cluster, hand_made, topic_prefix,
                                                tmp_path):
    properties = str(kafka_cluster.command_config("sasl", "admin"))
    imported = kafkaform(tmp_path, "import", "secured", "--bootstrap-server",
                         kafka_cluster.sasl_bootstrap, "--command-config", properties,
                         "--include", include(topic_prefix))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert f"--command-config {properties} --detailed-exitcode" in imported.stdout
    assert kafkaform(tmp_path, "validate", "secured").returncode == 0
    planned = kafkaform(tmp_path, "plan", "secured", "--command-config", properties,
                        "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr
