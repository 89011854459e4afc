"""One apply per cluster at a time, with nothing but the Kafka admin protocol.

The lock is a topic, `__kafkaform_lock`. Acquiring it is CreateTopics, which
the controller executes atomically: of two appliers exactly one gets success
and the other TOPIC_ALREADY_EXISTS. The winner then appends an owner record
(user@host, pid, CI job, environment, time, a random token) to the topic, so
whoever is refused can be told who holds the lock and since when. Releasing
is DeleteTopics. Because the lock lives on the cluster, two environments
pointing at one cluster share it too.

An apply that died without releasing (SIGKILL, OOM, a lost runner) leaves
its lock behind. Whether its process still runs can be seen only on the
machine it ran on: the owner record names the kernel's boot id, the pid
namespace and the process's start time (`Machine`), so an apply on that
machine knows for certain that the holder is gone (no process with that pid
and start time) and takes the lock over at once, or that it still runs (and
then never takes it over, however old). From anywhere else that is unknown,
and a lock older than a timeout (default 1h) is taken over as stale. The
takeover itself must not race either, so it uses
the topic's single partition as a total order: a claimant appends a record
naming the token of the stale owner it replaces, then reads the log back; the
first claim after the stale owner wins, later ones see that and back off
(`current_owner` is the pure rule). `force_unlock` deletes the topic
whatever it holds, for a human who knows the holder is gone.

The race window, accepted and documented in docs/apply.md: between creating
the topic and appending the owner record, the lock exists without an owner.
A contender arriving then is refused with "being acquired right now"; if the
holder crashed in exactly that moment the lock stays ownerless and a human
runs `kafkaform force-unlock`. Deletion is asynchronous in Kafka, so for a
moment after a release a new CreateTopics may still see the old topic; the
caller's wait (`wait`) covers that.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.requests import NewTopic
from kafkaform.core.wording import format_age
from kafkaform.errors import ClusterError, KafkaformError, OutcomeUnknown
from kafkaform.run.process import idle

LOCK_TOPIC = "__kafkaform_lock"
OWNER_KEY = "owner"
DEFAULT_STALE_AFTER = timedelta(hours=1)
# How often a waiting applier retries a held lock.
POLL_INTERVAL = timedelta(seconds=5)
# The force-unlock command when the caller does not know the exact one.
UNLOCK = "kafkaform force-unlock ENV"

# CI systems' job identifiers, first match wins: the lock record says which job holds it.
CI_JOB_VARIABLES = (
    "GITHUB_RUN_ID",
    "CI_JOB_ID",
    "BUILDKITE_JOB_ID",
    "CIRCLE_WORKFLOW_JOB_ID",
    "BUILD_TAG",
)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class LockHeld(KafkaformError):
    """Another apply holds the cluster's lock."""


class Holder(Enum):
    """What this machine can tell about the process that holds the lock."""

    RUNNING = "running"
    GONE = "gone"
    UNKNOWN = "unknown"  # it ran on another machine (or before a reboot)


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, field 22 of
    /proc/PID/stat, proc(5)), None when there is no such process. A pid is
    reused once its process ends; a pid and its start time are not."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    after_name = stat.rsplit(")", 1)[-1].split()  # the name may hold spaces and ")"
    return after_name[19] if len(after_name) > 19 else None


@dataclass(frozen=True)
class Machine:
    """The kernel and pid namespace this process runs in: a lock holder's pid
    means something only to a process in the same ones (a container sees only
    its own pids; a reboot starts them again)."""

    boot_id: str | None
    pid_namespace: str | None
    started: Callable[[int], str | None] = process_start

    @classmethod
    def here(cls) -> Machine:
        """This machine, as Linux describes it; nothing known elsewhere."""
        try:
            namespace: str | None = os.readlink("/proc/self/ns/pid")
        except OSError:
            namespace = None
        return cls(_read("/proc/sys/kernel/random/boot_id"), namespace)

    def holder(self, record: LockRecord) -> Holder:
        """Whether the lock's holder still runs, as far as this machine can tell."""
        if record.started is None or self.boot_id is None or self.pid_namespace is None or \
                (record.boot_id, record.pid_namespace) != (self.boot_id, self.pid_namespace):
            return Holder.UNKNOWN
        return Holder.RUNNING if self.started(record.pid) == record.started else Holder.GONE


