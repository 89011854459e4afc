"""`kafkaform plan` end to end on snapshots: exit codes, formats, --out, --target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cli.common import EXIT_USAGE
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import DesiredState, TopicSpec
from kafkaform.core.summary import ReplicaMoves
from kafkaform.files.planfile import load_plan
from kafkaform.files.snapshot import write_snapshot
from kafkaform.run.observe import observe
from kafkaform.run.session import observe_and_plan
from tests.live.helpers import plan_moves

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
    assert result.exit_code == EXIT_USAGE
    assert "expected topic/NAME" in result.output


# --- the reassignment path through the plan ----------------------------------
RACKS = {b: f"rack-{(b - 1) % 3 + 1}" for b in range(1, 7)}
MiB = 1024 * 1024
RF3_ENVIRONMENT = """\
kind: Environment
name: prod
cluster: {bootstrap: 'localhost:1'}
manage:
  topics: {prefixes: [orders.]}
reassignment: {throttle: 10MiB, batchSize: 2, maxMovesPerBroker: 2}
---
kind: Topics
topics:
  - name: orders.created
    partitions: 6
    replicationFactor: 3            # was 2
    placement: rack-spread
    configs: {min.insync.replicas: 2}
"""


def rf2_snapshot(path: Path, log_dirs: bool = True) -> Path:
    """6 brokers in 3 racks; orders.created at RF 2, Kafka's placement, 100 MiB a partition."""
    from kafkaform.core.observed import Api
    from kafkaform.core.placement.kafka_default import assign_replicas

    data = {
        "version": 1,
        "brokers": [{"id": b, "rack": r} for b, r in RACKS.items()],
        "topics": {"orders.created": {"configs": {"min.insync.replicas": 2}, "partitions": [
            {"replicas": r, "sizeBytes": 100 * MiB} for r in assign_replicas(6, 2, RACKS)]}},
    }
    if not log_dirs:
        data["capabilities"] = sorted(a.value for a in Api if a is not Api.DESCRIBE_LOG_DIRS)
    path.write_text(json.dumps(data))
    return path


def plan_rf3(tmp_path: Path, snapshot: Path, *args: str):
    env = tmp_path / "prod"
    env.mkdir(exist_ok=True)
    (env / "environment.yaml").write_text(RF3_ENVIRONMENT)
    return CliRunner().invoke(app, ["plan", str(env), "--snapshot", str(snapshot), *args])


def test_plan_shows_an_rf_change_partition_by_partition_with_counts_bytes_and_time(tmp_path):
    snapshot = rf2_snapshot(tmp_path / "snapshot.json")
    as_json = plan_rf3(tmp_path, snapshot, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    (action,) = json.loads(as_json.output)["actions"]
    moves = [move for _, move in plan_moves({"actions": [action]})]
    assert action["throttle_bytes_per_sec"] == 10 * MiB
    assert [m["partition"] for m in moves] == list(range(6))
    for move in moves:
        before, after = move["before"], move["after"]
        assert len(after) == 3 and after[:2] == before  # keeps the data and the leader
        assert {RACKS[b] for b in after} == set(RACKS.values())
        assert move["size_bytes"] == 100 * MiB

    text = plan_rf3(tmp_path, snapshot)
    assert text.exit_code == 0, text.output
    for move in moves:
        before, after = move["before"], move["after"]
        assert (f"± partition {move['partition']}: [{before[0]}, {before[1]}] → "
                f"[{', '.join(map(str, after))}]  +{after[2]}\n") in text.output
    assert "leader" not in text.output  # an RF increase changes no leader
    assert ("# replicas per broker (moving partitions), before → at peak → after: "
            + ", ".join(f"{b}: 2 → 3 → 3" for b in range(1, 7))) in text.output
    line = ("Replica moves: 6 in 1 topic, 600.0 MiB to copy: at least 10s at 10.0 MiB/s per "
            "broker (broker 1 receives the most, 100.0 MiB).")
    assert line in text.output
    assert text.output.rstrip().endswith("1 reassignment (6 replica moves).")
    assert "± topic orders.created (6 replica moves, 600.0 MiB)" in text.output

    markdown = plan_rf3(tmp_path, snapshot, "--format", "markdown")
    assert line in markdown.output
    assert "| `±` | topic `orders.created` | 6 partitions to move, 6 replicas to copy " \
           "(600.0 MiB) |" in markdown.output


def test_plan_says_when_the_bytes_to_move_are_unknown(tmp_path):
    snapshot = rf2_snapshot(tmp_path / "snapshot.json", log_dirs=False)
    result = plan_rf3(tmp_path, snapshot)
    assert result.exit_code == 0, result.output
    assert ("Replica moves: 6 in 1 topic; bytes to copy unknown (the brokers did not report "
            "log-dir sizes).") in result.output
    assert "± topic orders.created (6 replica moves)\n" in result.output


def test_a_cluster_written_without_sizes_plans_with_the_bytes_unknown():
    # A MemoryCluster built by hand (no set_partition_size) reports no
    # log-dir sizes: the plan says the bytes are unknown, not "0 B ... 0s".
    cluster = MemoryCluster(3)
    cluster.add_topic("orders", [[1, 2], [2, 3], [3, 1]])
    desired = DesiredState("test", topics={"orders": TopicSpec("orders", 3, 3)})
    result = observe_and_plan(desired, cluster)
    assert ReplicaMoves.of(result.actions).line() == (
        "Replica moves: 3 in 1 topic; bytes to copy unknown (the brokers did not report "
        "log-dir sizes).")
