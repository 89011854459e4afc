"""Issue 10's reassignment scenarios on real Apache Kafka, with data.

kafkaform runs as its users run it: the CLI in a subprocess, in the
background where a test watches it or kills it. Every check asks someone
else: the official commands from the same jars (`kafka-topics --describe`,
`kafka-configs --describe`, `kafka-reassign-partitions --list/--verify`,
`kafka-log-dirs`, `kafka-dump-log` on the controller's metadata log), the
plain confluent-kafka AdminClient where a test polls while replicas move and
a plain consumer for kafkaform's ledger topic, and the brokers' data
directories for the bytes a copy has written so far.

Data first (tens of MB, incompressible), then small throttles (0.5-1 MiB/s),
so that copies take seconds to tens of seconds and can be watched, timed and
interrupted.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka import TopicPartition as KafkaTopicPartition
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ResourceType,
)

from kafkaform.core.model import AclBinding, AclOperation, PatternType
from kafkaform.core.model import ResourceType as AclResource
from kafkaform.core.requests import NewTopic
from tests.live.helpers import created, eventually, plan_moves

pytestmark = [pytest.mark.live, pytest.mark.kafka_only]

MiB = 1024 * 1024
LEADER_REPLICAS = "leader.replication.throttled.replicas"
FOLLOWER_REPLICAS = "follower.replication.throttled.replicas"
LEADER_RATE = "leader.replication.throttled.rate"
FOLLOWER_RATE = "follower.replication.throttled.rate"
LEDGER = "__kafkaform_throttles"
LOCK = "__kafkaform_lock"

Assignment = dict[int, tuple[int, ...]]


# --- kafkaform, as a user runs it ---------------------------------------------


def kafkaform(*args: object, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kafkaform", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, check=False)


def succeeded(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class Running:
    """kafkaform in the background, its output lines collected as they come."""

    def __init__(self, *args: object) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kafkaform", *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.running, f"kafkaform exited before {text!r}:\n{self.output}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout}s:\n{self.output}"
            time.sleep(0.1)

    def finish(self, timeout: float = 240) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.running:
                self.process.kill()
            self._reader.join(timeout=10)
        return code


def environment(folder: Path, bootstrap: str, prefix: str, topics: Mapping[str, int],
                *, throttle: str = "1MiB") -> Path:
    """Manages `prefix`; each topic has 3 partitions, `placement: rack-spread` and its RF."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text(
        "kind: Environment\n"
        f"name: {folder.name}\n"
        f"cluster: {{bootstrap: '{bootstrap}', timeoutSeconds: 15}}\n"
        "policies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n"
        f"reassignment: {{throttle: {throttle}, batchSize: 10, maxMovesPerBroker: 5}}\n"
        f"manage:\n  topics: {{prefixes: ['{prefix}']}}\n", encoding="utf-8")
    write_topics(folder, topics)
    return folder


def write_topics(folder: Path, topics: Mapping[str, int]) -> None:
    (folder / "topics.yaml").write_text("kind: Topics\ntopics:\n" + "".join(
        f"  - {{name: '{name}', partitions: 3, replicationFactor: {rf},"
        " placement: rack-spread}\n" for name, rf in topics.items()), encoding="utf-8")


def planned_moves(env: Path) -> tuple[Assignment, Assignment]:
    """(before, after) of every partition the plan moves, from `plan --format json`."""
    plan = json.loads(succeeded(kafkaform("plan", env, "--format", "json")))
    moves = [move for _, move in plan_moves(plan)]
    return ({m["partition"]: tuple(m["before"]) for m in moves},
            {m["partition"]: tuple(m["after"]) for m in moves})


