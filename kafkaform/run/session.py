"""What the commands share: connect, observe, plan live, apply under the lock, move replicas.

A command (`kafkaform.cli`) parses its options into a `Connection`, loads
the environment and calls these. They return results or raise
`KafkaformError`s and never print: what a person sees is the command's and
`kafkaform.render`'s business (`show` and `approve` are handed in where the
flow needs them).

Everything a run takes from the outside world comes in a `Runtime`: how a
connection is opened, how waits pass, what time it is. A command gets it
from the typer context (`kafkaform.cli.app`); tests hand in one that serves
an in-memory cluster and advances its clock, instead of patching module
globals. Every admin is opened in a `with` block and closed on the way out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.cluster.readonly import ReadOnlyAdmin
from kafkaform.core.actions import Phase, Plan, Reassign
from kafkaform.core.fingerprint import (
    before_moves_ended,
    desired_hash,
    fingerprint_diff,
    observed_summary,
    summary_fingerprint,
)
from kafkaform.core.importer import Adoption, TopicFilter, adopt, import_acls, import_topics
from kafkaform.core.model import (
    AclBinding,
    ClusterConnection,
    DesiredState,
    ReassignmentSettings,
    TopicSpec,
)
from kafkaform.core.observed import Api, ObservedState, TopicPartition
from kafkaform.core.planner import Targets, plan, with_sizes
from kafkaform.core.reassign.generate import onto_brokers
from kafkaform.core.reassign.jsonfile import Assignment, actions_for
from kafkaform.core.wording import listed, plural
from kafkaform.errors import ClusterError
from kafkaform.files.planfile import load_plan
from kafkaform.files.yamlwrite import (
    acls_document,
    environment_document,
    topics_document,
    with_schema_comment,
)
from kafkaform.run import lock
from kafkaform.run.apply import (
    ApplyRefused,
    ApplyReport,
    RetryPolicy,
    apply_plan,
    describe_action,
    ensure_cluster_identity,
)
from kafkaform.run.connect import open_admin
from kafkaform.run.events import Reporter, Status
from kafkaform.run.observe import observe
from kafkaform.run.process import idle
from kafkaform.run.reassign import (
    CancelResult,
    ReassignmentOptions,
    ReassignmentReport,
    VerifyResult,
    cancel_reassignment,
    execute_reassignments,
    verify_reassignment,
)
from kafkaform.run.reassign.execute import (
    describe_ledger,
    recorded_throttles,
    require_reassignment_apis,
)


class AdminFactory(Protocol):
    """How a run opens its cluster connection (`kafkaform.run.connect.open_admin`)."""

    def __call__(
        self,
        desired: DesiredState | None,
        *,
        bootstrap: str | None,
        command_config: Path | None,
        snapshot: Path | None,
        read_only: bool,
    ) -> ClusterAdmin: ...


@dataclass(frozen=True)
class Runtime:
    """What a run takes from the outside world: the cluster, the passing of time, the clock."""

    open_admin: AdminFactory = open_admin
    # Every wait: reassignment polls, retry backoff, waiting for the apply lock.
    sleep: Callable[[float], None] = idle
    clock: Callable[[], datetime] = lock.utc_now


@dataclass(frozen=True)
class Connection:
    """Where a command's cluster is: the environment's, as the command line overrides it."""

    bootstrap: str | None = None
    command_config: Path | None = None
    snapshot: Path | None = None  # a snapshot file instead of a live cluster


@dataclass(frozen=True)
class LockOptions:
    wait: timedelta = timedelta(0)
    stale_after: timedelta = lock.DEFAULT_STALE_AFTER


# --- connecting ------------------------------------------------------------------


@contextmanager
def connected(
    runtime: Runtime,
    desired: DesiredState | None,
    connection: Connection = Connection(),
    *,
    read_only: bool,
    guard: bool = False,
) -> Iterator[ClusterAdmin]:
    """An admin for the block, closed after it. With `guard`, a cluster other than
    the one the environment names (`cluster.clusterId`) is refused at once."""
    with runtime.open_admin(
        desired,
        bootstrap=connection.bootstrap,
        command_config=connection.command_config,
        snapshot=connection.snapshot,
        read_only=read_only,
    ) as admin:
        if guard and desired is not None:
            ensure_cluster_identity(
                desired.cluster.cluster_id,
                admin.describe_cluster(),
                f"environment {desired.environment}",
            )
        yield admin


def observe_cluster(
    runtime: Runtime, desired: DesiredState | None, connection: Connection
) -> ObservedState:
    """One read of the environment's cluster (live or a snapshot), through an admin
    that cannot write."""
    with connected(runtime, desired, connection, read_only=True) as admin:
        return observe(admin)


# --- planning --------------------------------------------------------------------


def observe_and_plan(
    desired: DesiredState, admin: ClusterAdmin, targets: Targets | None = None
) -> Plan:
    """Observe and plan; when replicas move, add their sizes from DescribeLogDirs.

    The sizes are asked for only then (one request per broker, the reply
    lists every replica) and only where the cluster supports it; a refusal
    leaves them unknown, which the plan shows.
    """
    result = plan(desired, observe(admin), targets)
    if not result.phase(Phase.REASSIGN) or Api.DESCRIBE_LOG_DIRS not in admin.capabilities():
        return result
    try:
        return with_sizes(result, admin.describe_log_dirs())
    except ClusterError:
        return result


def plan_live(desired: DesiredState, admin: ClusterAdmin, targets: Targets | None = None) -> Plan:
    """Observe through a read-only view and plan: no write can happen here."""
    return observe_and_plan(desired, ReadOnlyAdmin(admin), targets)


def plan_environment(
    runtime: Runtime,
    desired: DesiredState,
    connection: Connection,
    targets: Targets | None = None,
    *,
    guard: bool = False,
) -> Plan:
    """`kafkaform plan`: connect read-only (or read a snapshot), observe and plan."""
    with connected(runtime, desired, connection, read_only=True, guard=guard) as admin:
        return observe_and_plan(desired, admin, targets)


# --- applying --------------------------------------------------------------------


def saved_plan(plan_file: Path, desired: DesiredState) -> Plan:
    """A plan saved by `kafkaform plan --out`, refused unless it is for this
    environment as its files now declare it."""
    saved = load_plan(plan_file)
    if saved.environment != desired.environment:
        raise ApplyRefused(
            f"{plan_file} is a plan for environment {saved.environment!r}, not "
            f"{desired.environment!r}; nothing was applied"
        )
    if saved.desired_hash != desired_hash(desired):
        raise ApplyRefused(
            f"the files of environment {desired.environment} changed since {plan_file} was "
            "made, so it is not the plan that was reviewed; re-run plan (nothing was applied)"
        )
    return saved


def ensure_unchanged(plan: Plan, admin: ClusterAdmin, reporter: Reporter | None = None) -> None:
    """Refuse a plan whose cluster state has changed since it was computed.

    One change is expected, not refused: moves the plan waits for (moves in
    flight, from an interrupted run) that ended meanwhile, at their targets.
    Resuming an interrupted apply on a real cluster, copies keep finishing
    while the plan is made, shown and the lock taken (seen on Kafka 4.4:
    "reassignment ... was removed; re-run plan", and again on the re-run).
    The plan stays right: those partitions are at their target, and the
    executor skips partitions that are.
    """
    observed = observe(ReadOnlyAdmin(admin))
    now = observed_summary(observed)
    if summary_fingerprint(now) == plan.observed_fingerprint:
        return
    ended = waits_that_ended(plan, observed, now)
    if ended:
        if reporter is not None:
            reporter.info(f"{plural(len(ended), 'move')} the plan waits for ended while "
                          f"waiting for the lock: {listed(ended)}")
        return
    changes = fingerprint_diff(plan.observed_summary, now) if plan.observed_summary else []
    what = "; ".join(changes) or "its fingerprint differs (the plan file has no summary)"
    raise ApplyRefused(
        f"the cluster changed since this plan was made: {what}; re-run plan (nothing was applied)"
    )


def waits_that_ended(plan: Plan, observed: ObservedState, now: dict) -> list[str]:
    """The plan's in-flight moves that have ended at their targets since, when
    nothing else changed (the summary then equals the plan's); else []."""
    old = plan.observed_summary
    if not old:
        return []
    waits = {(a.topic, m.partition): m for a in plan.phase(Phase.REASSIGN)
             if isinstance(a, Reassign) for m in a.moves if m.in_flight}
    names = {f"{topic}-{p}": (topic, p) for topic, p in waits}
    gone = set(old.get("reassigning", {})) - set(now.get("reassigning", {}))
    if not gone or not gone <= set(names):
        return []
    ended: dict[tuple[str, int], list[int]] = {}
    for name in sorted(gone):
        topic, partition = names[name]
        info = observed.topics.get(topic)
        current = next((p for p in info.partitions if p.partition == partition), None) \
            if info is not None else None
        if current is None or tuple(current.replicas) != tuple(waits[(topic, partition)].after):
            return []
        ended[(topic, partition)] = old["reassigning"][name]
    then = before_moves_ended(now, observed, ended)
    return sorted(gone) if summary_fingerprint(then) == plan.observed_fingerprint else []


def apply_under_lock(
    runtime: Runtime,
    plan: Plan,
    desired: DesiredState,
    admin: ClusterAdmin,
    reporter: Reporter,
    locking: LockOptions = LockOptions(),
    reassignment: ReassignmentOptions | None = None,
) -> ApplyReport:
    """Under the cluster's lock: re-check the cluster is as planned, apply, verify."""
    with lock.holding(
        admin,
        environment=desired.environment,
        stale_after=locking.stale_after,
        wait=locking.wait,
        warn=reporter.warning,
        clock=runtime.clock,
        sleep=runtime.sleep,
    ):
        # The cluster may have moved while the plan was reviewed or waited for the lock.
        ensure_unchanged(plan, admin, reporter)
        return apply_plan(
            plan,
            admin,
            reporter=reporter,
            desired=desired,
            retry=RetryPolicy(sleep=runtime.sleep),
            reassignment=_on_clock(runtime, reassignment),
        )


def apply_environment(
    runtime: Runtime,
    desired: DesiredState,
    connection: Connection,
    *,
    reporter: Reporter,
    show: Callable[[Plan], None],
    approve: Callable[[], None],
    plan_file: Path | None = None,
    locking: LockOptions = LockOptions(),
    reassignment: ReassignmentOptions | None = None,
    targets: Targets | None = None,
) -> ApplyReport | None:
    """`kafkaform apply`: plan live (or take a saved plan), `show` it, and apply it
    under the lock; None when there was nothing to do.

    `approve` is asked before a live plan is applied and raises to stop; a
    saved plan was reviewed when it was made. A plan with errors is refused.
    `targets` limit a live plan (a saved plan carries its own).
    """
    with connected(runtime, desired, connection, read_only=False, guard=True) as admin:
        if plan_file is None:
            the_plan = plan_live(desired, admin, targets)
        else:
            the_plan = saved_plan(plan_file, desired)
        show(the_plan)
        if the_plan.errors:
            raise ApplyRefused("the plan has errors and cannot be applied: nothing was applied")
        if the_plan.is_empty:
            # An interrupted reassignment whose moves ended since: its
            # throttles are the one thing left to do (apply_plan removes them).
            leftover = recorded_throttles(admin)
            if leftover is None:
                return None
            reporter.info("Nothing to apply but kafkaform's replication throttles left by an "
                          f"interrupted reassignment on {describe_ledger(leftover)}: apply "
                          "removes them.")
        if plan_file is None:
            approve()
        return apply_under_lock(
            runtime, the_plan, desired, admin, reporter, locking, reassignment
        )


def force_unlock(
    runtime: Runtime, desired: DesiredState, connection: Connection
) -> tuple[bool, lock.LockRecord | None]:
    """Remove the cluster's apply lock: (whether there was one, its owner)."""
    with connected(runtime, desired, connection, read_only=False, guard=True) as admin:
        return lock.force_unlock(admin)


# --- importing -------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """The cluster's topics and ACL bindings as the YAML documents to write."""

    topics: int
    topics_yaml: str
    acls: int | None  # None: the cluster does not let ACLs be listed
    acls_yaml: str | None  # None: no bindings (or none listed)


def import_environment(
    runtime: Runtime,
    desired: DesiredState,
    connection: Connection,
    out_dir: Path,
    which: TopicFilter,
) -> Imported:
    """`kafkaform import`: the cluster's topics and ACLs as YAML, for files in `out_dir`."""
    observed = observe_cluster(runtime, desired, connection)
    return _documents(import_topics(observed, which), None if observed.acls is None
                      else import_acls(observed), out_dir)


def _documents(topics: list[TopicSpec], bindings: list[AclBinding] | None,
               out_dir: Path) -> Imported:
    # Every override is written, even one equal to Kafka's default: leaving it out
    # would make the next plan revert it.
    document = topics_document(topics, omit_kafka_defaults=False)
    topics_yaml = with_schema_comment(document, "topics.schema.json", out_dir)
    if bindings is None:
        return Imported(len(topics), topics_yaml, None, None)
    acls_yaml = with_schema_comment(
        acls_document(bindings), "acls.schema.json", out_dir) if bindings else None
    return Imported(len(topics), topics_yaml, len(bindings), acls_yaml)


@dataclass(frozen=True)
class Adopted:
    """A cluster as a new environment: its Environment document and its files."""

    adoption: Adoption
    environment_yaml: str
    imported: Imported


def adopt_cluster(
    runtime: Runtime, name: str, connection: Connection, out_dir: Path, which: TopicFilter
) -> Adopted:
    """`kafkaform import NEW_ENV --bootstrap-server B`: the cluster as a new environment
    that validates and plans no change as it is (`kafkaform.core.importer.adopt`)."""
    observed = observe_cluster(runtime, None, connection)
    adoption = adopt(observed, name, which)
    # From a snapshot there is no address to keep: ${KAFKA_BOOTSTRAP} stands in.
    desired = replace(adoption.desired, cluster=ClusterConnection(
        bootstrap=connection.bootstrap, cluster_id=adoption.cluster_id))
    notes = [f"Adopted from cluster {adoption.cluster_id} by `kafkaform import`: the Topics and",
             "Acls files beside this one are what the cluster holds, so `kafkaform plan`",
             "finds nothing to do until they change."]
    if connection.command_config is not None:
        notes += [f"Connect as the import did: --command-config {connection.command_config}",
                  "(or cluster.client, with secrets as ${VAR}s: docs/security.md)."]
    environment_yaml = with_schema_comment(
        environment_document(desired, notes=notes, relaxed=adoption.relaxed),
        "environment.schema.json", out_dir)
    return Adopted(adoption, environment_yaml,
                   _documents(adoption.topics, adoption.acls, out_dir))


# --- moving replicas -------------------------------------------------------------


def planned_moves(runtime: Runtime, desired: DesiredState, connection: Connection) -> Plan:
    """The environment's plan (read-only), for the replica moves it holds."""
    with connected(runtime, desired, connection, read_only=True) as admin:
        return plan(desired, observe(admin))


def moves_onto_brokers(
    runtime: Runtime, connection: Connection, names: Sequence[str], brokers: Sequence[int]
) -> list[Reassign]:
    """`--topics-to-move` onto `--broker-list`, with the fewest moves."""
    observed = observe_cluster(runtime, None, connection)
    return onto_brokers(observed.topics, names, brokers, observed.racks)


@contextmanager
def reassigning(
    runtime: Runtime, desired: DesiredState | None, connection: Connection
) -> Iterator[ClusterAdmin]:
    """A writable admin, refused at once when it cannot reassign (or is another cluster)."""
    with connected(runtime, desired, connection, read_only=False) as admin:
        require_reassignment_apis(admin)
        if desired is not None:
            ensure_cluster_identity(desired.cluster.cluster_id, admin.describe_cluster(),
                                    f"environment {desired.environment}")
        yield admin


def execute_reassignment(
    runtime: Runtime,
    desired: DesiredState | None,
    connection: Connection,
    targets: Assignment,
    *,
    origin: Path,
    reporter: Reporter,
    reassignment: ReassignmentOptions | None = None,
) -> ReassignmentReport:
    """`reassign execute FILE`: under the lock, move the file's partitions (throttled,
    in batches, verified, cleaned up), reporting as `apply` does."""
    with reassigning(runtime, desired, connection) as admin, lock.holding(
        admin, environment=f"reassign execute {origin.name}", warn=reporter.warning,
        clock=runtime.clock, sleep=runtime.sleep,
    ):
        actions = actions_for(targets, admin.list_topics(), reason=f"from {origin}")
        reporter.phase_started("reassign partitions", len(actions))
        try:
            report = execute_reassignments(
                admin, actions,
                desired.reassignment if desired else ReassignmentSettings(),
                reporter, _on_clock(runtime, reassignment))
            for action, error in report.items():
                reporter.action_finished(describe_action(action),
                                         Status.FAILED if error else Status.DONE)
        finally:
            reporter.phase_finished()
    return report


def verify_reassignment_file(
    runtime: Runtime, desired: DesiredState | None, connection: Connection, targets: Assignment
) -> VerifyResult:
    """`reassign verify FILE`: each partition's status; the cleanup once all are complete."""
    with reassigning(runtime, desired, connection) as admin:
        return verify_reassignment(admin, targets)


def cancel_reassignment_file(
    runtime: Runtime,
    desired: DesiredState | None,
    connection: Connection,
    partitions: Iterable[TopicPartition],
    *,
    origin: Path,
) -> CancelResult:
    """`reassign cancel FILE`: under the lock, revert the moves still in flight."""
    with reassigning(runtime, desired, connection) as admin, lock.holding(
        admin, environment=f"reassign cancel {origin.name}",
        clock=runtime.clock, sleep=runtime.sleep,
    ):
        return cancel_reassignment(admin, partitions)


def _on_clock(runtime: Runtime, options: ReassignmentOptions | None) -> ReassignmentOptions:
    """The run's reassignment options, waiting on the runtime's clock."""
    return replace(options or ReassignmentOptions(), sleep=runtime.sleep)

