"""The executor on the in-memory cluster: order, batching, dependencies, retries."""

from __future__ import annotations

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.actions import (
    AddPartitions,
    AlterTopicConfigs,
    ConfigChange,
    CreateAcl,
    CreateTopic,
    DeleteAcl,
    DeleteTopic,
    PartitionMove,
    Reassign,
    SetBrokerConfigs,
)
from kafkaform.core.model import (
    AclOperation,
    AclScope,
    DesiredState,
    ManagedScope,
    ReassignmentSettings,
    TopicScope,
)
from kafkaform.core.observed import Api
from kafkaform.core.wording import describe_action
from kafkaform.errors import ClusterError, ClusterUnreachable, OutcomeUnknown
from kafkaform.run import apply as executor
from kafkaform.run.apply import ApplyRefused, apply_plan
from kafkaform.run.events import RecordingReporter, Status
from kafkaform.run.reassign import ReassignmentOptions

from .builders import WRITES, OrderLog, no_wait, plan_of, read_acl

OLD_ACL = read_acl("User:old", "orders")
NEW_ACL = read_acl("User:new", "orders")


def full_plan():
    """One action of every kind but reassignment, on a cluster prepared for it."""
    return plan_of(
        DeleteTopic("legacy", 1),
        DeleteAcl(OLD_ACL),
        CreateAcl(NEW_ACL),
        AddPartitions("orders", 3, 6),
        AlterTopicConfigs("orders", (ConfigChange("retention.ms", None, "86400000"),)),
        CreateTopic("payments", 3, 3, {"cleanup.policy": "compact"}),
        CreateTopic("users", 2, 3),
        SetBrokerConfigs((ConfigChange("min.insync.replicas", None, "2"),)),
    )


def prepared_cluster(**kwargs) -> MemoryCluster:
    cluster = MemoryCluster(3, **kwargs)
    cluster.add_topic("orders", [[1, 2, 3], [2, 3, 1], [3, 1, 2]])
    cluster.add_topic("legacy", [[1, 2, 3]])
    cluster.create_acls([OLD_ACL])
    cluster.calls.clear()
    return cluster


def test_phases_run_in_order_each_in_one_call():
    cluster = prepared_cluster()
    log = OrderLog(cluster)

    report = apply_plan(full_plan(), log, reporter=RecordingReporter(), retry=no_wait())

    assert report.ok, report.summary_rows()
    assert log.writes == [
        "alter_broker_configs",
        "create_topics",
        "alter_topic_configs",
        "create_partitions",
        "create_acls",
        "delete_acls",
        "delete_topics",
    ]
    assert all(cluster.calls[m] == 1 for m in log.writes)
    topics = cluster.list_topics()
    assert set(topics) == {"orders", "payments", "users"}
    assert len(topics["orders"].partitions) == 6
    assert cluster.describe_acls() == frozenset({NEW_ACL})
    assert cluster.describe_topic_configs(["orders"])["orders"]["retention.ms"].value == "86400000"


def test_many_topics_are_still_one_create_call():
    cluster = MemoryCluster(3)
    plan = plan_of(*(CreateTopic(f"t{i}", 1, 3) for i in range(50)))

    report = apply_plan(plan, cluster, reporter=RecordingReporter(), retry=no_wait())

    assert report.ok
    assert cluster.calls["create_topics"] == 1
    assert len(cluster.list_topics()) == 50


def test_a_thousand_acl_changes_are_one_create_and_one_delete_call():
    # Issue 15: 50,000-binding clusters change 1,000 bindings at a time; one
    # request per binding would be a thousand round trips to the controller.
    cluster = MemoryCluster(3)
    old = [read_acl(f"User:u{i}", "orders") for i in range(500)]
    new = [read_acl(f"User:u{i}", "payments") for i in range(500)]
    cluster.create_acls(old)
    cluster.calls.clear()
    plan = plan_of(*(DeleteAcl(b) for b in old), *(CreateAcl(b) for b in new))

    report = apply_plan(plan, cluster, reporter=RecordingReporter(), retry=no_wait())

    assert report.ok
    assert (cluster.calls["create_acls"], cluster.calls["delete_acls"]) == (1, 1)
    assert cluster.describe_acls() == frozenset(new)