def produce(bootstrap: str, topic: str, megabytes: int, partitions: int = 3) -> None:
    """`megabytes` MB of incompressible 1000-byte records, spread over the partitions."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 20,
                         "batch.size": 1_000_000})
    failures: list[object] = []
    for index in range(megabytes * 1000):
        while True:
            try:
                producer.produce(topic, os.urandom(1000), partition=index % partitions,
                                 on_delivery=lambda error, _m: error and failures.append(error))
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(120) == 0 and not failures, failures[:3]


# --- the oracles -----------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    leader: int
    replicas: tuple[int, ...]
    isr: frozenset[int]


@dataclass(frozen=True)
class Snapshot:
    """One poll through the plain AdminClient while replicas move."""

    at: float
    partitions: dict[int, Partition]
    topic_throttles: dict[str, str]
    broker_throttles: dict[int, dict[str, str]]

    @property
    def copying(self) -> bool:
        return any(p.isr != set(p.replicas) for p in self.partitions.values())


def entries(text: str | None) -> set[str]:
    return {e for e in (text or "").split(",") if e}


class Oracle:
    """What Kafka says, never through kafkaform."""

    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self.client = AdminClient({"bootstrap.servers": cluster.bootstrap})

    def tool(self, name: str, *args: str) -> str:
        return self.cluster.run_tool(name, "--bootstrap-server", self.cluster.bootstrap,
                                     *args).stdout

    # official commands
    def describe(self, topic: str) -> dict[int, Partition]:
        """`kafka-topics --describe`: leader, replicas and ISR of each partition."""
        found = {}
        for line in self.tool("kafka-topics", "--describe", "--topic", topic).splitlines():
            match = re.search(r"Partition: (\d+)\s+Leader: (-?\d+)\s+Replicas: ([\d,]+)\s+"
                              r"Isr: ([\d,]*)", line)
            if match:
                found[int(match[1])] = Partition(
                    int(match[2]), tuple(map(int, match[3].split(","))),
                    frozenset(int(b) for b in match[4].split(",") if b))
        return found

    def topic_id(self, topic: str) -> str:
        out = self.tool("kafka-topics", "--describe", "--topic", topic)
        return re.search(r"TopicId: (\S+)", out)[1]

    def moving(self) -> dict[str, str]:
        """`kafka-reassign-partitions --list`: partition -> its line (replicas, adding...)."""
        out = self.tool("kafka-reassign-partitions", "--list")
        return dict(re.findall(r"^(\S+-\d+): (replicas: .*)$", out, re.M))

    def topic_throttles(self) -> dict[str, dict[str, str]]:
        """`kafka-configs --describe` of every topic: the throttle keys set on each."""
        return self._throttles(self.tool("kafka-configs", "--describe", "--entity-type",
                                         "topics"), r"topic (\S+) are:")

    def broker_throttles(self) -> dict[int, dict[str, str]]:
        """`kafka-configs --describe` of every broker: the throttle rates set on each."""
        found = self._throttles(self.tool("kafka-configs", "--describe", "--entity-type",
                                          "brokers"), r"broker (\d+) are:")
        return {int(b): keys for b, keys in found.items()}

    @staticmethod
    def _throttles(out: str, header: str) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        current = None
        for line in out.splitlines():
            match = re.search(header, line)
            if match:
                current = match[1]
            elif current and line.startswith("  ") and "throttled" in line:
                key, value = line.strip().split(" sensitive=")[0].split("=", 1)
                found.setdefault(current, {})[key] = value
        return found

    def log_dirs(self, topic: str) -> dict[tuple[int, int], int]:
        """`kafka-log-dirs --describe`: (partition, broker) -> bytes of that replica."""
        out = self.tool("kafka-log-dirs", "--describe", "--topic-list", topic)
        data = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
        return {(int(p["partition"].rsplit("-", 1)[1]), broker["broker"]): p["size"]
                for broker in data["brokers"] for log_dir in broker["logDirs"]
                for p in log_dir["partitions"]
                if p["partition"].rsplit("-", 1)[0] == topic and not p["isFuture"]}

    def ledger(self) -> dict:
        """The last record of kafkaform's ledger topic, read with a plain consumer
        (no group; up to the end offset the broker reports)."""
        consumer = Consumer({"bootstrap.servers": self.cluster.bootstrap,
                             "group.id": "oracle", "enable.auto.commit": False})
        try:
            low, high = consumer.get_watermark_offsets(KafkaTopicPartition(LEDGER, 0),
                                                       timeout=15)
            consumer.assign([KafkaTopicPartition(LEDGER, 0, low)])
            last, deadline = None, time.monotonic() + 30
            while high > low and time.monotonic() < deadline:
                message = consumer.poll(1)
                if message is None or message.error():
                    continue
                last = message.value()
                if message.offset() + 1 >= high:
                    break
            return json.loads(last) if last else {}
        finally:
            consumer.close()

    def reassignment_records(self, topic: str) -> list[dict]:
        """PartitionChangeRecords that start a move (`addingReplicas`) for `topic`, from
        the controller's own metadata log (`kafka-dump-log --cluster-metadata-decoder`)."""
        topic_id = self.topic_id(topic)
        folder = self.cluster.nodes[1].folder / "data" / "__cluster_metadata-0"
        segments = ",".join(str(p) for p in sorted(folder.glob("*.log")))
        out = self.cluster.run_tool("kafka-dump-log", "--cluster-metadata-decoder",
                                    "--files", segments).stdout
        records = [json.loads(line.split("payload: ", 1)[1]) for line in out.splitlines()
                   if "payload: " in line and "PARTITION_CHANGE_RECORD" in line]
        return [r["data"] for r in records if r["data"]["topicId"] == topic_id
                and r["data"].get("addingReplicas")]

    # the plain AdminClient
    def snapshot(self, topic: str) -> Snapshot:
        at = time.monotonic()
        metadata = self.client.list_topics(topic, timeout=10).topics[topic]
        partitions = {p: Partition(m.leader, tuple(m.replicas), frozenset(m.isrs))
                      for p, m in metadata.partitions.items()}
        topic_configs = self._configs(ConfigResource(ResourceType.TOPIC, topic))
        brokers = {b: self._configs(ConfigResource(ResourceType.BROKER, str(b)))
                   for b in self.cluster.nodes}
        return Snapshot(at, partitions, topic_configs, {b: c for b, c in brokers.items() if c})

    def _configs(self, resource: ConfigResource) -> dict[str, str]:
        (future,) = self.client.describe_configs([resource]).values()
        return {k: e.value for k, e in future.result(timeout=10).items()
                if "throttled" in k and not e.is_default and e.value}

    def alter(self, kind: ResourceType, name: str, **values: str | None) -> None:
        """Set (or, with None, delete) configs: another tool's throttles."""
        ops = [ConfigEntry(k.replace("_", "."), v, incremental_operation=(
            AlterConfigOpType.DELETE if v is None else AlterConfigOpType.SET))
            for k, v in values.items()]
        resource = ConfigResource(kind, name, incremental_configs=ops)
        for future in self.client.incremental_alter_configs([resource]).values():
            future.result(timeout=15)


