"""Apply a plan: ordered, batched, retried and verified writes through the port.

`apply_plan` walks the plan phase by phase (`Phase` order: broker configs,
create topics, topic configs, add partitions, reassignments, the config
raises that wait for the moves, create ACLs, delete ACLs, delete topics).
Each phase is one batched port call for all its items (plus retries of the
items that failed with a retriable error), so a plan with 500 topics is still
a handful of requests.

Before any write it refuses the whole plan when the plan has errors, was made
for another cluster, or needs an admin API the cluster does not advertise:
nothing is half-applied because of something knowable up front.

When an item fails, what still runs (the rule `docs/apply.md` documents):
1. Actions on one topic form a chain. Once one fails or is not attempted, the
   topic's later actions are not attempted: configs, partitions and
   reassignments of a topic whose creation failed, a min.insync.replicas
   raise waiting for a reassignment that did not finish, and ACLs on exactly
   that topic name (LITERAL bindings). A cluster-wide raise that waits for the
   moves waits for all of them.
2. Removals wait for additions. If any topic creation or ACL creation failed
   or was not attempted, no ACL and no topic is deleted: a removal is often the
   second half of a replacement (new binding replaces old, new topic replaces
   old) and running it alone would take access or data away.
3. Everything else is independent and continues: broker configs, other
   topics, ACLs on other resources.
4. A failure of the whole connection (not a Kafka error for an item) stops the
   apply: the items of that call are failed with "outcome unknown", the rest
   are not attempted. Reassignments (`kafkaform.run.reassign`) that refuse or
   break off fail their actions; the later phases follow rules 1-3.

Transient errors (`ClusterError.retriable`) are retried with bounded
exponential backoff, only for the items that failed; permanent errors never.
An item error that means "already done" is accepted when the cluster shows the
planned result: TOPIC_ALREADY_EXISTS for a topic that now has the planned
partitions, RF and configs (a retry after a lost acknowledgement, or a
concurrent apply), INVALID_PARTITIONS when the topic already has the planned
partition count, UNKNOWN_TOPIC_OR_PARTITION when deleting a topic that is gone.
That, and planning from a fresh observation, make a re-run after a partial
failure plan and do only what is left.

After the writes, `apply_plan` (given the desired state) re-observes and
re-plans: anything still planned that is not explained by a failed or skipped
action is reported as not converged, and the apply fails.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.actions import (
    Action,
    AddPartitions,
    AlterTopicConfigs,
    ConfigChange,
    CreateAcl,
    CreateTopic,
    DeleteAcl,
    DeleteTopic,
    Phase,
    Plan,
    Reassign,
    SetBrokerConfigs,
)
from kafkaform.core.capabilities import missing_capabilities
from kafkaform.core.model import DesiredState, PatternType, ReassignmentSettings, ResourceType
from kafkaform.core.observed import CLUSTER_DEFAULT_BROKER, ClusterInfo
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewPartitions, NewTopic
from kafkaform.core.wording import config_change_line, plural
from kafkaform.errors import ClusterError, KafkaformError
from kafkaform.run.events import Reporter, Status, SummaryRow
from kafkaform.run.process import idle
from kafkaform.run.reassign import (
    ReassignmentOptions,
    clear_leftover_throttles,
    execute_reassignments,
)
from kafkaform.run.reassign.execute import describe_ledger


class ApplyRefused(KafkaformError):
    """The apply was refused before any write: nothing was changed."""


_PHASE_TITLES = {
    Phase.BROKER_CONFIGS: "broker configs",
    Phase.CREATE_TOPICS: "create topics",
    Phase.TOPIC_CONFIGS: "topic configs",
    Phase.ADD_PARTITIONS: "add partitions",
    Phase.REASSIGN: "reassign partitions",
    Phase.TOPIC_CONFIGS_AFTER_MOVES: "topic configs after the moves",
    Phase.BROKER_CONFIGS_AFTER_MOVES: "broker configs after the moves",
    Phase.CREATE_ACLS: "create ACLs",
    Phase.DELETE_ACLS: "delete ACLs",
    Phase.DELETE_TOPICS: "delete topics",
}


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for retriable Kafka errors."""

    attempts: int = 5
    first_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = idle
    # How long verification waits for acknowledged writes to show in reads
    # (see `verify`) before it reports them as not converged.
    settle_seconds: float = 10.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        return min(self.max_delay, self.first_delay * 2 ** (retry - 1))