def test_acl_deletes_wait_for_every_acl_creation():
    cluster = prepared_cluster()
    cluster.fail_next("create_acls", ClusterError("INVALID_REQUEST", "bad principal"), NEW_ACL)

    report = apply_plan(full_plan(), cluster, reporter=RecordingReporter(), retry=no_wait())

    status = {type(r.action).__name__: r for r in report.results}
    assert status["CreateAcl"].status is Status.FAILED
    assert "bad principal" in status["CreateAcl"].detail
    assert status["DeleteAcl"].status is Status.NOT_ATTEMPTED
    assert "removals wait for additions" in status["DeleteAcl"].detail
    assert status["DeleteTopic"].status is Status.NOT_ATTEMPTED
    assert cluster.calls["delete_acls"] == 0
    assert OLD_ACL in cluster.describe_acls()  # nobody lost access
    assert not report.ok


def test_failed_topic_creation_skips_its_dependents_and_not_other_topics():
    cluster = MemoryCluster(3)
    plan = plan_of(
        CreateTopic("a", 1, 3),
        CreateTopic("b", 1, 3),
        AlterTopicConfigs("a", (ConfigChange("retention.ms", None, "1000"),)),
        AlterTopicConfigs("b", (ConfigChange("retention.ms", None, "1000"),)),
        CreateAcl(read_acl("User:x", "a")),
        CreateAcl(read_acl("User:x", "b")),
    )
    cluster.fail_next("create_topics", ClusterError("POLICY_VIOLATION", "no"), "a")

    report = apply_plan(plan, cluster, reporter=RecordingReporter(), retry=no_wait())

    outcome = {describe_action(r.action): r.status for r in report.results}
    assert [d for d, s in outcome.items() if s is Status.DONE] == [
        "create topic b (1 partition, RF 3)",
        "topic b configs: retention.ms: 1000",
        "create ACL allow User:x READ on topic b from *",
    ]
    assert outcome["create topic a (1 partition, RF 3)"] is Status.FAILED
    skipped = report.with_status(Status.NOT_ATTEMPTED)
    assert len(skipped) == 2
    assert all("create topic a" in r.detail for r in skipped)


def test_capability_missing_refuses_everything_before_any_write():
    cluster = prepared_cluster(capabilities=frozenset(Api) - {Api.CREATE_PARTITIONS})
    plan = plan_of(
        CreateTopic("new", 1, 3), AddPartitions("orders", 3, 4), AddPartitions("legacy", 1, 2)
    )

    with pytest.raises(ApplyRefused) as refused:
        apply_plan(plan, cluster, reporter=RecordingReporter())

    assert str(refused.value) == (
        "the cluster at memory://memory-cluster does not support CreatePartitions "
        "(needs Kafka ≥ 1.0): 2 add-partitions actions cannot run; nothing was applied"
    )
    assert not any(cluster.calls[m] for m in WRITES)


def test_plan_for_another_cluster_is_refused():
    cluster = MemoryCluster(3, cluster_id="prod-eu")

    with pytest.raises(ApplyRefused, match="'prod-us' but the cluster at .* has id 'prod-eu'"):
        apply_plan(plan_of(CreateTopic("a", 1, 3), cluster_id="prod-us"), cluster,
                   reporter=RecordingReporter())
    assert cluster.calls["create_topics"] == 0


