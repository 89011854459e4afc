"""check / import / snapshot commands, served from snapshot files (no broker)."""

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