@dataclass(frozen=True)
class ActionResult:
    action: Action
    status: Status
    detail: str = ""


@dataclass
class ApplyReport:
    """What an apply did, action by action, and what verification found."""

    results: list[ActionResult] = field(default_factory=list)
    not_converged: list[str] = field(default_factory=list)
    stopped: str | None = None
    # A targeted plan's resources: only these were applied and verified.
    targets: tuple[str, ...] = ()

    def with_status(self, status: Status) -> list[ActionResult]:
        return [r for r in self.results if r.status is status]

    @property
    def ok(self) -> bool:
        return not self.not_converged and all(r.status is Status.DONE for r in self.results)

    def summary_rows(self) -> list[SummaryRow]:
        rows = [SummaryRow(r.status, describe_action(r.action), r.detail) for r in self.results]
        rows += [
            SummaryRow(Status.FAILED, "verify: " + line, "did not converge")
            for line in self.not_converged
        ]
        return rows


# --- describing actions ------------------------------------------------------


def describe_action(action: Action) -> str:
    """One short line naming what the action changes (tables, logs)."""
    match action:
        case SetBrokerConfigs():
            return f"cluster-wide broker configs: {_changes(action.changes)}"
        case CreateTopic():
            return (
                f"create topic {action.topic} ({plural(action.partitions, 'partition')}, "
                f"RF {action.replication_factor})"
            )
        case AlterTopicConfigs():
            return f"topic {action.topic} configs: {_changes(action.changes)}"
        case AddPartitions():
            return f"topic {action.topic} partitions {action.before} → {action.after}"
        case Reassign():
            return (
                f"reassign {plural(len(action.moves), 'partition')} of {action.topic} "
                f"({plural(action.replica_moves, 'replica move')})"
            )
        case CreateAcl():
            return f"create ACL {action.binding.describe()}"
        case DeleteAcl():
            return f"delete ACL {action.binding.describe()}"
        case DeleteTopic():
            return f"delete topic {action.topic} ({plural(action.partitions, 'partition')})"
    raise TypeError(f"unknown action {action!r}")


def _changes(changes: Sequence[ConfigChange]) -> str:
    return "; ".join(config_change_line(c).lstrip("~+ ") for c in changes)


# --- guards ------------------------------------------------------------------


def ensure_cluster_identity(expected: str | None, cluster: ClusterInfo, what: str) -> None:
    """Refuse to touch a cluster other than the one `what` was made for."""
    if expected and expected != cluster.cluster_id:
        where = f" at {cluster.address}" if cluster.address else ""
        raise ApplyRefused(
            f"{what} is for cluster id {expected!r} but the cluster{where} has id "
            f"{cluster.cluster_id!r}; refusing to touch it (nothing was applied)"
        )


def check_before_writing(
    plan: Plan, admin: ClusterAdmin, desired: DesiredState | None = None
) -> ClusterInfo:
    """Every refusal that can be known before the first write."""
    if plan.errors:
        raise ApplyRefused(
            f"the plan has {plural(len(plan.errors), 'error')} and cannot be applied: "
            + "; ".join(p.render() for p in plan.errors)
        )
    cluster = admin.describe_cluster()
    ensure_cluster_identity(plan.cluster_id, cluster, f"the plan for {plan.environment}")
    if desired is not None:
        ensure_cluster_identity(
            desired.cluster.cluster_id, cluster, f"environment {desired.environment}"
        )
    address = cluster.address or cluster.cluster_id
    missing = missing_capabilities(plan.actions, admin.capabilities(), address)
    if missing:
        raise ApplyRefused("; ".join(missing) + "; nothing was applied")
    return cluster