@dataclass(frozen=True)
class LockRecord:
    """Who holds (or claims) the lock; stored as JSON in the lock topic."""

    token: str
    user: str
    host: str
    pid: int
    environment: str
    acquired_at: datetime
    ci_job: str | None = None
    # The token of the stale owner this record takes over from.
    replaces: str | None = None
    # Where the process runs and when it started (`Machine`): None in records of
    # older kafkaform versions, and where the system does not say.
    boot_id: str | None = None
    pid_namespace: str | None = None
    started: str | None = None

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "acquired_at": self.acquired_at.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> LockRecord | None:
        """None for anything that is not an owner record (never raises). Keys this
        version does not know (a newer kafkaform's) are left out, not fatal."""
        known = {f.name for f in fields(cls)}
        try:
            data = {k: v for k, v in json.loads(text).items() if k in known}
            return cls(**{**data, "acquired_at": datetime.fromisoformat(data["acquired_at"])})
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def describe(self, now: datetime) -> str:
        job = f", CI job {self.ci_job}" if self.ci_job else ""
        since = self.acquired_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return (
            f"{self.user}@{self.host} (pid {self.pid}{job}, environment {self.environment}) "
            f"since {since} ({format_age(now - self.acquired_at)} ago)"
        )


def this_process(
    environment: str, now: datetime, env: Mapping[str, str] = os.environ,
    machine: Machine | None = None,
) -> LockRecord:
    """The owner record for this process, on `machine` (this one by default)."""
    machine = machine or Machine.here()
    pid = os.getpid()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = env.get("USER", "unknown")
    ci_job = next((f"{v}={env[v]}" for v in CI_JOB_VARIABLES if env.get(v)), None)
    return LockRecord(
        token=uuid.uuid4().hex,
        user=user,
        host=socket.gethostname(),
        pid=pid,
        environment=environment,
        acquired_at=now,
        ci_job=ci_job,
        boot_id=machine.boot_id,
        pid_namespace=machine.pid_namespace,
        started=machine.started(pid),
    )


def current_owner(records: list[tuple[str, str]]) -> LockRecord | None:
    """The owner the lock topic's log says holds the lock (pure).

    The first owner record is the owner; a later record becomes the owner only
    if it names the current owner's token in `replaces` (a takeover). Claims
    that lost a takeover race name a token that was already replaced and are
    ignored.
    """
    owner: LockRecord | None = None
    for key, value in records:
        record = LockRecord.from_json(value) if key == OWNER_KEY else None
        if record is None:
            continue
        if owner is None or record.replaces == owner.token:
            owner = record
    return owner


@dataclass
class ApplyLock:
    """A held lock; `release()` deletes the lock topic if it is still ours."""

    admin: ClusterAdmin
    record: LockRecord
    took_over: LockRecord | None = None

    def release(self, warn: Callable[[str], None] = lambda message: None) -> str | None:
        """Delete the lock topic if it is still ours; None when it is gone now, else why
        it could not be released (the caller names the `force-unlock` command).

        "Already gone" is said only when the cluster says so; a lock whose owner
        cannot be read is not deleted (it may have been taken over) but reported."""
        try:
            records = self.admin.read_records(LOCK_TOPIC)
        except ClusterError as error:
            if error.code == "UNKNOWN_TOPIC_OR_PARTITION":
                warn("the apply lock was already gone when releasing it")
                return None
            return f"its owner could not be read ({error})"
        except KafkaformError as error:
            return f"its owner could not be read ({error})"
        owner = current_owner(records)
        if owner is not None and owner.token != self.record.token:
            warn(
                "the apply lock was taken over while this apply ran (it outlived the "
                f"stale-lock timeout) by {owner.describe(utc_now())}; leaving it to them"
            )
            return None
        try:
            error = self.admin.delete_topics([LOCK_TOPIC]).get(LOCK_TOPIC)
        except KafkaformError as failure:
            # The broker may have deleted it and only the answer was lost: look.
            with contextlib.suppress(KafkaformError):
                if LOCK_TOPIC not in self.admin.list_topics():
                    return None
            return f"deleting {LOCK_TOPIC} got no answer ({failure})"
        if error is None:
            return None
        if error.code == "UNKNOWN_TOPIC_OR_PARTITION":
            warn("the apply lock was already gone when releasing it")
            return None
        return f"deleting {LOCK_TOPIC} failed ({error})"