def test_retriable_errors_are_retried_with_growing_backoff():
    cluster = MemoryCluster(3)
    moved = ClusterError("NOT_CONTROLLER", "moved", retriable=True)
    cluster.fail_next("create_topics", moved, "a")
    cluster.fail_next("create_topics", moved, "a")
    retry = no_wait()
    reporter = RecordingReporter()

    report = apply_plan(
        plan_of(CreateTopic("a", 1, 3), CreateTopic("b", 1, 3)), cluster,
        reporter=reporter, retry=retry,
    )

    assert report.ok
    assert cluster.calls["create_topics"] == 3
    assert retry.sleep.delays == [0.5, 1.0]
    assert "retrying 1 item in 0.5s after NOT_CONTROLLER" in reporter.messages("warning")[0]


def test_a_request_timed_out_is_not_sent_again_but_settled_by_reading_the_cluster():
    """REQUEST_TIMED_OUT: the broker stopped waiting for the controller, which went on
    and deleted the bindings. Sent again, the same DeleteAcls would queue behind
    itself; instead the apply stops after the phase and reads the cluster again."""
    cluster = MemoryCluster(3)
    old = [read_acl(f"User:u{i}", "orders") for i in range(3)]
    cluster.create_acls(old)
    cluster.lose_answer("delete_acls", ClusterError(
        "REQUEST_TIMED_OUT", "timed out waiting for the controller", retriable=True))
    plan = plan_of(*(DeleteAcl(b) for b in old), DeleteTopic("legacy", 1))
    cluster.add_topic("legacy", [[1, 2, 3]])
    cluster.calls.clear()
    reporter = RecordingReporter()

    report = apply_plan(plan, cluster, reporter=reporter, desired=desired_for(),
                        retry=no_wait())

    assert cluster.calls["delete_acls"] == 1
    assert not reporter.messages("warning")  # no "retrying"
    statuses = {describe_action(r.action): (r.status, r.detail) for r in report.results}
    assert statuses[describe_action(DeleteAcl(old[0]))] == (
        Status.DONE, "no answer (timed out waiting for the controller); reading the cluster "
        "again shows it done")
    assert statuses["delete topic legacy (1 partition)"][0] is Status.NOT_ATTEMPTED
    assert report.stopped == "timed out waiting for the controller"
    assert cluster.describe_acls() == frozenset()


def test_retries_are_bounded():
    cluster = MemoryCluster(3)
    for _ in range(10):
        cluster.fail_next("create_topics", ClusterError("NOT_CONTROLLER", retriable=True), "a")
    retry = no_wait()

    report = apply_plan(plan_of(CreateTopic("a", 1, 3)), cluster,
                        reporter=RecordingReporter(), retry=retry)

    assert cluster.calls["create_topics"] == retry.attempts
    assert retry.sleep.delays == [0.5, 1.0, 2.0, 4.0]
    assert report.results[0].status is Status.FAILED
    assert "NOT_CONTROLLER" in report.results[0].detail


def test_permanent_errors_are_not_retried():
    cluster = MemoryCluster(3)

    report = apply_plan(plan_of(CreateTopic("a", 1, 5)), cluster,
                        reporter=RecordingReporter(), retry=no_wait())

    assert cluster.calls["create_topics"] == 1
    assert report.results[0].status is Status.FAILED
    assert "INVALID_REPLICATION_FACTOR" in report.results[0].detail


def test_topic_that_already_exists_as_planned_counts_as_done():
    cluster = MemoryCluster(3)
    cluster.add_topic("a", [[1, 2, 3], [2, 3, 1]], {"retention.ms": "1000"})
    cluster.add_topic("b", [[1, 2, 3]])
    plan = plan_of(
        CreateTopic("a", 2, 3, {"retention.ms": "1000"}),
        CreateTopic("b", 4, 3),  # exists, but not as planned
    )

    report = apply_plan(plan, cluster, reporter=RecordingReporter(), retry=no_wait())

    a, b = report.results
    assert (a.status, a.detail) == (Status.DONE, "already existed as planned")
    assert b.status is Status.FAILED and "TOPIC_ALREADY_EXISTS" in b.detail