# --- executing ---------------------------------------------------------------


class _Stopped(Exception):
    """The connection failed as a whole: stop, keep the reason."""


_NO_RESULT = ClusterError("NO_RESULT", "the cluster returned no result for this item")


@dataclass
class _Batch:
    """One phase as one port call: items keyed as the port keys its results."""

    title: str
    actions: dict[Hashable, list[Action]]
    send: Callable[[list[Hashable]], Mapping[Any, ClusterError | None]]
    # Items whose error means "already done" when the cluster shows it is.
    already_done: Callable[[dict[Hashable, ClusterError]], dict[Hashable, str]] = (
        lambda errors: {}
    )


class _Executor:
    def __init__(
        self,
        admin: ClusterAdmin,
        reporter: Reporter,
        retry: RetryPolicy,
        settings: ReassignmentSettings,
        options: ReassignmentOptions,
    ) -> None:
        self.admin = admin
        self.reporter = reporter
        self.retry = retry
        self.reassignment_settings = settings
        self.reassignment_options = options
        self.results: dict[Action, ActionResult] = {}
        self.blocked_topics: dict[str, str] = {}
        self.failed_additions = 0
        self.unfinished_moves = 0

    # -- bookkeeping
    def settle(self, action: Action, status: Status, detail: str = "") -> None:
        self.results[action] = ActionResult(action, status, detail)
        self.reporter.action_finished(describe_action(action), status, detail)
        if status is Status.DONE:
            return
        topic = _topic_of(action)
        if topic is not None and topic not in self.blocked_topics:
            self.blocked_topics[topic] = describe_action(action)
        if isinstance(action, CreateTopic | CreateAcl):
            self.failed_additions += 1
        if isinstance(action, Reassign):
            self.unfinished_moves += 1

    def why_not(self, action: Action) -> str | None:
        """The dependency rule: why this action must not be attempted, if so."""
        if isinstance(action, DeleteAcl | DeleteTopic) and self.failed_additions:
            return (
                f"held back: {plural(self.failed_additions, 'topic/ACL creation')} did not "
                "succeed, and removals wait for additions"
            )
        if isinstance(action, SetBrokerConfigs) and action.after_moves and self.unfinished_moves:
            return (f"held back: {plural(self.unfinished_moves, 'reassignment')} did not "
                    "finish, and this raise waits for the replication factors they bring")
        topic = _topic_of(action)
        if topic is not None and topic in self.blocked_topics:
            return f"depends on '{self.blocked_topics[topic]}', which did not succeed"
        return None

    # -- phases
    def run_phase(self, phase: Phase, actions: list[Action]) -> None:
        runnable = []
        self.reporter.phase_started(_PHASE_TITLES[phase], len(actions))
        try:
            for action in actions:
                reason = self.why_not(action)
                if reason:
                    self.settle(action, Status.NOT_ATTEMPTED, reason)
                else:
                    runnable.append(action)
            if not runnable:
                return
            if phase is Phase.REASSIGN:
                self.run_reassignments(runnable)
            else:
                self.run_batch(_batch_for(phase, runnable, self.admin))
        finally:
            self.reporter.phase_finished()

    def run_reassignments(self, actions: list[Action]) -> None:
        """`kafkaform.run.reassign` moves the replicas and reports progress; the
        outcome of each action (None = done) is settled here."""
        try:
            outcome = execute_reassignments(
                self.admin, actions, self.reassignment_settings, self.reporter,
                self.reassignment_options)
        except KafkaformError as error:  # refused or broke off: later phases decide for themselves
            outcome = {a: error for a in actions}
        for action in actions:
            error = outcome.get(action, _NO_RESULT)
            self.settle(action, *(_failed(error) if error else (Status.DONE, "")))

    def clear_leftover_throttles(self) -> None:
        """Remove kafkaform's throttles that an interrupted reassignment left.

        A plan that moves replicas does this at its end anyway; without one,
        nothing else would (`reassign.clear_leftover_throttles`). Not an
        action: the plan cannot see the ledger, and failing here changes
        nothing the plan promised, so it is a warning.
        """
        try:
            cleared = clear_leftover_throttles(self.admin)
        except KafkaformError as error:
            self.reporter.warning(
                f"kafkaform's throttles left by an interrupted reassignment stay: {error}")
            return
        if cleared is None:
            return
        ledger, cleanup = cleared
        if cleanup.throttles_kept:
            self.reporter.info(f"kafkaform's throttles left by an interrupted reassignment "
                               f"kept: {cleanup.throttles_kept}")
        else:
            self.reporter.info("removed kafkaform's replication throttles left by an "
                               f"interrupted reassignment on {describe_ledger(ledger)}")

    def run_batch(self, batch: _Batch) -> None:
        errors = self.send_with_retries(batch)
        accepted = batch.already_done(
            {k: e for k, e in errors.items() if e is not None}
        ) if any(errors.values()) else {}
        for key, actions in batch.actions.items():
            error = errors[key]
            for action in actions:
                if error is None:
                    self.settle(action, Status.DONE)
                elif key in accepted:
                    self.settle(action, Status.DONE, accepted[key])
                else:
                    self.settle(action, *_failed(error))

    def send_with_retries(self, batch: _Batch) -> dict[Hashable, ClusterError | None]:
        pending = list(batch.actions)
        errors: dict[Hashable, ClusterError | None] = {}
        for attempt in range(1, self.retry.attempts + 1):
            reply = self.send(batch, pending)
            for key in pending:
                errors[key] = reply.get(key, _NO_RESULT)
            pending = [k for k in pending if errors[k] is not None and errors[k].retriable]
            if not pending or attempt == self.retry.attempts:
                break
            delay = self.retry.delay(attempt)
            codes = sorted({errors[k].code for k in pending})
            self.reporter.warning(
                f"{batch.title}: retrying {plural(len(pending), 'item')} in {delay:g}s "
                f"after {', '.join(codes)} (retry {attempt} of {self.retry.attempts - 1})"
            )
            self.retry.sleep(delay)
        return errors

    def send(self, batch: _Batch, keys: list[Hashable]) -> Mapping[Any, ClusterError | None]:
        try:
            return batch.send(keys)
        except ClusterError as error:  # the whole request failed with a Kafka error
            return {k: error for k in keys}
        except KafkaformError as error:  # unreachable, timeout, auth: stop here
            for key in keys:
                for action in batch.actions[key]:
                    self.settle(action, Status.FAILED, f"outcome unknown: {error}")
            raise _Stopped(str(error)) from error