def bytes_on_disk(cluster, topic: str, partition: int, broker: int) -> int:
    """The segment bytes a broker holds for a replica, read from its data directory."""
    folder = cluster.nodes[broker].folder / "data" / f"{topic}-{partition}"
    return sum(f.stat().st_size for f in folder.glob("*.log")) if folder.is_dir() else 0


def in_parallel(*calls: Callable[[], object]) -> list[object]:
    """The official commands are JVMs of a few seconds each: start them together."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


@dataclass
class DiskWatch:
    """Samples the bytes of the replicas being added until stopped."""

    cluster: object
    topic: str
    added: list[tuple[int, int]]  # (partition, broker)
    samples: list[dict[tuple[int, int], int]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> DiskWatch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.times.append(time.monotonic())
            self.samples.append({(p, b): bytes_on_disk(self.cluster, self.topic, p, b)
                                 for p, b in self.added})
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def copy_time(self) -> float:
        """From the last sample before any byte arrived to the first with all of them."""
        final = self.samples[-1]
        start = max(t for t, s in zip(self.times, self.samples, strict=True)
                    if not any(s.values()))
        end = min(t for t, s in zip(self.times, self.samples, strict=True) if s == final)
        return end - start

    def shrank(self) -> list[str]:
        """Every time a replica's bytes went down between two samples (a copy restarted)."""
        return [f"{key}: {before[key]} -> {after[key]}"
                for before, after in zip(self.samples, self.samples[1:], strict=False)
                for key in self.added if after[key] < before[key]]


# --- fixtures --------------------------------------------------------------------


@pytest.fixture
def oracle(kafka_cluster) -> Iterator[Oracle]:
    oracle = Oracle(kafka_cluster)
    yield oracle
    # librdkafka closes a client with its last reference: not at the end of the
    # session, when the cluster is gone and it would log refused connections.
    oracle.client = None


@pytest.fixture
def foreign_throttles(oracle) -> Iterator[Oracle]:
    """Another tool's throttles; the broker rates it set are removed afterwards."""
    brokers: set[int] = set()
    original = oracle.alter

    def alter(kind, name, **values):
        if kind is ResourceType.BROKER:
            brokers.add(int(name))
        original(kind, name, **values)

    oracle.alter = alter
    try:
        yield oracle
    finally:
        for broker in brokers:
            original(ResourceType.BROKER, str(broker), leader_replication_throttled_rate=None,
                     follower_replication_throttled_rate=None)