@pytest.mark.parametrize(
    ("existing", "configs", "why"),
    [
        ([[1, 2, 3], [2, 3, 1]], {"retention.ms": "2000"}, "another retention.ms"),
        ([[1, 2, 3], [2, 3, 1]], {}, "retention.ms not set"),
        ([[1, 2], [2, 3]], {"retention.ms": "1000"}, "replication factor 2, not 3"),
    ],
)
def test_topic_that_already_exists_otherwise_than_planned_fails(existing, configs, why):
    cluster = MemoryCluster(3)
    cluster.add_topic("a", existing, configs)

    report = apply_plan(plan_of(CreateTopic("a", 2, 3, {"retention.ms": "1000"})), cluster,
                        reporter=RecordingReporter(), retry=no_wait())

    (result,) = report.results
    assert result.status is Status.FAILED, why
    assert "TOPIC_ALREADY_EXISTS" in result.detail


def test_partitions_added_meanwhile_count_as_done_only_at_the_planned_count():
    # Kafka answers INVALID_PARTITIONS both when the topic already has the
    # requested count and when it has more: only the first is what was planned.
    cluster = MemoryCluster(3)
    cluster.add_topic("a", [[1, 2, 3]] * 4)
    cluster.add_topic("b", [[1, 2, 3]] * 3)

    report = apply_plan(plan_of(AddPartitions("a", 2, 4), AddPartitions("b", 1, 2)), cluster,
                        reporter=RecordingReporter(), retry=no_wait())

    a, b = report.results
    assert (a.status, a.detail) == (Status.DONE, "already had the planned partitions")
    assert b.status is Status.FAILED and "INVALID_PARTITIONS" in b.detail


def test_deleting_a_topic_that_is_gone_counts_as_done():
    cluster = MemoryCluster(3)

    report = apply_plan(plan_of(DeleteTopic("gone", 1)), cluster, reporter=RecordingReporter())

    assert report.ok
    assert report.results[0].detail == "already deleted"


def test_lost_connection_stops_the_apply_and_says_what_is_unknown():
    cluster = prepared_cluster()
    cluster.fail_next("alter_topic_configs", ClusterUnreachable("no broker answered in 30s"))

    report = apply_plan(full_plan(), cluster, reporter=RecordingReporter(), retry=no_wait())

    by_kind = {type(r.action).__name__: r for r in report.results}
    assert by_kind["CreateTopic"].status is Status.DONE
    assert by_kind["AlterTopicConfigs"].status is Status.UNKNOWN
    assert by_kind["AlterTopicConfigs"].detail == "no answer (no broker answered in 30s)"
    assert by_kind["CreateAcl"].status is Status.NOT_ATTEMPTED
    assert report.stopped == "no broker answered in 30s"
    assert cluster.calls["create_acls"] == 0


def test_reassignments_are_delegated_in_their_phase_with_the_runs_options(monkeypatch):
    seen = []

    def execute(admin, actions, settings, reporter, options):
        seen.append((list(actions), list(log.writes), settings, options))
        return {a: None for a in actions}

    monkeypatch.setattr(executor, "execute_reassignments", execute)
    cluster = prepared_cluster()
    log = OrderLog(cluster)
    move = Reassign("orders", (PartitionMove(0, (1, 2, 3), (2, 3, 1)),))
    plan = plan_of(CreateAcl(NEW_ACL), move, AddPartitions("orders", 3, 4))
    options = ReassignmentOptions(batch_size=3, timeout_seconds=60, sleep=lambda s: None)
    desired = DesiredState("test", reassignment=ReassignmentSettings(1000, 7, 2))

    report = apply_plan(plan, log, reporter=RecordingReporter(), desired=desired,
                        reassignment=options)

    assert report.ok
    assert seen == [([move], ["create_partitions"], desired.reassignment, options)]
    assert log.writes == ["create_partitions", "create_acls"]
    assert options.settings(desired.reassignment) == ReassignmentSettings(1000, 3, 2)


