"""The apply lock topic: contention, owner reporting, stale takeover, force-unlock."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.errors import ClusterError, KafkaformError
from kafkaform.run import lock

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
# Where the holders of these tests ran: not this machine (another kernel), so
# whether they still run is unknown here, as for a lock taken on a CI runner.
ELSEWHERE = lock.Machine("another-boot-id", "pid:[4026531836]")


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_second_applier_is_refused_and_told_who_holds_the_lock(monkeypatch):
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    cluster = MemoryCluster(3)
    clock = Clock()
    first = lock.acquire(cluster, environment="prod", clock=clock, machine=ELSEWHERE)

    clock.now = T0 + timedelta(minutes=12)
    with pytest.raises(lock.LockHeld) as held:
        lock.acquire(cluster, environment="prod", clock=clock)

    message = str(held.value)
    assert f"{first.record.user}@{first.record.host}" in message
    assert "CI job GITHUB_RUN_ID=4242" in message
    assert "since 2024-05-01 12:00:00 UTC (12 min ago)" in message
    assert "Whether it still runs cannot be seen from here (it ran on another machine); if " \
           "it is gone (killed, or its machine lost), remove the lock with `kafkaform " \
           "force-unlock ENV`. A lock older than 1h is taken over automatically" in message


def test_release_lets_the_next_applier_in():
    cluster = MemoryCluster(3)
    lock.acquire(cluster, environment="prod").release()

    second = lock.acquire(cluster, environment="prod")

    assert lock.current_owner(cluster.read_records(lock.LOCK_TOPIC)) == second.record


def test_holding_releases_even_when_the_block_fails():
    cluster = MemoryCluster(3)
    with pytest.raises(RuntimeError), lock.holding(cluster, environment="prod"):
        raise RuntimeError("apply crashed")

    assert lock.LOCK_TOPIC not in cluster.list_topics()


def test_lock_topic_is_replicated_like_production_topics():
    big, single = MemoryCluster(5), MemoryCluster(1)
    lock.acquire(big, environment="prod")
    lock.acquire(single, environment="dev")

    assert big.list_topics()[lock.LOCK_TOPIC].replication_factor == 3
    assert single.list_topics()[lock.LOCK_TOPIC].replication_factor == 1
    configs = big.describe_topic_configs([lock.LOCK_TOPIC])[lock.LOCK_TOPIC]
    assert configs["min.insync.replicas"].value == "2"


def test_stale_lock_is_taken_over_with_a_warning():
    cluster = MemoryCluster(3)
    clock = Clock()
    dead = lock.acquire(cluster, environment="prod", clock=clock, machine=ELSEWHERE)
    clock.now = T0 + timedelta(minutes=61)
    warnings = []

    taker = lock.acquire(cluster, environment="prod", clock=clock, warn=warnings.append)

    assert taker.took_over == dead.record
    assert lock.current_owner(cluster.read_records(lock.LOCK_TOPIC)) == taker.record
    assert warnings[0].startswith(f"took over the apply lock held by {dead.record.user}@")
    assert warnings[0].endswith(": it is older than the stale-lock timeout 1h")
    # The dead apply waking up must not release the new owner's lock.
    dead.release(warnings.append)
    assert lock.LOCK_TOPIC in cluster.list_topics()
    assert "taken over while this apply ran" in warnings[-1]


def test_lock_younger_than_the_stale_timeout_is_not_taken_over():
    cluster = MemoryCluster(3)
    clock = Clock()
    lock.acquire(cluster, environment="prod", clock=clock, machine=ELSEWHERE)
    clock.now = T0 + timedelta(minutes=30)

    with pytest.raises(lock.LockHeld):
        lock.acquire(cluster, environment="prod", clock=clock, stale_after=timedelta(hours=1))
    assert lock.acquire(cluster, environment="prod", clock=clock,
                        stale_after=timedelta(minutes=20)).took_over is not None


def test_two_takeover_claims_only_the_first_in_the_log_wins():
    owner = lock.this_process("prod", T0)
    first = lock.this_process("prod", T0 + timedelta(hours=2))
    second = lock.this_process("prod", T0 + timedelta(hours=2))
    log = [
        (lock.OWNER_KEY, owner.to_json()),
        (lock.OWNER_KEY, replace(first, replaces=owner.token).to_json()),
        (lock.OWNER_KEY, replace(second, replaces=owner.token).to_json()),
        ("noise", "not json"),
    ]

    assert lock.current_owner(log).token == first.token


class RivalClaimsFirst(MemoryCluster):
    """Another applier's takeover claim lands in the log just before ours."""

    def __init__(self, rival: lock.LockRecord) -> None:
        super().__init__(3)
        self.rival = rival

    def write_record(self, topic: str, key: str, value: str) -> None:
        claim = lock.LockRecord.from_json(value)
        if claim is not None and claim.replaces is not None and self.rival is not None:
            super().write_record(topic, key, replace(self.rival, replaces=claim.replaces).to_json())
            self.rival = None
        super().write_record(topic, key, value)


def test_the_loser_of_a_takeover_race_backs_off_and_names_the_winner():
    rival = lock.this_process("prod", T0 + timedelta(hours=2))
    cluster = RivalClaimsFirst(replace(rival, user="rival", host="ci-7"))
    clock = Clock()
    # Taken on another machine, then that apply died without releasing it.
    lock.acquire(cluster, environment="prod", clock=clock, machine=ELSEWHERE)
    clock.now = T0 + timedelta(hours=2)

    with pytest.raises(lock.LockHeld, match="took over the stale lock first: rival@ci-7"):
        lock.try_acquire(cluster, environment="prod", clock=clock)

    assert lock.current_owner(cluster.read_records(lock.LOCK_TOPIC)).token == rival.token