@pytest.fixture
def acl_admin(kafka_cluster) -> Iterator:
    """The admin listener's adapter; removes the ACLs a test granted."""
    from kafkaform.cluster.kafka import KafkaClusterAdmin

    admin = KafkaClusterAdmin(kafka_cluster.bootstrap, timeout_seconds=15)
    granted: list[AclBinding] = []

    def grant(principal: str, *grants: tuple) -> None:
        bindings = [AclBinding(principal, *g) for g in grants]
        assert set(admin.create_acls(bindings).values()) == {None}
        granted.extend(bindings)

    admin.grant = grant
    try:
        yield admin
    finally:
        if granted:
            admin.delete_acls(granted)
        admin.close()


def no_foreign_rates(rates: Mapping[int, Mapping[str, str]], mine: Mapping[int, Mapping[str, str]]
                     ) -> dict[int, dict[str, str]]:
    """Broker throttle rates that are not the ones this test set as "another tool"."""
    return {b: {k: v for k, v in keys.items() if mine.get(b, {}).get(k) != v}
            for b, keys in rates.items() if any(mine.get(b, {}).get(k) != v
                                                for k, v in keys.items())}


# --- 1. RF 2 -> 3 through YAML ------------------------------------------------------


def test_rf_2_to_3_copies_exactly_the_planned_replicas_throttled_and_cleans_up(
        kafka_cluster, live_admin, foreign_throttles, topic_prefix, tmp_path, capsys):
    oracle = foreign_throttles
    topic, other = f"{topic_prefix}m.orders", f"{topic_prefix}other"
    env = environment(tmp_path / "rf", kafka_cluster.bootstrap, f"{topic_prefix}m.", {topic: 2})
    succeeded(kafkaform("apply", env, "--auto-approve"))
    produce(kafka_cluster.bootstrap, topic, 30)
    # Another tool's throttles: a whole other topic's, and a rate on broker 2.
    assert live_admin.create_topics([NewTopic(other, 1, 1)]) == {other: None}
    assert created(live_admin, topic, other)
    other_replica = live_admin.list_topics()[other].partitions[0].replicas[0]
    oracle.alter(ResourceType.TOPIC, other, leader_replication_throttled_replicas=f"0:"
                 f"{other_replica}")
    oracle.alter(ResourceType.BROKER, "2", leader_replication_throttled_rate=str(3 * MiB))
    foreign = {2: {LEADER_RATE: str(3 * MiB)}}

    write_topics(env, {topic: 3})
    before, targets = planned_moves(env)
    racks = {b.id: b.rack for b in live_admin.describe_cluster().brokers}
    assert sorted(targets) == [0, 1, 2]
    assert all(set(before[p]) < set(targets[p]) and len({racks[b] for b in targets[p]}) == 3
               for p in targets)
    added = {p: next(b for b in targets[p] if b not in before[p]) for p in targets}

    timeline: list[Snapshot] = []
    with DiskWatch(kafka_cluster, topic, sorted(added.items())) as disk:
        apply = Running("apply", env, "--auto-approve", "--poll-interval", "1")
        while apply.running:
            timeline.append(oracle.snapshot(topic))
            time.sleep(0.2)
        assert apply.finish() == 0, apply.output

    # Mid-move, the official tool's throttles were in place (merged: broker 2's
    # leader rate stays the other tool's).
    copying = [s for s in timeline if s.copying]
    assert len(copying) >= 3, [(s.at, s.partitions) for s in timeline]
    rate = str(MiB)
    for snap in copying:
        assert entries(snap.topic_throttles.get(LEADER_REPLICAS)) == {
            f"{p}:{b}" for p, replicas in before.items() for b in replicas}
        assert entries(snap.topic_throttles.get(FOLLOWER_REPLICAS)) == {
            f"{p}:{b}" for p, b in added.items()}
        assert snap.broker_throttles == {
            1: {LEADER_RATE: rate, FOLLOWER_RATE: rate},
            2: {LEADER_RATE: str(3 * MiB), FOLLOWER_RATE: rate},
            3: {LEADER_RATE: rate, FOLLOWER_RATE: rate}}

    # Afterwards, by the official commands.
    described, moving, sizes, topic_configs, broker_configs = in_parallel(
        lambda: oracle.describe(topic), oracle.moving, lambda: oracle.log_dirs(topic),
        oracle.topic_throttles, oracle.broker_throttles)
    assert {p: d.replicas for p, d in described.items()} == targets
    assert all(d.leader == d.replicas[0] and d.isr == set(d.replicas)
               for d in described.values())
    assert not [tp for tp in moving if tp.startswith(topic)]
    for p, broker in added.items():  # each new replica holds the whole partition
        assert sizes[(p, broker)] == sizes[(p, before[p][0])] > 9_000_000, sizes
    assert topic not in topic_configs
    assert topic_configs[other] == {LEADER_REPLICAS: f"0:{other_replica}"}
    assert no_foreign_rates(broker_configs, foreign) == {}
    assert broker_configs.get(2) == foreign[2]
    replanned = kafkaform("plan", env, "--detailed-exitcode")
    assert replanned.returncode == 0, replanned.stdout + replanned.stderr

    # Time: the copy against the floor, the busiest broker's bytes at the throttle.
    received: dict[int, int] = {}
    sent: dict[int, int] = {}
    for p, broker in added.items():
        received[broker] = received.get(broker, 0) + sizes[(p, broker)]
        sent[before[p][0]] = sent.get(before[p][0], 0) + sizes[(p, broker)]
    busiest = max(*received.values(), *sent.values())
    assert disk.samples[-1] == {(p, b): sizes[(p, b)] for p, b in added.items()}
    elapsed = disk.copy_time()  # first byte to last byte on the receiving brokers' disks
    in_sync = next(s for s in timeline if s.at > copying[-1].at).at - copying[0].at
    floor = busiest / MiB
    with capsys.disabled():
        print(f"\nRF 2->3 on Kafka: {sum(received.values()) / MiB:.1f} MiB copied, busiest "
              f"broker {busiest / MiB:.1f} MiB, throttle 1 MiB/s: copy {elapsed:.1f}s on disk "
              f"({in_sync:.1f}s until all in sync by metadata), floor {floor:.1f}s, "
              f"ratio {elapsed / floor:.2f}")
    assert 0.5 <= elapsed / floor <= 3.0, (elapsed, floor)