def _failed(error: KafkaformError) -> tuple[Status, str]:
    return Status.FAILED, str(error)


def _topic_of(action: Action) -> str | None:
    """The topic an action is about, for the per-topic dependency chain."""
    if isinstance(action, CreateAcl | DeleteAcl):
        binding = action.binding
        if binding.resource_type is ResourceType.TOPIC and (
            binding.pattern_type is PatternType.LITERAL
        ):
            return binding.resource_name
        return None
    return getattr(action, "topic", None)


def _ops(changes: Sequence[ConfigChange]) -> list[ConfigOp]:
    return [
        ConfigOp(c.key, ConfigOpType.DELETE)
        if c.after is None
        else ConfigOp(c.key, ConfigOpType.SET, c.after)
        for c in changes
    ]


def _grouped(actions: Sequence[Action], key: Callable[[Any], Hashable]) -> dict:
    groups: dict[Hashable, list[Action]] = {}
    for action in actions:
        groups.setdefault(key(action), []).append(action)
    return groups


def _batch_for(phase: Phase, actions: list[Action], admin: ClusterAdmin) -> _Batch:
    """The one port call that carries every action of a phase."""
    title = _PHASE_TITLES[phase]
    by_topic = _grouped(actions, lambda a: a.topic) if phase in _TOPIC_PHASES else {}
    match phase:
        case Phase.BROKER_CONFIGS | Phase.BROKER_CONFIGS_AFTER_MOVES:
            ops = [op for a in actions for op in _ops(a.changes)]
            return _Batch(
                title,
                {CLUSTER_DEFAULT_BROKER: list(actions)},
                lambda keys: admin.alter_broker_configs({k: ops for k in keys}),
            )
        case Phase.CREATE_TOPICS:
            return _Batch(
                title,
                by_topic,
                lambda keys: admin.create_topics([_new_topic(by_topic[k][0]) for k in keys]),
                lambda errors: _topics_already_created(admin, by_topic, errors),
            )
        case Phase.TOPIC_CONFIGS | Phase.TOPIC_CONFIGS_AFTER_MOVES:
            return _Batch(
                title,
                by_topic,
                lambda keys: admin.alter_topic_configs(
                    {k: [op for a in by_topic[k] for op in _ops(a.changes)] for k in keys}
                ),
            )
        case Phase.ADD_PARTITIONS:
            return _Batch(
                title,
                by_topic,
                lambda keys: admin.create_partitions(
                    [NewPartitions(k, by_topic[k][-1].after, _new_replicas(by_topic[k]))
                     for k in keys]
                ),
                lambda errors: _partitions_already_added(admin, by_topic, errors),
            )
        case Phase.CREATE_ACLS | Phase.DELETE_ACLS:
            by_binding = _grouped(actions, lambda a: a.binding)
            call = admin.create_acls if phase is Phase.CREATE_ACLS else admin.delete_acls
            return _Batch(title, by_binding, lambda keys: call(list(keys)))
        case Phase.DELETE_TOPICS:
            return _Batch(
                title,
                by_topic,
                lambda keys: admin.delete_topics(list(keys)),
                lambda errors: dict.fromkeys(
                    _with_code(errors, "UNKNOWN_TOPIC_OR_PARTITION"), "already deleted"
                ),
            )
    raise ValueError(f"no batch for phase {phase!r}")


