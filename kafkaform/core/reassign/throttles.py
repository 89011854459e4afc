"""Replication throttles: what to set, merged with others', and what to undo.

Computed as `ReassignPartitionsCommand` does (calculateProposedMoveMap,
calculateLeaderThrottles, calculateFollowerThrottles, modifyInterBrokerThrottle):
for each moving partition, `sources` are its current replicas (for a move
already in flight: its replicas minus the adding ones) and `destinations` the
target replicas not among the sources. Then, per topic,
`leader.replication.throttled.replicas` lists "partition:broker" for every
source and `follower.replication.throttled.replicas` for every destination,
and every source or destination broker gets `leader.replication.throttled.rate`
and `follower.replication.throttled.rate`.

Where we differ on purpose: the official tool overwrites the topic values and
its `--verify` deletes every throttle on the cluster. We add our entries to
whatever is there and remember, in a `ThrottleLedger`, exactly which entries
and rates we added, so cleanup removes those and nothing else. A broker rate
someone else set is left as it is (it already limits our moves). Partitions
whose replica set does not change (a leader reorder) copy no data and get no
throttle entries.

Everything here is pure; `ledger.py` stores the ledger and `execute.py` talks
to the cluster.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kafkaform.core.kafka_rules import FOLLOWER_REPLICAS, LEADER_REPLICAS
from kafkaform.core.observed import ConfigEntry, TopicPartition
from kafkaform.core.requests import ConfigOp, ConfigOpType

LEADER_RATE = "leader.replication.throttled.rate"
FOLLOWER_RATE = "follower.replication.throttled.rate"


def is_throttle_key(key: str) -> bool:
    """`*.replication.throttled.*`: reassignments set and clear these, never the files,
    so no plan, fingerprint or import treats them as drift or desired state."""
    return ".replication.throttled." in key
TOPIC_THROTTLE_KEYS = (LEADER_REPLICAS, FOLLOWER_REPLICAS)
BROKER_THROTTLE_KEYS = (LEADER_RATE, FOLLOWER_RATE)
# A topic throttle value of "*" throttles every replica of the topic.
WILDCARD = "*"


@dataclass(frozen=True)
class Movement:
    """Where one partition's data comes from and goes to."""

    sources: frozenset[int]
    destinations: frozenset[int]


def movement(current: Sequence[int], target: Sequence[int],
             adding: Sequence[int] = ()) -> Movement:
    """Sources and destinations of a move; `adding` are in-flight additions."""
    sources = frozenset(current) - frozenset(adding)
    return Movement(sources, frozenset(target) - sources)


@dataclass(frozen=True)
class Throttles:
    """The throttle entries a set of moves needs.

    `topics` maps topic -> config key -> "partition:broker" entries.
    """

    topics: dict[str, dict[str, frozenset[str]]]
    brokers: frozenset[int]


def compute_throttles(moves: Mapping[TopicPartition, Movement]) -> Throttles:
    """The official tool's leader/follower throttle lists and broker set."""
    topics: dict[str, dict[str, set[str]]] = {}
    brokers: set[int] = set()
    for tp, move in moves.items():
        if not move.destinations:
            continue
        entries = topics.setdefault(tp.topic, {LEADER_REPLICAS: set(), FOLLOWER_REPLICAS: set()})
        entries[LEADER_REPLICAS].update(f"{tp.partition}:{b}" for b in move.sources)
        entries[FOLLOWER_REPLICAS].update(f"{tp.partition}:{b}" for b in move.destinations)
        brokers |= move.sources | move.destinations
    return Throttles(
        {t: {k: frozenset(v) for k, v in keys.items()} for t, keys in topics.items()},
        frozenset(brokers),
    )


