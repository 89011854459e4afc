"""Placement benchmark: replica moves of kafkaform's planner against baselines.

    python benchmarks/placement.py

For each scenario it prints replica moves (copies to a broker that did not
hold the replica), the scenario's lower bound, their ratio, the per-broker
replica and leader spread (max - min over all brokers) afterwards, the
partitions left breaking rack spread, and planning CPU time (CPU rather than
wall time, which swings with other load on a shared machine). A second
table times leader balancing alone on many small topics, each run in a
subprocess so a slow run reports 'timeout' instead of hanging. Baselines:

- kafka --generate: `kafka-reassign-partitions.sh --generate`, i.e. a fresh
  rack-aware round-robin assignment per topic over the target brokers
  (AdminUtils.assignReplicasToBrokers, random start index, seeded here),
  ignoring where replicas are now.
- random: terraform-provider-kafka's replication-factor change (keep the
  current replicas, append brokers drawn uniformly from those not in the
  partition; truncate to shrink), extended to the other scenarios by drawing
  a random broker for each replica that must move. It has no rebalance.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from kafkaform.core.placement import (  # noqa: E402
    RackLayout,
    across_topics,
    balance_leaders,
    count_leader_changes,
    count_moves,
    decommission,
    lower_bound_decommission,
    lower_bound_rebalance,
    lower_bound_rf_change,
    lower_bound_spread,
    rebalance,
    set_replication_factor,
    spread_racks,
)
from kafkaform.core.placement.kafka_default import assign_replicas  # noqa: E402

Cluster = dict[str, list[list[int]]]
SEED = 20240611


@dataclass
class Scenario:
    name: str
    before: Cluster
    brokers: dict[int, str | None]  # brokers after the change
    lower_bound: int
    kafkaform: Callable[[], Cluster]
    generate: Callable[[], Cluster]
    random: Callable[[], Cluster] | None


@dataclass
class Outcome:
    moves: int
    replica_spread: int
    leader_spread: int
    rack_violations: int
    seconds: float


def brokers_on_racks(ids: range, racks: str) -> dict[int, str | None]:
    return {b: f"rack-{racks[i % len(racks)]}" for i, b in enumerate(ids)}


def kafka_topics(
    sizes: Sequence[int], rf: int, brokers: dict[int, str | None], rng: random.Random
) -> Cluster:
    """Topics as Kafka created them (random start index per topic, seeded)."""
    return {
        f"topic-{i:04d}": assign_replicas(
            size, rf, brokers, start_index=rng.randrange(len(brokers))
        )
        for i, size in enumerate(sizes)
    }


def generate(cluster: Cluster, rf: Mapping[str, int], brokers: dict[int, str | None]) -> Cluster:
    """--generate draws its own random start index, unrelated to the topic's creation."""
    rng = random.Random(SEED + 1)
    return {
        topic: assign_replicas(
            len(parts), rf[topic], brokers, start_index=rng.randrange(len(brokers))
        )
        for topic, parts in cluster.items()
    }


def random_replace(
    cluster: Cluster,
    brokers: dict[int, str | None],
    must_move: Callable[[list[int]], list[int]],
    rf: int | None = None,
) -> Cluster:
    """Replace the positions `must_move` names, then grow to `rf`, with random brokers."""
    rng = random.Random(SEED)
    ids = sorted(brokers)
    result = {}
    for topic, parts in cluster.items():
        out = []
        for replicas in parts:
            target = list(replicas)
            for position in must_move(target):
                target[position] = rng.choice([b for b in ids if b not in target])
            while rf is not None and len(target) < rf:
                target.append(rng.choice([b for b in ids if b not in target]))
            out.append(target)
        result[topic] = out
    return result


def per_topic(
    before: Cluster, brokers: dict[int, str | None], change: Callable[..., list[list[int]]]
) -> Callable[[], Cluster]:
    """kafkaform's per-topic change across the cluster (load shared between
    topics), then preferred leaders rebalanced by reordering (no copies)."""
    return lambda: balance_leaders(across_topics(before, change), brokers)