def test_acl_on_a_prefix_does_not_depend_on_a_topic():
    cluster = MemoryCluster(3)
    prefixed = read_acl("User:x", "a", AclOperation.WRITE)
    prefixed = type(prefixed)(prefixed.principal, prefixed.resource_type, "a.",
                              type(prefixed.pattern_type).PREFIXED, prefixed.operation)
    cluster.fail_next("create_topics", ClusterError("POLICY_VIOLATION"), "a.one")

    report = apply_plan(plan_of(CreateTopic("a.one", 1, 3), CreateAcl(prefixed)), cluster,
                        reporter=RecordingReporter())

    assert [r.status for r in report.results] == [Status.FAILED, Status.DONE]


# --- the scope guard: whatever the plan's source ------------------------------
SCOPED = DesiredState(
    "test",
    broker_configs={"min.insync.replicas": "2"},
    scope=ManagedScope(TopicScope(prefixes=("orders",)), AclScope(principals=("User:new",))),
)


@pytest.mark.parametrize(("action", "why"), [
    (DeleteTopic("legacy", 1), "delete topic legacy (1 partition): outside the environment's "
                               "manage.topics"),
    (DeleteTopic("orders", 3), "delete topic orders (3 partitions): a delete, and "
                               "manage.topics.delete is off"),
    (CreateTopic("__consumer_offsets", 1, 3), "an internal topic, which kafkaform never touches"),
    (AlterTopicConfigs("__kafkaform_lock", (ConfigChange("retention.ms", None, "1"),)),
     "an internal topic"),
    (AddPartitions("orders", 3, 2), "topic orders partitions 3 → 2: partitions only grow"),
    (CreateAcl(OLD_ACL), "a principal outside the environment's manage.acls.principals"),
    (DeleteAcl(NEW_ACL), "a delete, and manage.acls.delete is off"),
    (SetBrokerConfigs((ConfigChange("auto.create.topics.enable", None, "true"),)),
     "sets auto.create.topics.enable, which cluster.brokerConfigs does not declare"),
    (SetBrokerConfigs((ConfigChange("min.insync.replicas", "2", None),)),
     "removes min.insync.replicas, and manage.brokerConfigs.delete is off"),
])
def test_the_executor_refuses_any_action_outside_the_environment_before_any_write(action, why):
    cluster = prepared_cluster()
    log = OrderLog(cluster)

    with pytest.raises(ApplyRefused) as refused:
        apply_plan(plan_of(CreateTopic("orders.new", 1, 3), action), log,
                   reporter=RecordingReporter(), desired=SCOPED)

    assert why in str(refused.value)
    assert str(refused.value).startswith("refusing to apply: 1 action would step outside")
    assert str(refused.value).endswith("; nothing was applied")
    assert log.writes == []


def test_without_an_environment_internal_topics_and_shrinking_are_still_refused():
    for action in (DeleteTopic("__consumer_offsets", 50), AddPartitions("orders", 3, 1)):
        with pytest.raises(ApplyRefused):
            apply_plan(plan_of(action), prepared_cluster(), reporter=RecordingReporter())


def test_the_guard_lets_a_decommission_move_kafkaforms_throttle_ledger_only():
    """Decommissioning moves the ledger off the leaving broker (seen on Kafka: the
    guard refused the whole decommission); any other action on it stays refused."""
    from kafkaform.core.guard import violations
    from kafkaform.core.model import THROTTLE_LEDGER_TOPIC

    move = Reassign(THROTTLE_LEDGER_TOPIC, (PartitionMove(0, (4, 2, 3), (1, 2, 3)),))
    assert violations([move], desired_for("orders")) == []
    assert violations([DeleteTopic(THROTTLE_LEDGER_TOPIC, 1)], desired_for("orders"))


# --- truthful results: unknown outcomes, verification that cannot run -----------
def desired_for(*topics: str) -> DesiredState:
    """Manages everything, deletes off: what `full`-style plans below need."""
    from tests.run.builders import desired_state, topic

    return desired_state(*(topic(name, 3, 3) for name in topics))


