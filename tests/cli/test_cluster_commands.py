"""check / import / snapshot commands, served from snapshot files (no broker)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.files.snapshot import write_snapshot
from kafkaform.run.observe import observe


def environment(tmp_path: Path) -> Path:
    folder = tmp_path / "env"
    folder.mkdir()
    (folder / "environment.yaml").write_text(
        "kind: Environment\nname: env\npolicies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n"
    )
    return folder


def snapshot_of(cluster: MemoryCluster, tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    write_snapshot(observe(cluster), path)
    return path


def test_check_exits_0_on_a_healthy_cluster_and_1_otherwise(tmp_path):
    cluster = MemoryCluster(3, racks=["a", "b", "c"])
    cluster.add_topic("orders", [[1, 2, 3]], {"min.insync.replicas": "2"})
    env = environment(tmp_path)
    healthy = CliRunner().invoke(app, ["check", str(env), "--snapshot",
                                       str(snapshot_of(cluster, tmp_path))])
    assert healthy.exit_code == 0, healthy.output
    assert "healthy" in healthy.output.splitlines()[0]

    cluster.stop_broker(2)
    cluster.stop_broker(3)
    sick = CliRunner().invoke(app, ["check", str(env), "--snapshot",
                                    str(snapshot_of(cluster, tmp_path))])
    assert sick.exit_code == 1
    assert "NOT healthy" in sick.output
    lines = {line.split()[0]: line for line in sick.output.splitlines()[1:] if line}
    assert "FAIL" in lines["under-replicated"] and "orders-0" in lines["under-replicated"]
    assert "FAIL" in lines["below"]


def test_check_json_lists_every_partition_the_table_shortens(tmp_path):
    import json

    cluster = MemoryCluster(3, racks=["a", "b", "c"])
    cluster.add_topic("orders", [[1, 2, 3]] * 7)
    cluster.add_topic("single", [[3], [1]])
    cluster.stop_broker(3)
    args = ["check", str(environment(tmp_path)), "--snapshot",
            str(snapshot_of(cluster, tmp_path))]

    table = CliRunner().invoke(app, args)
    found = CliRunner().invoke(app, [*args, "--format", "json"])

    assert table.exit_code == found.exit_code == 1
    assert "7 of 9: orders-0, orders-1, orders-2, orders-3, orders-4 ..." in table.output
    report = json.loads(found.output)
    assert report["healthy"] is False
    assert report["under_replicated"] == [{"topic": "orders", "partition": p} for p in range(7)]
    assert report["offline"] == [{"topic": "single", "partition": 0}]
    assert report["partitions"] == 9 and report["brokers"] == 2


def test_import_from_a_snapshot_writes_topics_with_a_schema_comment(tmp_path):
    cluster = MemoryCluster(3)
    cluster.add_topic("orders", [[1, 2, 3], [2, 3, 1]], {"retention.ms": "86400000"})
    cluster.add_topic("__consumer_offsets", [[1, 2, 3]])
    out = tmp_path / "imported"
    args = ["import", str(environment(tmp_path)), "--snapshot",
            str(snapshot_of(cluster, tmp_path)), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = (out / "topics.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    schema = (out / text.splitlines()[0].split("$schema=")[1]).resolve()
    assert schema.name == "topics.schema.json" and schema.is_file()
    assert "orders" in text and "__consumer_offsets" not in text
    assert "1d" in text  # human units where exact

    again = CliRunner().invoke(app, args)
    assert again.exit_code != 0
    assert "exists" in again.output


def hand_written_snapshot(tmp_path: Path, brokers: list[int]) -> Path:
    """A what-if snapshot as docs/snapshots.md shows them: replica lists only."""
    path = tmp_path / "what-if.json"
    path.write_text(json.dumps({
        "version": 1,
        "brokers": [{"id": b, "rack": f"rack-{b}"} for b in brokers],
        "topics": {"orders": {"partitions": [[1, 2, 3], [2, 3, 1]],
                              "configs": {"min.insync.replicas": "2"}},
                   "solo": {"partitions": [[3]]}},
    }))
    return path


def test_check_treats_brokers_missing_from_a_snapshot_as_down(tmp_path):
    env = environment(tmp_path)
    healthy = CliRunner().invoke(app, ["check", str(env), "--snapshot",
                                       str(hand_written_snapshot(tmp_path, [1, 2, 3]))])
    assert healthy.exit_code == 0, healthy.output

    result = CliRunner().invoke(app, ["check", str(env), "--snapshot",
                                      str(hand_written_snapshot(tmp_path, [1, 2]))])
    assert result.exit_code == 1, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:] if line}
    assert "FAIL" in lines["offline"] and "solo-0" in lines["offline"]
    assert "orders-0" in lines["under-replicated"] and "orders-1" in lines["under-replicated"]


def test_check_format_json(tmp_path):
    env = environment(tmp_path)
    result = CliRunner().invoke(app, ["check", str(env), "--format", "json", "--snapshot",
                                      str(hand_written_snapshot(tmp_path, [1, 2]))])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["healthy"] is False and report["brokers"] == 2
    assert report["offline"] == [{"topic": "solo", "partition": 0}]
    assert {"topic": "orders", "partition": 1} in report["under_replicated"]
    assert {c["check"]: c["ok"] for c in report["checks"]}["controller"] is True
    assert report["problems"][0].startswith("1 offline partition: solo-0")
