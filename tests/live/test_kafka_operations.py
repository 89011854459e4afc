"""Cluster operations end to end on real Apache Kafka (issue 10's scenarios).

Brokers added, rebalanced onto and decommissioned; partitions grown and a
decrease refused; cluster-wide broker configs and every config source the
broker reports; `check` with a broker down; an environment with ACLs, broker
configs and an RF change converging; ACLs through YAML for a SCRAM user.

Every result is checked with something other than kafkaform's own observe:
the official commands from the same jars (`kafka-topics --describe
[--under-replicated-partitions|--unavailable-partitions|--under-min-isr-partitions]`,
`kafka-configs --describe`, `kafka-acls --list`, `kafka-reassign-partitions`)
or the plain confluent-kafka / kafka-python admin clients and a plain
Producer/Consumer. (kafkaform's observe is used once, where its own reading is
what is tested: one cluster read through different brokers must give one
fingerprint.)

The scenarios that add or stop brokers share one cluster of this module's own
(`ops_cluster`, module-scoped, in file order: rebalance and decommission,
then config sources and import, then `check` with a broker stopped); the
others run on the session's shared cluster and leave it as they found it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kafkaform.cluster.kafka import KafkaClusterAdmin
from kafkaform.core.fingerprint import observed_summary, summary_fingerprint
from kafkaform.core.observed import ConfigSource
from kafkaform.core.requests import NewTopic
from kafkaform.run.observe import observe
from tests.live.helpers import created, eventually, plan_moves

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


def environment(folder: Path, bootstrap: str, body: str = "", topics: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text(
        f"kind: Environment\nname: {folder.name}\n"
        f"cluster:\n  bootstrap: '{bootstrap}'\n  timeoutSeconds: 15\n{body}",
        encoding="utf-8",
    )
    if topics:
        (folder / "topics.yaml").write_text(f"kind: Topics\ntopics:\n{topics}", encoding="utf-8")
    return folder


def produce(cluster, topic: str, records: int, size: int = 100) -> None:
    """Data, with the official perf producer (acks=all, so every replica has it)."""
    cluster.run_tool(
        "kafka-producer-perf-test", "--topic", topic, "--num-records", str(records),
        "--record-size", str(size), "--throughput", "-1", "--producer-props",
        f"bootstrap.servers={cluster.bootstrap}", "acks=all", "linger.ms=20",
        "batch.size=262144", "compression.type=none", timeout=300,
    )


def produce_quickly(bootstrap: str, topic: str, records: int, size: int = 100) -> None:
    """Data from a plain confluent-kafka Producer (no JVM to start)."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": "20"})
    value = b"x" * size
    for _ in range(records):
        while True:
            try:
                producer.produce(topic, value)
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(60) == 0


# --- the independent health watcher --------------------------------------------


@dataclass
class Violation:
    at: float
    partition: tuple[str, int]
    what: str


@dataclass
class HealthWatch:
    """Polls the cluster with the plain admin clients while kafkaform moves replicas.

    Each poll lists reassignments (kafka-python's KafkaAdminClient: confluent-kafka
    has no ListPartitionReassignments), reads the topic metadata (confluent-kafka's
    AdminClient) and lists reassignments again. A partition is offline when it has
    no leader, and under-replicated in Kafka's sense when its ISR is smaller than
    its replicas minus the ones a reassignment is still adding
    (`OngoingReassignmentState.replicationFactor` in Kafka's Partition.scala; the
    same rule as `kafka-topics --under-replicated-partitions`).

    A broker answers metadata from its replay of the metadata log, which may
    trail the controller that lists reassignments by a noticeable time on a
    loaded machine: a broker can still show a move's intermediate state (the
    adding replica not yet in the ISR) when the controller has already
    completed it. So the replicas a listing named as adding count as adding
    for `memory` seconds, and a suspect partition counts only if a read
    `confirm_after` seconds later still shows it.
    """

    bootstrap: str
    interval: float = 0.2
    memory: float = 5.0
    confirm_after: float = 0.5
    polls: int = 0
    moving_seen: set[tuple[str, int]] = field(default_factory=set)
    max_moving: int = 0
    violations: list[Violation] = field(default_factory=list)
    unconfirmed: int = 0

    def __post_init__(self) -> None:
        from confluent_kafka.admin import AdminClient
        from kafka import KafkaAdminClient

        self._stop = threading.Event()
        self._metadata = AdminClient({"bootstrap.servers": self.bootstrap})
        self._moves = KafkaAdminClient(bootstrap_servers=self.bootstrap.split(","),
                                       request_timeout_ms=10000)
        # (topic, partition) → {adding broker: when a listing last named it}
        self._adding: dict[tuple[str, int], dict[int, float]] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._moves.close()

    def _list_moves(self) -> int:
        listed = self._moves.list_partition_reassignments()
        now = time.monotonic()
        for tp, move in listed.items():
            key = (tp.topic, tp.partition)
            self.moving_seen.add(key)
            for broker in move["adding_replicas"]:
                self._adding.setdefault(key, {})[broker] = now
        return len(listed)

    def _adding_now(self, tp: tuple[str, int]) -> set[int]:
        recent = time.monotonic() - self.memory
        return {b for b, seen in self._adding.get(tp, {}).items() if seen >= recent}

    def _suspects(self) -> tuple[dict[tuple[str, int], str], int]:
        moving = self._list_moves()
        metadata = self._metadata.list_topics(timeout=10)
        moving = max(moving, self._list_moves())
        found = {}
        for topic in metadata.topics.values():
            for p in topic.partitions.values():
                tp = (topic.topic, p.id)
                if p.leader < 0:
                    found[tp] = f"offline: replicas {p.replicas}, isr {p.isrs}"
                    continue
                adding = self._adding_now(tp)
                if len(p.isrs) < len(set(p.replicas) - adding):
                    found[tp] = (f"under-replicated: replicas {p.replicas}, isr {p.isrs}, "
                                 f"adding {sorted(adding)}")
        return found, moving

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                suspects, moving = self._suspects()
                self.polls += 1
                self.max_moving = max(self.max_moving, moving)
                if suspects:
                    time.sleep(self.confirm_after)
                    confirmed, _ = self._suspects()
                    for tp, what in confirmed.items():
                        if tp in suspects:
                            self.violations.append(Violation(time.monotonic(), tp, what))
                    self.unconfirmed += len(suspects.keys() - confirmed.keys())
                self._stop.wait(self.interval)
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error