_TOPIC_PHASES = (
    Phase.CREATE_TOPICS,
    Phase.TOPIC_CONFIGS,
    Phase.TOPIC_CONFIGS_AFTER_MOVES,
    Phase.ADD_PARTITIONS,
    Phase.DELETE_TOPICS,
)


def _new_topic(action: CreateTopic) -> NewTopic:
    return NewTopic(
        action.topic,
        action.partitions,
        action.replication_factor,
        dict(action.configs),
        action.assignment,
    )


def _new_replicas(actions: list[AddPartitions]) -> tuple[tuple[int, ...], ...] | None:
    lists = [a.assignment for a in actions]
    if any(a is None for a in lists):
        return None
    return tuple(r for a in lists for r in a)


def _with_code(errors: dict[Hashable, ClusterError], code: str) -> list[Hashable]:
    return [key for key, error in errors.items() if error.code == code]


def _topics_already_created(
    admin: ClusterAdmin, by_topic: dict, errors: dict[Hashable, ClusterError]
) -> dict[Hashable, str]:
    """TOPIC_ALREADY_EXISTS is fine when the topic is exactly what was planned."""
    names = _with_code(errors, "TOPIC_ALREADY_EXISTS")
    if not names:
        return {}
    live = admin.list_topics()
    configs = admin.describe_topic_configs([n for n in names if n in live])
    accepted = {}
    for name in names:
        planned: CreateTopic = by_topic[name][0]
        topic = live.get(name)
        if topic is None:
            continue
        partitions = len(planned.assignment) if planned.assignment else planned.partitions
        rf = len(planned.assignment[0]) if planned.assignment else planned.replication_factor
        entries = configs.get(name, {})
        if (
            len(topic.partitions) == partitions
            and topic.replication_factor == rf
            and all(
                entries.get(k) is not None and entries[k].value == v
                for k, v in planned.configs.items()
            )
        ):
            accepted[name] = "already existed as planned"
    return accepted


