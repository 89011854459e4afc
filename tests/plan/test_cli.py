"""`kafkaform plan` end to end on snapshots: exit codes, formats, --out, --target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.observe import observe
from kafkaform.planfile import load_plan
from kafkaform.snapshot import write_snapshot

ENVIRONMENT = """\
kind: Environment
name: test
cluster: {bootstrap: 'localhost:1'}
defaults:
  topic: {replicationFactor: 3, configs: {min.insync.replicas: 2}}
manage:
  topics: {prefixes: [orders.]}
"""


def topics_doc(*topics: tuple[str, int]) -> str:
    lines = ["kind: Topics", "topics:"]
    lines += [f"  - {{name: {name}, partitions: {n}}}" for name, n in topics]
    return "\n".join(lines) + "\n"


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """A 3-broker cluster holding orders.a (3 partitions) as the files declare it."""
    cluster = MemoryCluster(3)
    cluster.add_topic("orders.a", [[1, 2, 3], [2, 3, 1], [3, 1, 2]],
                      {"min.insync.replicas": "2"})
    path = tmp_path / "snapshot.json"
    write_snapshot(observe(cluster), path)
    return path


def run(tmp_path: Path, snapshot: Path, topics: str, *args: str):
    env = tmp_path / "env"
    env.mkdir(exist_ok=True)
    (env / "environment.yaml").write_text(ENVIRONMENT)
    (env / "topics.yaml").write_text(topics)
    return CliRunner().invoke(app, ["plan", str(env), "--snapshot", str(snapshot), *args])


@pytest.mark.parametrize(
    ("topics", "detailed", "code"),
    [
        (topics_doc(("orders.a", 3)), True, 0),
        (topics_doc(("orders.a", 3)), False, 0),
        (topics_doc(("orders.a", 3), ("orders.b", 1)), True, 2),
        (topics_doc(("orders.a", 3), ("orders.b", 1)), False, 0),
        (topics_doc(("orders.a", 6)), True, 2),
    ],
)
def test_detailed_exitcode_is_2_exactly_when_there_are_changes(tmp_path, snapshot, topics,
                                                              detailed, code):
    result = run(tmp_path, snapshot, topics, *(["--detailed-exitcode"] if detailed else []))
    assert result.exit_code == code, result.output
    no_changes = "No changes. The cluster matches the desired state." in result.stdout
    assert no_changes == (topics == topics_doc(("orders.a", 3)))


def test_invalid_files_exit_3_with_the_problem(tmp_path, snapshot):
    result = run(tmp_path, snapshot, "kind: Topics\ntopics:\n  - {name: orders.x, partitions: 0}\n")
    assert result.exit_code == 3
    assert "topics.yaml:3" in result.stderr


def test_refusals_exit_1_and_are_printed(tmp_path, snapshot):
    result = run(tmp_path, snapshot, topics_doc(("orders.a", 2)), "--format", "json")
    assert result.exit_code == 1
    assert "has 3 partitions" in result.stderr and "only grow" in result.stderr


def test_out_saves_what_json_prints(tmp_path, snapshot):
    out = tmp_path / "plan.json"
    topics = topics_doc(("orders.a", 3), ("orders.b", 1))
    result = run(tmp_path, snapshot, topics, "--format", "json", "--out", str(out))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(out.read_text())
    saved = load_plan(out)
    assert [a.kind for a in saved.actions] == ["create_topic"]
    assert saved.environment == "test" and saved.cluster_id == "memory-cluster"


def test_markdown_format(tmp_path, snapshot):
    result = run(tmp_path, snapshot, topics_doc(("orders.a", 3), ("orders.b", 1)),
                 "--format", "markdown")
    assert result.exit_code == 0
    assert "**Plan: 1 to create, 0 to change, 0 to destroy, 0 reassignments.**" in result.stdout
    assert "<details>" in result.stdout


def test_target_limits_the_plan(tmp_path, snapshot):
    topics = topics_doc(("orders.a", 6), ("orders.b", 1))
    result = run(tmp_path, snapshot, topics, "--target", "topic/orders.b", "--detailed-exitcode")
    assert result.exit_code == 2
    assert "+ topic orders.b" in result.stdout and "orders.a" not in result.stdout


def test_bad_target_is_one_line(tmp_path, snapshot):
    result = run(tmp_path, snapshot, topics_doc(("orders.a", 3)), "--target", "group/x")
    assert result.exit_code == 1
    assert "expected topic/NAME" in str(result.exception)
