"""How long a no-op `kafkaform plan` takes at 1k and 10k topics, and how much memory.

    python benchmarks/plan_scale.py [--sizes 1000,10000] [--no-tansu] [--no-kafka]

For each size it writes an environment with N topics (10 partitions, three
configs each), builds a cluster that already matches it, and runs
`python -m kafkaform plan ENV --detailed-exitcode` as a subprocess, timing it
from process start to exit (imports, validation, observation, planning and
rendering included) and reading its peak RSS from `wait4`. Cases:

- validate: `kafkaform validate ENV` alone (loading, schema, checks, policies:
            the part of every plan that needs no cluster);
- memory:   a 3-broker in-memory cluster (RF 3) read from a snapshot file;
- tansu:    the local Tansu broker (one broker, RF 1), topics created in batches
            through the Kafka adapter;
- kafka:    a real Apache Kafka cluster (3 KRaft brokers from Kafka's jars,
            `kafkaform.cluster.local_kafka`), RF 3, ONE partition a topic: ten
            per topic would put 100,000 replicas on each broker, past this
            machine's vm.max_map_count (each active segment maps two indexes).

Beside each live row, its floor measured in the same run the same way (a
whole process, median of three): a plain confluent-kafka AdminClient that
reads the same topics as cheaply as the protocol allows, one Metadata request
and the batched DescribeConfigs (`FLOOR`). The ratio is plan ÷ floor.

The plan must be empty (exit 0): a benchmark of a plan that finds drift would
measure the wrong thing. Targets: 10k topics in <= 3 s and <= 300 MB on Tansu
and on Kafka.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kafkaform.cluster.kafka import KafkaClusterAdmin
from kafkaform.cluster.local_kafka import LocalKafka
from kafkaform.cluster.local_tansu import LocalBroker
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.requests import NewTopic
from kafkaform.files.snapshot import write_snapshot
from kafkaform.run.observe import observe

PARTITIONS = 10
CONFIGS = {"retention.ms": "86400000", "cleanup.policy": "delete", "max.message.bytes": "2097152"}
CREATE_BATCH = 1000
RUNS = 3  # plan processes timed per row; the table shows the median
TARGET_SECONDS, TARGET_MB = 3.0, 300


@dataclass
class Row:
    case: str
    topics: int
    partitions: int
    setup_s: float
    exit_code: int
    wall_s: float
    peak_mb: float
    floor_s: float | None = None


def topic_names(n: int) -> list[str]:
    return [f"bench.t{i:05d}" for i in range(n)]


def write_environment(folder: Path, n: int, rf: int, partitions: int = PARTITIONS) -> Path:
    """An environment declaring N topics, policies relaxed to what the cluster can honour."""
    folder.mkdir(parents=True)
    (folder / "environment.yaml").write_text(
        "kind: Environment\n"
        f"name: bench-{n}\n"
        "cluster: {bootstrap: '127.0.0.1:1', timeoutSeconds: 120}\n"
        f"defaults:\n  topic: {{partitions: {partitions}, replicationFactor: {rf}, configs: "
        "{retention.ms: 1d, cleanup.policy: delete, max.message.bytes: 2MiB}}\n"
        f"policies:\n  minReplicationFactor: {rf}\n  minInsyncReplicas: 1\n"
        "  maxPartitionsPerBroker: {value: 1000, level: off}\n"
        "  rackSpread: {value: false, level: off}\n"
        "manage:\n  topics: {prefixes: [bench.]}\n",
        encoding="utf-8",
    )
    lines = ["kind: Topics", "topics:"] + [f"  - name: {name}" for name in topic_names(n)]
    (folder / "topics.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# Runs one command and prints "exit wall_seconds peak_kib". A separate small
# process starts it because Linux carries the parent's peak RSS into a forked
# child's ru_maxrss across exec: forked from this (big) process, every plan
# would seem to need as much memory as this benchmark holds.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
sys.stderr.write(child.stderr.read().decode(errors="replace"))
print(os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss)
"""


# The floor: the same read a plan needs, with nothing else: one process, one
# Metadata request, DescribeConfigs for the topics in batches of 1,000 sent
# together (the adapter's batching, librdkafka's reply size limit).
FLOOR = """
import sys
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
names = [t for t in admin.list_topics(timeout=120).topics if t.startswith("bench.")]
futures = {}
for first in range(0, len(names), 1000):
    batch = [ConfigResource(ResourceType.TOPIC, n) for n in names[first:first + 1000]]
    futures.update(admin.describe_configs(batch, request_timeout=120))
assert all(future.result() for future in futures.values())
"""


def time_floor(bootstrap: str) -> float:
    """Median wall seconds of the FLOOR process (see time_command)."""
    walls = []
    for _ in range(RUNS):
        done = subprocess.run([sys.executable, "-c", LAUNCHER, sys.executable, "-c", FLOOR,
                               bootstrap], capture_output=True, text=True, check=True)
        code, wall, _ = done.stdout.split()
        if code != "0":
            raise SystemExit(f"the floor process failed: {done.stderr.strip()[-300:]}")
        walls.append(float(wall))
    return statistics.median(walls)


def time_plan(env: Path, *args: str) -> tuple[int, float, float]:
    """(exit code, median wall seconds, peak RSS MB) of `kafkaform plan` (see time_command)."""
    return time_command("plan", str(env), "--detailed-exitcode", *args)


