"""Safe order on real Kafka: raising RF 2 -> 3 and min.insync.replicas 1 -> 2 in one
apply never leaves the topic with two in-sync replicas and min.insync.replicas 2.

The oracle is the plain confluent-kafka AdminClient, polling the topic's
`min.insync.replicas` and its partitions' ISR while `kafkaform apply` runs; a
throttle makes the copy of the topic's data take several seconds, so a
config written before the moves would be seen for the whole copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

pytestmark = [pytest.mark.live, pytest.mark.kafka_only]

MIB = 1024 * 1024
DATA_MIB = 24          # at a 3 MiB/s throttle: about 8 s of copying
# KRaft brokers replay the metadata log at their own pace: an ISR read may come
# from a broker behind the one that answered the config read. An early raise
# is one whose ISR stays short this long after the config read.
LAG_ALLOWANCE_SECONDS = 3.0


def kafkaform(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kafkaform", *args], capture_output=True,
                          text=True, timeout=timeout, check=False,
                          env={**os.environ, "NO_COLOR": "1"})


def environment(folder: Path, bootstrap: str, topic: str, prefix: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "environment.yaml").write_text(
        f"kind: Environment\nname: {folder.name}\n"
        f"cluster: {{bootstrap: '{bootstrap}', timeoutSeconds: 15}}\n"
        f"manage:\n  topics: {{prefixes: ['{prefix}']}}\n"
        "reassignment: {throttle: 3MiB}\n")
    (folder / "topics.yaml").write_text(
        "kind: Topics\ntopics:\n"
        f"  - {{name: '{topic}', partitions: 1, replicationFactor: 3,"
        " configs: {min.insync.replicas: 2}}\n")
    return folder


class Watcher(threading.Thread):
    """Polls min.insync.replicas and the ISR; records every raise seen too early."""

    def __init__(self, admin: AdminClient, topic: str) -> None:
        super().__init__(daemon=True)
        self.admin, self.topic = admin, topic
        self.stop = threading.Event()
        self.seen: list[tuple[str, int]] = []  # (min.insync.replicas, smallest ISR)
        self.early: list[str] = []

    def min_insync(self) -> str:
        resource = ConfigResource(ResourceType.TOPIC, self.topic)
        [future] = self.admin.describe_configs([resource]).values()
        return future.result(timeout=10)["min.insync.replicas"].value

    def smallest_isr(self) -> int:
        topic = self.admin.list_topics(self.topic, timeout=10).topics[self.topic]
        return min(len(p.isrs) for p in topic.partitions.values())

    def run(self) -> None:
        while not self.stop.is_set():
            value, isr = self.min_insync(), self.smallest_isr()
            self.seen.append((value, isr))
            if value == "2" and isr < 3:
                deadline = time.monotonic() + LAG_ALLOWANCE_SECONDS
                while isr < 3 and time.monotonic() < deadline:
                    time.sleep(0.2)
                    isr = self.smallest_isr()
                if isr < 3:
                    self.early.append(f"min.insync.replicas 2 with {isr} in-sync replicas")
            time.sleep(0.05)


def test_rf_and_min_insync_raised_together_never_leave_two_in_sync_at_two(
    kafka_cluster, tmp_path, topic_prefix
):
    topic = f"{topic_prefix}orders"
    admin = AdminClient({"bootstrap.servers": kafka_cluster.bootstrap})
    [created] = admin.create_topics([NewTopic(
        topic, num_partitions=1, replication_factor=-1, replica_assignment=[[1, 2]],
        config={"min.insync.replicas": "1"})]).values()
    created.result(timeout=30)
    producer = Producer({"bootstrap.servers": kafka_cluster.bootstrap, "acks": "all",
                         "linger.ms": 50})
    record = os.urandom(64 * 1024)
    for _ in range(DATA_MIB * 16):
        producer.produce(topic, record)
        producer.poll(0)
    assert producer.flush(60) == 0
    del producer  # its connections close with it
    env = environment(tmp_path / "safe-order", kafka_cluster.bootstrap, topic, topic_prefix)

    try:
        planned = kafkaform("plan", str(env))
        assert planned.returncode == 0, planned.stdout + planned.stderr
        # The plan shows the order: the moves, then the raise, with why.
        assert planned.stdout.index("± partition 0") < planned.stdout.index(
            "~ min.insync.replicas: 1 → 2"), planned.stdout
        assert "after the replicas move: min.insync.replicas 2 needs replication factor 3" \
            in planned.stdout

        watcher = Watcher(admin, topic)
        watcher.start()
        applied = kafkaform("apply", str(env), "--auto-approve", "--poll-interval", "0.5")
        time.sleep(1)
        watcher.stop.set()
        watcher.join(30)

        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert not watcher.early, watcher.early
        # The watcher saw the copy (the old value while a replica caught up) and the end.
        assert ("1", 2) in watcher.seen, watcher.seen[:20]
        assert watcher.seen[-1] == ("2", 3), watcher.seen[-5:]
    finally:
        admin.delete_topics([topic])
