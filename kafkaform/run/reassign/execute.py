"""Execute, verify and cancel partition reassignments through the port.

The imperative shell around the pure parts (`jsonfile`, `throttles`,
`batches`). Every entry point first checks that the cluster has the
reassignment APIs, so a broker without them (Tansu, Kafka < 2.4) is told so
before anything is written.

Resuming is built in: each run starts from what the cluster shows. Partitions
already at their target are skipped, moves already running towards the same
target are waited on (never resubmitted), the rest are submitted in batches.
So after Ctrl-C, a crash or a CI timeout, running the same command again
continues where the cluster is, and the throttle ledger (ledger.py) still
says which throttles are ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.actions import Reassign
from kafkaform.core.health import assess
from kafkaform.core.model import ReassignmentSettings
from kafkaform.core.observed import (
    Api,
    LogDirPartitionSize,
    ObservedState,
    ReassignmentInProgress,
    TopicInfo,
    TopicPartition,
    does_not_support,
)
from kafkaform.core.reassign.batches import (
    PartitionStatus,
    find_partition,
    in_flight_origin,
    in_flight_target,
    partition_status,
    pending_move,
    plan_batches,
)
from kafkaform.core.reassign.jsonfile import Assignment, targets_of
from kafkaform.core.reassign.throttles import (
    ThrottleChanges,
    ThrottleLedger,
    Throttles,
    add_throttles,
    compute_throttles,
    movement,
    remove_throttles,
    undo_throttles,
)
from kafkaform.core.requests import ConfigOp
from kafkaform.core.wording import human_bytes, listed, named, plural
from kafkaform.errors import ClusterError, KafkaformError
from kafkaform.run.events import Reporter
from kafkaform.run.observe import observe
from kafkaform.run.process import idle
from kafkaform.run.reassign.ledger import read_ledger, write_ledger
from kafkaform.run.reassign.options import ReassignmentOptions

# The controller answers ListPartitionReassignments; a KRaft broker answers
# Metadata from its own replay of the metadata log, a little behind. Just
# after a move completes the controller no longer lists it while a broker can
# still show the move's replicas (the target plus those being removed) or the
# ISR before the last catch-up. Seen on Apache Kafka 4.4: every partition of a
# 30-partition move read as "no move in progress, but replicas are 1,3,2
# rather than 1,3" for 80-150 ms, and a poll in that window failed the move.
# So reassignments are read before metadata, and a partition that is not
# moving but not complete is looked at again for up to this long before it
# counts as failed (the same bound apply's verification gives KRaft's lag).
SETTLE_SECONDS = 10.0
SETTLE_POLL_SECONDS = 0.5


# --- results -----------------------------------------------------------------


@dataclass(frozen=True)
class ReassignProgress:
    """A snapshot of a running reassignment, for progress bars and log lines."""

    total: int
    done: int
    moving: int
    waiting: int
    failed: int
    bytes_done: int | None = None
    bytes_total: int | None = None

    def detail(self) -> str:
        """What follows "done/total" in a progress line or next to a bar."""
        text = f"partitions done, {self.moving} moving, {self.waiting} waiting"
        if self.failed:
            text += f", {self.failed} failed"
        if self.bytes_total:
            text += (f", {human_bytes(self.bytes_done or 0)} of {human_bytes(self.bytes_total)} "
                     "copied")
        return text


@dataclass(frozen=True)
class CleanupResult:
    """What happened to kafkaform's throttles and the moved partitions' leaders."""

    throttles_removed: bool = False
    # Why throttles were kept, when they were.
    throttles_kept: str = ""
    leaders_elected: tuple[TopicPartition, ...] = ()
    election_errors: dict[TopicPartition, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VerifyResult:
    statuses: dict[TopicPartition, tuple[PartitionStatus, str]]
    cleanup: CleanupResult | None  # None while not every partition is complete

    @property
    def complete(self) -> bool:
        return all(s is PartitionStatus.COMPLETE for s, _ in self.statuses.values())

    def lines(self) -> list[str]:
        return [f"{tp}: {status.value}" + (f" ({detail})" if status.value != detail else "")
                for tp, (status, detail) in sorted(self.statuses.items())]


@dataclass(frozen=True)
class ReassignmentReport(Mapping[Reassign, KafkaformError | None]):
    """The outcome of `execute_reassignments`.

    As a mapping: each action -> None when all its partitions reached their
    target, else the error naming the ones that did not (the contract
    `kafkaform.run.apply` relies on).
    """

    outcomes: dict[Reassign, KafkaformError | None]
    already_at_target: tuple[TopicPartition, ...] = ()
    resumed: tuple[TopicPartition, ...] = ()
    moved: tuple[TopicPartition, ...] = ()
    failed: dict[TopicPartition, str] = field(default_factory=dict)
    batches: int = 0
    throttle: int | None = None
    cleanup: CleanupResult | None = None

    def __getitem__(self, action: Reassign) -> KafkaformError | None:
        return self.outcomes[action]

    def __iter__(self) -> Iterator[Reassign]:
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.failed


# --- checks before writing ---------------------------------------------------


def require_reassignment_apis(admin: ClusterAdmin) -> None:
    """Refuse, before any write, a cluster that cannot move replicas."""
    missing = [api for api in Reassign.needs if api not in admin.capabilities()]
    if missing:
        cluster = admin.describe_cluster()
        raise KafkaformError(
            does_not_support(cluster.address or cluster.cluster_id, missing)
            + ": kafkaform cannot move "
            "replicas there and changed nothing; `kafkaform reassign generate` still writes "
            "the JSON for kafka-reassign-partitions.sh"
        )


def _check_targets(targets: Assignment, topics: Mapping[str, TopicInfo],
                   broker_ids: set[int]) -> None:
    for tp, replicas in sorted(targets.items()):
        if find_partition(topics, tp) is None:
            raise KafkaformError(f"partition {tp} does not exist on the cluster")
        unknown = sorted(set(replicas) - broker_ids)
        if unknown:
            raise KafkaformError(f"partition {tp}: unknown {named('broker id', unknown)}; the "
                                 f"cluster's brokers are {', '.join(map(str, sorted(broker_ids)))}")


def _gate(
    targets: Assignment,
    observed: ObservedState,
    reporter: Reporter,
    *,
    force: bool,
    additional: bool,
) -> None:
    """Refuse other moves in progress and offline or under-replicated partitions.

    A move already running towards exactly our target is ours (an earlier,
    interrupted run) and is resumed, not refused. Health is
    `kafkaform.core.health.assess`, the same rules `kafkaform check` shows.
    """
    foreign = sorted(tp for tp, move in observed.reassignments.items()
                     if targets.get(tp) != in_flight_target(move))
    if foreign and not additional:
        raise KafkaformError(
            f"another reassignment is in progress ({listed(foreign)}): wait for it to finish, "
            "or pass --additional to run this one alongside it"
        )
    health = assess(observed)
    unhealthy = [f"{tp} offline" for tp in health.offline] + [
        f"{tp} under-replicated" for tp in health.under_replicated]
    if unhealthy:
        named = listed(unhealthy)
        if not force:
            raise KafkaformError(
                f"under-replicated or offline: {plural(len(unhealthy), 'partition')} ({named}): "
                "moving data now risks losing it; fix them first, or pass --force"
            )
        reporter.warning(f"--force: moving replicas although {named}")


# --- throttles ---------------------------------------------------------------


def set_throttles(admin: ClusterAdmin, wanted: Throttles, rate: int) -> ThrottleChanges:
    """Merge our throttles into the cluster's, recording them in the ledger first.

    Brokers that are down get no rate: there is nothing to throttle on them
    (a dead source broker is why a decommission is forced). When a change is
    refused (a principal allowed to alter topic configs but not broker
    configs, or the reverse), the ones already made are undone and the
    ledger is put back: a refused run leaves no throttle behind.
    """
    wanted = replace(wanted, brokers=wanted.brokers & _live_brokers(admin))
    topic_configs = admin.describe_topic_configs(sorted(wanted.topics))
    broker_configs = admin.describe_broker_configs(sorted(wanted.brokers))
    before = read_ledger(admin)
    changes = add_throttles(wanted, rate, topic_configs, broker_configs, before)
    write_ledger(admin, changes.ledger)
    failed = _send_config_ops(admin, changes)
    if not failed:
        return changes
    undo = undo_throttles(changes, topic_configs, broker_configs)
    left = _send_config_ops(admin, ThrottleChanges(
        {t: ops for t, ops in undo.topic_ops.items() if ("topic", t) not in failed},
        {b: ops for b, ops in undo.broker_ops.items() if ("broker", b) not in failed},
        undo.ledger))
    if left:
        raise KafkaformError(
            f"setting replication throttles failed: {_failures(failed)}; undoing the ones "
            f"already set failed too ({_failures(left)}): they stay recorded in the ledger "
            "and the next apply or `kafkaform reassign verify` removes them")
    write_ledger(admin, before)
    raise KafkaformError(
        f"setting replication throttles failed: {_failures(failed)}; the throttles this run "
        "had already set were removed again")


def clear_throttles(admin: ClusterAdmin,
                    moving: Mapping[TopicPartition, ReassignmentInProgress]) -> CleanupResult:
    """Remove the throttles in the ledger, unless a partition they cover still moves."""
    ledger = read_ledger(admin)
    if ledger.is_empty:
        return CleanupResult(throttles_removed=True)
    still = sorted(ledger.partitions & set(moving))
    if still:
        return CleanupResult(throttles_kept=f"still moving: {listed(still)}")
    topics = set(admin.list_topics())
    live = _live_brokers(admin)
    down = {b: keys for b, keys in ledger.brokers.items() if b not in live}
    changes = remove_throttles(
        replace(ledger, brokers={b: k for b, k in ledger.brokers.items() if b in live}),
        admin.describe_topic_configs(sorted(set(ledger.topics) & topics)),
        admin.describe_broker_configs(sorted(set(ledger.brokers) & live)),
    )
    _alter_configs(admin, changes)
    write_ledger(admin, ThrottleLedger(brokers=down))
    if down:
        return CleanupResult(throttles_kept=(
            f"down: {named('broker', sorted(down))}; their throttle rates "
            "stay recorded and are removed by the next verify"))
    return CleanupResult(throttles_removed=True)


def recorded_throttles(admin: ClusterAdmin) -> ThrottleLedger | None:
    """The throttles the ledger says kafkaform set and has not removed yet.

    None when there are none, or when this principal may not read the ledger
    (then it cannot have set any; whoever did cleans up with their rights).
    """
    try:
        ledger = read_ledger(admin)
    except ClusterError as error:
        if error.code.endswith("AUTHORIZATION_FAILED"):
            return None
        raise
    return None if ledger.is_empty else ledger


def describe_ledger(ledger: ThrottleLedger) -> str:
    """'topics a, b and brokers 1, 2' for a message."""
    parts = []
    if ledger.topics:
        noun = "topic" if len(ledger.topics) == 1 else "topics"
        parts.append(f"{noun} {listed(sorted(ledger.topics))}")
    if ledger.brokers:
        parts.append(named("broker", sorted(ledger.brokers)))
    return " and ".join(parts)


def clear_leftover_throttles(admin: ClusterAdmin) -> tuple[ThrottleLedger, CleanupResult] | None:
    """Remove the throttles an interrupted run left behind, if nothing they cover moves.

    A run killed after submitting every move leaves its throttles (and the
    ledger's claim on them) in place; when the moves end before anyone runs
    kafkaform again, the next plan has nothing left to move, so no
    reassignment's cleanup would ever remove them, and they would keep
    throttling those replicas (every later catch-up after a broker restart,
    at the reassignment's rate). Seen on Apache Kafka 4.4. None when the
    ledger is empty.
    """
    ledger = recorded_throttles(admin)
    if ledger is None:
        return None
    return ledger, clear_throttles(admin, admin.list_partition_reassignments())


def _live_brokers(admin: ClusterAdmin) -> set[int]:
    return {b.id for b in admin.describe_cluster().brokers}


def _alter_configs(admin: ClusterAdmin, changes: ThrottleChanges) -> None:
    failed = _send_config_ops(admin, changes)
    if failed:
        raise KafkaformError(f"changing replication throttles failed: {_failures(failed)}")


def _send_config_ops(admin: ClusterAdmin,
                     changes: ThrottleChanges) -> dict[tuple[str, object], ClusterError]:
    """Send the topic and broker operations; the refused ones by ("topic"|"broker", name)."""
    results: dict[tuple[str, object], ClusterError | None] = {}
    if changes.topic_ops:
        topic_results = admin.alter_topic_configs(_ops(changes.topic_ops))
        results.update({("topic", t): e for t, e in topic_results.items()})
    if changes.broker_ops:
        broker_results = admin.alter_broker_configs(_ops(changes.broker_ops))
        results.update({("broker", b): e for b, e in broker_results.items()})
    return {k: e for k, e in results.items() if e is not None}


def _failures(failed: Mapping[tuple[str, object], ClusterError]) -> str:
    """'brokers 1, 2, 3: CODE: why; topic t: CODE: why': one entry per distinct error."""
    by_error: dict[str, dict[str, list[str]]] = {}
    for (kind, name), error in sorted(failed.items(), key=lambda i: (i[0][0], str(i[0][1]))):
        by_error.setdefault(str(error), {}).setdefault(kind, []).append(str(name))
    parts = []
    for error, kinds in by_error.items():
        names = "; ".join(f"{kind}{'s' if len(n) > 1 else ''} {', '.join(n)}"
                          for kind, n in sorted(kinds.items()))
        parts.append(f"{names}: {error}")
    return "; ".join(parts)


def _ops(ops: Mapping[object, list[ConfigOp]]) -> dict:
    return {k: tuple(v) for k, v in ops.items()}


# --- verify, cancel ----------------------------------------------------------


def verify_reassignment(admin: ClusterAdmin, targets: Assignment, *,
                        settle_seconds: float = SETTLE_SECONDS,
                        sleep: Callable[[float], None] = idle) -> VerifyResult:
    """Where each partition stands; when all are complete, clean up after them.

    Cleanup removes only kafkaform's throttles (and only once none of the
    partitions they cover is moving), then elects the preferred leader of
    each partition whose leader is not its target's first replica. A
    partition no longer moving but not complete yet is read again for up to
    `settle_seconds` (SETTLE_SECONDS: the brokers' metadata may lag).
    """
    require_reassignment_apis(admin)
    waited = 0.0
    while True:
        topics, moving, statuses = read_statuses(admin, targets)
        unsettled = [tp for tp, (status, _) in statuses.items()
                     if status is not PartitionStatus.COMPLETE and tp not in moving]
        if not unsettled or waited >= settle_seconds:
            break
        sleep(SETTLE_POLL_SECONDS)
        waited += SETTLE_POLL_SECONDS
    if not all(s is PartitionStatus.COMPLETE for s, _ in statuses.values()):
        return VerifyResult(statuses, None)
    cleanup = clear_throttles(admin, moving)
    elect = sorted(tp for tp, target in targets.items()
                   if (p := find_partition(topics, tp)) is not None and p.leader != target[0])
    errors: dict[TopicPartition, str] = {}
    if elect:
        for tp, error in admin.elect_preferred_leaders(elect).items():
            if error is not None and error.code != "ELECTION_NOT_NEEDED":
                errors[tp] = str(error)
    elected = tuple(tp for tp in elect if tp not in errors)
    return VerifyResult(statuses, CleanupResult(cleanup.throttles_removed, cleanup.throttles_kept,
                                                elected, errors))


def read_statuses(admin: ClusterAdmin, targets: Assignment) -> tuple[
        dict[str, TopicInfo], dict[TopicPartition, ReassignmentInProgress],
        dict[TopicPartition, tuple[PartitionStatus, str]]]:
    """Topics, moves in flight and each target partition's status.

    Reassignments first (the controller), metadata after (a broker, maybe
    behind): a move the controller still lists is in progress whatever the
    metadata shows, and one it no longer lists had ended before the
    metadata was read.
    """
    moving = admin.list_partition_reassignments()
    topics = admin.list_topics()
    statuses = {tp: partition_status(target, find_partition(topics, tp), moving.get(tp))
                for tp, target in targets.items()}
    return topics, moving, statuses


@dataclass(frozen=True)
class CancelResult:
    cancelled: tuple[TopicPartition, ...]
    errors: dict[TopicPartition, str]
    cleanup: CleanupResult


def cancel_reassignment(admin: ClusterAdmin, targets: Iterable[TopicPartition]) -> CancelResult:
    """Revert the listed partitions' moves in flight, then remove our throttles."""
    require_reassignment_apis(admin)
    moving = admin.list_partition_reassignments()
    to_cancel = sorted(tp for tp in set(targets) if tp in moving)
    errors: dict[TopicPartition, str] = {}
    if to_cancel:
        result = admin.alter_partition_reassignments(dict.fromkeys(to_cancel))
        errors = {tp: str(e) for tp, e in result.items() if e is not None}
    cleanup = clear_throttles(admin, admin.list_partition_reassignments())
    cancelled = tuple(tp for tp in to_cancel if tp not in errors)
    return CancelResult(cancelled, errors, cleanup)


# --- execute -----------------------------------------------------------------


def execute_reassignments(
    admin: ClusterAdmin,
    actions: Sequence[Reassign],
    settings: ReassignmentSettings,
    reporter: Reporter,
    options: ReassignmentOptions | None = None,
) -> ReassignmentReport:
    """Move the actions' partitions to their targets: throttled, batched, verified.

    `settings` are the environment's; `options` (default: none) override
    them for this run.
    Refuses (KafkaformError, nothing written) a cluster without the
    reassignment APIs, unknown partitions or brokers, other moves in progress
    (unless `options.additional`) and under-replicated or offline partitions
    (unless `options.force`). Then, batch by batch: set the batch's
    throttles, submit it, and poll until every partition's replicas equal the
    target and are all in sync. At the end: verify, remove our throttles,
    elect preferred leaders. `options.sleep` is the only way time passes
    (tests drive a MemoryCluster with it); `options.timeout_seconds` bounds
    the time spent waiting (the moves keep running after a timeout and a
    re-run continues them). Progress goes to `reporter.progress`.
    """
    actions = list(actions)
    targets = targets_of(actions)
    if not targets:
        return ReassignmentReport({a: None for a in actions})
    options = options or ReassignmentOptions()
    run = _Run(admin, targets, options.settings(settings), reporter, options)
    try:
        run.prepare(force=options.force, additional=options.additional)
        run.execute()
    except KeyboardInterrupt:
        reporter.warning(
            "interrupted: moves already submitted continue on the cluster and kafkaform's "
            "throttles stay until they finish; run the same command again to continue, "
            "`kafkaform reassign verify` to check and clean up, or `kafkaform reassign cancel`"
        )
        raise
    return run.report(actions)


class _Run:
    """One execution: the state that changes as partitions complete."""

    def __init__(self, admin: ClusterAdmin, targets: Assignment, settings: ReassignmentSettings,
                 reporter: Reporter, options: ReassignmentOptions) -> None:
        self.admin = admin
        self.targets = targets
        self.settings = settings
        self.reporter = reporter
        self.sleep: Callable[[float], None] = options.sleep
        self.poll_seconds = options.poll_seconds
        self.timeout_seconds = options.timeout_seconds
        self.topics: dict[str, TopicInfo] = {}
        self.moving: dict[TopicPartition, ReassignmentInProgress] = {}
        self.origins: Assignment = {}
        self.already: list[TopicPartition] = []
        self.resumed: list[TopicPartition] = []
        self.to_submit: list[TopicPartition] = []
        self.done: set[TopicPartition] = set()
        self.in_flight: set[TopicPartition] = set()
        self.failed: dict[TopicPartition, str] = {}
        # Not moving, not at target: since when (in waited seconds). See SETTLE_SECONDS.
        self.settling: dict[TopicPartition, float] = {}
        self.batches = 0
        self.cleanup: CleanupResult | None = None
        self.waited = 0.0

    @property
    def throttle(self) -> int | None:
        rate = self.settings.throttle_bytes_per_sec
        return rate if rate and rate > 0 else None


    def prepare(self, *, force: bool, additional: bool) -> None:
        require_reassignment_apis(self.admin)
        observed = observe(self.admin)
        self.topics, self.moving = observed.topics, observed.reassignments
        _check_targets(self.targets, self.topics, set(observed.broker_ids))
        _gate(self.targets, observed, self.reporter, force=force, additional=additional)
        for tp, target in sorted(self.targets.items()):
            move = self.moving.get(tp)
            info = find_partition(self.topics, tp)
            assert info is not None, "checked above"
            status, _ = partition_status(target, info, move)
            if move is not None and in_flight_target(move) == target:
                self.resumed.append(tp)
                self.origins[tp] = in_flight_origin(move)
            elif status is PartitionStatus.COMPLETE:
                self.already.append(tp)
            elif move is None and tuple(info.replicas) == target:
                self.resumed.append(tp)  # at target, waiting for the ISR
                self.origins[tp] = target
            else:
                self.to_submit.append(tp)
                self.origins[tp] = tuple(info.replicas)
        self.done.update(self.already)
        self.reporter.info(
            f"reassignment of {plural(len(self.targets), 'partition')}: "
            f"{len(self.already)} already at "
            f"target, {len(self.resumed)} in progress from an earlier run, "
            f"{len(self.to_submit)} to move"
            + (f", throttled at {human_bytes(self.throttle)}/s" if self.throttle
               else ", unthrottled")
        )

    def execute(self) -> None:
        if self.resumed:
            self.throttle_partitions(self.resumed)
            self.in_flight.update(self.resumed)
            self.wait()
        pending = [pending_move(tp, self.origins[tp], self.targets[tp]) for tp in self.to_submit]
        for batch in plan_batches(pending, self.settings.batch_size,
                                  self.settings.max_moves_per_broker):
            self.batches += 1
            partitions = [m.partition for m in batch]
            self.throttle_partitions(partitions)
            errors = self.admin.alter_partition_reassignments(
                {m.partition: m.target for m in batch})
            for tp in partitions:
                error = errors.get(tp)
                if error is None:
                    self.in_flight.add(tp)
                else:
                    self.failed[tp] = f"not submitted: {error}"
            self.wait()
        self.finish()

    def throttle_partitions(self, partitions: Sequence[TopicPartition]) -> None:
        if self.throttle is None:
            return
        moves = {}
        for tp in partitions:
            move = self.moving.get(tp)
            adding = move.adding if move and in_flight_target(move) == self.targets[tp] else ()
            moves[tp] = movement(self.origins[tp], self.targets[tp], adding)
        set_throttles(self.admin, compute_throttles(moves), self.throttle)

    def wait(self) -> None:
        """Poll until every partition in flight completed or failed."""
        while True:
            self.topics, self.moving, statuses = read_statuses(
                self.admin, {tp: self.targets[tp] for tp in self.in_flight})
            for tp, (status, detail) in sorted(statuses.items()):
                if status is PartitionStatus.COMPLETE:
                    self.done.add(tp)
                elif status is PartitionStatus.FAILED:
                    since = self.settling.setdefault(tp, self.waited)
                    if self.waited - since >= SETTLE_SECONDS:
                        self.failed[tp] = detail
                else:
                    self.settling.pop(tp, None)
            self.in_flight -= self.done | set(self.failed)
            self.report_progress()
            if not self.in_flight:
                return
            if self.timeout_seconds is not None and self.waited >= self.timeout_seconds:
                raise KafkaformError(
                    f"timed out after {self.waited:g}s with "
                    f"{plural(len(self.in_flight), 'partition')} "
                    "still moving; the moves continue on the cluster: run the same command "
                    "again to continue, or `kafkaform reassign cancel`")
            self.sleep(self.poll_seconds)
            self.waited += self.poll_seconds

    def report_progress(self) -> None:
        bytes_done, bytes_total = self.bytes_progress()
        progress = ReassignProgress(
            total=len(self.targets),
            done=len(self.done),
            moving=len(self.in_flight),
            waiting=len(self.targets) - len(self.done) - len(self.in_flight) - len(self.failed),
            failed=len(self.failed),
            bytes_done=bytes_done,
            bytes_total=bytes_total,
        )
        self.reporter.progress(progress.done, progress.total, progress.detail())

    def bytes_progress(self) -> tuple[int | None, int | None]:
        if Api.DESCRIBE_LOG_DIRS not in self.admin.capabilities():
            return None, None
        moved = {tp: (self.origins[tp], self.targets[tp]) for tp in self.origins}
        return bytes_copied(self.admin.describe_log_dirs(), moved, self.done)

    def finish(self) -> None:
        if self.failed:
            self.reporter.warning(
                f"{plural(len(self.failed), 'partition')} did not reach their target; kafkaform's "
                "throttles stay until `kafkaform reassign verify` finds every partition complete")
            return
        result = verify_reassignment(self.admin, self.targets, sleep=self.sleep)
        if not result.complete:
            self.failed.update({tp: d for tp, (s, d) in result.statuses.items()
                                if s is not PartitionStatus.COMPLETE})
            return
        self.cleanup = result.cleanup
        assert self.cleanup is not None
        if self.cleanup.throttles_kept:
            self.reporter.info(f"kafkaform's throttles kept: {self.cleanup.throttles_kept}")
        elif self.throttle:
            self.reporter.info("kafkaform's replication throttles removed")
        if self.cleanup.leaders_elected:
            self.reporter.info(
                "preferred leader elected for "
                f"{plural(len(self.cleanup.leaders_elected), 'partition')}")
        for tp, error in sorted(self.cleanup.election_errors.items()):
            self.reporter.warning(f"preferred leader election for {tp} failed: {error}")

    def report(self, actions: Sequence[Reassign]) -> ReassignmentReport:
        outcomes: dict[Reassign, KafkaformError | None] = {}
        for action in actions:
            failed = [f"{tp}: {self.failed[tp]}" for m in action.moves
                      if (tp := TopicPartition(action.topic, m.partition)) in self.failed]
            outcomes[action] = KafkaformError(
                f"{plural(len(failed), 'partition')} did not reach their target: "
                + "; ".join(failed)
            ) if failed else None
        return ReassignmentReport(
            outcomes,
            already_at_target=tuple(self.already),
            resumed=tuple(self.resumed),
            moved=tuple(sorted(self.done - set(self.already))),
            failed=dict(sorted(self.failed.items())),
            batches=self.batches,
            throttle=self.throttle,
            cleanup=self.cleanup,
        )


def bytes_copied(
    sizes: Sequence[LogDirPartitionSize],
    moves: Mapping[TopicPartition, tuple[Sequence[int], Sequence[int]]],
    done: set[TopicPartition],
) -> tuple[int, int]:
    """(bytes copied so far, bytes to copy) for moves given as (origin, target).

    A partition's size is its largest copy on an origin replica; each replica
    added by the move has to receive that much. Partial copies on the adding
    brokers count as far as they have got.
    """
    by_replica = {(s.topic, s.partition, s.broker): s.size_bytes for s in sizes}
    copied = total = 0
    for tp, (origin, target) in moves.items():
        size = max((by_replica.get((tp.topic, tp.partition, b), 0) for b in origin), default=0)
        for broker in set(target) - set(origin):
            total += size
            have = by_replica.get((tp.topic, tp.partition, broker), 0)
            copied += size if tp in done else min(have, size)
    return copied, total