def time_command(*args: str) -> tuple[int, float, float]:
    """(exit code, median wall seconds, largest peak RSS MB) of RUNS `kafkaform ...` processes.

    The median of a few runs, because one run on a shared two-core machine
    swings by a third.
    """
    command = [sys.executable, "-m", "kafkaform", *args]
    runs = []
    for _ in range(RUNS):
        done = subprocess.run([sys.executable, "-c", LAUNCHER, *command], capture_output=True,
                              text=True, check=True)
        code, wall, peak_kib = done.stdout.split()
        if code != "0":
            print(f"  {args[0]} exited {code}: "
                  f"{' / '.join(done.stderr.strip().splitlines()[-3:])}", file=sys.stderr)
            return int(code), float(wall), int(peak_kib) / 1024
        runs.append((float(wall), int(peak_kib) / 1024))  # ru_maxrss is KiB on Linux
    return 0, statistics.median(w for w, _ in runs), max(p for _, p in runs)


def bench_validate(n: int, work: Path) -> Row:
    env = write_environment(work / f"validate-{n}", n, rf=3)
    return Row("validate", n, n * PARTITIONS, 0.0, *time_command("validate", str(env)))


def bench_memory(n: int, work: Path) -> Row:
    start = time.perf_counter()
    cluster = MemoryCluster(3)
    brokers = [1, 2, 3]
    for i, name in enumerate(topic_names(n)):
        assignment = [[brokers[(i + p + r) % 3] for r in range(3)] for p in range(PARTITIONS)]
        cluster.add_topic(name, assignment, CONFIGS)
    snapshot = work / f"memory-{n}.json"
    write_snapshot(observe(cluster), snapshot)
    setup = time.perf_counter() - start
    env = write_environment(work / f"memory-{n}", n, rf=3)
    return Row("memory", n, n * PARTITIONS, setup, *time_plan(env, "--snapshot", str(snapshot)))


def create_topics(bootstrap: str, names: list[str], partitions: int, rf: int, total: int) -> float:
    """Create topics in batches; seconds until `total` benchmark topics are listed."""
    start = time.perf_counter()
    admin = KafkaClusterAdmin(bootstrap, timeout_seconds=300)
    try:
        for i in range(0, len(names), CREATE_BATCH):
            batch = [NewTopic(t, partitions, rf, CONFIGS) for t in names[i:i + CREATE_BATCH]]
            failed = {t: e for t, e in admin.create_topics(batch).items() if e}
            if failed:
                raise SystemExit(f"creating topics failed: {next(iter(failed.items()))}")
        # Until every broker asked knows every topic: Kafka's brokers learn of
        # new topics asynchronously, and a plan timed before that would find
        # "missing" topics (and the floor would fail on unknown ones).
        wanted = topic_names(total)
        while len([t for t in admin.list_topics() if t.startswith("bench.")]) < total or \
                len(admin.describe_topic_configs(wanted)) < total:
            time.sleep(0.5)
    finally:
        admin.close()
    return time.perf_counter() - start


def bench_tansu(n: int, work: Path) -> Row:
    env = write_environment(work / f"tansu-{n}", n, rf=1)
    with LocalBroker() as broker:
        setup = create_topics(broker.bootstrap, topic_names(n), PARTITIONS, 1, n)
        plan = time_plan(env, "--bootstrap-server", broker.bootstrap)
        return Row("tansu", n, n * PARTITIONS, setup, *plan, time_floor(broker.bootstrap))


def bench_kafka(sizes: list[int], work: Path) -> list[Row]:
    """One cluster for every size: topics are added up to each size in turn."""
    rows = []
    with LocalKafka(brokers=3, heap_mb=1024, startup_timeout=300) as kafka:
        created = 0
        for n in sorted(sizes):
            print(f"kafka, {n} topics ...", file=sys.stderr)
            env = write_environment(work / f"kafka-{n}", n, rf=3, partitions=1)
            setup = create_topics(kafka.bootstrap, topic_names(n)[created:], 1, 3, n)
            created = n
            plan = time_plan(env, "--bootstrap-server", kafka.bootstrap)
            rows.append(Row("kafka", n, n, setup, *plan, time_floor(kafka.bootstrap)))
    return rows


def print_table(rows: list[Row]) -> None:
    print()
    print(f"{'case':<8} {'topics':>7} {'partitions':>10} {'setup s':>8} {'exit':>4} "
          f"{'wall s':>7} {'floor s':>7} {'ratio':>6} {'peak MB':>8}  target (10k topics: "
          f"<= {TARGET_SECONDS:g} s, <= {TARGET_MB} MB)")
    for r in rows:
        verdict = ""
        if r.case in ("tansu", "kafka") and r.topics >= 10_000:
            ok = r.exit_code == 0 and r.wall_s <= TARGET_SECONDS and r.peak_mb <= TARGET_MB
            verdict = "met" if ok else "MISSED"
        floor = f"{r.floor_s:>7.2f} {r.wall_s / r.floor_s:>6.2f}" if r.floor_s else f"{'':>14}"
        print(f"{r.case:<8} {r.topics:>7} {r.partitions:>10} {r.setup_s:>8.1f} "
              f"{r.exit_code:>4} {r.wall_s:>7.2f} {floor} {r.peak_mb:>8.0f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated topic counts")
    parser.add_argument("--no-tansu", action="store_true", help="leave out the Tansu rows")
    parser.add_argument("--no-kafka", action="store_true", help="leave out the Apache Kafka rows")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="kafkaform-bench-") as tmp:
        work = Path(tmp)
        for n in sizes:
            print(f"validate, {n} topics ...", file=sys.stderr)
            rows.append(bench_validate(n, work))
        for n in sizes:
            print(f"memory, {n} topics ...", file=sys.stderr)
            rows.append(bench_memory(n, work))
        if not options.no_tansu:
            for n in sizes:
                print(f"tansu, {n} topics ...", file=sys.stderr)
                rows.append(bench_tansu(n, work))
        if not options.no_kafka:
            rows.extend(bench_kafka(sizes, work))
    print_table(rows)


if __name__ == "__main__":
    main()