# --- the module's own cluster ---------------------------------------------------

# Static server.properties values (source STATIC_BROKER_CONFIG), some of them
# synonyms of topic configs: the config-source scenario must understand them.
STATIC_CONFIGS = {
    "log.retention.hours": "72",
    "log.roll.hours": "72",
    "message.max.bytes": "2097152",
    "log.cleanup.policy": "delete",
    "min.insync.replicas": "1",
    "num.partitions": "2",
}


@pytest.fixture(scope="module")
def ops_cluster(kafka_cluster):
    """A 3-broker cluster of this module's own: its tests add and stop brokers."""
    from kafkaform.cluster.local_kafka import LocalKafka

    cluster = LocalKafka(brokers=3, version=kafka_cluster.version,
                         broker_configs=STATIC_CONFIGS).start()
    try:
        yield cluster
    finally:
        cluster.stop()


OPS_TOPICS = (
    "  - {name: ops.events, partitions: 6, replicationFactor: 3, placement: rack-spread}\n"
    "  - {name: ops.audit, partitions: 4, replicationFactor: 2}\n"
)


def ops_environment(folder: Path, cluster, extra: str = "") -> Path:
    return environment(
        folder, cluster.bootstrap,
        "policies: {minReplicationFactor: 2, minInsyncReplicas: 1}\n"
        "manage: {topics: {prefixes: [ops.]}}\n"
        "reassignment: {throttle: 8MiB, batchSize: 4, maxMovesPerBroker: 3}\n" + extra,
        OPS_TOPICS,
    )


def planned_moves(plan_file: Path) -> dict[tuple[str, int], tuple[tuple[int, ...], ...]]:
    """(topic, partition) → (before, after) of every move in a saved plan."""
    return {(topic, move["partition"]): (tuple(move["before"]), tuple(move["after"]))
            for topic, move in plan_moves(json.loads(plan_file.read_text()))}


def moved_bytes(plan_file: Path) -> int:
    return sum((move.get("size_bytes") or 0) * len(set(move["after"]) - set(move["before"]))
               for _, move in plan_moves(json.loads(plan_file.read_text())))


def replicas_per_broker(described: dict[tuple[str, int], Described]) -> Counter[int]:
    return Counter(b for d in described.values() for b in d.replicas)


def move_with_the_official_tool(cluster, tmp_path: Path, topic: str, partition: int,
                                replicas: tuple[int, ...]) -> None:
    """`kafka-reassign-partitions --execute`, then `--verify` until it is complete."""
    moves = tmp_path / f"{topic}-{partition}.json"
    moves.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": topic, "partition": partition, "replicas": list(replicas)}]}))
    common = ("--bootstrap-server", cluster.bootstrap, "--reassignment-json-file", str(moves))
    cluster.run_tool("kafka-reassign-partitions", *common, "--execute")
    assert eventually(lambda: "is completed" in cluster.run_tool(
        "kafka-reassign-partitions", *common, "--verify").stdout, timeout=60)


def apply_watched(cluster, env: Path, plan_file: Path) -> tuple[HealthWatch, float]:
    """Plan to a file, then apply it while HealthWatch polls; (watch, seconds)."""
    ok(kafkaform("plan", str(env), "--out", str(plan_file), "--bootstrap-server",
                 cluster.bootstrap))
    started = time.monotonic()
    with HealthWatch(cluster.bootstrap) as watch:
        applied = kafkaform("apply", str(env), str(plan_file), "--bootstrap-server",
                            cluster.bootstrap, "--poll-interval", "0.5")
    elapsed = time.monotonic() - started
    ok(applied)
    assert watch.error is None, watch.error
    return watch, elapsed