# --- 2. interrupted --------------------------------------------------------------


def rf_2_topic(live_admin, topic: str, bootstrap: str, megabytes: int) -> Assignment:
    """A topic of 3 partitions at RF 2 spread over the racks, with data."""
    before = {0: (1, 2), 1: (2, 3), 2: (3, 1)}
    assert live_admin.create_topics([NewTopic(topic, 3, 2, assignment=tuple(
        before.values()))]) == {topic: None}
    assert created(live_admin, topic)
    if megabytes:
        produce(bootstrap, topic, megabytes)
    return before


def moving_to_rf_3(kafka_cluster, live_admin, topic_prefix: str, folder: Path, megabytes: int,
                   throttle: str) -> tuple[Path, str, Assignment, Assignment]:
    """A topic at RF 2 with data; its YAML says RF 3: (env, topic, before, targets)."""
    topic = f"{topic_prefix}orders"
    before = rf_2_topic(live_admin, topic, kafka_cluster.bootstrap, megabytes)
    env = environment(folder, kafka_cluster.bootstrap, topic_prefix, {topic: 3},
                      throttle=throttle)
    planned_before, targets = planned_moves(env)
    assert planned_before == before and sorted(targets) == [0, 1, 2]
    return env, topic, before, targets


def test_an_apply_killed_mid_move_continues_on_rerun_without_resubmitting(
        kafka_cluster, live_admin, oracle, topic_prefix, tmp_path):
    # 6 MB a partition: 48 s at the throttle. At 24 s (256KiB) every move ended before
    # the re-run on a machine at load 20, where each official tool takes seconds to start.
    env, topic, before, targets = moving_to_rf_3(
        kafka_cluster, live_admin, topic_prefix, tmp_path / "kill", 18, "128KiB")
    added = sorted((p, b) for p in targets for b in targets[p] if b not in before[p])

    with DiskWatch(kafka_cluster, topic, added) as disk:
        first = Running("apply", env, "--auto-approve", "--poll-interval", "1")
        first.wait_for("partitions done")  # every move submitted, copies under way
        first.process.kill()  # SIGKILL: no finally, no cleanup
        assert first.finish() == -signal.SIGKILL
        at_kill = {key: bytes_on_disk(kafka_cluster, topic, *key) for key in added}

        # The cluster goes on moving, throttled (the official --list, the AdminClient).
        moving = oracle.moving()
        assert {tp for tp in moving if tp.startswith(topic)} == {f"{topic}-{p}" for p in targets}
        for p, b in added:
            assert f"adding: {b}." in moving[f"{topic}-{p}"]
        throttled = oracle.snapshot(topic)
        assert entries(throttled.topic_throttles.get(FOLLOWER_REPLICAS)) == {
            f"{p}:{b}" for p, b in added}

        # A killed apply cannot release its lock; its owner record names the dead process.
        unlocked = succeeded(kafkaform("force-unlock", env))
        assert f"pid {first.process.pid}," in unlocked

        second = kafkaform("apply", env, "--auto-approve", "--poll-interval", "1")
    output = succeeded(second)
    # Moves that end while the re-run plans are at their target when it runs.
    waited = re.search(r"reassignment of 3 partitions: (\d) already at target, (\d) in "
                       r"progress from an earlier run, 0 to move", output)
    assert waited and int(waited[2]) >= 1, output
    assert output.count("(in progress: waited for, not restarted)") >= int(waited[2])
    # Never restarted: the new replicas' bytes on disk only grew, across the kill and
    # the re-run, and the controller's metadata log holds one reassignment per partition.
    assert disk.samples and not disk.shrank()
    final = disk.samples[-1]
    assert all(at_kill[key] < final[key] for key in added), (at_kill, final)  # mid-copy
    records, described, moving, topic_configs, broker_configs, ledger = in_parallel(
        lambda: oracle.reassignment_records(topic), lambda: oracle.describe(topic),
        oracle.moving, oracle.topic_throttles, oracle.broker_throttles, oracle.ledger)
    assert sorted((r["partitionId"], tuple(r["addingReplicas"])) for r in records) == [
        (p, (b,)) for p, b in added]
    assert {p: d.replicas for p, d in described.items()} == targets
    assert all(d.isr == set(d.replicas) and d.leader == d.replicas[0]
               for d in described.values())
    assert not [tp for tp in moving if tp.startswith(topic)]
    assert topic not in topic_configs and broker_configs == {}
    assert ledger["topics"] == {} and ledger["brokers"] == {}


