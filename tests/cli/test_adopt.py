"""Adopting an existing cluster in one command, and scaffolding an empty environment.

`kafkaform import NEW_ENV --bootstrap-server B` on a cluster made by hand:
right after it, `validate` exits 0 and `plan --detailed-exitcode` exits 0,
with no edit in between, whatever the cluster violates of the HA defaults.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cli.common import EXIT_USAGE
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import AclBinding, AclOperation, PatternType, ResourceType
from kafkaform.run.session import Runtime

BOOTSTRAP = "kafka-1.example:9092"


def hand_made() -> MemoryCluster:
    """What years of kafka-topics.sh leave behind: low RFs, odd configs, ACLs."""
    cluster = MemoryCluster.with_racks(3, 3)
    cluster.add_topic("orders", [[1], [2], [3]], {"retention.ms": "86400000"})
    cluster.add_topic("payments", [[1, 2], [2, 3]],
                      {"cleanup.policy": "compact", "retention.ms": "1000"})
    cluster.add_topic("clicks", [[1, 2, 3]], {"unclean.leader.election.enable": "true",
                                               "min.insync.replicas": "1"})
    cluster.add_topic("tmp.scratch", [[1, 2, 3]])
    cluster.add_topic("__consumer_offsets", [[1, 2, 3]])
    cluster.create_acls([
        AclBinding("User:app", ResourceType.TOPIC, "orders", PatternType.LITERAL,
                   AclOperation.READ),
        AclBinding("User:etl", ResourceType.TOPIC, "pay", PatternType.PREFIXED,
                   AclOperation.WRITE),
    ])
    return cluster


@pytest.fixture
def here(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(cluster: MemoryCluster, *args: str):
    runtime = Runtime(open_admin=lambda *a, **k: cluster)
    result = CliRunner().invoke(app, list(args), obj=runtime)
    return result


def adopted_then_planned(cluster: MemoryCluster, *import_args: str) -> tuple:
    imported = run(cluster, "import", "legacy", "--bootstrap-server", BOOTSTRAP, *import_args)
    validated = run(cluster, "validate", "legacy")
    planned = run(cluster, "plan", "legacy", "--detailed-exitcode")
    return imported, validated, planned


def test_a_new_environment_adopts_the_cluster_and_plans_nothing(here):
    imported, validated, planned = adopted_then_planned(hand_made())

    assert imported.exit_code == 0, imported.output
    assert validated.exit_code == 0, validated.output
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output
    folder = here / "environments" / "legacy"
    assert sorted(p.name for p in folder.iterdir()) == ["acls.yaml", "environment.yaml",
                                                        "topics.yaml"]
    environment = yaml.safe_load((folder / "environment.yaml").read_text())
    assert environment["cluster"] == {"bootstrap": BOOTSTRAP, "clusterId": "memory-cluster"}
    assert environment["manage"] == {"topics": {"delete": False}, "acls": {"delete": False}}
    assert environment["policies"] == {"minReplicationFactor": 1, "minInsyncReplicas": 1,
                                       "uncleanLeaderElection": "allow", "compaction": False}
    assert run(hand_made(), "fmt", "--check").exit_code == 0


def test_each_relaxed_policy_is_commented_and_reported(here):
    imported, _, _ = adopted_then_planned(hand_made())
    text = (here / "environments" / "legacy" / "environment.yaml").read_text()
    assert ("  # relaxed to what the cluster satisfies; the HA default is 3\n"
            "  # (2 topics below it: orders, payments)\n"
            "  minReplicationFactor: 1\n") in text
    assert "the HA default is forbid" in text and "1 topic allowing it: clicks" in text
    assert ("minReplicationFactor: 1 (the HA default is 3; 2 topics below it: orders, payments)"
            in imported.output)
    assert "compaction: false (the HA default is true" in imported.output


def test_an_empty_folder_is_adopted_into(here):
    (here / "environments" / "legacy").mkdir(parents=True)
    imported, validated, planned = adopted_then_planned(hand_made())
    assert (imported.exit_code, validated.exit_code, planned.exit_code) == (0, 0, 0)


def test_include_and_exclude_become_the_managed_scope(here):
    cluster = hand_made()
    imported, validated, planned = adopted_then_planned(
        cluster, "--include", "[a-z]+", "--exclude", "clicks")
    assert (imported.exit_code, validated.exit_code, planned.exit_code) == (0, 0, 0)
    topics = yaml.safe_load((here / "environments" / "legacy" / "topics.yaml").read_text())
    assert [t["name"] for t in topics["topics"]] == ["orders", "payments"]
    # clicks and tmp.scratch are outside the scope, not deletes and not creates
    assert "No changes." in planned.output


def test_a_cluster_that_meets_the_defaults_relaxes_nothing(here):
    cluster = MemoryCluster.with_racks(3, 3)
    cluster.add_topic("orders", [[1, 2, 3]], {"min.insync.replicas": "2"})
    imported, validated, planned = adopted_then_planned(cluster)
    assert (imported.exit_code, validated.exit_code, planned.exit_code) == (0, 0, 0)
    assert "none relaxed" in imported.output
    assert "policies" not in yaml.safe_load(
        (here / "environments" / "legacy" / "environment.yaml").read_text())


def test_many_topics_relax_the_partitions_per_broker_limit(here):
    cluster = MemoryCluster(3)
    for n in range(500):
        cluster.add_topic(f"t{n:03}", [[1, 2, 3], [2, 3, 1], [3, 1, 2]],
                          {"min.insync.replicas": "2"})
    imported, validated, planned = adopted_then_planned(cluster)
    assert (imported.exit_code, validated.exit_code, planned.exit_code) == (0, 0, 0)
    assert "maxPartitionsPerBroker: 1500 (the HA default is 1000; 4500 partition replicas " \
           "on 3 brokers)" in imported.output


def test_a_new_environment_needs_the_cluster_named(here):
    result = run(hand_made(), "import", "legacy")
    assert result.exit_code == EXIT_USAGE
    assert "kafkaform import legacy --bootstrap-server HOST:PORT" in result.output
    assert not (here / "environments" / "legacy").exists()


def test_internal_topics_cannot_be_adopted(here):
    result = run(hand_made(), "import", "legacy", "--bootstrap-server", BOOTSTRAP, "--internal")
    assert result.exit_code == 1
    assert "internal topics are never managed" in result.output


def test_init_scaffolds_an_environment_that_validates_and_imports_into(here):
    created = run(hand_made(), "init", "fresh", "--bootstrap-server", BOOTSTRAP)
    assert created.exit_code == 0, created.output
    assert run(hand_made(), "validate", "fresh").exit_code == 0
    assert run(hand_made(), "fmt", "--check").exit_code == 0
    environment = yaml.safe_load((here / "environments/fresh/environment.yaml").read_text())
    assert environment["defaults"]["topic"]["replicationFactor"] == 3
    assert "policies" not in environment  # the HA defaults
    # an existing environment: import writes the topics and ACLs only
    cluster = MemoryCluster(3)
    cluster.add_topic("orders", [[1, 2, 3]], {"min.insync.replicas": "2"})
    imported = run(cluster, "import", "fresh", "--force")
    assert imported.exit_code == 0, imported.output
    assert "imported 1 topic to" in imported.output
    assert run(cluster, "plan", "fresh", "--detailed-exitcode").exit_code == 0
    again = run(hand_made(), "init", "fresh")
    assert again.exit_code == 1 and "exists" in again.output
