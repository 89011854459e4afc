"""The official `--generate` use case with minimal moves. Pure.

`kafka-reassign-partitions.sh --generate --topics-to-move-json-file F
--broker-list 1,2,3` computes a fresh rack-aware round-robin assignment of
the topics over the listed brokers, ignoring where replicas are now, so it
moves almost everything. Here the same request is one placement problem
(kafkaform.core.placement.place): every replica off the brokers not in the list,
replicas and leaders evened out among the listed brokers, with the fewest
copies that reach that balance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kafkaform.core import placement
from kafkaform.core.actions import PartitionMove, Reassign
from kafkaform.core.observed import TopicInfo
from kafkaform.core.wording import named, plural
from kafkaform.errors import KafkaformError


def onto_brokers(
    topics: Mapping[str, TopicInfo],
    names: Sequence[str],
    broker_list: Sequence[int],
    racks: Mapping[int, str | None],
) -> list[Reassign]:
    """Reassign actions putting `names` onto exactly the brokers of `broker_list`.

    `racks` holds every live broker of the cluster with its rack.
    """
    missing = [n for n in names if n not in topics]
    if missing:
        raise KafkaformError(f"not found on the cluster: {named('topic', missing)}")
    unknown = sorted(set(broker_list) - set(racks))
    if unknown:
        raise KafkaformError(f"--broker-list: unknown {named('broker id', unknown)}; the "
                             f"cluster's brokers are {', '.join(map(str, sorted(racks)))}")
    allowed = {b: racks[b] for b in broker_list}
    current = {n: topics[n].assignment for n in names}
    widest = max((len(r) for parts in current.values() for r in parts), default=0)
    if widest > len(allowed):
        raise KafkaformError(
            f"--broker-list has {plural(len(allowed), 'broker')}, fewer than the replication "
            f"factor {widest} of the topics to move"
        )
    outside = {b for parts in current.values() for r in parts for b in r} - set(allowed)
    targets = placement.place(current, allowed, leaving=outside, rebalance=True)
    return [
        Reassign(name, moves, reason=f"onto brokers {','.join(map(str, broker_list))}")
        for name in names
        if (moves := tuple(
            PartitionMove(p, tuple(before), tuple(after))
            for p, (before, after) in enumerate(zip(current[name], targets[name], strict=True))
            if list(before) != list(after)
        ))
    ]