def test_an_apply_terminated_mid_move_unlocks_and_the_next_removes_its_throttles(
        kafka_cluster, live_admin, oracle, topic_prefix, tmp_path):
    """SIGTERM (a CI job cancelled or timed out) once every move is submitted; the
    moves end without kafkaform: the next apply has nothing to move but must
    still remove the terminated run's throttles."""
    env, topic, before, targets = moving_to_rf_3(
        kafka_cluster, live_admin, topic_prefix, tmp_path / "ended", 3, "1MiB")

    first = Running("apply", env, "--auto-approve", "--poll-interval", "1")
    first.wait_for("partitions done")
    first.process.terminate()
    assert first.finish() == 128 + signal.SIGTERM, first.output
    assert "interrupted: moves already submitted continue on the cluster" in first.output
    deadline = time.monotonic() + 60
    while (snap := oracle.snapshot(topic)).copying or any(
            len(p.replicas) != 3 for p in snap.partitions.values()):
        assert time.monotonic() < deadline, snap
        time.sleep(0.5)
    assert FOLLOWER_REPLICAS in oracle.snapshot(topic).topic_throttles  # left behind
    assert LOCK not in oracle.client.list_topics(timeout=10).topics  # released

    second = succeeded(kafkaform("apply", env, "--auto-approve"))

    assert "No changes." in second
    assert "throttles left by an interrupted reassignment" in second
    topic_configs, broker_configs, ledger = in_parallel(
        oracle.topic_throttles, oracle.broker_throttles, oracle.ledger)
    assert topic not in topic_configs and broker_configs == {}
    assert ledger["topics"] == {} and ledger["brokers"] == {}


def test_ctrl_c_leaves_the_moves_running_and_cancel_rolls_them_back(
        kafka_cluster, live_admin, oracle, topic_prefix, tmp_path):
    env, topic, before, targets = moving_to_rf_3(
        kafka_cluster, live_admin, topic_prefix, tmp_path / "cancel", 18, "256KiB")
    file = tmp_path / "reassignment.json"
    succeeded(kafkaform("reassign", "generate", env, "--out", file))
    added = sorted((p, b) for p in targets for b in targets[p] if b not in before[p])

    first = Running("apply", env, "--auto-approve", "--poll-interval", "1")
    first.wait_for("partitions done")
    first.process.send_signal(signal.SIGINT)
    assert first.finish() == 130, first.output
    assert "interrupted: moves already submitted continue on the cluster" in first.output
    moving = oracle.moving()
    assert {tp for tp in moving if tp.startswith(topic)} == {f"{topic}-{p}" for p in targets}
    assert any(bytes_on_disk(kafka_cluster, topic, p, b) for p, b in added)  # copies begun

    cancelled = kafkaform("reassign", "cancel", file, "--bootstrap-server",
                          kafka_cluster.bootstrap)

    assert "Cancelled 3 moves in flight" in succeeded(cancelled)
    described, moving, topic_configs, broker_configs, topics = in_parallel(
        lambda: oracle.describe(topic), oracle.moving, oracle.topic_throttles,
        oracle.broker_throttles,
        lambda: oracle.tool("kafka-topics", "--list"))
    assert {p: d.replicas for p, d in described.items()} == before
    assert not [tp for tp in moving if tp.startswith(topic)]
    assert topic not in topic_configs and broker_configs == {}
    assert LOCK not in topics.split()  # Ctrl-C released the lock
    sizes = oracle.log_dirs(topic)  # the partial copies are gone from the adding brokers
    assert not {(p, b) for p, b in added} & set(sizes), sizes