def crowded_positions(layout: RackLayout) -> Callable[[list[int]], list[int]]:
    def positions(replicas: list[int]) -> list[int]:
        cap = layout.max_per_rack(len(replicas))
        seen: Counter = Counter()
        crowded = []
        for position, broker in enumerate(replicas):
            seen[layout.rack(broker)] += 1
            if seen[layout.rack(broker)] > cap:
                crowded.append(position)
        return crowded

    return positions


def measure(scenario: Scenario, plan: Callable[[], Cluster]) -> Outcome:
    started = time.process_time()
    after = plan()
    seconds = time.process_time() - started
    layout = RackLayout(scenario.brokers)
    replicas: Counter = Counter(dict.fromkeys(scenario.brokers, 0))
    leaders: Counter = Counter(dict.fromkeys(scenario.brokers, 0))
    violations = 0
    for parts in after.values():
        for part in parts:
            replicas.update(b for b in part if b in replicas)
            if part[0] in leaders:
                leaders[part[0]] += 1
            violations += layout.excess(part) > 0
    moves = sum(count_moves(scenario.before[t], after[t]) for t in after)
    return Outcome(
        moves,
        max(replicas.values()) - min(replicas.values()),
        max(leaders.values()) - min(leaders.values()),
        violations,
        seconds,
    )


def rf_increase(name: str, sizes: Sequence[int], nbrokers: int, racks: str) -> Scenario:
    brokers = brokers_on_racks(range(1, nbrokers + 1), racks)
    before = kafka_topics(sizes, 2, brokers, random.Random(SEED))
    return Scenario(
        name,
        before,
        brokers,
        sum(lower_bound_rf_change(parts, 3) for parts in before.values()),
        per_topic(
            before, brokers, lambda cur, load: set_replication_factor(cur, 3, brokers, load=load)
        ),
        lambda: generate(before, dict.fromkeys(before, 3), brokers),
        lambda: random_replace(before, brokers, lambda r: [], rf=3),
    )


def add_brokers(name: str, sizes: Sequence[int], old: int, new: int, racks: str) -> Scenario:
    old_brokers = brokers_on_racks(range(1, old + 1), racks)
    brokers = {**old_brokers, **brokers_on_racks(range(old + 1, old + new + 1), racks)}
    before = kafka_topics(sizes, 3, old_brokers, random.Random(SEED))
    return Scenario(
        name,
        before,
        brokers,
        lower_bound_rebalance(before, brokers),
        lambda: rebalance(before, brokers),
        lambda: generate(before, dict.fromkeys(before, 3), brokers),
        None,
    )


def remove_broker(name: str, sizes: Sequence[int], nbrokers: int, racks: str) -> Scenario:
    everyone = brokers_on_racks(range(1, nbrokers + 1), racks)
    gone = {nbrokers}
    brokers = {b: r for b, r in everyone.items() if b not in gone}
    before = kafka_topics(sizes, 3, everyone, random.Random(SEED))
    return Scenario(
        name,
        before,
        brokers,
        sum(lower_bound_decommission(parts, gone) for parts in before.values()),
        per_topic(before, brokers, lambda cur, load: decommission(cur, gone, everyone, load=load)),
        lambda: generate(before, dict.fromkeys(before, 3), brokers),
        lambda: random_replace(
            before, brokers, lambda r: [i for i, b in enumerate(r) if b in gone]
        ),
    )


def add_rack(name: str, sizes: Sequence[int]) -> Scenario:
    two_racks = brokers_on_racks(range(1, 7), "ab")
    brokers = {**two_racks, **brokers_on_racks(range(7, 10), "c")}
    before = kafka_topics(sizes, 3, two_racks, random.Random(SEED))
    layout = RackLayout(brokers)
    return Scenario(
        name,
        before,
        brokers,
        sum(lower_bound_spread(parts, brokers) for parts in before.values()),
        per_topic(before, brokers, lambda cur, load: spread_racks(cur, brokers, load=load)),
        lambda: generate(before, dict.fromkeys(before, 3), brokers),
        lambda: random_replace(before, brokers, crowded_positions(layout)),
    )