def not_released(why: str, unlock_command: str) -> str:
    """The one line that says the lock is left behind, and what removes it."""
    return (f"The apply lock could not be released: {why}. It blocks every apply on this "
            f"cluster until it is removed (or goes stale): run `{unlock_command}` once "
            "no apply is running.")


def _lock_topic(admin: ClusterAdmin) -> NewTopic:
    """Replicated like a production topic (RF up to 3) so a broker loss keeps it."""
    rf = max(1, min(3, len(admin.describe_cluster().brokers)))
    return NewTopic(
        LOCK_TOPIC, 1, rf, {"min.insync.replicas": str(max(1, rf - 1)), "cleanup.policy": "delete"}
    )


def try_acquire(
    admin: ClusterAdmin,
    *,
    environment: str,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    clock: Clock = utc_now,
    warn: Callable[[str], None] = lambda message: None,
    unlock_command: str = UNLOCK,
    machine: Machine | None = None,
) -> ApplyLock:
    """Take the lock now or raise `LockHeld` naming the holder.

    A held lock is taken over when its holder is seen gone on this `machine`
    (by default the one this runs on), or, when that cannot be seen, once it
    is older than `stale_after`; never while its holder is seen running.
    Every message that may leave a human to remove the lock names
    `unlock_command`, the `force-unlock` command line for this cluster."""
    now = clock()
    machine = machine or Machine.here()
    me = this_process(environment, now, machine=machine)
    try:
        created = admin.create_topics([_lock_topic(admin)]).get(LOCK_TOPIC)
    except OutcomeUnknown as error:
        raise KafkaformError(
            f"taking the apply lock got no answer ({error}): nothing was applied, but the "
            f"lock topic {LOCK_TOPIC} may now exist without an owner, and would refuse every "
            f"apply. If no apply is running, remove it: `{unlock_command}`") from None
    if created is None:
        _record_owner(admin, me, undo=True, unlock_command=unlock_command)
        return ApplyLock(admin, me)
    if created.code != "TOPIC_ALREADY_EXISTS":
        raise KafkaformError(f"could not create the apply lock topic {LOCK_TOPIC}: {created}")
    owner = _read_owner(admin)
    if owner is None and LOCK_TOPIC not in admin.list_topics():
        raise LockHeld("the apply lock is being released right now")
    if owner is None:
        raise LockHeld(
            f"the apply lock topic {LOCK_TOPIC} exists but names no owner: another apply "
            "is acquiring it right now, or one crashed while acquiring it (then remove it "
            f"with `{unlock_command}`)"
        )
    holder = machine.holder(owner)
    if holder is Holder.RUNNING:
        raise LockHeld(
            f"another apply holds the lock on this cluster: {owner.describe(now)}, and it "
            "is still running on this machine, so its lock is not taken over however old. "
            f"Wait for it to finish, or stop it (`kill {owner.pid}`) and run apply again"
        )
    if holder is Holder.UNKNOWN and now - owner.acquired_at < stale_after:
        raise LockHeld(
            f"another apply holds the lock on this cluster: {owner.describe(now)}. Wait for "
            "it to finish. Whether it still runs cannot be seen from here (it ran on another "
            "machine); if it is gone (killed, or its machine lost), remove the lock with "
            f"`{unlock_command}`. A lock older than {format_age(stale_after)} is taken over "
            "automatically"
        )
    why = ("its process is no longer running on this machine: it ended without releasing "
           "the lock (killed or crashed)") if holder is Holder.GONE else \
        f"it is older than the stale-lock timeout {format_age(stale_after)}"
    claim = replace(me, replaces=owner.token)
    _record_owner(admin, claim, undo=False)
    winner = _read_owner(admin)
    if winner is None or winner.token != claim.token:
        holder = winner.describe(now) if winner else "another apply"
        raise LockHeld(f"another apply took over the stale lock first: {holder}")
    warn(f"took over the apply lock held by {owner.describe(now)}: {why}")
    return ApplyLock(admin, claim, took_over=owner)


