"""Cluster operations end to end on real Apache Kafka (issue 10's scenarios).

Every result is checked with something other than kafkaform's own observe:
the official commands from the same jars or the plain admin clients.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.live.helpers import created

pytestmark = [pytest.mark.live, pytest.mark.kafka_only]

# --- running kafkaform and the official tools --------------------------------


def kafkaform(*args: str, env: dict[str, str] | None = None, timeout: float = 300):
    return subprocess.run(
        [sys.executable, "-m", "kafkaform", *args], capture_output=True, text=True,
        timeout=timeout, check=False, env={**os.environ, **(env or {})},
    )


def ok(result: subprocess.CompletedProcess[str], code: int = 0) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    return result.stdout


_PARTITION_LINE = re.compile(
    r"Topic: (?P<topic>\S+)\s+Partition: (?P<partition>\d+)\s+Leader: (?P<leader>\S+)\s+"
    r"Replicas: (?P<replicas>[\d,]*)\s+Isr: (?P<isr>[\d,]*)"
)


@dataclass(frozen=True)
class Described:
    topic: str
    partition: int
    leader: int | None
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(b) for b in text.split(",") if b)


def topics_described(cluster, *options: str) -> dict[tuple[str, int], Described]:
    """`kafka-topics --describe [options]`, one entry per partition line."""
    out = cluster.run_tool("kafka-topics", "--bootstrap-server", cluster.bootstrap,
                           "--describe", *options).stdout
    found = {}
    for match in _PARTITION_LINE.finditer(out):
        leader = match["leader"]
        found[(match["topic"], int(match["partition"]))] = Described(
            match["topic"], int(match["partition"]),
            None if leader in ("none", "-1") else int(leader),
            _ids(match["replicas"]), _ids(match["isr"]),
        )
    return found


# --- reassignment: reads lag writes (shared cluster) ----------------------------


def test_leader_reorders_complete_although_metadata_reads_lag(kafka_cluster, live_admin,
                                                             tmp_path, topic_prefix):
    """A reorder moves no data: the controller applies it at once and lists no
    move, while the broker answering Metadata may still show the old order. Each
    batch below is submitted and read back at once, the moment that race is
    lost (kafkaform used to call such a partition failed for good)."""
    topic = f"{topic_prefix}reorder"
    kafka_cluster.run_tool("kafka-topics", "--bootstrap-server", kafka_cluster.bootstrap,
                           "--create", "--topic", topic, "--partitions", "8",
                           "--replication-factor", "3")
    assert created(live_admin, topic)
    before = topics_described(kafka_cluster, "--topic", topic)
    targets = {p: (*d.replicas[1:], d.replicas[0]) for (_, p), d in before.items()}
    moves = tmp_path / "reorder.json"
    moves.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": topic, "partition": p, "replicas": list(r)} for p, r in targets.items()]}))

    executed = kafkaform("reassign", "execute", str(moves), "--bootstrap-server",
                         kafka_cluster.bootstrap, "--batch-size", "1", "--throttle", "off",
                         "--poll-interval", "0.2")

    ok(executed)
    after = topics_described(kafka_cluster, "--topic", topic)
    assert {p: d.replicas for (_, p), d in after.items()} == targets
    assert all(d.leader == d.replicas[0] for d in after.values())
