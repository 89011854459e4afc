"""Placement benchmark: what `kafkaform.core.placement.place` (the function plan,
apply and reassign generate call) copies, against the fewest copies possible
and against Kafka's own --generate.

    python benchmarks/placement.py

For each scenario, single changes and combined ones, at about 1,000 and
100,000 partitions, it prints the replica copies (a replica on a broker that
did not hold it), the lower bound (`placement.lower_bound`: exact without
rebalance; with rebalance, what ±1 of the mean per topic and cluster-wide
forces), their ratio, the replica and leader spread (max - min per broker)
of the worst topic and of the whole cluster afterwards, partitions short of
rack spread, and the planning CPU time (CPU rather than wall time, which
swings with other load on a shared machine), with automatic garbage
collection off as in the kafkaform command (`kafkaform.run.process`). A second table times leader
balancing alone on many small topics, each run in a subprocess so a slow
run reports 'timeout' instead of hanging.

Baseline, kafka --generate: what `kafka-reassign-partitions --generate`
proposes, computed by Kafka's own code from the jars of the newest release
(tools/KafkaGenerate.java calls ReassignPartitionsCommand.calculateAssignment,
the step --generate runs once it has read the cluster; in Kafka 4.x that is
the KRaft controller's StripedReplicaPlacer): a fresh assignment per topic
over the target brokers, ignoring where replicas are now. --generate keeps a
topic's replication factor, so for an RF change it is asked for the topic at
the new RF. The jars are fetched with Maven on first use
(kafkaform.cluster.local_kafka); without Java or Maven the column says why.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from kafkaform.cluster.local_kafka import (  # noqa: E402
    DEFAULT_KAFKA_VERSION,
    java_executable,
    kafka_jars,
)
from kafkaform.core.placement import (  # noqa: E402
    RackLayout,
    balance_leaders,
    count_leader_changes,
    count_moves,
    lower_bound,
    place,
)
from kafkaform.core.placement.kafka_default import assign_replicas  # noqa: E402
from kafkaform.errors import KafkaformError  # noqa: E402
from kafkaform.run.process import tune_garbage_collection  # noqa: E402

Cluster = dict[str, list[list[int]]]
SEED = 20240611


@dataclass
class Scenario:
    """A placement request exactly as `place` takes it."""

    name: str
    before: Cluster
    brokers: dict[int, str | None]  # every broker, leaving ones included
    replication: dict[str, int] = field(default_factory=dict)
    spread: set[str] = field(default_factory=set)
    leaving: set[int] = field(default_factory=set)
    rebalance: bool = False

    @property
    def allowed(self) -> dict[int, str | None]:
        return {b: r for b, r in self.brokers.items() if b not in self.leaving}

    def request(self) -> dict:
        return {"replication": self.replication, "spread": self.spread,
                "leaving": self.leaving, "rebalance": self.rebalance}


@dataclass
class Outcome:
    copies: int
    replica_spread: tuple[int, int]  # worst topic, cluster
    leader_spread: tuple[int, int]
    short_of_racks: int
    seconds: float


def brokers_on_racks(ids: range, racks: str) -> dict[int, str | None]:
    return {b: f"rack-{racks[i % len(racks)]}" for i, b in enumerate(ids)}


def kafka_topics(
    topics: int, size: int, rf: int, brokers: Mapping[int, str | None], rng: random.Random
) -> Cluster:
    """Topics as Kafka created them (random start index per topic, seeded)."""
    return {
        f"topic-{i:04d}": assign_replicas(size, rf, dict(brokers),
                                          start_index=rng.randrange(len(brokers)))
        for i in range(topics)
    }


GENERATE = Path(__file__).resolve().parents[1] / "tools" / "KafkaGenerate.java"


def kafka_generate(scenarios: Sequence[Scenario]) -> list[Cluster] | str:
    """--generate's proposal for every scenario, from one JVM; or why not."""
    try:
        libs = kafka_jars(DEFAULT_KAFKA_VERSION)
        java = java_executable()
    except KafkaformError as error:
        return f"n/a: {error}"
    requests = []
    for scenario in scenarios:
        # Replica lists at the target RF: --generate reads only their length.
        topics = {topic: [[0] * scenario.replication.get(topic, len(parts[0]))] * len(parts)
                  for topic, parts in scenario.before.items()}
        brokers = [{"id": b, "rack": r} for b, r in sorted(scenario.allowed.items())]
        requests.append({"brokers": brokers, "topics": topics})
    done = subprocess.run([java, "--class-path", f"{libs}/*", str(GENERATE)],
                          input=json.dumps(requests), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"n/a: KafkaGenerate failed: {done.stderr.strip()[-200:]}"
    return json.loads(done.stdout)


def spreads(after: Cluster, brokers: Sequence[int], leaders: bool) -> tuple[int, int]:
    total: Counter = Counter(dict.fromkeys(brokers, 0))
    worst = 0
    for parts in after.values():
        counts: Counter = Counter(dict.fromkeys(brokers, 0))
        for replicas in parts:
            counts.update(replicas[:1] if leaders else replicas)
        worst = max(worst, max(counts.values()) - min(counts.values()))
        total.update(counts)
    return worst, max(total.values()) - min(total.values())


def measure(scenario: Scenario, after: Cluster, seconds: float) -> Outcome:
    allowed = scenario.allowed
    layout = RackLayout(allowed)
    short = sum(layout.missing(r) > 0 for t in scenario.spread for r in after[t])
    return Outcome(
        sum(count_moves(scenario.before[t], after[t]) for t in after),
        spreads(after, sorted(allowed), leaders=False),
        spreads(after, sorted(allowed), leaders=True),
        short,
        seconds,
    )


def run_kafkaform(scenario: Scenario) -> Outcome:
    started = time.process_time()
    after = place(scenario.before, scenario.brokers, **scenario.request())
    return measure(scenario, after, time.process_time() - started)


def rf_increase(size: str, topics: int, parts: int, nbrokers: int, racks: str) -> Scenario:
    brokers = brokers_on_racks(range(1, nbrokers + 1), racks)
    before = kafka_topics(topics, parts, 2, brokers, random.Random(SEED))
    return Scenario(f"RF 2→3 ({size}, {nbrokers} brokers / {len(racks)} racks)", before,
                    brokers, replication=dict.fromkeys(before, 3), spread=set(before))


def add_brokers(size: str, topics: int, parts: int, old: int, new: int, racks: str,
                rf_to: int | None = None) -> Scenario:
    old_brokers = brokers_on_racks(range(1, old + 1), racks)
    brokers = {**old_brokers, **brokers_on_racks(range(old + 1, old + new + 1), racks)}
    rf = 2 if rf_to else 3
    before = kafka_topics(topics, parts, rf, old_brokers, random.Random(SEED))
    name = f"add {new} brokers to {old}, rebalance ({size})"
    if rf_to:
        name = f"RF 2→3 + add {new} brokers to {old} + rebalance ({size})"
    return Scenario(name, before, brokers, spread=set(before), rebalance=True,
                    replication=dict.fromkeys(before, rf_to) if rf_to else {})


def decommission(size: str, topics: int, parts: int, nbrokers: int, racks: str,
                 rebalance: bool = False, new: int = 0) -> Scenario:
    everyone = brokers_on_racks(range(1, nbrokers + 1), racks)
    before = kafka_topics(topics, parts, 3, everyone, random.Random(SEED))
    # New brokers join the leaving broker's rack: a broker replaced by another.
    brokers = {**everyone, **dict.fromkeys(range(nbrokers + 1, nbrokers + new + 1),
                                           everyone[nbrokers])}
    name = f"decommission 1 of {nbrokers} ({size}, {len(racks)} racks)"
    if new:
        name = (f"--broker-list: 1 of {nbrokers} out, {new} new on its rack, "
                f"rebalance ({size})")
    elif rebalance:
        name = f"decommission 1 of {nbrokers} + rebalance ({size}, {len(racks)} racks)"
    return Scenario(name, before, brokers, spread=set(before), leaving={nbrokers},
                    rebalance=rebalance or bool(new))


def add_rack(size: str, topics: int, parts: int, per_rack: int) -> Scenario:
    two_racks = brokers_on_racks(range(1, 2 * per_rack + 1), "ab")
    brokers = {**two_racks, **brokers_on_racks(range(2 * per_rack + 1, 3 * per_rack + 1), "c")}
    before = kafka_topics(topics, parts, 3, two_racks, random.Random(SEED))
    return Scenario(f"rack spread after adding a 3rd rack ({size})", before, brokers,
                    spread=set(before))


def scenarios() -> list[Scenario]:
    small, big = "1,000 partitions", "100,000 partitions"
    return [
        rf_increase(small, 10, 100, 6, "abc"),
        rf_increase(big, 100, 1000, 50, "abcde"),
        decommission(small, 10, 100, 9, "abc"),
        decommission(big, 100, 1000, 50, "abcde"),
        add_rack(small, 10, 100, 3),
        add_rack(big, 100, 1000, 15),
        add_brokers(small, 10, 100, 6, 3, "abc"),
        add_brokers(big, 100, 1000, 45, 5, "abcde"),
        add_brokers(small, 10, 100, 6, 3, "abc", rf_to=3),
        add_brokers(big, 100, 1000, 45, 5, "abcde", rf_to=3),
        decommission(small, 10, 100, 9, "abc", rebalance=True),
        decommission(big, 100, 1000, 50, "abcde", rebalance=True),
        decommission(small, 10, 100, 8, "abcd", new=1),
        decommission(big, 100, 1000, 50, "abcde", new=1),
    ]


LEADER_STRESS_TIMEOUT = 120  # seconds


def skewed_leaders(ntopics: int, nbrokers: int, size: int, rf: int) -> Cluster:
    """Topics whose leaders all sit on the first half of the brokers,
    followers drawn from all of them (seeded)."""
    rng = random.Random(SEED)
    ids = list(range(1, nbrokers + 1))
    half = ids[: nbrokers // 2]
    cluster = {}
    for i in range(ntopics):
        parts = []
        for _ in range(size):
            leader = rng.choice(half)
            parts.append([leader, *rng.sample([b for b in ids if b != leader], rf - 1)])
        cluster[f"topic-{i:05d}"] = parts
    return cluster


def leader_spread(cluster: Cluster, brokers: Mapping[int, str | None]) -> Counter:
    leaders: Counter = Counter(dict.fromkeys(brokers, 0))
    leaders.update(parts[0] for topic in cluster.values() for parts in topic)
    return leaders


def leader_stress(ntopics: int) -> dict[str, float | int]:
    """balance_leaders on `ntopics` topics × 10 partitions, RF 3, 50 brokers / 5 racks."""
    brokers = brokers_on_racks(range(1, 51), "abcde")
    before = skewed_leaders(ntopics, 50, 10, 3)
    started = time.process_time()
    after = balance_leaders(before, brokers)
    seconds = time.process_time() - started
    leaders_before = leader_spread(before, brokers)
    leaders_after = leader_spread(after, brokers)
    ceiling = -(-sum(leaders_before.values()) // len(brokers))
    return {
        "changes": sum(count_leader_changes(before[t], after[t]) for t in before),
        "lower_bound": sum(max(0, n - ceiling) for n in leaders_before.values()),
        "spread_before": max(leaders_before.values()) - min(leaders_before.values()),
        "spread_after": max(leaders_after.values()) - min(leaders_after.values()),
        "seconds": seconds,
    }


def leader_stress_table() -> Table:
    table = Table(title="leader balance on many small topics (balance_leaders)", show_lines=True)
    for column in (
        "scenario",
        "leader changes",
        "lower bound",
        "leader spread before",
        "leader spread after",
        "plan time",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for ntopics in (1_000, 10_000):
        name = f"{ntopics:,} topics × 10 partitions, RF 3, 50 brokers, leaders skewed onto 25"
        try:
            child = subprocess.run(
                [sys.executable, __file__, "--leader-stress", str(ntopics)],
                capture_output=True,
                text=True,
                check=True,
                timeout=LEADER_STRESS_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            table.add_row(name, "", "", "", "", f"timeout (> {LEADER_STRESS_TIMEOUT} s)")
            continue
        out = json.loads(child.stdout)
        table.add_row(
            name,
            f"{out['changes']:,}",
            f"{out['lower_bound']:,}",
            str(out["spread_before"]),
            str(out["spread_after"]),
            f"{out['seconds']:.3f} s",
        )
    return table


def main() -> None:
    table = Table(title="kafkaform placement (place, as plan/apply/reassign generate run it)",
                  show_lines=True)
    for column in ("scenario", "copies", "lower bound", "ratio", "replica spread topic/all",
                   "leader spread topic/all", "short of racks", "plan time",
                   "kafka --generate copies"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    cases = scenarios()
    generated = kafka_generate(cases)
    for index, scenario in enumerate(cases):
        out = run_kafkaform(scenario)
        bound = lower_bound(scenario.before, scenario.brokers, **scenario.request())
        ratio = f"{out.copies / bound:.2f}" if bound else ("1.00" if not out.copies else "∞")
        if isinstance(generated, str):
            kafka = generated
        else:
            proposal = generated[index]
            kafka = f"{sum(count_moves(scenario.before[t], proposal[t]) for t in proposal):,}"
        table.add_row(
            scenario.name,
            f"{out.copies:,}",
            f"{bound:,}",
            ratio,
            "{} / {}".format(*out.replica_spread),
            "{} / {}".format(*out.leader_spread),
            f"{out.short_of_racks:,}",
            f"{out.seconds:.3f} s",
            kafka,
        )
    console = Console(width=200)
    console.print(table)
    console.print(leader_stress_table())
    console.print(NOTES)


NOTES = """\
Notes:
- lower bound: without rebalance, the replicas each partition cannot keep (on a
  leaving broker, missing for the replication factor, or ruled out by rack spread):
  exact. With rebalance, also what ±1 of the mean per topic and cluster-wide forces
  (kafkaform.core.placement.bounds.lower_bound). The integer-programming comparison in
  tests/core/placement/test_optimal.py checks the exact optimum on small clusters.
- the bound only counts replicas per broker, not which partitions can reach which
  broker without breaking rack spread, so it can be short of the optimum: the
  integer program of tests/core/placement/optimum.py (minutes at this size) finds 395
  the optimum for the 1,000-partition --broker-list row (bound 392), 1,007 for the
  1,000-partition RF 2→3 + add 3 brokers + rebalance row (bound 1,006), and 583 for
  --broker-list with the new broker on another rack (bound 392): a partition that
  already uses the new broker's rack cannot hand it a replica directly.
- decommission 1 of 9 on 3 racks with RF 3: every partition keeps one replica on the
  rack that lost a broker, so its 2 remaining brokers hold half the partitions each
  while the others hold a third: rack spread forces that replica spread.
- leaders are evened out by reordering replicas (no copy) after every change, not
  only with rebalance.
- leader balance: the lower bound is the leaderships above ceil(mean) per broker;
  kafkaform also keeps every topic's own leaders balanced first, which can cost
  more changes than the cluster-wide bound."""


if __name__ == "__main__":
    # As the kafkaform command runs (`kafkaform.cli.main`): without the cyclic
    # collector's passes over the placement's millions of live objects.
    tune_garbage_collection()
    if sys.argv[1:2] == ["--leader-stress"]:
        print(json.dumps(leader_stress(int(sys.argv[2]))))
    else:
        main()