def test_add_a_broker_rebalance_then_decommission_and_stop_it(ops_cluster, tmp_path):
    env = ops_environment(tmp_path / "ops", ops_cluster)
    ok(kafkaform("apply", str(env), "--auto-approve"))
    produce(ops_cluster, "ops.events", 120_000)  # 12 MB, and 6 MB more in-process
    produce_quickly(ops_cluster.bootstrap, "ops.audit", 60_000)

    new = ops_cluster.add_broker(rack="rack-a")
    env = ops_environment(tmp_path / "ops", ops_cluster, "rebalance: true\n")
    rebalance_plan = tmp_path / "rebalance.json"
    watch, seconds = apply_watched(ops_cluster, env, rebalance_plan)

    moves = planned_moves(rebalance_plan)
    after = topics_described(ops_cluster)
    managed = {tp: d for tp, d in after.items() if tp[0].startswith("ops.")}
    print(f"\nrebalance onto broker {new}: {len(moves)} partitions moved, "
          f"{moved_bytes(rebalance_plan) / 2**20:.1f} MiB copied in {seconds:.1f}s; "
          f"{watch.polls} polls saw up to {watch.max_moving} partitions moving "
          f"({len(watch.moving_seen)} in all), {watch.unconfirmed} unconfirmed suspects; "
          f"replicas of ops.* per broker {dict(sorted(replicas_per_broker(managed).items()))}, "
          f"leaders {dict(sorted(Counter(d.leader for d in managed.values()).items()))}")
    assert not watch.violations, watch.violations
    assert watch.moving_seen, "the watcher never saw a move in progress"
    assert any(new in target for _, target in moves.values())
    for (topic, partition), (_, target) in moves.items():
        assert after[(topic, partition)].replicas == target
    assert replicas_per_broker(after)[new] > 0

    # kafkaform's throttle ledger came with the first throttled move; Kafka put
    # it on the new broker or not (half the time here): make sure it is there.
    ledger = after[("__kafkaform_throttles", 0)].replicas
    print(f"kafkaform's ledger placed on {ledger}")
    if new not in ledger:
        move_with_the_official_tool(ops_cluster, tmp_path, "__kafkaform_throttles", 0,
                                    (new, *ledger[1:]))

    env = ops_environment(tmp_path / "ops", ops_cluster,
                          f"rebalance: true\ndecommission: [{new}]\n")
    decommission_plan = tmp_path / "decommission.json"
    watch, seconds = apply_watched(ops_cluster, env, decommission_plan)
    assert "__kafkaform_throttles" in {topic for topic, _ in planned_moves(decommission_plan)}
    after = topics_described(ops_cluster)
    print(f"decommission of broker {new}: {len(planned_moves(decommission_plan))} partitions "
          f"moved, {moved_bytes(decommission_plan) / 2**20:.1f} MiB in {seconds:.1f}s; "
          f"{watch.polls} polls, up to {watch.max_moving} moving, "
          f"{watch.unconfirmed} unconfirmed suspects")
    assert not watch.violations, watch.violations
    assert watch.moving_seen
    assert [tp for tp, d in after.items() if new in d.replicas] == []

    ops_cluster.stop_broker(new)
    assert topics_described(ops_cluster, "--under-replicated-partitions") == {}
    assert topics_described(ops_cluster, "--unavailable-partitions") == {}
    # The files still name the retired broker: the plan says what to do.
    retired = kafkaform("plan", str(env), "--detailed-exitcode", "--bootstrap-server",
                        ops_cluster.bootstrap)
    assert retired.returncode == 1 and "already decommissioned and retired" in retired.stdout, (
        retired.stdout + retired.stderr)
    env = ops_environment(tmp_path / "ops", ops_cluster, "rebalance: true\n")
    ok(kafkaform("plan", str(env), "--detailed-exitcode", "--bootstrap-server",
                 ops_cluster.bootstrap))


# --- cluster-wide broker configs and every config source (own cluster) --------


def broker_defaults(cluster) -> dict[str, str]:
    """`kafka-configs --describe --entity-type brokers --entity-default`: name → value."""
    out = cluster.run_tool("kafka-configs", "--bootstrap-server", cluster.bootstrap,
                           "--describe", "--entity-type", "brokers", "--entity-default").stdout
    return dict(re.findall(r"^\s+([\w.]+)=(\S*) sensitive=", out, re.MULTILINE))


def topic_configs_all(cluster, topic: str) -> dict[str, tuple[str, str]]:
    """`kafka-configs --describe --all` of a topic: name → (value, source)."""
    out = cluster.run_tool("kafka-configs", "--bootstrap-server", cluster.bootstrap,
                           "--describe", "--all", "--entity-type", "topics",
                           "--entity-name", topic).stdout
    return {name: (value, source) for name, value, source in re.findall(
        r"^\s+([\w.]+)=(\S*) sensitive=\w+ synonyms=\{(\w+):", out, re.MULTILINE)}


