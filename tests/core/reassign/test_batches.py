import pytest

from kafkaform.core.observed import (
    LogDirPartitionSize,
    PartitionInfo,
    ReassignmentInProgress,
    TopicPartition,
)
from kafkaform.core.reassign.batches import (
    PartitionStatus,
    in_flight_target,
    partition_status,
    pending_move,
    plan_batches,
)
from kafkaform.run.reassign.execute import bytes_copied


def moves(*specs):
    """(partition, current, target) triples of topic t."""
    return [pending_move(TopicPartition("t", p), c, t) for p, c, t in specs]


def shape(batches):
    return [[m.partition.partition for m in b] for b in batches]


@pytest.mark.parametrize(("specs", "batch_size", "per_broker", "expected"), [
    # batch size alone
    ([(0, (1,), (1, 2)), (1, (1,), (1, 3)), (2, (1,), (1, 4))], 2, 5, [[0, 1], [2]]),
    # two partitions both adding broker 2: the cap splits them, the third fits beside
    ([(0, (1,), (1, 2)), (1, (3,), (3, 2)), (2, (1,), (1, 4))], 10, 1, [[0, 2], [1]]),
    # a reorder receives nothing and always fits
    ([(0, (1,), (1, 2)), (1, (2, 1), (1, 2)), (2, (3,), (3, 2))], 10, 1, [[0, 1], [2]]),
    # cap 2 on broker 4
    ([(p, (1,), (1, 4)) for p in range(5)], 10, 2, [[0, 1], [2, 3], [4]]),
    ([], 3, 3, []),
])
def test_plan_batches(specs, batch_size, per_broker, expected):
    assert shape(plan_batches(moves(*specs), batch_size, per_broker)) == expected


def test_plan_batches_respects_both_limits_on_every_batch():
    pending = moves(*[(p, (p % 3,), (p % 3, 3 + p % 4)) for p in range(40)])
    batches = plan_batches(pending, 7, 2)
    assert sorted(m.partition.partition for b in batches for m in b) == list(range(40))
    for batch in batches:
        assert len(batch) <= 7
        incoming = [b for m in batch for b in m.incoming]
        assert max(incoming.count(b) for b in set(incoming)) <= 2


def test_plan_batches_refuses_zero_limits():
    with pytest.raises(ValueError):
        plan_batches([], 0, 1)


def info(replicas, isr=None, leader="first"):
    return PartitionInfo(0, replicas, replicas[0] if leader == "first" else leader,
                         replicas if isr is None else isr)


MOVING = ReassignmentInProgress("t", 0, (1, 2, 3, 4), adding=(3,), removing=(4,))


@pytest.mark.parametrize(("target", "partition", "moving", "status", "detail"), [
    ((1, 2, 3), info((1, 2, 3)), None, PartitionStatus.COMPLETE, "complete"),
    ((1, 2, 3), info((1, 2, 3), isr=(1, 2)), None, PartitionStatus.IN_PROGRESS, "3 not in sync"),
    ((1, 2, 3), info((1, 2, 3, 4)), MOVING, PartitionStatus.IN_PROGRESS, "adding 3"),
    ((1, 2, 3), info((2, 1, 3)), None, PartitionStatus.FAILED, "rather than 1,2,3"),
    ((1, 2, 3), None, None, PartitionStatus.FAILED, "does not exist"),
])
def test_partition_status(target, partition, moving, status, detail):
    got_status, got_detail = partition_status(target, partition, moving)
    assert got_status is status
    assert detail in got_detail


def test_in_flight_target_drops_the_removing_replicas_keeping_order():
    assert in_flight_target(MOVING) == (1, 2, 3)


def test_bytes_copied_counts_partial_copies_on_adding_brokers():
    t0, t1 = TopicPartition("t", 0), TopicPartition("t", 1)
    sizes = [LogDirPartitionSize(1, "t", 0, 1000), LogDirPartitionSize(2, "t", 0, 990),
             LogDirPartitionSize(3, "t", 0, 400), LogDirPartitionSize(1, "t", 1, 50)]
    moves_ = {t0: ((1, 2), (1, 2, 3)), t1: ((1,), (4,))}
    assert bytes_copied(sizes, moves_, done=set()) == (400, 1050)
    assert bytes_copied(sizes, moves_, done={t1}) == (450, 1050)
