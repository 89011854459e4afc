"""execute / verify / cancel on the in-memory cluster (time = the injected sleep)."""

from __future__ import annotations

from collections import Counter

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.actions import PartitionMove, Reassign
from kafkaform.core.model import DesiredState, ReassignmentSettings, TopicSpec
from kafkaform.core.observed import Api, ConfigSource, TopicPartition
from kafkaform.core.planner import plan
from kafkaform.core.reassign.batches import PartitionStatus
from kafkaform.core.reassign.jsonfile import targets_of
from kafkaform.core.reassign.throttles import (
    FOLLOWER_RATE,
    FOLLOWER_REPLICAS,
    LEADER_RATE,
    LEADER_REPLICAS,
    parse_entries,
)
from kafkaform.errors import ClusterError, KafkaformError
from kafkaform.run.apply import RetryPolicy, apply_plan
from kafkaform.run.events import RecordingReporter, Status
from kafkaform.run.observe import observe
from kafkaform.run.reassign import (
    ReassignmentOptions,
    cancel_reassignment,
    execute_reassignments,
    verify_reassignment,
)
from kafkaform.run.reassign.ledger import LEDGER_TOPIC, read_ledger
from tests.support.reassign import Clock, Interrupt, SubmissionSpy

BEFORE = [[1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 1]]
AFTER = [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 1], [6, 1, 2]]
RF3 = Reassign("orders", tuple(
    PartitionMove(p, tuple(b), tuple(a)) for p, (b, a) in enumerate(zip(BEFORE, AFTER, strict=True))
))
SETTINGS = ReassignmentSettings(throttle_bytes_per_sec=1000, batch_size=2, max_moves_per_broker=5)


def run(cluster, actions=(RF3,), settings=SETTINGS, clock=None, **options):
    reporter = RecordingReporter()
    report = execute_reassignments(cluster, list(actions), settings, reporter,
                                   ReassignmentOptions(sleep=clock or Clock(cluster), **options))
    return report, reporter


def progress_lines(reporter: RecordingReporter) -> list[str]:
    return [f"{done}/{total} {detail}" for kind, done, total, detail
            in (e for e in reporter.events if e[0] == "progress")]


def assignment(cluster, topic="orders"):
    return cluster.list_topics()[topic].assignment


def overrides(entries):
    return {k: e.value for k, e in entries.items() if e.is_override}


def throttle_configs(cluster):
    """Every throttle override on the cluster: topics and brokers."""
    found = {}
    for topic, entries in cluster.describe_topic_configs(sorted(cluster.list_topics())).items():
        for key in (LEADER_REPLICAS, FOLLOWER_REPLICAS):
            if key in overrides(entries):
                found[(topic, key)] = entries[key].value
    brokers = cluster.describe_broker_configs([b.id for b in cluster.describe_cluster().brokers])
    for broker, entries in brokers.items():
        for key in (LEADER_RATE, FOLLOWER_RATE):
            if entries[key].source is ConfigSource.DYNAMIC_BROKER_CONFIG:
                found[(broker, key)] = entries[key].value
    return found


@pytest.fixture
def orders(cluster: MemoryCluster) -> MemoryCluster:
    cluster.add_topic("orders", BEFORE)
    return cluster


