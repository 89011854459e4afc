"""Apply a plan: ordered, batched, retried and verified writes through the port.

`apply_plan` walks the plan phase by phase (`Phase` order: broker configs,
client quotas, set SCRAM users, create topics, topic configs, add partitions,
reassignments, the config raises that wait for the moves, create ACLs, delete
ACLs, delete SCRAM users, delete topics).
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
2. Removals wait for additions. If any topic, ACL or SCRAM user creation
   failed or was not attempted, no ACL, no topic and no SCRAM credential is
   deleted: a removal is often the second half of a replacement (new binding
   replaces old, new topic replaces old, a user renamed) and running it alone
   would take access or data away.
3. Everything else is independent and continues: broker configs, other
   topics, ACLs on other resources.
4. An unknown outcome stops the apply after its phase. A request that got no
   answer (it timed out, or its connection was lost: `OutcomeUnknown`), or that
   could not be sent (unreachable, authentication), leaves its items' outcome
   unknown: the broker may have done them. The other items of the phase are
   settled, every later phase is not attempted, and the cluster is read again
   to settle the unknown ones (see below). Reassignments
   (`kafkaform.run.reassign`) that refuse or break off fail their actions;
   the later phases follow rules 1-3.

Transient errors (`ClusterError.retriable`) are retried with bounded
exponential backoff, only for the items that failed; permanent errors never,
and REQUEST_TIMED_OUT never either: it leaves the outcome unknown (rule 4).
An item error that means "already done" is accepted when the cluster shows the
planned result: TOPIC_ALREADY_EXISTS for a topic that now has the planned
partitions, RF and configs (a retry after a lost acknowledgement, or a
concurrent apply), INVALID_PARTITIONS when the topic already has the planned
partition count, UNKNOWN_TOPIC_OR_PARTITION when deleting a topic that is gone.
That, and planning from a fresh observation, make a re-run after a partial
failure plan and do only what is left.

SCRAM passwords are read (`kafkaform.run.secrets`) before the first write,
for every user the plan sets, and the apply is refused when one cannot be;
after the users phase, what each password was set from is recorded in the
users ledger (`kafkaform.run.users_ledger`).

After the writes, `apply_plan` (given the desired state) re-observes and
re-plans (`verify`): an action whose outcome was unknown is done when the
fresh plan no longer has it, and failed when it still does; anything still
planned that is not explained by an action that did not succeed is reported
as not converged. Only a fresh plan that is empty and has no errors verifies
the apply ("the cluster matches"). When the cluster cannot be read again,
the unknown outcomes stay unknown and the report says verification could not
run; the report (every action, its outcome, the summary) is always returned.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.actions import (
    Action,
    AddPartitions,
    ConfigChange,
    CreateAcl,
    CreateTopic,
    DeleteAcl,
    DeleteTopic,
    DeleteUserCredentials,
    Phase,
    Plan,
    Reassign,
    SetBrokerConfigs,
    SetClientQuota,
    SetUserCredentials,
)
from kafkaform.core.capabilities import missing_capabilities
from kafkaform.core.guard import violations
from kafkaform.core.model import DesiredState, PatternType, ReassignmentSettings, ResourceType
from kafkaform.core.observed import CLUSTER_DEFAULT_BROKER, ClusterInfo, PasswordRecord
from kafkaform.core.requests import (
    ConfigOp,
    ConfigOpType,
    NewPartitions,
    NewTopic,
    ScramAlteration,
    ScramDeletion,
    ScramUpsertion,
)
from kafkaform.core.wording import describe_action, listed, plural
from kafkaform.errors import ClusterError, KafkaformError
from kafkaform.run.events import Reporter, Status, SummaryRow
from kafkaform.run.process import idle
from kafkaform.run.reassign import (
    ReassignmentOptions,
    clear_leftover_throttles,
    execute_reassignments,
)
from kafkaform.run.reassign.execute import describe_ledger
from kafkaform.run.secrets import read_password
from kafkaform.run.users_ledger import LEDGER_TOPIC, record_passwords


class ApplyRefused(KafkaformError):
    """The apply was refused before any write: nothing was changed."""


_PHASE_TITLES = {
    Phase.BROKER_CONFIGS: "broker configs",
    Phase.CLIENT_QUOTAS: "client quotas",
    Phase.SET_USERS: "set SCRAM users",
    Phase.DELETE_USERS: "delete SCRAM users",
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
    # Why the apply stopped early (an outcome became unknown), if it did.
    stopped: str | None = None
    # A fresh plan after the writes was empty and had no errors.
    verified: bool = False
    # Why verification could not vouch for the result: the cluster could not be
    # read again, or the fresh plan has errors.
    verify_problem: str | None = None
    # The apply lock could not be released: what to tell (with the command).
    lock_left: str | None = None
    # A targeted plan's resources: only these were applied and verified.
    targets: tuple[str, ...] = ()

    def with_status(self, status: Status) -> list[ActionResult]:
        return [r for r in self.results if r.status is status]

    @property
    def ok(self) -> bool:
        return (not self.not_converged and self.verify_problem is None and self.lock_left is None
                and all(r.status is Status.DONE for r in self.results))

    def summary_rows(self) -> list[SummaryRow]:
        rows = [SummaryRow(r.status, describe_action(r.action), r.detail) for r in self.results]
        rows += [
            SummaryRow(Status.FAILED, "verify: " + line, "did not converge")
            for line in self.not_converged
        ]
        return rows


# --- guards ------------------------------------------------------------------


def ensure_cluster_identity(expected: str | None, cluster: ClusterInfo, what: str) -> None:
    """Refuse to touch a cluster other than the one `what` was made for."""
    if expected and expected != cluster.cluster_id:
        where = f" at {cluster.address}" if cluster.address else ""
        raise ApplyRefused(
            f"{what} is for cluster id {expected!r} but the cluster{where} has id "
            f"{cluster.cluster_id!r}; refusing to touch it (nothing was applied)"
        )


def read_passwords(
    plan: Plan, desired: DesiredState | None, environ: Mapping[str, str]
) -> dict[str, str]:
    """The password of every user the plan sets, read before the first write;
    ApplyRefused naming each one that cannot be read (never a value)."""
    setting = [a for a in plan.actions if isinstance(a, SetUserCredentials)]
    if not setting:
        return {}
    if desired is None:
        raise ApplyRefused("setting SCRAM users needs the environment's files, which name "
                           "their passwords; nothing was applied")
    passwords, problems = {}, []
    for action in setting:
        spec = desired.users.get(action.user)
        if spec is None or spec.password is None:
            problems.append(f"user {action.user}: the files name no password for it")
            continue
        try:
            passwords[action.user] = read_password(spec.password, environ)
        except KafkaformError as error:
            problems.append(f"user {action.user}: {error}")
    if problems:
        raise ApplyRefused("cannot read the passwords to set: " + "; ".join(problems)
                           + "; nothing was applied")
    return passwords


def check_before_writing(
    plan: Plan, admin: ClusterAdmin, desired: DesiredState | None = None
) -> ClusterInfo:
    """Every refusal that can be known before the first write, the scope guard
    (`kafkaform.core.guard`) first: it holds whatever the plan's source."""
    out_of_bounds = violations(plan.actions, desired)
    if out_of_bounds:
        raise ApplyRefused(
            f"refusing to apply: {plural(len(out_of_bounds), 'action')} would step outside what "
            f"the environment allows: {listed(out_of_bounds, 10, '; ')}; nothing was applied"
        )
    if plan.errors:
        raise ApplyRefused(
            f"the plan has {plural(len(plan.errors), 'error')} and cannot be applied: "
            + listed([p.render() for p in plan.errors], 10, "; ")
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
        passwords: Mapping[str, str],
        desired: DesiredState | None,
    ) -> None:
        self.admin = admin
        self.passwords = passwords
        self.desired = desired
        self.reporter = reporter
        self.retry = retry
        self.reassignment_settings = settings
        self.reassignment_options = options
        self.results: dict[Action, ActionResult] = {}
        self.blocked_topics: dict[str, str] = {}
        self.failed_additions = 0
        # Why the first outcome became unknown: the apply stops after its phase.
        self.unknown: str | None = None
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
        if isinstance(action, CreateTopic | CreateAcl | SetUserCredentials):
            self.failed_additions += 1
        if isinstance(action, Reassign):
            self.unfinished_moves += 1

    def settle_error(self, action: Action, error: KafkaformError) -> None:
        """Failed, for a Kafka error the broker answered with; outcome unknown for a
        request that got no answer, or a timeout (the broker may still finish it)."""
        if _is_answer(error):
            self.settle(action, Status.FAILED, str(error))
            return
        reason = error.message if isinstance(error, ClusterError) else str(error)
        self.unknown = self.unknown or reason
        self.settle(action, Status.UNKNOWN, f"no answer ({reason})")

    def why_not(self, action: Action) -> str | None:
        """The dependency rule: why this action must not be attempted, if so."""
        if isinstance(action, DeleteAcl | DeleteTopic | DeleteUserCredentials) and (
            self.failed_additions
        ):
            return (
                f"held back: {plural(self.failed_additions, 'topic/ACL/user creation')} did not "
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
            elif phase in (Phase.SET_USERS, Phase.DELETE_USERS):
                self.run_batch(self.users_batch(phase, runnable))
                self.record_passwords(runnable)
            else:
                self.run_batch(_batch_for(phase, runnable, self.admin))
        finally:
            self.reporter.phase_finished()
        if self.unknown is not None:
            raise _Stopped(self.unknown)

    def users_batch(self, phase: Phase, actions: list[Action]) -> _Batch:
        """All users' credential changes, as AlterUserScramCredentials requests
        (the adapter sends a user's second mechanism in a second request)."""
        by_user = _grouped(actions, lambda a: a.user)

        def alterations(user: Hashable) -> list[ScramAlteration]:
            action = by_user[user][0]
            if isinstance(action, SetUserCredentials):
                return [ScramUpsertion(action.user, c.mechanism, c.after or 0,
                                       self.passwords[action.user]) for c in action.changes]
            return [ScramDeletion(action.user, c.mechanism) for c in action.changes]

        def send(users: list[Hashable]) -> dict[Hashable, ClusterError | None]:
            results = self.admin.alter_scram_credentials(
                [a for user in users for a in alterations(user)])
            return {user: _first_error(results.get((a.user, a.mechanism), _NO_RESULT)
                                       for a in alterations(user))
                    for user in users}

        return _Batch(_PHASE_TITLES[phase], by_user, send, lambda errors: dict.fromkeys(
            [user for user, error in errors.items() if error.code == "RESOURCE_NOT_FOUND"
             and isinstance(by_user[user][0], DeleteUserCredentials)],
            "already deleted"))

    def record_passwords(self, actions: list[Action]) -> None:
        """Remember what the passwords just set came from (and forget deleted
        users) in the users ledger; if that fails, the next plan sets them again."""
        done = [a for a in actions if self.results[a].status is Status.DONE]
        set_from = {}
        for action in done:
            spec = (self.desired.users.get(action.user)
                    if self.desired and isinstance(action, SetUserCredentials) else None)
            if spec is not None and spec.password is not None:
                set_from[action.user] = PasswordRecord(spec.password, spec.password_version)
        forgotten = [a.user for a in done if isinstance(a, DeleteUserCredentials) and a.whole_user]
        if not (set_from or forgotten):
            return
        try:
            record_passwords(self.admin, set_from, forgotten)
        except KafkaformError as error:
            self.reporter.warning(
                f"could not record the passwords set in {LEDGER_TOPIC} ({error}): the next "
                "plan sets them again")

    def run_reassignments(self, actions: list[Action]) -> None:
        """`kafkaform.run.reassign` moves the replicas and reports progress; the
        outcome of each action (None = done) is settled here."""
        try:
            outcome: Mapping[Action, KafkaformError | None] = execute_reassignments(
                self.admin, actions, self.reassignment_settings, self.reporter,
                self.reassignment_options)
        except KafkaformError as error:  # refused or broke off: later phases decide for themselves
            outcome = {a: error for a in actions}
        for action in actions:
            error = outcome.get(action, _NO_RESULT)
            self.settle_error(action, error) if error else self.settle(action, Status.DONE)

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
        known = {k: e for k, e in errors.items() if isinstance(e, ClusterError)}
        accepted = batch.already_done(known) if known else {}
        for key, actions in batch.actions.items():
            error = errors[key]
            for action in actions:
                if error is None:
                    self.settle(action, Status.DONE)
                elif key in accepted:
                    self.settle(action, Status.DONE, accepted[key])
                else:
                    self.settle_error(action, error)

    def send_with_retries(self, batch: _Batch) -> dict[Hashable, KafkaformError | None]:
        """Each item's last answer: None (done), a Kafka error for it, or the error of
        a request that got no answer (its items' outcome unknown: never retried)."""
        pending = list(batch.actions)
        errors: dict[Hashable, KafkaformError | None] = {}
        for attempt in range(1, self.retry.attempts + 1):
            reply = self.send(batch, pending)
            for key in pending:
                errors[key] = reply.get(key, _NO_RESULT)
            pending = [k for k in pending if _is_answer(errors[k]) and errors[k].retriable]
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

    def send(self, batch: _Batch, keys: list[Hashable]) -> Mapping[Any, KafkaformError | None]:
        try:
            return batch.send(keys)
        except KafkaformError as error:
            # A Kafka error for the whole request (each item failed with it), or
            # no answer at all (timeout, lost connection, unreachable): unknown.
            return {k: error for k in keys}


def _is_answer(error: KafkaformError | None) -> bool:
    """Whether `error` is the cluster's answer for an item, which says it was not
    done. REQUEST_TIMED_OUT is none: the broker stopped waiting for the KRaft
    controller, which may still commit the write (ForwardingManager answers it
    when its request to the controller times out). Its outcome is unknown and
    it is never sent again blindly: a DeleteAcls of 500 filters, which the
    controller matches against every binding (AclControlManager.deleteAcls), sent
    again queues behind itself (nine minutes of retries at 50,000 bindings)."""
    return isinstance(error, ClusterError) and error.code != "REQUEST_TIMED_OUT"


def _first_error(errors: Iterable[ClusterError | None]) -> ClusterError | None:
    return next((error for error in errors if error is not None), None)


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
        case Phase.CLIENT_QUOTAS:
            by_entity = _grouped(actions, lambda a: a.entity)
            return _Batch(title, by_entity, lambda keys: admin.alter_client_quotas({
                k: {c.key: c.after for a in by_entity[k] for c in a.changes} for k in keys}))
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
    if isinstance(action, SetClientQuota):
        return (action.kind, action.entity)
    if isinstance(action, SetUserCredentials | DeleteUserCredentials):
        return (action.kind, action.user)
    return (action.kind, getattr(action, "topic", None))


def unconverged(report: ApplyReport, replanned: Plan) -> list[str]:
    """Re-planned actions not explained by an action that did not succeed."""
    unsettled = {_action_key(r.action) for r in report.results if r.status is not Status.DONE}
    return [
        describe_action(a) + " is still planned after apply"
        for a in replanned.actions
        if _action_key(a) not in unsettled
    ]


def verify(
    desired: DesiredState, admin: ClusterAdmin, report: ApplyReport, retry: RetryPolicy
) -> None:
    """Read the cluster again and plan again; settle the unknown outcomes and record
    whatever did not converge in the report. Never raises for the cluster: what
    could not be read is `report.verify_problem`.

    A targeted apply re-plans its targets only: the rest of the environment
    was not part of the plan, so what is left there is not a failure of it.

    Kafka's reads lag its writes: a KRaft broker answers from its own replay
    of the metadata log, which can trail the controller that acknowledged the
    write (seen on Apache Kafka 4.4: a topic's configs missing from
    DescribeConfigs just after CreateTopics returned). So a change still
    planned, or a managed topic whose configs did not come back (which the
    planner refuses), is looked at again with the retry backoff, for up to
    `retry.settle_seconds`, before it counts as not done, not converged or an
    error. A read that fails is tried once more: a cluster that failed twice
    running would only cost a timeout per further try.
    """
    from kafkaform.cluster.readonly import ReadOnlyAdmin
    from kafkaform.core.planner import Targets
    from kafkaform.core.planner import plan as make_plan
    from kafkaform.run.observe import observe

    targets = replace(Targets.parse(report.targets), must_match=False) if report.targets else None
    waited, attempt, failed_reads = 0.0, 0, 0
    while True:
        try:
            observed = observe(ReadOnlyAdmin(admin))
            replanned: Plan | None = make_plan(desired, observed, targets)
            report.verify_problem = None
        except KafkaformError as error:
            replanned = None
            report.verify_problem = f"could not read the cluster again: {error}"
            failed_reads += 1
            if failed_reads == 2:
                return
        if replanned is not None:
            _settle_unknown(report, replanned, final=False)
            report.not_converged = unconverged(report, replanned)
            report.verified = replanned.is_empty and not replanned.errors
            if replanned.errors:
                report.verify_problem = (
                    f"planning again finds {plural(len(replanned.errors), 'error')}: "
                    + listed([p.render() for p in replanned.errors], 3, "; "))
            settled = not report.with_status(Status.UNKNOWN) and not report.not_converged
            lagging = not observed.configs_unread.isdisjoint(desired.topics)
            if (settled or replanned.errors) and not lagging:
                return
        if waited >= retry.settle_seconds:
            if replanned is not None:
                _settle_unknown(report, replanned, final=True)
            return
        attempt += 1
        delay = min(retry.delay(attempt), retry.settle_seconds - waited)
        retry.sleep(delay)
        waited += delay


def _settle_unknown(report: ApplyReport, replanned: Plan, *, final: bool) -> None:
    """An action whose outcome was unknown is done when the fresh plan no longer has
    it; with `final`, failed when it still does (a move in flight stays unknown)."""
    planned = {_action_key(a): a for a in replanned.actions}
    for index, result in enumerate(report.results):
        if result.status is not Status.UNKNOWN:
            continue
        again = planned.get(_action_key(result.action))
        if again is None:
            report.results[index] = ActionResult(
                result.action, Status.DONE,
                f"{result.detail}; reading the cluster again shows it done")
        elif final and not _moving(again):
            report.results[index] = ActionResult(
                result.action, Status.FAILED,
                f"{result.detail}; reading the cluster again shows it not done")
        elif final:
            report.results[index] = ActionResult(
                result.action, Status.UNKNOWN,
                f"{result.detail}; the moves are in progress on the cluster: run apply again "
                "to wait for them")


def _moving(action: Action) -> bool:
    return isinstance(action, Reassign) and all(m.in_flight for m in action.moves)


# --- entry point -------------------------------------------------------------


def apply_plan(
    plan: Plan,
    admin: ClusterAdmin,
    *,
    reporter: Reporter,
    desired: DesiredState | None = None,
    retry: RetryPolicy = RetryPolicy(),
    reassignment: ReassignmentOptions | None = None,
    environ: Mapping[str, str] | None = None,
) -> ApplyReport:
    """Execute `plan` through `admin`; verify against `desired` when given.

    Reassignments run with the environment's settings (`desired`, else
    Kafka-safe defaults) as `reassignment` overrides them, on its clock.
    SCRAM passwords are read from `environ` (default: the process's) and the
    files `desired` names. Raises `ApplyRefused` (nothing written) for
    refusals known up front; every other failure is in the returned report.
    """
    check_before_writing(plan, admin, desired)
    passwords = read_passwords(plan, desired, os.environ if environ is None else environ)
    executor = _Executor(
        admin,
        reporter,
        retry,
        desired.reassignment if desired else ReassignmentSettings(),
        reassignment or ReassignmentOptions(),
        passwords,
        desired,
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
                executor.settle(action, Status.NOT_ATTEMPTED,
                                f"apply stopped: an outcome is unknown ({stop})")
    if report.stopped is None and not plan.phase(Phase.REASSIGN):
        executor.clear_leftover_throttles()
    report.results = [executor.results[a] for a in plan.actions]
    if desired is not None:
        reporter.info("verifying: reading the cluster again and planning again")
        verify(desired, admin, report, retry)
    reporter.summary(report.summary_rows())
    return report
