"""The `kafkaform reassign` commands, end to end on a MemoryCluster."""

from __future__ import annotations

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cli.common import EXIT_USAGE
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.observed import Api, TopicPartition
from kafkaform.core.reassign.throttles import LEADER_REPLICAS
from kafkaform.files.snapshot import write_snapshot
from kafkaform.run.observe import observe
from kafkaform.run.session import Runtime
from tests.core.reassign.test_jsonfile import VALIDATOR

BEFORE = [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 1], [6, 1, 2]]


@pytest.fixture
def live(cluster: MemoryCluster) -> MemoryCluster:
    cluster.add_topic("orders", BEFORE)
    return cluster


def on(cluster: MemoryCluster) -> Runtime:
    """The cluster every command connects to; `execute`'s sleep advances it."""
    return Runtime(open_admin=lambda *a, **k: cluster, sleep=lambda seconds: cluster.tick())


def invoke(*args, runtime: Runtime | None = None):
    return CliRunner().invoke(app, ["reassign", *map(str, args)], obj=runtime)


def test_generate_topics_onto_brokers_from_a_snapshot_then_execute_and_verify(
        cluster, tmp_path):
    cluster.add_topic("orders", BEFORE)
    snapshot = tmp_path / "snap.json"
    write_snapshot(observe(cluster), snapshot)
    topics = tmp_path / "topics.json"
    topics.write_text(json.dumps({"version": 1, "topics": [{"topic": "orders"}]}))
    out, rollback = tmp_path / "r.json", tmp_path / "rollback.json"

    result = invoke("generate", "--topics-to-move", topics, "--broker-list", "1,2,3,4,5",
                    "--snapshot", snapshot, "--out", out, "--rollback", rollback)

    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    VALIDATOR.validate(document)
    VALIDATOR.validate(json.loads(rollback.read_text()))
    moved = {(p["topic"], p["partition"]) for p in document["partitions"]}
    assert moved == {("orders", p) for p, r in enumerate(BEFORE) if 6 in r}
    assert all(6 not in p["replicas"] for p in document["partitions"])

    result = invoke("execute", out, "--throttle", "10MiB", "--batch-size", "2",
                    runtime=on(cluster))
    assert result.exit_code == 0, result.output
    assert "Moved 3 partitions in 2 batches" in result.output
    assert all(6 not in r for r in cluster.list_topics()["orders"].assignment)

    result = invoke("verify", out, runtime=on(cluster))
    assert result.exit_code == 0, result.output
    assert "orders-3: complete" in result.output

    # the rollback file puts everything back, through the same command
    assert invoke("execute", rollback, runtime=on(cluster)).exit_code == 0
    assert cluster.list_topics()["orders"].assignment == BEFORE


def test_generate_without_moves_still_writes_the_file_with_no_partitions(live, tmp_path):
    # An old file left in place would make `generate && execute` run old moves.
    topics = tmp_path / "topics.json"
    topics.write_text(json.dumps({"topics": [{"topic": "orders"}]}))
    out = tmp_path / "r.json"
    out.write_text("old moves")
    result = invoke("generate", "--topics-to-move", topics, "--broker-list", "1,2,3,4,5,6",
                    "--out", out, runtime=on(live))
    assert result.exit_code == 0 and "No partition needs to move: wrote" in result.output
    assert json.loads(out.read_text()) == {"version": 1, "partitions": []}


def test_generate_needs_env_or_topics(live):
    result = invoke("generate", "--broker-list", "1,2", runtime=on(live))
    assert result.exit_code == EXIT_USAGE
    assert "give either ENV or --topics-to-move" in result.output


def test_generate_works_without_the_reassignment_apis(live, tmp_path):
    live._capabilities = frozenset(Api) - {Api.ALTER_PARTITION_REASSIGNMENTS}
    topics = tmp_path / "topics.json"
    topics.write_text(json.dumps({"topics": [{"topic": "orders"}]}))
    result = invoke("generate", "--topics-to-move", topics, "--broker-list", "1,2,3,4",
                    runtime=on(live))
    assert result.exit_code == 0, result.output
    jsonschema.validate(json.loads(result.stdout), VALIDATOR.schema)


def test_execute_refuses_at_once_without_the_apis(live, tmp_path):
    live._capabilities = frozenset(Api) - {Api.ALTER_PARTITION_REASSIGNMENTS}
    file = tmp_path / "r.json"
    file.write_text(json.dumps({"partitions": [
        {"topic": "orders", "partition": 0, "replicas": [1, 2, 4]}]}))
    result = invoke("execute", file, runtime=on(live))
    assert result.exit_code == 1
    assert "does not support AlterPartitionReassignments" in result.output
    assert live.calls["create_topics"] == 0  # not even the lock was taken


def test_bad_file_is_one_line(live, tmp_path):
    file = tmp_path / "r.json"
    file.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": "orders", "partition": 0, "replicas": [1, 1]}]}))
    result = invoke("execute", file, runtime=on(live))
    assert result.exit_code == 1
    assert f"{file}: partitions[0].replicas: duplicate broker in [1, 1]" in result.output


def test_verify_in_progress_exits_2_and_cancel_reverts(live, tmp_path):
    file = tmp_path / "r.json"
    file.write_text(json.dumps({"partitions": [
        {"topic": "orders", "partition": 0, "replicas": [4, 2, 3]}]}))
    # moving [1,2,3] -> [4,2,3]: Kafka lists the target first, then what is being removed
    live.add_topic("orders", [[4, 2, 3, 1]] + BEFORE[1:], {LEADER_REPLICAS: "0:1"},
                   leaders=[2] + [r[0] for r in BEFORE[1:]], isrs=[[2, 3, 1]] + BEFORE[1:])
    live.set_reassignment(TopicPartition("orders", 0), adding=[4], removing=[1])

    result = invoke("verify", file, runtime=on(live))
    assert result.exit_code == 2, result.output
    assert "orders-0: in progress (moving, adding 4)" in result.output

    result = invoke("cancel", file, runtime=on(live))
    assert result.exit_code == 0, result.output
    assert "Cancelled 1 move in flight: orders-0" in result.output
    assert live.list_partition_reassignments() == {}
    assert sorted(live.list_topics()["orders"].assignment[0]) == [1, 2, 3]
    # a throttle kafkaform did not record stays
    configs = live.describe_topic_configs(["orders"])["orders"]
    assert configs[LEADER_REPLICAS].value == "0:1"