def test_moves_run_in_throttled_batches_and_clean_up(orders):
    spy = SubmissionSpy(orders)
    seen = []

    def check_throttles(cluster):
        moving = cluster.list_partition_reassignments()
        configs = overrides(cluster.describe_topic_configs(["orders"])["orders"])
        leader, follower = (parse_entries(configs.get(k)) for k in (LEADER_REPLICAS,
                                                                    FOLLOWER_REPLICAS))
        brokers = cluster.describe_broker_configs(list(range(1, 7)))
        for tp in moving:
            before, after = BEFORE[tp.partition], AFTER[tp.partition]
            assert {f"{tp.partition}:{b}" for b in before} <= leader
            assert {f"{tp.partition}:{b}" for b in set(after) - set(before)} <= follower
            for broker in set(before) | set(after):
                assert brokers[broker][LEADER_RATE].value == "1000"
                assert brokers[broker][FOLLOWER_RATE].value == "1000"
        seen.append(len(moving))

    report, reporter = run(orders, clock=Clock(orders, on_sleep=check_throttles))

    assert assignment(orders) == AFTER
    assert all(set(p.isr) == set(p.replicas) for p in orders.list_topics()["orders"].partitions)
    assert spy.calls == [2, 2, 2]
    assert max(seen) == 2 and report.batches == 3
    assert report.ok and report[RF3] is None
    assert len(report.moved) == 6 and report.cleanup.throttles_removed
    assert throttle_configs(orders) == {}
    assert read_ledger(orders).is_empty
    assert progress_lines(reporter)[-1] == "6/6 partitions done, 0 moving, 0 waiting"


def test_throttles_set_by_others_survive(orders):
    orders.add_topic("orders", BEFORE, {LEADER_REPLICAS: "5:6,9:1"})
    orders.set_broker_config(1, LEADER_RATE, "777")
    orders.add_topic("other", [[1, 2]], {FOLLOWER_REPLICAS: "*"})

    report, _ = run(orders)

    assert report.ok
    assert throttle_configs(orders) == {("orders", LEADER_REPLICAS): "5:6,9:1",
                                        ("other", FOLLOWER_REPLICAS): "*",
                                        (1, LEADER_RATE): "777"}


def test_an_unthrottled_run_sets_no_throttle_and_no_ledger(orders):
    seen = []
    clock = Clock(orders, on_sleep=lambda c: seen.append(throttle_configs(c)))
    report, _ = run(orders, settings=ReassignmentSettings(0, 10, 10), clock=clock)
    assert report.ok and report.throttle is None and report.batches == 1
    assert seen and all(s == {} for s in seen)
    assert LEDGER_TOPIC not in orders.list_topics()


def test_max_moves_per_broker_limits_concurrent_incoming_replicas(cluster):
    cluster.add_topic("t", [[1, 2]] * 4)
    move = Reassign("t", tuple(PartitionMove(p, (1, 2), (1, 2, 6)) for p in range(4)))
    peak = []
    clock = Clock(cluster, on_sleep=lambda c: peak.append(
        Counter(b for r in c.list_partition_reassignments().values() for b in r.adding)))
    report, _ = run(cluster, [move], ReassignmentSettings(1000, 10, 2), clock)
    assert report.ok and report.batches == 2
    assert max(c[6] for c in peak) == 2


def test_interrupted_run_resumes_without_resubmitting(orders):
    spy = SubmissionSpy(orders)
    with pytest.raises(Interrupt):
        run(orders, clock=Clock(orders, interrupt_after=2))
    assert orders.list_partition_reassignments()  # a batch is still moving
    assert throttle_configs(orders)               # and its throttles stay meanwhile
    first = list(spy.submitted)

    report, _ = run(orders)

    assert assignment(orders) == AFTER
    assert Counter(tp for tp, _ in spy.submitted).most_common(1)[0][1] == 1
    assert set(report.already_at_target) | set(report.resumed) == {tp for tp, _ in first}
    assert throttle_configs(orders) == {} and read_ledger(orders).is_empty


def test_a_second_run_finds_everything_done(orders):
    run(orders)
    spy = SubmissionSpy(orders)
    report, _ = run(orders)
    assert spy.calls == [] and len(report.already_at_target) == 6 and report.ok


def test_preferred_leader_is_elected_after_the_move(cluster):
    cluster.add_topic("t", [[1, 2]])
    report, _ = run(cluster, [Reassign("t", (PartitionMove(0, (1, 2), (3, 1, 2)),))])
    partition = cluster.list_topics()["t"].partitions[0]
    assert partition.replicas == (3, 1, 2) and partition.leader == 3
    assert report.cleanup.leaders_elected == (TopicPartition("t", 0),)


