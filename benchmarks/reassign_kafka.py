"""Reassignment benchmark on real Apache Kafka: elapsed time against the throttle's floor.

    python benchmarks/reassign_kafka.py [--megabytes 60] [--throttle 1MiB,2MiB]

Starts a racked 3-broker Kafka cluster on loopback (`kafkaform.cluster.local_kafka`,
Kafka's own jars), creates a topic of 3 partitions at replication factor 2,
produces N MB of incompressible records, and for each throttle T moves it to
replication factor 3 with `kafkaform reassign execute` (the command a user
runs, in a subprocess: lock, gate, throttles, batches, verification,
cleanup, preferred leader election), then back to RF 2 for the next row.

Per row it prints:
- elapsed: the whole `reassign execute` command, start to exit;
- copy: first to last byte on the receiving brokers' disks (sampled every 0.1 s);
- busiest broker: the most bytes one broker receives or sends, from the
  official `kafka-log-dirs --describe` after the move (Kafka's throttle limits
  each broker's replication in and out, so this broker sets the pace);
- floor = busiest ÷ T, and the ratios elapsed ÷ floor (issue 10's target:
  <= 1.3) and copy ÷ floor;
- kafkaform's own time: elapsed - copy (process start, lock, gate, ledger,
  throttles, verification, cleanup, election, unlock), a constant per run
  that longer moves amortise.

The copy's own ratio is Kafka's throttling: a throttled replica is left out
of a fetch while the rate measured over `replication.quota.window.num` (11)
windows of `replication.quota.window.size.seconds` (1 s) is above the
throttle, and fetches come in chunks of up to `replica.fetch.max.bytes`
(1 MiB). The same move with only Kafka's follower throttle set by hand (no
kafkaform) copied at 1.19 × the floor on the machine these numbers come from.
About 1.5-2 minutes on two cores (half of it the cluster's start).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from confluent_kafka import Producer  # noqa: E402

from kafkaform.cluster.kafka import KafkaClusterAdmin  # noqa: E402
from kafkaform.cluster.local_kafka import DEFAULT_KAFKA_VERSION, LocalKafka  # noqa: E402
from kafkaform.core.requests import NewTopic  # noqa: E402
from kafkaform.core.units import parse_size_bytes  # noqa: E402

TOPIC = "bench.reassign"
RF2 = {0: [1, 2], 1: [2, 3], 2: [3, 1]}
RF3 = {0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1, 2]}
MiB = 1024 * 1024


def produce(bootstrap: str, megabytes: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 20,
                         "batch.size": 1_000_000})
    for index in range(megabytes * 1000):
        while True:
            try:
                producer.produce(TOPIC, os.urandom(1000), partition=index % 3)
                break
            except BufferError:
                producer.poll(0.1)
    if producer.flush(120):
        raise SystemExit("producing the data timed out")


def reassign(kafka: LocalKafka, folder: Path, target: dict[int, list[int]],
             throttle: str) -> float:
    """`kafkaform reassign execute` to `target`; its wall time."""
    file = folder / "reassignment.json"
    file.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": TOPIC, "partition": p, "replicas": r} for p, r in target.items()]}))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kafkaform", "reassign", "execute", str(file),
         "--bootstrap-server", kafka.bootstrap, "--throttle", throttle, "--poll-interval", "1"],
        capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"reassign execute failed:\n{done.stdout}{done.stderr}")
    return elapsed


def disk_bytes(kafka: LocalKafka, partition: int, broker: int) -> int:
    folder = kafka.nodes[broker].folder / "data" / f"{TOPIC}-{partition}"
    return sum(f.stat().st_size for f in folder.glob("*.log")) if folder.is_dir() else 0


def log_dir_sizes(kafka: LocalKafka) -> dict[tuple[int, int], int]:
    """(partition, broker) -> bytes, from the official kafka-log-dirs."""
    out = kafka.run_tool("kafka-log-dirs", "--bootstrap-server", kafka.bootstrap, "--describe",
                         "--topic-list", TOPIC).stdout
    data = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    return {(int(p["partition"].rsplit("-", 1)[1]), b["broker"]): p["size"]
            for b in data["brokers"] for d in b["logDirs"] for p in d["partitions"]
            if p["partition"].rsplit("-", 1)[0] == TOPIC}


def measure(kafka: LocalKafka, folder: Path, throttle: str) -> dict[str, float]:
    added = [(p, b) for p in RF3 for b in RF3[p] if b not in RF2[p]]
    samples: list[tuple[float, dict[tuple[int, int], int]]] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), {k: disk_bytes(kafka, *k) for k in added}))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        elapsed = reassign(kafka, folder, RF3, throttle)
    finally:
        stop.set()
        watcher.join()
    sizes = log_dir_sizes(kafka)
    final = samples[-1][1]
    start = max(t for t, s in samples if not any(s.values()))
    end = min(t for t, s in samples if s == final)
    received: dict[int, int] = {}
    sent: dict[int, int] = {}
    for p, broker in added:
        received[broker] = received.get(broker, 0) + sizes[(p, broker)]
        sent[RF2[p][0]] = sent.get(RF2[p][0], 0) + sizes[(p, broker)]
    busiest = max(*received.values(), *sent.values())
    floor = busiest / parse_size_bytes(throttle)
    reassign(kafka, folder, RF2, "off")  # back to RF 2 for the next row: drops replicas only
    return {"copied": sum(received.values()), "busiest": busiest, "elapsed": elapsed,
            "copy": end - start, "floor": floor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=60,
                        help="data produced before moving (MB, spread over 3 partitions)")
    parser.add_argument("--throttle", default="1MiB,2MiB",
                        help="comma-separated throttles, one row each")
    parser.add_argument("--kafka-version", default=DEFAULT_KAFKA_VERSION)
    args = parser.parse_args()
    throttles = [t.strip() for t in args.throttle.split(",") if t.strip()]

    print(f"starting Apache Kafka {args.kafka_version} (3 brokers) ...", file=sys.stderr)
    with LocalKafka(brokers=3, version=args.kafka_version) as kafka:
        admin = KafkaClusterAdmin(kafka.bootstrap, timeout_seconds=30)
        try:
            error = admin.create_topics([NewTopic(TOPIC, 3, 2, assignment=tuple(
                tuple(r) for r in RF2.values()))])[TOPIC]
            if error is not None:
                raise SystemExit(f"creating {TOPIC}: {error}")
        finally:
            admin.close()
        print(f"producing {args.megabytes} MB ...", file=sys.stderr)
        produce(kafka.bootstrap, args.megabytes)
        rows = []
        for throttle in throttles:
            print(f"RF 2 -> 3 at {throttle}/s ...", file=sys.stderr)
            rows.append((throttle, measure(kafka, kafka.workdir, throttle)))

    print()
    print(f"Apache Kafka {args.kafka_version}, 3 brokers on loopback, topic of 3 partitions "
          "RF 2 -> 3 (rack-spread), kafkaform reassign execute --poll-interval 1")
    print(f"{'throttle':>9} {'copied':>9} {'busiest':>9} {'floor s':>8} {'elapsed s':>9} "
          f"{'ratio':>6} {'copy s':>7} {'ratio':>6} {'kafkaform s':>11}")
    for throttle, r in rows:
        print(f"{throttle + '/s':>9} {r['copied'] / MiB:>7.1f}Mi {r['busiest'] / MiB:>7.1f}Mi "
              f"{r['floor']:>8.1f} {r['elapsed']:>9.1f} {r['elapsed'] / r['floor']:>6.2f} "
              f"{r['copy']:>7.1f} {r['copy'] / r['floor']:>6.2f} "
              f"{r['elapsed'] - r['copy']:>11.1f}")
    print("floor = busiest broker's bytes (received or sent) ÷ throttle; ratio = elapsed ÷ "
          "floor (target <= 1.3); copy = first to last byte on disk; kafkaform = elapsed - copy")


if __name__ == "__main__":
    main()