def test_cluster_wide_broker_configs_are_set_and_removed(ops_cluster, tmp_path):
    def with_broker_configs(configs: str) -> Path:
        return environment(
            tmp_path / "brokers", ops_cluster.bootstrap,
            f"  brokerConfigs: {{{configs}}}\n"
            "manage: {topics: {prefixes: [none.]}, brokerConfigs: {delete: true}}\n",
        )

    # Kafka 4.1+ sets the cluster-wide min.insync.replicas itself (eligible
    # leader replicas) and refuses its removal: kafkaform leaves it alone.
    kafkas_own = broker_defaults(ops_cluster)
    assert set(kafkas_own) <= {"min.insync.replicas"}
    env = with_broker_configs("log.retention.ms: 4d, log.cleaner.delete.retention.ms: 2d, "
                              "unclean.leader.election.enable: false")
    ok(kafkaform("apply", str(env), "--auto-approve"))  # apply re-plans: converged
    assert broker_defaults(ops_cluster) == {
        **kafkas_own, "log.retention.ms": "345600000",
        "log.cleaner.delete.retention.ms": "172800000", "unclean.leader.election.enable": "false",
    }

    env = with_broker_configs("log.cleaner.delete.retention.ms: 2d")
    ok(kafkaform("apply", str(env), "--auto-approve"))
    assert broker_defaults(ops_cluster) == {**kafkas_own,
                                            "log.cleaner.delete.retention.ms": "172800000"}
    ok(kafkaform("plan", str(env), "--detailed-exitcode"))