def test_refuses_a_cluster_without_the_reassignment_apis(orders):
    orders._capabilities = frozenset(Api) - {Api.ALTER_PARTITION_REASSIGNMENTS}
    with pytest.raises(KafkaformError, match="does not support AlterPartitionReassignments"):
        run(orders)
    assert orders.calls["alter_topic_configs"] == orders.calls["create_topics"] == 0


def test_refuses_under_replicated_partitions_unless_forced(orders):
    orders.add_topic("sick", [[1, 2, 3]], isrs=[[1]])
    with pytest.raises(KafkaformError, match="sick-0 under-replicated.*--force"):
        run(orders)
    assert orders.calls["alter_partition_reassignments"] == 0
    report, reporter = run(orders, force=True)
    assert report.ok
    assert any("--force" in w for w in reporter.messages("warning"))


def test_refuses_another_reassignment_in_progress_unless_additional(orders):
    orders.add_topic("busy", [[1, 2, 3]], isrs=[[1, 2]])
    orders.set_reassignment(TopicPartition("busy", 0), adding=[3], removing=[])
    with pytest.raises(KafkaformError, match="another reassignment is in progress.*--additional"):
        run(orders)
    report, _ = run(orders, additional=True)
    assert report.ok and assignment(orders) == AFTER


def test_unknown_broker_is_refused_before_anything_is_written(orders):
    bad = Reassign("orders", (PartitionMove(0, (1, 2), (1, 2, 9)),))
    with pytest.raises(KafkaformError, match=r"orders-0: unknown broker id 9; the cluster's "
                                             r"brokers are 1, 2, 3, 4, 5, 6"):
        run(orders, [bad])
    assert orders.calls["alter_topic_configs"] == 0


def test_a_move_cancelled_by_someone_else_fails_and_keeps_our_throttles(orders):
    def cancel_partition_0(cluster):
        if TopicPartition("orders", 0) in cluster.list_partition_reassignments():
            cluster.alter_partition_reassignments({TopicPartition("orders", 0): None})

    report, _ = run(orders, clock=Clock(orders, on_sleep=cancel_partition_0))
    assert not report.ok
    assert "replicas are 1,2 rather than 1,2,3" in report.failed[TopicPartition("orders", 0)]
    assert isinstance(report[RF3], KafkaformError)
    assert throttle_configs(orders)  # verify cleans up once everything is complete


class MetadataLags:
    """Answers Metadata from before the last reassignment for a few reads, as a
    KRaft broker does until it has replayed the metadata log; reassignments are
    listed by the controller, which is never behind (seen on Kafka 4.4)."""

    def __init__(self, inner: MemoryCluster, stale_reads: int) -> None:
        self.inner = inner
        self.stale_reads = stale_reads
        self.before = None

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def alter_partition_reassignments(self, targets):
        self.before = self.inner.list_topics()
        self.left = self.stale_reads
        return self.inner.alter_partition_reassignments(targets)

    def list_topics(self):
        if self.before is not None and self.left > 0:
            self.left -= 1
            return self.before
        return self.inner.list_topics()


def test_a_leader_reorder_is_not_failed_by_a_metadata_read_that_lags(orders):
    reorder = Reassign("orders", (PartitionMove(0, (1, 2), (2, 1)),))
    lagging = MetadataLags(orders, stale_reads=2)

    report, _ = run(lagging, [reorder], clock=Clock(orders))

    assert report.ok, report.failed
    assert assignment(orders)[0] == [2, 1]


def test_a_partition_that_stays_off_target_fails_after_the_settle_time(orders):
    reorder = Reassign("orders", (PartitionMove(0, (1, 2), (2, 1)),))
    lagging = MetadataLags(orders, stale_reads=1000)

    report, _ = run(lagging, [reorder], clock=Clock(orders))

    assert "replicas are 1,2 rather than 2,1" in report.failed[TopicPartition("orders", 0)]


def test_bytes_are_reported_when_log_dir_sizes_are_known(orders):
    for p in range(6):
        orders.set_partition_size(TopicPartition("orders", p), 1024 * 1024)
    _, reporter = run(orders)
    assert progress_lines(reporter)[-1].endswith(", 6.0 MiB of 6.0 MiB copied")