def _read_owner(admin: ClusterAdmin) -> LockRecord | None:
    try:
        return current_owner(admin.read_records(LOCK_TOPIC))
    except ClusterError as error:
        if error.code == "UNKNOWN_TOPIC_OR_PARTITION":
            raise LockHeld("the apply lock is being released right now") from error
        raise


def _record_owner(admin: ClusterAdmin, record: LockRecord, *, undo: bool,
                  unlock_command: str = UNLOCK) -> None:
    try:
        admin.write_record(LOCK_TOPIC, OWNER_KEY, record.to_json())
    except KafkaformError as error:
        if undo:  # do not leave an ownerless lock behind
            try:
                failed = admin.delete_topics([LOCK_TOPIC]).get(LOCK_TOPIC)
            except KafkaformError as failure:
                failed = failure
            if failed is not None and getattr(failed, "code", "") != "UNKNOWN_TOPIC_OR_PARTITION":
                raise KafkaformError(
                    f"could not record the apply lock's owner ({error}) nor remove the lock "
                    f"again ({failed}): nothing was applied; it refuses every apply until "
                    f"removed: `{unlock_command}`") from error
        raise KafkaformError(f"could not record the apply lock's owner: {error}") from error


def acquire(
    admin: ClusterAdmin,
    *,
    environment: str,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    wait: timedelta = timedelta(0),
    clock: Clock = utc_now,
    sleep: Callable[[float], None] = idle,
    warn: Callable[[str], None] = lambda message: None,
    unlock_command: str = UNLOCK,
    machine: Machine | None = None,
) -> ApplyLock:
    """Take the lock, retrying a held one for up to `wait`."""
    deadline = clock() + wait
    while True:
        try:
            return try_acquire(
                admin, environment=environment, stale_after=stale_after, clock=clock, warn=warn,
                unlock_command=unlock_command, machine=machine,
            )
        except LockHeld as held:
            left = deadline - clock()
            if left <= timedelta(0):
                raise
            warn(f"{held} — retrying for up to {format_age(left)}")
            sleep(min(left, POLL_INTERVAL).total_seconds())


@contextmanager
def holding(admin: ClusterAdmin, *, unlock_command: str = UNLOCK,
            **options) -> Iterator[ApplyLock]:
    """`acquire(**options)` for the duration of a with-block, released after. A
    lock that cannot be released raises, naming `unlock_command`, once the
    block is done (a failing block's own error is kept, the lock warned about)."""
    warn = options.get("warn", lambda message: None)
    lock = acquire(admin, unlock_command=unlock_command, **options)
    try:
        yield lock
    except BaseException:
        why = lock.release(warn)
        if why:
            warn(not_released(why, unlock_command))
        raise
    why = lock.release(warn)
    if why:
        raise KafkaformError(not_released(why, unlock_command))


def force_unlock(admin: ClusterAdmin) -> tuple[bool, LockRecord | None]:
    """Delete the lock whoever holds it: (whether there was one, its owner)."""
    if LOCK_TOPIC not in admin.list_topics():
        return False, None
    try:
        owner = current_owner(admin.read_records(LOCK_TOPIC))
    except ClusterError:  # unreadable (or just deleted): remove it all the same
        owner = None
    error = admin.delete_topics([LOCK_TOPIC]).get(LOCK_TOPIC)
    if error is not None and error.code != "UNKNOWN_TOPIC_OR_PARTITION":
        raise KafkaformError(f"could not delete the apply lock topic {LOCK_TOPIC}: {error}")
    return True, owner