def test_moves_dropping_replicas_are_not_failed_by_the_brokers_lagging_metadata(
        kafka_cluster, live_admin, oracle, topic_prefix, tmp_path):
    """Just after a move ends, the controller no longer lists it while a broker's
    metadata can still show the replica being dropped (KRaft: ~100 ms here). A
    poll in that window must not call the move failed. Two rounds of 40 quick
    moves polled every 0.1 s: without the settling, nearly every run failed."""
    topic = f"{topic_prefix}drop"
    count = 40
    assert live_admin.create_topics([NewTopic(topic, count, 2, assignment=tuple(
        (1, 2) for _ in range(count)))]) == {topic: None}
    assert created(live_admin, topic)
    for target in ((1, 3), (1, 2)):
        file = tmp_path / f"to-{target[1]}.json"
        file.write_text(json.dumps({"version": 1, "partitions": [
            {"topic": topic, "partition": p, "replicas": list(target)} for p in range(count)]}))

        result = kafkaform("reassign", "execute", file, "--bootstrap-server",
                           kafka_cluster.bootstrap, "--throttle", "off", "--batch-size",
                           str(count), "--max-moves-per-broker", str(count),
                           "--poll-interval", "0.1")

        assert f"Moved {count} partitions" in succeeded(result)
        verified(oracle, file, count)


# --- 3. the official tool ----------------------------------------------------------


def verified(oracle: Oracle, file: Path, partitions: int) -> str:
    """`kafka-reassign-partitions --verify` until every partition is completed."""
    deadline = time.monotonic() + 90
    while True:
        out = oracle.tool("kafka-reassign-partitions", "--reassignment-json-file", str(file),
                          "--verify")
        if out.count("is completed") == partitions:
            return out
        assert "is still in progress" in out, out
        assert time.monotonic() < deadline, out
        time.sleep(1)


def test_kafkaforms_json_is_executed_and_verified_by_the_official_tool(
        kafka_cluster, live_admin, oracle, topic_prefix, tmp_path):
    env, topic, before, targets = moving_to_rf_3(
        kafka_cluster, live_admin, topic_prefix, tmp_path / "official", 6, "1MiB")
    file, rollback = tmp_path / "reassignment.json", tmp_path / "rollback.json"
    succeeded(kafkaform("reassign", "generate", env, "--out", file, "--rollback", rollback))
    assert {p["partition"]: tuple(p["replicas"])
            for p in json.loads(file.read_text())["partitions"]} == targets

    started = oracle.tool("kafka-reassign-partitions", "--reassignment-json-file", str(file),
                          "--execute", "--throttle", str(MiB))

    assert f"Successfully started partition reassignments for {topic}-0" in started
    verify = verified(oracle, file, 3)
    assert "Clearing topic-level throttles" in verify
    assert {p: d.replicas for p, d in oracle.describe(topic).items()} == targets
    replanned = kafkaform("plan", env, "--detailed-exitcode")
    assert replanned.returncode == 0, replanned.stdout + replanned.stderr


def test_the_official_generate_json_is_executed_by_kafkaform(
        kafka_cluster, live_admin, oracle, topic_prefix, tmp_path):
    topic = f"{topic_prefix}orders"
    before = rf_2_topic(live_admin, topic, kafka_cluster.bootstrap, 6)
    topics = tmp_path / "topics.json"
    topics.write_text(json.dumps({"version": 1, "topics": [{"topic": topic}]}))
    generated = oracle.tool("kafka-reassign-partitions", "--topics-to-move-json-file",
                            str(topics), "--broker-list", "1,2", "--generate")
    proposal = generated.split("Proposed partition reassignment configuration")[1].strip()
    file = tmp_path / "official.json"
    file.write_text(proposal.splitlines()[0])
    targets = {p["partition"]: tuple(p["replicas"]) for p in json.loads(file.read_text())[
        "partitions"]}
    assert all(set(r) == {1, 2} for r in targets.values()) and targets != before

    executed = kafkaform("reassign", "execute", file, "--bootstrap-server",
                         kafka_cluster.bootstrap, "--throttle", "1MiB", "--poll-interval", "1")

    assert "Moved" in succeeded(executed)
    after = oracle.snapshot(topic)  # kafkaform removed its throttles itself
    assert after.topic_throttles == {} and after.broker_throttles == {}
    verified(oracle, file, 3)
    described = oracle.describe(topic)
    assert {p: d.replicas for p, d in described.items()} == targets
    assert all(d.leader == d.replicas[0] and d.isr == set(d.replicas)
               for d in described.values())  # preferred leaders elected