def scenarios() -> list[Scenario]:
    rng = random.Random(SEED)
    mixed = [rng.choice((6, 12, 24, 48, 100)) for _ in range(40)]  # ~1,600 partitions
    big = [1000] * 100  # 100,000 partitions
    n = f"{sum(mixed):,} partitions, 40 topics, RF 3"
    return [
        rf_increase("RF 2→3: 1,000 partitions, 6 brokers / 3 racks", [1000], 6, "abc"),
        add_brokers(f"add 3 brokers to 6 (rebalance; {n}, 3 racks)", mixed, 6, 3, "abc"),
        remove_broker(f"decommission 1 of 9 ({n}, 3 racks)", mixed, 9, "abc"),
        add_rack(f"rack spread after adding a 3rd rack ({n}, 6+3 brokers)", mixed),
        rf_increase(
            "100,000 partitions: RF 2→3, 50 brokers / 5 racks, 100 topics", big, 50, "abcde"
        ),
        add_brokers(
            "100,000 partitions: rebalance 45→50 brokers / 5 racks, RF 3", big, 45, 5, "abcde"
        ),
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
    table = Table(title="kafkaform placement vs baselines", show_lines=True)
    for column in (
        "scenario",
        "planner",
        "replica moves",
        "lower bound",
        "ratio",
        "replica spread",
        "leader spread",
        "rack violations",
        "plan time",
    ):
        table.add_column(column, justify="left" if column in ("scenario", "planner") else "right")
    for scenario in scenarios():
        planners = [("kafkaform", scenario.kafkaform), ("kafka --generate", scenario.generate)]
        if scenario.random is not None:
            planners.append(("random (terraform)", scenario.random))
        for index, (label, plan) in enumerate(planners):
            out = measure(scenario, plan)
            bound = scenario.lower_bound
            ratio = f"{out.moves / bound:.2f}" if bound else ("1.00" if not out.moves else "∞")
            table.add_row(
                scenario.name if index == 0 else "",
                label,
                f"{out.moves:,}",
                f"{bound:,}",
                ratio,
                str(out.replica_spread),
                str(out.leader_spread),
                f"{out.rack_violations:,}",
                f"{out.seconds:.3f} s",
            )
    console = Console(width=200)
    console.print(table)
    console.print(leader_stress_table())
    console.print(NOTES)


NOTES = """\
Notes:
- decommission 1 of 9: with RF 3 on 3 racks every partition keeps one replica on
  the rack that lost a broker, so its 2 remaining brokers must hold half of the
  partitions each while the others hold a third: a replica spread of ~P/6 is forced
  by rack spread. kafkaform gives those two brokers equal shares and leaves every
  other replica where it was (so the other racks keep Kafka's original unevenness;
  `rebalance` would even them out, within each rack, at extra copies).
- kafkaform rows for RF change, decommission and rack spread also rebalance
  preferred leaders by reordering replicas (balance_leaders), which copies nothing.
- lower bounds: RF change = missing replicas; decommission = replicas on the removed
  broker; rack spread = replicas above their rack's cap; rebalance = max(Σ per-topic,
  cluster) of max(replicas above ceil(mean), replicas missing below floor(mean)),
  per rack when racks lock replicas in place (see kafkaform.core.placement.bounds).
- leader balance: the lower bound is the leaderships above ceil(mean) per broker;
  kafkaform also keeps every topic's own leaders balanced first, which can cost
  more changes than the cluster-wide bound."""


if __name__ == "__main__":
    if sys.argv[1:2] == ["--leader-stress"]:
        print(json.dumps(leader_stress(int(sys.argv[2]))))
    else:
        main()