@dataclass(frozen=True)
class ThrottleLedger:
    """Exactly the throttles kafkaform set and has not removed yet.

    `topics`: topic -> config key -> entries we added; `brokers`: broker ->
    config key -> the rate we set. Persisted (ledger.py) before the configs
    are changed, so a crash can leave a claim on an entry that was never set,
    which cleanup then finds absent and skips, never the reverse.
    """

    topics: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    brokers: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.topics and not self.brokers

    @property
    def partitions(self) -> frozenset[TopicPartition]:
        """Partitions our topic entries throttle (to know when moves are over)."""
        return frozenset(
            TopicPartition(topic, int(entry.split(":")[0]))
            for topic, keys in self.topics.items()
            for entries in keys.values()
            for entry in entries
        )

    def to_json(self) -> str:
        return json.dumps({
            "version": 1,
            "topics": {t: {k: sorted(v, key=_entry_order) for k, v in keys.items()}
                       for t, keys in sorted(self.topics.items())},
            "brokers": {str(b): dict(keys) for b, keys in sorted(self.brokers.items())},
        }, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ThrottleLedger:
        data = json.loads(text)
        return cls(
            {t: {k: frozenset(v) for k, v in keys.items()} for t, keys in data["topics"].items()},
            {int(b): dict(keys) for b, keys in data["brokers"].items()},
        )


@dataclass(frozen=True)
class ThrottleChanges:
    """Config operations to send, and the ledger to persist before sending them."""

    topic_ops: dict[str, list[ConfigOp]]
    broker_ops: dict[int | None, list[ConfigOp]]
    ledger: ThrottleLedger


def add_throttles(
    wanted: Throttles,
    rate: int,
    topic_configs: Mapping[str, Mapping[str, ConfigEntry]],
    broker_configs: Mapping[int | None, Mapping[str, ConfigEntry]],
    ledger: ThrottleLedger,
) -> ThrottleChanges:
    """Merge `wanted` into the current throttle configs; extend the ledger.

    Entries already present stay (and are not claimed unless the ledger
    already claims them); a broker rate set by someone else is kept.
    """
    topics = {t: dict(keys) for t, keys in ledger.topics.items()}
    topic_ops: dict[str, list[ConfigOp]] = {}
    for topic, keys in sorted(wanted.topics.items()):
        for key, entries in keys.items():
            current = _value(topic_configs.get(topic, {}), key)
            if current == WILDCARD:
                continue
            present = parse_entries(current)
            added = entries - present
            if added:
                topic_ops.setdefault(topic, []).append(
                    ConfigOp(key, ConfigOpType.SET, format_entries(present | added))
                )
                claims = topics.setdefault(topic, {})
                claims[key] = claims.get(key, frozenset()) | added
    brokers = {b: dict(keys) for b, keys in ledger.brokers.items()}
    broker_ops: dict[int | None, list[ConfigOp]] = {}
    for broker in sorted(wanted.brokers):
        configs = broker_configs.get(broker, {})
        for key in BROKER_THROTTLE_KEYS:
            current = _value(configs, key)
            ours = brokers.get(broker, {}).get(key)
            if current is not None and current != ours:
                continue  # another tool's rate: respect it
            if current != str(rate):
                broker_ops.setdefault(broker, []).append(ConfigOp(key, ConfigOpType.SET, str(rate)))
            brokers.setdefault(broker, {})[key] = str(rate)
    return ThrottleChanges(topic_ops, broker_ops, ThrottleLedger(topics, brokers))


def undo_throttles(
    changes: ThrottleChanges,
    topic_configs: Mapping[str, Mapping[str, ConfigEntry]],
    broker_configs: Mapping[int | None, Mapping[str, ConfigEntry]],
) -> ThrottleChanges:
    """Operations putting back what `changes` overwrote, from the same readings.

    For when setting throttles fails half-way (the principal may alter topic
    configs but not broker configs, or the reverse): the resources already
    changed get their previous value back, so a refused run leaves no
    throttle behind. Computed from the values read before the change, not
    from a new reading: a KRaft broker may answer from a metadata log that
    does not show the change yet.
    """
    topic_ops = {
        topic: [_restore(op.name, _value(topic_configs.get(topic, {}), op.name)) for op in ops]
        for topic, ops in changes.topic_ops.items()
    }
    broker_ops = {
        broker: [_restore(op.name, _value(broker_configs.get(broker, {}), op.name)) for op in ops]
        for broker, ops in changes.broker_ops.items()
    }
    return ThrottleChanges(topic_ops, broker_ops, changes.ledger)


def _restore(key: str, previous: str | None) -> ConfigOp:
    if previous is None:
        return ConfigOp(key, ConfigOpType.DELETE)
    return ConfigOp(key, ConfigOpType.SET, previous)


def remove_throttles(
    ledger: ThrottleLedger,
    topic_configs: Mapping[str, Mapping[str, ConfigEntry]],
    broker_configs: Mapping[int | None, Mapping[str, ConfigEntry]],
) -> ThrottleChanges:
    """Operations removing only the ledger's entries and rates; empty ledger after.

    A topic value keeps every entry we did not add; a rate is deleted only
    while it still has the value we set.
    """
    topic_ops: dict[str, list[ConfigOp]] = {}
    for topic, keys in sorted(ledger.topics.items()):
        if topic not in topic_configs:
            continue  # topic deleted since: nothing left to clean
        for key, ours in sorted(keys.items()):
            current = _value(topic_configs[topic], key)
            if current is None or current == WILDCARD:
                continue
            present = parse_entries(current)
            remaining = present - ours
            if remaining == present:
                continue
            op = (ConfigOp(key, ConfigOpType.SET, format_entries(remaining)) if remaining
                  else ConfigOp(key, ConfigOpType.DELETE))
            topic_ops.setdefault(topic, []).append(op)
    broker_ops: dict[int | None, list[ConfigOp]] = {}
    for broker, keys in sorted(ledger.brokers.items()):
        for key, ours in sorted(keys.items()):
            if _value(broker_configs.get(broker, {}), key) == ours:
                broker_ops.setdefault(broker, []).append(ConfigOp(key, ConfigOpType.DELETE))
    return ThrottleChanges(topic_ops, broker_ops, ThrottleLedger())


def parse_entries(value: str | None) -> frozenset[str]:
    """The "partition:broker" entries of a throttled-replicas value."""
    if not value:
        return frozenset()
    return frozenset(e.strip() for e in value.split(",") if e.strip())


def format_entries(entries: frozenset[str]) -> str:
    return ",".join(sorted(entries, key=_entry_order))


def _entry_order(entry: str) -> tuple[int, tuple[int, ...], str]:
    """Numeric "partition:broker" order; anything unparsable sorts last as text."""
    try:
        return (0, tuple(int(part) for part in entry.split(":")), "")
    except ValueError:
        return (1, (), entry)


def _value(configs: Mapping[str, ConfigEntry], key: str) -> str | None:
    """The value set on the resource itself, or None when not overridden."""
    entry = configs.get(key)
    return entry.value if entry is not None and entry.is_override else None