# --- 4. the throttle ledger under the authorizer -------------------------------------


def reassigning_rights(prefix: str) -> list[tuple]:
    """What `kafkaform reassign execute` needs (docs/security.md)."""
    cluster = (AclResource.CLUSTER, "kafka-cluster", PatternType.LITERAL)
    topics = (AclResource.TOPIC, prefix, PatternType.PREFIXED)
    lock = (AclResource.TOPIC, LOCK, PatternType.LITERAL)
    ledger = (AclResource.TOPIC, LEDGER, PatternType.LITERAL)
    op = AclOperation
    return [*[(*cluster, o) for o in (op.DESCRIBE, op.DESCRIBE_CONFIGS, op.ALTER,
                                      op.ALTER_CONFIGS)],
            *[(*topics, o) for o in (op.DESCRIBE, op.DESCRIBE_CONFIGS, op.ALTER_CONFIGS)],
            *[(*lock, o) for o in (op.CREATE, op.DESCRIBE, op.READ, op.WRITE, op.DELETE)],
            *[(*ledger, o) for o in (op.DESCRIBE, op.READ, op.WRITE)]]


@pytest.mark.parametrize(("missing", "says"), [
    (None, None),
    ((AclResource.TOPIC, LEDGER, PatternType.LITERAL, AclOperation.WRITE),
     f"WRITE on the topic {LEDGER} is missing"),
    ((AclResource.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.ALTER_CONFIGS),
     "altering broker configs needs ALTER_CONFIGS on the cluster"),
], ids=["all-rights", "no-write-on-the-ledger", "no-alter-configs-on-the-cluster"])
def test_the_throttle_ledger_under_the_authorizer(
        kafka_cluster, live_admin, acl_admin, oracle, topic_prefix, tmp_path, missing, says):
    topic = f"{topic_prefix}orders"
    before = rf_2_topic(live_admin, topic, kafka_cluster.bootstrap, 1)
    ledger = acl_admin.create_topics([NewTopic(LEDGER, 1, 3, {"cleanup.policy": "compact"})])
    assert ledger[LEDGER] is None or ledger[LEDGER].code == "TOPIC_ALREADY_EXISTS"
    acl_admin.grant("User:alice", *[r for r in reassigning_rights(topic_prefix) if r != missing])
    alice = AdminClient({"bootstrap.servers": kafka_cluster.sasl_bootstrap,
                         **kafka_cluster.client_config("sasl", "alice")})
    # Each broker learns the ACLs from the metadata log in its own time.
    assert eventually(lambda: all(alice.list_topics(topic, timeout=5).topics[topic].error is None
                                  for _ in range(3)))
    targets = {0: (1, 2, 3), 1: (2, 3, 1), 2: (3, 1, 2)}
    file = tmp_path / "r.json"
    file.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": topic, "partition": p, "replicas": list(r)} for p, r in targets.items()]}))

    result = kafkaform("reassign", "execute", file, "--bootstrap-server",
                       kafka_cluster.sasl_bootstrap, "--command-config",
                       kafka_cluster.command_config("sasl", "alice"), "--throttle", "1MiB",
                       "--poll-interval", "1")

    if missing is None:
        assert "Moved 3 partitions" in succeeded(result)
    else:
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: ") and says in line, line
    now = oracle.snapshot(topic)
    assert now.topic_throttles == {} and now.broker_throttles == {}  # nothing left behind
    assert {p: d.replicas for p, d in now.partitions.items()} == (
        targets if missing is None else before)
    assert LOCK not in oracle.client.list_topics(timeout=10).topics
    moving, ledger = in_parallel(oracle.moving, oracle.ledger)
    assert not [tp for tp in moving if tp.startswith(topic)]
    assert topic not in ledger.get("topics", {})