def test_verify_reports_each_partition_then_cleans_up_only_when_all_are_complete(orders):
    with pytest.raises(Interrupt):
        run(orders, clock=Clock(orders, interrupt_after=1))
    targets = targets_of([RF3])
    result = verify_reassignment(orders, targets)
    statuses = {tp.partition: s for tp, (s, _) in result.statuses.items()}
    assert statuses == {0: PartitionStatus.IN_PROGRESS, 1: PartitionStatus.IN_PROGRESS,
                        **{p: PartitionStatus.FAILED for p in range(2, 6)}}
    assert result.cleanup is None and throttle_configs(orders)

    # the rest is moved by someone else (say the official tool with our JSON)
    orders.tick()
    orders.alter_partition_reassignments({tp: t for tp, t in targets.items() if tp.partition > 1})
    orders.tick(3)
    result = verify_reassignment(orders, targets)
    assert result.complete and result.cleanup.throttles_removed
    assert throttle_configs(orders) == {} and read_ledger(orders).is_empty


def test_cancel_reverts_moves_in_flight_and_removes_our_throttles(orders):
    with pytest.raises(Interrupt):
        run(orders, clock=Clock(orders, interrupt_after=1))
    result = cancel_reassignment(orders, targets_of([RF3]))
    assert result.cancelled == (TopicPartition("orders", 0), TopicPartition("orders", 1))
    assert orders.list_partition_reassignments() == {}
    assert assignment(orders) == BEFORE
    assert result.cleanup.throttles_removed and throttle_configs(orders) == {}


def test_cancelling_some_partitions_keeps_the_throttles_the_others_still_need(orders):
    with pytest.raises(Interrupt):
        run(orders, clock=Clock(orders, interrupt_after=1))
    throttles = throttle_configs(orders)
    partition_0, partition_1 = TopicPartition("orders", 0), TopicPartition("orders", 1)

    result = cancel_reassignment(orders, [partition_0])

    assert result.cancelled == (partition_0,)
    assert set(orders.list_partition_reassignments()) == {partition_1}
    assert not result.cleanup.throttles_removed
    assert "still moving: orders-1" in result.cleanup.throttles_kept
    assert throttle_configs(orders) == throttles
    assert not read_ledger(orders).is_empty


def test_a_timeout_stops_waiting_and_a_rerun_continues(orders):
    with pytest.raises(KafkaformError, match="timed out after 0s with 2 partition"):
        run(orders, timeout_seconds=0)
    assert len(orders.list_partition_reassignments()) == 2
    report, _ = run(orders)
    assert report.ok and len(report.resumed) == 2


def test_forced_decommission_of_a_dead_broker_throttles_only_live_ones(cluster):
    cluster.add_topic("t", [[5, 6], [1, 2]])
    cluster.stop_broker(6)
    move = Reassign("t", (PartitionMove(0, (5, 6), (5, 4)),))
    with pytest.raises(KafkaformError, match="t-0 under-replicated"):
        run(cluster, [move])
    rates = []
    clock = Clock(cluster, on_sleep=lambda c: rates.append(
        {k for k in throttle_configs(c) if isinstance(k[0], int)}))
    report, _ = run(cluster, [move], clock=clock, force=True)
    assert report.ok and assignment(cluster, "t")[0] == [5, 4]
    assert rates[0] == {(b, key) for b in (4, 5) for key in (LEADER_RATE, FOLLOWER_RATE)}
    assert throttle_configs(cluster) == {} and read_ledger(cluster).is_empty