def test_waiting_for_a_held_lock_gives_up_after_the_timeout():
    cluster = MemoryCluster(3)
    clock = Clock()
    lock.acquire(cluster, environment="prod", clock=clock, machine=ELSEWHERE)
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += timedelta(seconds=seconds)

    with pytest.raises(lock.LockHeld):
        lock.acquire(cluster, environment="prod", clock=clock, sleep=sleep,
                     wait=timedelta(seconds=12))
    assert slept == [5.0, 5.0, 2.0]


def test_ownerless_lock_is_reported_as_being_acquired():
    cluster = MemoryCluster(3)
    cluster.add_topic(lock.LOCK_TOPIC, [[1]])

    with pytest.raises(lock.LockHeld, match="names no owner"):
        lock.acquire(cluster, environment="prod")


def test_failing_to_record_the_owner_leaves_no_lock_behind():
    cluster = MemoryCluster(3)
    cluster.fail_next("write_record", ClusterError("NOT_ENOUGH_REPLICAS"))

    with pytest.raises(KafkaformError, match="could not record the apply lock's owner"):
        lock.acquire(cluster, environment="prod")
    assert lock.LOCK_TOPIC not in cluster.list_topics()


def test_force_unlock_removes_any_lock_and_names_its_owner():
    cluster = MemoryCluster(3)
    held = lock.acquire(cluster, environment="prod")

    assert lock.force_unlock(cluster) == (True, held.record)
    assert lock.LOCK_TOPIC not in cluster.list_topics()
    assert lock.force_unlock(cluster) == (False, None)
    lock.acquire(cluster, environment="prod")  # free again


def test_owner_record_round_trips_and_rejects_garbage():
    record = lock.this_process("prod", T0, env={"CI_JOB_ID": "7"})

    assert lock.LockRecord.from_json(record.to_json()) == record
    assert record.ci_job == "CI_JOB_ID=7"
    assert lock.LockRecord.from_json('{"token": 1}') is None


# --- a holder that died: what this machine can see --------------------------------
@pytest.fixture
def child():
    """A real process of this machine, killed by the test when it wants."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def held_by(cluster: MemoryCluster, pid: int, started: str | None) -> lock.LockRecord:
    """The lock as an apply in process `pid` (started at `started`) left it."""
    record = replace(lock.this_process("prod", T0), pid=pid, started=started)
    cluster.add_topic(lock.LOCK_TOPIC, [[1]])
    cluster.write_record(lock.LOCK_TOPIC, lock.OWNER_KEY, record.to_json())
    return record


def test_a_killed_holder_on_this_machine_is_seen_gone_and_its_lock_taken_over_at_once(child):
    """A SIGKILLed apply cannot release its lock; the next apply on its machine sees the
    process is gone and takes the lock over, instead of being refused for an hour."""
    cluster = MemoryCluster(3)
    dead = held_by(cluster, child.pid, lock.process_start(child.pid))
    child.kill()
    child.wait()
    warnings = []

    taker = lock.acquire(cluster, environment="prod", clock=Clock(T0 + timedelta(minutes=2)),
                         warn=warnings.append)

    assert taker.took_over == dead
    assert lock.current_owner(cluster.read_records(lock.LOCK_TOPIC)) == taker.record
    assert warnings == [
        f"took over the apply lock held by {dead.describe(T0 + timedelta(minutes=2))}: its "
        "process is no longer running on this machine: it ended without releasing the lock "
        "(killed or crashed)"]


def test_a_reused_pid_is_not_mistaken_for_the_holder(child):
    """The pid runs, but another process: the holder's start time was earlier."""
    cluster = MemoryCluster(3)
    held_by(cluster, child.pid, "1")

    assert lock.acquire(cluster, environment="prod").took_over is not None


def test_a_holder_still_running_on_this_machine_is_never_taken_over_however_old(child):
    """A long reassignment outlives the stale-lock timeout: its lock is not stale."""
    cluster = MemoryCluster(3)
    held_by(cluster, child.pid, lock.process_start(child.pid))

    with pytest.raises(lock.LockHeld) as held:
        lock.acquire(cluster, environment="prod", clock=Clock(T0 + timedelta(hours=5)))
    assert str(held.value).endswith(
        "and it is still running on this machine, so its lock is not taken over however old. "
        f"Wait for it to finish, or stop it (`kill {child.pid}`) and run apply again")


@pytest.mark.parametrize("elsewhere", [
    lock.Machine("another-boot-id", None),  # another kernel, or this one rebooted
    lock.Machine(None, None),  # a system without /proc
])
def test_a_holder_elsewhere_is_unknown_not_gone(elsewhere):
    record = lock.this_process("prod", T0)
    assert lock.Machine.here().holder(record) is lock.Holder.RUNNING
    assert elsewhere.holder(record) is lock.Holder.UNKNOWN
    other_namespace = replace(lock.Machine.here(), pid_namespace="pid:[1]")
    assert other_namespace.holder(record) is lock.Holder.UNKNOWN  # another container
    assert lock.Machine.here().holder(replace(record, started=None)) is lock.Holder.UNKNOWN


def test_an_owner_record_of_a_newer_version_still_names_its_owner():
    record = lock.this_process("prod", T0)
    newer = json.dumps({**json.loads(record.to_json()), "heartbeat_every": 30})

    assert lock.LockRecord.from_json(newer) == record
    assert lock.LockRecord.from_json("[1, 2]") is None