def _partitions_already_added(
    admin: ClusterAdmin, by_topic: dict, errors: dict[Hashable, ClusterError]
) -> dict[Hashable, str]:
    """INVALID_PARTITIONS is fine when the topic already has the planned count."""
    names = _with_code(errors, "INVALID_PARTITIONS")
    if not names:
        return {}
    live = admin.list_topics()
    return {
        n: "already had the planned partitions"
        for n in names
        if n in live and len(live[n].partitions) == by_topic[n][-1].after
    }


# --- verification ------------------------------------------------------------


def _action_key(action: Action) -> tuple:
    """What an action is about, to match a re-plan against the applied plan."""
    if isinstance(action, CreateAcl | DeleteAcl):
        return (action.kind, action.binding)
    return (action.kind, getattr(action, "topic", None))


def unconverged(report: ApplyReport, replanned: Plan) -> list[str]:
    """Re-planned actions not explained by an action that failed or was skipped."""
    unsettled = {_action_key(r.action) for r in report.results if r.status is not Status.DONE}
    return [
        describe_action(a) + " is still planned after apply"
        for a in replanned.actions
        if _action_key(a) not in unsettled
    ]


def verify(
    desired: DesiredState, admin: ClusterAdmin, report: ApplyReport, retry: RetryPolicy
) -> None:
    """Re-observe and re-plan; record whatever did not converge in the report.

    A targeted apply re-plans its targets only: the rest of the environment
    was not part of the plan, so what is left there is not a failure of it.

    Kafka's reads lag its writes: a KRaft broker answers from its own replay
    of the metadata log, which can trail the controller that acknowledged the
    write (seen on Apache Kafka 4.4: a topic's configs missing from
    DescribeConfigs just after CreateTopics returned). So a change still
    planned is looked at again with the retry backoff, for up to
    `retry.settle_seconds`, before it counts as not converged.
    """
    from kafkaform.cluster.readonly import ReadOnlyAdmin
    from kafkaform.core.planner import Targets
    from kafkaform.core.planner import plan as make_plan
    from kafkaform.run.observe import observe

    targets = Targets.parse(report.targets) if report.targets else None
    waited, attempt = 0.0, 0
    while True:
        replanned = make_plan(desired, observe(ReadOnlyAdmin(admin)), targets)
        report.not_converged = unconverged(report, replanned)
        if not report.not_converged or waited >= retry.settle_seconds:
            return
        attempt += 1
        delay = min(retry.delay(attempt), retry.settle_seconds - waited)
        retry.sleep(delay)
        waited += delay


# --- entry point -------------------------------------------------------------


def apply_plan(
    plan: Plan,
    admin: ClusterAdmin,
    *,
    reporter: Reporter,
    desired: DesiredState | None = None,
    retry: RetryPolicy = RetryPolicy(),
    reassignment: ReassignmentOptions | None = None,
) -> ApplyReport:
    """Execute `plan` through `admin`; verify against `desired` when given.

    Reassignments run with the environment's settings (`desired`, else
    Kafka-safe defaults) as `reassignment` overrides them, on its clock.
    Raises `ApplyRefused` (nothing written) for refusals known up front; every
    other failure is in the returned report.
    """
    check_before_writing(plan, admin, desired)
    executor = _Executor(
        admin,
        reporter,
        retry,
        desired.reassignment if desired else ReassignmentSettings(),
        reassignment or ReassignmentOptions(),
    )
    report = ApplyReport(targets=plan.targets)
    try:
        for phase in Phase:
            actions = plan.phase(phase)
            if actions:
                executor.run_phase(phase, actions)
    except _Stopped as stop:
        report.stopped = str(stop)
        for action in plan.actions:
            if action not in executor.results:
                executor.settle(action, Status.NOT_ATTEMPTED, "apply stopped: " + str(stop))
    if report.stopped is None and not plan.phase(Phase.REASSIGN):
        executor.clear_leftover_throttles()
    report.results = [executor.results[a] for a in plan.actions]
    if desired is not None and report.stopped is None:
        reporter.info("verifying: re-observing the cluster and planning again")
        verify(desired, admin, report, retry)
    reporter.summary(report.summary_rows())
    return report
