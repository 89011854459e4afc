"""Plan → apply → verify on the in-memory cluster: partial failures, re-runs, properties."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import AclOperation
from kafkaform.core.observed import BrokerInfo
from kafkaform.core.planner import plan
from kafkaform.core.requests import NewTopic
from kafkaform.errors import ClusterError
from kafkaform.files.validate import validate_environment
from kafkaform.run.apply import apply_plan
from kafkaform.run.events import RecordingReporter, Status
from kafkaform.run.observe import observe

from .builders import desired_state, no_wait, read_acl, topic


def apply_desired(desired, cluster, **kwargs):
    the_plan = plan(desired, observe(cluster))
    assert not the_plan.errors, the_plan.errors
    return apply_plan(
        the_plan, cluster, reporter=RecordingReporter(), desired=desired, retry=no_wait(), **kwargs
    )


DESIRED = desired_state(
    topic("orders", 6, retention_ms="86400000"),
    topic("payments", 3, cleanup_policy="compact"),
    topic("users", 3),
    acls=frozenset({read_acl("User:app", "orders"), read_acl("User:app", "users")}),
    broker_configs={"min.insync.replicas": "2"},
)


def test_apply_then_plan_is_empty():
    cluster = MemoryCluster(3)

    report = apply_desired(DESIRED, cluster)

    assert report.ok, report.summary_rows()
    assert report.not_converged == []
    assert plan(DESIRED, observe(cluster)).is_empty


def test_mid_apply_failure_is_reported_truthfully_and_a_rerun_converges():
    cluster = MemoryCluster(3)
    cluster.fail_next("create_topics", ClusterError("POLICY_VIOLATION", "quota"), "orders")

    first = apply_desired(DESIRED, cluster)

    assert not first.ok
    failed = {r.action.kind: r for r in first.with_status(Status.FAILED)}
    assert list(failed) == ["create_topic"]
    assert failed["create_topic"].action.topic == "orders"
    skipped = first.with_status(Status.NOT_ATTEMPTED)
    assert [(r.action.kind, r.action.binding.resource_name) for r in skipped] == [
        ("create_acl", "orders")
    ]
    assert first.not_converged == []  # everything left is explained by the failure
    assert "users" in cluster.list_topics()  # independent work went ahead

    calls_before = cluster.calls.copy()
    second = apply_desired(DESIRED, cluster)

    assert second.ok, second.summary_rows()
    assert [r.action.kind for r in second.results] == ["create_topic", "create_acl"]
    assert cluster.calls["create_topics"] - calls_before["create_topics"] == 1
    assert plan(DESIRED, observe(cluster)).is_empty


class SwallowsConfigs:
    """A broker that acknowledges config changes and does not apply them."""

    def __init__(self, inner: MemoryCluster) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def alter_topic_configs(self, changes):
        return {topic_name: None for topic_name in changes}


def test_change_acknowledged_but_not_applied_is_reported_as_not_converged():
    cluster = MemoryCluster(3)
    apply_desired(desired_state(topic("orders", 3)), cluster)

    report = apply_desired(
        desired_state(topic("orders", 3, retention_ms="1000")), SwallowsConfigs(cluster)
    )

    assert not report.ok
    assert report.with_status(Status.FAILED) == []
    assert report.not_converged == [
        "topic orders configs: retention.ms: 604800000 → 1000 is still planned after apply"
    ]


class ReadsLagWrites:
    """Answers topic config reads from before the last write for a few reads,
    as a KRaft broker does until it has replayed the metadata log."""

    def __init__(self, inner, stale_reads: int):
        self.inner = inner
        self.stale_reads = stale_reads
        self.before = None

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def alter_topic_configs(self, changes):
        self.before = self.inner.describe_topic_configs(list(changes))
        return self.inner.alter_topic_configs(changes)

    def describe_topic_configs(self, topics):
        if self.before is not None and self.stale_reads > 0:
            self.stale_reads -= 1
            return {name: self.before.get(name, {}) for name in topics}
        return self.inner.describe_topic_configs(topics)


def test_verification_waits_for_reads_to_catch_up_with_acknowledged_writes():
    cluster = MemoryCluster(3)
    apply_desired(desired_state(topic("orders", 3)), cluster)
    retry = no_wait()

    report = apply_plan(
        plan(desired_state(topic("orders", 3, retention_ms="1000")), observe(cluster)),
        ReadsLagWrites(cluster, stale_reads=2), reporter=RecordingReporter(),
        desired=desired_state(topic("orders", 3, retention_ms="1000")), retry=retry,
    )

    assert report.ok, report.summary_rows()
    assert len(retry.sleep.delays) == 2


def test_verification_gives_up_after_the_settle_time():
    cluster = MemoryCluster(3)
    apply_desired(desired_state(topic("orders", 3)), cluster)
    retry = no_wait()

    report = apply_plan(
        plan(desired_state(topic("orders", 3, retention_ms="1000")), observe(cluster)),
        SwallowsConfigs(cluster), reporter=RecordingReporter(),
        desired=desired_state(topic("orders", 3, retention_ms="1000")), retry=retry,
    )

    assert report.not_converged
    assert sum(retry.sleep.delays) == retry.settle_seconds


# --- property: any sequence of desired states converges ----------------------

NAMES = ("a", "b", "c", "d")
topics_strategy = st.dictionaries(
    st.sampled_from(NAMES),
    st.tuples(
        st.integers(1, 4),
        st.sampled_from([None, "3600000", "86400000"]),
        st.sampled_from([None, "compact", "delete"]),
    ),
    max_size=4,
)
acls_strategy = st.frozensets(
    st.tuples(st.sampled_from(["User:x", "User:y"]), st.sampled_from(NAMES),
              st.sampled_from([AclOperation.READ, AclOperation.WRITE])),
    max_size=5,
)
broker_strategy = st.sampled_from([{}, {"min.insync.replicas": "1"}, {"min.insync.replicas": "2"}])


def desired_sequence(steps):
    """Desired states from raw draws; partitions never shrink while a topic lives."""
    previous: dict[str, int] = {}
    states = []
    for topics, acls, brokers in steps:
        partitions = {n: max(p, previous.get(n, 0)) for n, (p, _, _) in topics.items()}
        specs = [
            topic(n, partitions[n], **{
                k: v for k, v in (("retention_ms", r), ("cleanup_policy", c)) if v is not None
            })
            for n, (_, r, c) in sorted(topics.items())
        ]
        states.append(desired_state(
            *specs, acls=frozenset(read_acl(p, n, op) for p, n, op in acls), broker_configs=brokers
        ))
        previous = partitions
    return states


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(topics_strategy, acls_strategy, broker_strategy), min_size=1,
                max_size=5))
def test_any_sequence_of_desired_states_converges(steps):
    cluster = MemoryCluster(3)
    for desired in desired_sequence(steps):
        report = apply_desired(desired, cluster)

        assert report.ok, report.summary_rows()
        assert plan(desired, observe(cluster)).is_empty
        assert set(cluster.list_topics()) == set(desired.topics)
        assert cluster.describe_acls() == desired.acls


def test_the_dev_environment_on_one_rackless_broker_sends_no_replica_assignment():
    """Like Tansu: one broker (id 111), no rack; Tansu exits on an explicit assignment."""
    result = validate_environment(Path(__file__).parents[2] / "environments" / "dev")
    assert result.ok and result.desired is not None, [p.render() for p in result.problems]
    cluster = MemoryCluster([BrokerInfo(111, "127.0.0.1", 9092)])
    sent: list[NewTopic] = []
    create_topics = cluster.create_topics

    def spy(topics):
        sent.extend(topics)
        return create_topics(topics)

    cluster.create_topics = spy  # type: ignore[method-assign]

    report = apply_desired(result.desired, cluster)

    assert report.ok, report.summary_rows()
    assert sent and all(t.assignment is None for t in sent)
    assert plan(result.desired, observe(cluster)).is_empty


class NewTopicsConfigsLag:
    """Leaves a just-created topic out of its first config reads, as a KRaft
    broker that lists the topic but has not replayed its configs yet answers
    UNKNOWN_TOPIC_OR_PARTITION (seen on Kafka 4.4 right after CreateTopics)."""

    def __init__(self, inner, stale_reads: int):
        self.inner = inner
        self.stale_reads = stale_reads
        self.created: set[str] = set()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def create_topics(self, topics):
        self.created.update(t.name for t in topics)
        return self.inner.create_topics(topics)

    def describe_topic_configs(self, topics):
        configs = self.inner.describe_topic_configs(topics)
        if self.created and self.stale_reads > 0:
            self.stale_reads -= 1
            return {name: entries for name, entries in configs.items()
                    if name not in self.created}
        return configs


def test_verification_waits_for_the_configs_of_a_new_topic_to_be_readable():
    """The planner refuses a managed topic whose configs did not come back; right
    after its creation that is the broker lagging, not an error to stop at."""
    desired = desired_state(topic("orders", 3, retention_ms="1000"))
    cluster = MemoryCluster(3)
    retry = no_wait()

    report = apply_plan(plan(desired, observe(cluster)), NewTopicsConfigsLag(cluster, 2),
                        reporter=RecordingReporter(), desired=desired, retry=retry)

    assert report.ok, (report.summary_rows(), report.verify_problem)
    assert report.verified
    assert len(retry.sleep.delays) == 2


def test_configs_that_stay_unreadable_are_an_error_after_the_settle_time():
    desired = desired_state(topic("orders", 3))
    cluster = MemoryCluster(3)
    retry = no_wait()

    report = apply_plan(plan(desired, observe(cluster)), NewTopicsConfigsLag(cluster, 10**6),
                        reporter=RecordingReporter(), desired=desired, retry=retry)

    assert not report.ok
    assert report.verify_problem.startswith("planning again finds 1 error: ")
    assert "the configs of topic orders could not be read" in report.verify_problem
    assert sum(retry.sleep.delays) == retry.settle_seconds