def test_a_broker_down_at_cleanup_keeps_its_rate_recorded_for_later(cluster):
    cluster.add_topic("t", [[1, 2]])
    move = Reassign("t", (PartitionMove(0, (1, 2), (1, 4)),))
    with pytest.raises(Interrupt):
        run(cluster, [move], clock=Clock(cluster, interrupt_after=1))
    cluster.tick()
    cluster.stop_broker(2)  # the broker the replica left

    result = verify_reassignment(cluster, targets_of([move]))
    assert result.complete and "down: broker 2" in result.cleanup.throttles_kept
    assert set(read_ledger(cluster).brokers) == {2}
    assert set(throttle_configs(cluster)) == set()  # what is reachable is clean

    cluster.start_broker(2)
    assert {k[0] for k in throttle_configs(cluster)} == {2}
    result = verify_reassignment(cluster, targets_of([move]))
    assert result.cleanup.throttles_removed and read_ledger(cluster).is_empty
    assert throttle_configs(cluster) == {}


class LaggingMetadata:
    """A cluster whose Metadata answers one read behind, as a KRaft broker can
    trail the controller that answers ListPartitionReassignments."""

    def __init__(self, cluster: MemoryCluster) -> None:
        self._cluster = cluster
        self._previous = cluster.list_topics()

    def __getattr__(self, name):
        return getattr(self._cluster, name)

    def list_topics(self):
        previous, self._previous = self._previous, self._cluster.list_topics()
        return previous


def test_a_move_is_not_failed_while_the_metadata_still_shows_its_dropped_replica(cluster):
    cluster.add_topic("orders", [[1, 2], [2, 3]])
    drop = Reassign("orders", (PartitionMove(0, (1, 2), (1, 3)), PartitionMove(1, (2, 3), (2, 1))))
    lagging = LaggingMetadata(cluster)

    report, _ = run(lagging, [drop], poll_seconds=1.0)

    assert report.ok, report.failed
    assert assignment(cluster) == [[1, 3], [2, 1]]


# --- safe order: min.insync.replicas waits for the replication factor --------------
def test_min_insync_raise_is_applied_only_once_the_moves_are_done(cluster):
    """Whenever min.insync.replicas 2 is written, the topic is already at RF 3."""
    cluster.add_topic("orders", [[1, 2], [2, 3], [3, 4]], {"min.insync.replicas": "1"})
    desired = DesiredState("t", topics={"orders": TopicSpec(
        "orders", 3, 3, {"min.insync.replicas": "2"})})
    seen: list[tuple[str, int, bool]] = []
    original = cluster.alter_topic_configs

    def watched(changes):
        topic = cluster.list_topics()["orders"]
        moving = any(tp.topic == "orders" for tp in cluster.list_partition_reassignments())
        seen.extend((op.value, topic.replication_factor, moving)
                    for op in changes.get("orders", []) if op.name == "min.insync.replicas")
        return original(changes)

    cluster.alter_topic_configs = watched  # type: ignore[method-assign]
    the_plan = plan(desired, observe(cluster))
    report = apply_plan(the_plan, cluster, reporter=RecordingReporter(), desired=desired,
                        retry=RetryPolicy(sleep=Clock(cluster)),
                        reassignment=ReassignmentOptions(sleep=Clock(cluster)))

    assert report.ok, report.summary_rows()
    assert seen == [("2", 3, False)]


def test_a_raise_waiting_for_a_failed_move_is_not_attempted(cluster):
    cluster.add_topic("orders", [[1, 2], [2, 3], [3, 4]], {"min.insync.replicas": "1"})
    desired = DesiredState("t", topics={"orders": TopicSpec(
        "orders", 3, 3, {"min.insync.replicas": "2"})})
    the_plan = plan(desired, observe(cluster))
    cluster.fail_next("alter_partition_reassignments",
                      ClusterError("POLICY_VIOLATION", "no moves today"))

    report = apply_plan(the_plan, cluster, reporter=RecordingReporter(), desired=desired,
                        retry=RetryPolicy(sleep=Clock(cluster)),
                        reassignment=ReassignmentOptions(sleep=Clock(cluster)))

    statuses = [(type(r.action).__name__, r.status) for r in report.results]
    assert statuses == [("Reassign", Status.FAILED), ("AlterTopicConfigs", Status.NOT_ATTEMPTED)]
    configs = cluster.describe_topic_configs(["orders"])["orders"]
    assert configs["min.insync.replicas"].value == "1"