def test_a_lost_answer_is_outcome_unknown_and_settled_by_reading_the_cluster_again():
    """The broker created the topics; the answer was lost. They used to be "failed"."""
    cluster = MemoryCluster(3)
    cluster.lose_answer("create_topics", OutcomeUnknown("no answer within 30s"))
    plan = plan_of(CreateTopic("a", 3, 3), CreateTopic("b", 3, 3),
                   AlterTopicConfigs("a", (ConfigChange("retention.ms", None, "1000"),)))
    reporter = RecordingReporter()

    report = apply_plan(plan, cluster, reporter=reporter, desired=desired_for("a", "b"),
                        retry=no_wait())

    statuses = {describe_action(r.action): (r.status, r.detail) for r in report.results}
    assert statuses["create topic a (3 partitions, RF 3)"] == (
        Status.DONE, "no answer (no answer within 30s); reading the cluster again shows it done")
    assert statuses["topic a configs: retention.ms: 1000"][0] is Status.NOT_ATTEMPTED
    assert report.stopped == "no answer within 30s"
    assert cluster.calls["alter_topic_configs"] == 0
    assert not report.ok
    assert reporter.messages("summary")  # the table is always reported


def test_an_unknown_outcome_that_did_not_happen_is_failed_after_reading_again():
    cluster = MemoryCluster(3)
    cluster.fail_next("create_topics", OutcomeUnknown("connection lost"))

    report = apply_plan(plan_of(CreateTopic("a", 3, 3)), cluster, reporter=RecordingReporter(),
                        desired=desired_for("a"), retry=no_wait())

    assert [(r.status, r.detail) for r in report.results] == [(
        Status.FAILED, "no answer (connection lost); reading the cluster again shows it not done")]


def test_unknown_outcomes_stay_unknown_when_the_cluster_cannot_be_read_again():
    cluster = MemoryCluster(3)
    cluster.lose_answer("create_topics", OutcomeUnknown("connection lost"))
    for _ in range(20):
        cluster.fail_next("list_topics", OutcomeUnknown("connection lost"))
    reporter = RecordingReporter()

    report = apply_plan(plan_of(CreateTopic("a", 3, 3)), cluster, reporter=reporter,
                        desired=desired_for("a"), retry=no_wait())

    assert [(r.status, r.detail) for r in report.results] == [
        (Status.UNKNOWN, "no answer (connection lost)")]
    assert report.verify_problem == "could not read the cluster again: connection lost"
    assert [row.status for row in reporter.messages("summary")[0]] == [Status.UNKNOWN]


def test_verification_that_cannot_run_is_reported_not_raised():
    """The report used to be lost: verification raised, and the last line was a bare error."""
    cluster = MemoryCluster(3)
    for _ in range(20):
        cluster.fail_next("list_topics", OutcomeUnknown("no answer within 30s"))
    reporter = RecordingReporter()

    report = apply_plan(plan_of(CreateTopic("a", 3, 3)), cluster, reporter=reporter,
                        desired=desired_for("a"), retry=no_wait())

    assert [r.status for r in report.results] == [Status.DONE]
    assert report.verify_problem == "could not read the cluster again: no answer within 30s"
    assert not report.ok
    assert reporter.messages("summary")


def test_a_replan_with_errors_is_not_a_match():
    """"the cluster matches the environment" was printed although the re-plan had errors."""
    cluster = MemoryCluster(3)
    cluster.add_topic("a", [[1, 2, 3]] * 5)
    desired = desired_for("a", "b")  # a: 3 partitions in the files, 5 on the cluster

    report = apply_plan(plan_of(CreateTopic("b", 3, 3)), cluster, reporter=RecordingReporter(),
                        desired=desired, retry=no_wait())

    assert [r.status for r in report.results] == [Status.DONE]
    assert not report.verified
    assert not report.ok
    assert report.verify_problem.startswith("planning again finds 1 error: ")