def test_import_of_a_cluster_with_every_config_source_plans_nothing(ops_cluster, tmp_path):
    """Configs from every source the broker reports, set out of band; then
    `import` a new environment from the cluster: it validates and plans empty."""
    from confluent_kafka import admin as rd

    bootstrap = ops_cluster.bootstrap
    plain = rd.AdminClient({"bootstrap.servers": bootstrap})

    def done(futures) -> None:
        for future in futures.values():
            future.result(timeout=60)

    # topic overrides (DYNAMIC_TOPIC_CONFIG), including list, boolean, -1, huge
    # and unit-able values, a throttle someone else set and a compacted topic
    done(plain.create_topics([
        rd.NewTopic("cfg.many", 2, 3, config={
            "cleanup.policy": "compact,delete", "retention.ms": "-1",
            "retention.bytes": "1073741824", "compression.type": "zstd",
            "message.timestamp.type": "LogAppendTime", "min.cleanable.dirty.ratio": "0.3",
            "preallocate": "true", "segment.ms": "3600000",
            "max.compaction.lag.ms": "9223372036854775807", "index.interval.bytes": "4096",
            "max.message.bytes": "3000000", "min.insync.replicas": "2",
            "follower.replication.throttled.replicas": "*"}),
        rd.NewTopic("cfg.compacted", 1, 2, config={"cleanup.policy": "compact"}),
    ]))
    # per-broker dynamic configs (DYNAMIC_BROKER_CONFIG) on two brokers
    for broker, configs in (("1", {"log.retention.ms": "7200000", "log.roll.ms": "7200000",
                                   "compression.type": "lz4"}),
                            ("2", {"follower.replication.throttled.rate": "50000000",
                                   "log.cleaner.threads": "2"})):
        done(plain.incremental_alter_configs([  # one broker per call (librdkafka)
            rd.ConfigResource(rd.ResourceType.BROKER, broker, incremental_configs=[
                rd.ConfigEntry(name, value, incremental_operation=rd.AlterConfigOpType.SET)
                for name, value in configs.items()])]))
    # cluster-wide dynamic defaults (DYNAMIC_DEFAULT_BROKER_CONFIG), besides
    # log.cleaner.delete.retention.ms from the test before (confluent-kafka
    # cannot name them)
    ops_cluster.run_tool("kafka-configs", "--bootstrap-server", bootstrap, "--alter",
                         "--entity-type", "brokers", "--entity-default", "--add-config",
                         "min.insync.replicas=2,log.segment.bytes=536870912")
    # ACLs of every resource type and pattern, allow and deny (14 bindings)
    allow, deny = rd.AclPermissionType.ALLOW, rd.AclPermissionType.DENY
    literal, prefixed = rd.ResourcePatternType.LITERAL, rd.ResourcePatternType.PREFIXED
    topic, group, cluster = (rd.ResourceType.TOPIC, rd.ResourceType.GROUP,
                             rd.ResourceType.BROKER)
    grants = [
        ("User:alice", topic, "cfg.", prefixed, ("READ", "DESCRIBE"), allow, "*"),
        ("User:bob", topic, "*", literal, ("WRITE",), deny, "10.0.0.1"),
        ("User:alice", topic, "cfg.many", literal, ("WRITE", "DESCRIBE", "CREATE"), allow, "*"),
        ("User:alice", rd.ResourceType.TRANSACTIONAL_ID, "cfg-tx", literal,
         ("WRITE", "DESCRIBE"), allow, "*"),
        ("User:alice", cluster, "kafka-cluster", literal, ("IDEMPOTENT_WRITE",), allow, "*"),
        ("User:CN=svc,OU=ops", topic, "cfg.compacted", literal, ("READ", "DESCRIBE"), allow,
         "*"),
        ("User:CN=svc,OU=ops", group, "*", literal, ("READ",), allow, "*"),
        ("User:ops", cluster, "kafka-cluster", literal, ("ALTER_CONFIGS", "DESCRIBE_CONFIGS"),
         allow, "*"),
    ]
    done(plain.create_acls([
        rd.AclBinding(kind, name, pattern, principal, host, rd.AclOperation[operation],
                      permission)
        for principal, kind, name, pattern, operations, permission, host in grants
        for operation in operations]))
    # ... and static server.properties values (STATIC_CONFIGS), some of them
    # synonyms of topic configs (log.retention.hours, message.max.bytes)
    reader = KafkaClusterAdmin(bootstrap, timeout_seconds=15)
    try:
        assert created(reader, "cfg.many", "cfg.compacted")
    finally:
        reader.close()
    sources = {source for _, source in topic_configs_all(ops_cluster, "cfg.compacted").values()}
    assert {"DYNAMIC_TOPIC_CONFIG", "DYNAMIC_DEFAULT_BROKER_CONFIG", "STATIC_BROKER_CONFIG",
            "DEFAULT_CONFIG"} <= sources

    # Topic configs read through broker 1 differ from those read through the
    # others (retention.ms 7200000 DYNAMIC_BROKER_CONFIG there, 259200000 from
    # log.retention.hours as DEFAULT_CONFIG elsewhere): what a saved plan is
    # checked against must not depend on which broker answered.
    fingerprints, answers = set(), set()
    for _ in range(30):
        reader = KafkaClusterAdmin(bootstrap, timeout_seconds=15)
        try:
            observed = observe(reader)
        finally:
            reader.close()
        fingerprints.add(summary_fingerprint(observed_summary(observed)))
        answers.add(observed.topic_configs["cfg.compacted"]["retention.ms"].source)
        if len(answers) > 1:
            break
    assert answers == {ConfigSource.DYNAMIC_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG}
    assert len(fingerprints) == 1

    env = environment(tmp_path / "imported", bootstrap)
    imported = ok(kafkaform("import", str(env)))
    listed = [name for name in plain.list_topics(timeout=15).topics
              if not name.startswith("__")]  # kafkaform's own __kafkaform_throttles too
    assert f"imported {len(listed)} topics" in imported, imported
    assert "imported 14 ACL bindings" in imported, imported
    topics = (env / "topics.yaml").read_text()
    assert "follower.replication.throttled" not in topics
    assert "cleanup.policy: [compact, delete]" in topics

    # What import does not write and validate needs: the imported topics
    # break four HA policies (RF 2, min.insync.replicas 1 as far as the files
    # can tell: the cluster default of 2 is not in them, compact-only
    # topics... ). The relaxations:
    invalid = kafkaform("validate", str(env))
    assert invalid.returncode == 3, invalid.stdout + invalid.stderr
    (env / "environment.yaml").write_text(
        (env / "environment.yaml").read_text()
        + "policies: {minReplicationFactor: 2, minInsyncReplicas: 1}\n", encoding="utf-8")
    ok(kafkaform("validate", str(env)))
    planned = kafkaform("plan", str(env), "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes" in planned.stdout

    # An override removed from the files: the plan shows the value the topic
    # falls back to, here the static message.max.bytes, as Kafka then reports it.
    topics_file = env / "topics.yaml"
    topics_file.write_text(re.sub(r"\n +max\.message\.bytes: \S+", "",
                                  topics_file.read_text()))
    revert = tmp_path / "revert.json"
    ok(kafkaform("plan", str(env), "--out", str(revert)))
    (change,) = [change for action in json.loads(revert.read_text())["actions"]
                 for change in action.get("changes", ())]
    assert change["key"] == "max.message.bytes" and change["after"] is None
    ok(kafkaform("apply", str(env), str(revert)))
    assert topic_configs_all(ops_cluster, "cfg.many")["max.message.bytes"] == (
        change["default"], "STATIC_BROKER_CONFIG")


# --- check with a stopped broker (own cluster, last: it stops a broker) --------


def test_check_reports_exactly_the_partitions_a_stopped_broker_leaves_behind(
    ops_cluster, tmp_path
):
    stopping = 3
    from confluent_kafka import admin as rd

    plain = rd.AdminClient({"bootstrap.servers": ops_cluster.bootstrap})
    for future in plain.create_topics([rd.NewTopic(
            "single.copies", 3, -1, replica_assignment=[[stopping], [stopping], [1]],
            config={"min.insync.replicas": "1"})]).values():
        future.result(timeout=60)
    env = environment(tmp_path / "check", ops_cluster.bootstrap,
                      "policies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n")
    healthy = kafkaform("check", str(env))
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr

    running = len(plain.describe_cluster(request_timeout=30).result(timeout=60).nodes)
    ops_cluster.stop_broker(stopping)
    under = set(topics_described(ops_cluster, "--under-replicated-partitions"))
    unavailable = set(topics_described(ops_cluster, "--unavailable-partitions"))
    under_min_isr = set(topics_described(ops_cluster, "--under-min-isr-partitions"))
    checked = kafkaform("check", str(env), "--format", "json")
    text = kafkaform("check", str(env))

    assert checked.returncode == 1 and text.returncode == 1, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    found = {kind: {(p["topic"], p["partition"]) for p in report[kind]}
             for kind in ("under_replicated", "offline", "under_min_isr")}
    print(f"\ncheck with broker {stopping} stopped: {len(found['under_replicated'])} "
          f"under-replicated, {len(found['offline'])} offline, {len(found['under_min_isr'])} "
          f"below min.insync.replicas of {report['partitions']} partitions, as kafka-topics")
    assert unavailable == {("single.copies", 0), ("single.copies", 1)}
    assert found["offline"] == unavailable
    assert found["under_replicated"] == under
    assert found["under_min_isr"] == under_min_isr
    assert {("ops.events", p) for p in range(6)} <= under
    assert report["brokers"] == running - 1  # an earlier test may have left a broker added
    lines = {line.split("  ")[0]: line for line in text.stdout.splitlines()[1:]}
    assert f"FAIL  {len(unavailable)} of {report['partitions']}: " in lines["offline partitions"]
    assert f"FAIL  {len(under)} of {report['partitions']}" in lines["under-replicated"]


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


# --- partitions (shared cluster) ------------------------------------------------


def partition_count(cluster, topic: str) -> int:
    out = cluster.run_tool("kafka-topics", "--bootstrap-server", cluster.bootstrap,
                           "--describe", "--topic", topic).stdout
    return int(re.search(r"PartitionCount: (\d+)", out).group(1))


def test_partitions_grow_and_a_decrease_is_refused_before_anything_is_written(
    kafka_cluster, live_admin, tmp_path, topic_prefix
):
    topic = f"{topic_prefix}grow"

    def files(partitions: int, retention: str) -> Path:
        return environment(
            tmp_path / "grow", kafka_cluster.bootstrap,
            f"manage: {{topics: {{prefixes: ['{topic_prefix}']}}}}\n",
            f"  - {{name: '{topic}', partitions: {partitions}, replicationFactor: 3, "
            f"configs: {{min.insync.replicas: 2, retention.ms: {retention}}}}}\n",
        )

    ok(kafkaform("apply", str(files(3, "1d")), "--auto-approve"))
    assert eventually(lambda: partition_count(kafka_cluster, topic) == 3)
    ok(kafkaform("apply", str(files(6, "1d")), "--auto-approve"))
    assert partition_count(kafka_cluster, topic) == 6

    env = files(4, "2d")  # a config change and a decrease in one plan
    planned = kafkaform("plan", str(env), "--detailed-exitcode")
    applied = kafkaform("apply", str(env), "--auto-approve")

    # docs/troubleshooting.md: a plan with refusals exits 1, for plan and apply
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "partitions can only grow" in planned.stdout
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert "nothing was applied" in applied.stderr
    assert partition_count(kafka_cluster, topic) == 6
    assert topic_configs_all(kafka_cluster, topic)["retention.ms"] == (
        "86400000", "DYNAMIC_TOPIC_CONFIG")


# --- an environment with ACLs, broker configs and an RF change (shared cluster) --


def acls_listed(cluster, principal: str) -> set[tuple[str, str, str, str, str, str]]:
    """`kafka-acls --list --principal P`: (resource type, name, pattern, operation,
    permission, host) of each of its bindings."""
    out = cluster.run_tool("kafka-acls", "--bootstrap-server", cluster.bootstrap, "--list",
                           "--principal", principal).stdout
    found = set()
    for block in out.split("Current ACLs for resource ")[1:]:
        resource = re.search(r"resourceType=(\w+), name=(.+?), patternType=(\w+)\)", block)
        for host, operation, permission in re.findall(
            rf"principal={re.escape(principal)}, host=(\S+?), operation=(\w+), "
            r"permissionType=(\w+)\)", block):
            found.add((*resource.groups(), operation, permission, host))
    return found


@pytest.fixture
def cluster_defaults_restored(kafka_cluster):
    """The shared cluster's cluster-wide dynamic broker configs, put back afterwards."""
    from kafkaform.core.requests import ConfigOp, ConfigOpType

    admin = KafkaClusterAdmin(kafka_cluster.bootstrap, timeout_seconds=15)

    def defaults() -> dict[str, str | None]:
        entries = admin.describe_broker_configs([None])[None]
        return {k: e.value for k, e in entries.items() if e.is_override}

    before = defaults()
    try:
        yield
        after = defaults()
        ops = [ConfigOp(k, ConfigOpType.DELETE) for k in sorted(set(after) - set(before))]
        ops += [ConfigOp(k, ConfigOpType.SET, v) for k, v in sorted(before.items())
                if after.get(k) != v]
        if ops:
            assert admin.alter_broker_configs({None: ops}) == {None: None}
    finally:
        admin.close()


def test_acls_broker_configs_and_an_rf_change_apply_and_converge(
    kafka_cluster, live_admin, cluster_defaults_restored, tmp_path, topic_prefix
):
    """Issue 10's second "Done when", on a cluster started exactly as
    `kafkaform local-broker --kafka --brokers 3` starts it (the shared fixture)."""
    topic = f"{topic_prefix}orders"
    service = f"User:{topic_prefix}svc"
    assert live_admin.create_topics([NewTopic(topic, 6, 2)]) == {topic: None}
    assert created(live_admin, topic)
    produce_quickly(kafka_cluster.bootstrap, topic, 20_000)
    env = environment(
        tmp_path / "prod", kafka_cluster.bootstrap,
        "  brokerConfigs: {min.insync.replicas: 2, unclean.leader.election.enable: false,"
        " log.retention.ms: 7d}\n"
        f"manage:\n  topics: {{prefixes: ['{topic_prefix}']}}\n"
        f"  acls: {{principals: ['{service}'], delete: true}}\n"
        "reassignment: {throttle: 20MiB}\n",
        f"  - {{name: '{topic}', partitions: 6, replicationFactor: 3, placement: rack-spread,"
        " configs: {retention.ms: 1d}}\n",
    )
    (env / "acls.yaml").write_text(
        "kind: Acls\nprincipals:\n"
        f"  - principal: '{service}'\n"
        f"    produce: {{topics: ['{topic_prefix}*'], idempotent: true}}\n"
        f"    consume: {{topics: ['{topic}'], groups: ['{topic_prefix}svc']}}\n",
        encoding="utf-8")

    before = kafkaform("plan", str(env), "--detailed-exitcode")
    assert before.returncode == 2, before.stdout + before.stderr
    started = time.monotonic()
    ok(kafkaform("apply", str(env), "--auto-approve"))
    seconds = time.monotonic() - started
    after = kafkaform("plan", str(env), "--detailed-exitcode")

    assert after.returncode == 0, after.stdout + after.stderr
    print(f"\nACLs + broker configs + RF 2 → 3 applied in {seconds:.1f}s; the next plan is empty")
    described = {tp: d for tp, d in topics_described(kafka_cluster, "--topic", topic).items()}
    assert len(described) == 6
    assert all(len(d.replicas) == 3 and set(d.isr) == set(d.replicas)
               for d in described.values())
    defaults = broker_defaults(kafka_cluster)
    assert {k: defaults.get(k) for k in ("min.insync.replicas", "log.retention.ms",
                                         "unclean.leader.election.enable")} == {
        "min.insync.replicas": "2", "log.retention.ms": "604800000",
        "unclean.leader.election.enable": "false"}
    assert acls_listed(kafka_cluster, service) == {
        ("TOPIC", topic_prefix, "PREFIXED", "WRITE", "ALLOW", "*"),
        ("TOPIC", topic_prefix, "PREFIXED", "DESCRIBE", "ALLOW", "*"),
        ("TOPIC", topic_prefix, "PREFIXED", "CREATE", "ALLOW", "*"),
        ("CLUSTER", "kafka-cluster", "LITERAL", "IDEMPOTENT_WRITE", "ALLOW", "*"),
        ("TOPIC", topic, "LITERAL", "READ", "ALLOW", "*"),
        ("TOPIC", topic, "LITERAL", "DESCRIBE", "ALLOW", "*"),
        ("GROUP", f"{topic_prefix}svc", "LITERAL", "READ", "ALLOW", "*"),
    }
    (env / "acls.yaml").unlink()  # manage.acls.delete: the service's bindings go
    ok(kafkaform("apply", str(env), "--auto-approve"))
    assert acls_listed(kafka_cluster, service) == set()


# --- ACLs through YAML for a SCRAM user (shared cluster) -------------------------


def sasl_client(kafka_cluster, user: str, **extra) -> dict[str, str]:
    return {"bootstrap.servers": kafka_cluster.sasl_bootstrap,
            "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": user,
            "sasl.password": kafka_cluster.passwords[user], **extra}


def produce_as(kafka_cluster, user: str, topic: str, count: int = 5) -> list[str]:
    """Produce `count` records as `user`; the error names of the ones that failed."""
    from confluent_kafka import Producer

    producer = Producer(sasl_client(kafka_cluster, user, **{
        "acks": "all", "message.timeout.ms": "10000", "enable.idempotence": "false"}))
    errors: list[str] = []
    for i in range(count):
        producer.produce(topic, f"record-{i}".encode(), on_delivery=lambda err, _m: err and
                         errors.append(err.name()))
    producer.flush(20)
    return errors


def consume_as(kafka_cluster, user: str, topic: str, group: str, wanted: int) -> list[bytes]:
    """Read from the start as `user` in `group`: the values, or raise the first error."""
    from confluent_kafka import Consumer, KafkaException

    consumer = Consumer(sasl_client(kafka_cluster, user, **{
        "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": "false"}))
    consumer.subscribe([topic])
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + 30
        while len(values) < wanted and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == -191:  # _PARTITION_EOF
                    continue
                raise KafkaException(message.error())
            values.append(message.value())
    finally:
        consumer.close()
    return values


class ProducingLoop:
    """A SCRAM user producing one record at a time, waiting for each
    acknowledgement, until stopped: every delivery error is kept."""

    def __init__(self, kafka_cluster, user: str, topic: str) -> None:
        from confluent_kafka import Producer

        self.topic = topic
        self.producer = Producer(sasl_client(kafka_cluster, user, **{
            "acks": "all", "message.timeout.ms": "10000", "linger.ms": "0"}))
        self.delivered = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _on_delivery(self, error, _message) -> None:
        if error is None:
            self.delivered += 1
        else:
            self.errors.append(error.name())

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            self.producer.produce(self.topic, f"loop-{i}".encode(), on_delivery=self._on_delivery)
            self.producer.flush(15)
            i += 1

    def __enter__(self) -> ProducingLoop:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def test_acls_through_yaml_for_a_scram_user(kafka_cluster, live_admin, tmp_path, topic_prefix):
    topic = f"{topic_prefix}payments"
    group = f"{topic_prefix}alice"

    def files(acls: str | None) -> Path:
        env = environment(
            tmp_path / "acls", kafka_cluster.bootstrap,
            f"manage:\n  topics: {{prefixes: ['{topic_prefix}']}}\n"
            "  acls: {principals: [User:alice, User:bob], delete: true}\n",
            f"  - {{name: '{topic}', partitions: 3, replicationFactor: 3,"
            " configs: {min.insync.replicas: 2}}\n",
        )
        (env / "acls.yaml").unlink(missing_ok=True)
        if acls is not None:
            (env / "acls.yaml").write_text(f"kind: Acls\nprincipals:\n{acls}", encoding="utf-8")
        return env

    literal_grants = (
        f"  - {{principal: User:alice, produce: {{topics: ['{topic}']}},\n"
        f"     consume: {{topics: ['{topic}'], groups: ['{group}']}}}}\n"
        f"  - {{principal: User:bob, consume: {{topics: ['{topic}'], groups: ['{group}']}}}}\n")
    try:
        # the topic first, and no grants: the client is denied
        ok(kafkaform("apply", str(files(None)), "--auto-approve"))
        assert eventually(lambda: partition_count(kafka_cluster, topic) == 3)
        denied = produce_as(kafka_cluster, "alice", topic, count=1)
        assert denied == ["TOPIC_AUTHORIZATION_FAILED"]
        with pytest.raises(Exception, match="AUTHORIZATION_FAILED"):
            consume_as(kafka_cluster, "alice", topic, group, wanted=1)

        ok(kafkaform("apply", str(files(literal_grants)), "--auto-approve"))
        assert eventually(lambda: produce_as(kafka_cluster, "alice", topic) == [], timeout=20)
        assert len(consume_as(kafka_cluster, "alice", topic, group, wanted=5)) >= 5

        # alice's literal grants replaced by a prefixed role, bob removed
        prefixed = files(
            f"  - {{principal: User:alice, produce: {{topics: ['{topic_prefix}*']}},\n"
            f"     consume: {{topics: ['{topic_prefix}*'], groups: ['{group}']}}}}\n")
        planned = ok(kafkaform("plan", str(prefixed)))
        assert "Plan: 4 to create, 0 to change, 7 to destroy" in planned, planned
        with ProducingLoop(kafka_cluster, "alice", topic) as loop:
            while loop.delivered < 20:
                time.sleep(0.1)
            during = loop.delivered
            ok(kafkaform("apply", str(prefixed), "--auto-approve"))
            during = loop.delivered - during
            time.sleep(1)
        print(f"\nalice produced {loop.delivered} records one by one, {during} of them while "
              f"the role was replaced; errors: {loop.errors}")
        assert loop.errors == []
        assert during > 0
        assert acls_listed(kafka_cluster, "User:bob") == set()
        assert acls_listed(kafka_cluster, "User:alice") == {
            ("TOPIC", topic_prefix, "PREFIXED", operation, "ALLOW", "*")
            for operation in ("WRITE", "DESCRIBE", "CREATE", "READ")
        } | {("GROUP", group, "LITERAL", "READ", "ALLOW", "*")}
    finally:  # manage.acls.delete: no grants in the files, none left for alice and bob
        kafkaform("apply", str(files(None)), "--auto-approve")
