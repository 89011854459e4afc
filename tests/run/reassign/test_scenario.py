"""Issue 6's done-when scenario, on a MemoryCluster with 6 brokers in 3 racks.

A topic at RF 2, the YAML says 3: the plan shows the moves, apply runs them
in throttled batches, cleanup removes exactly kafkaform's throttles (another
tool's survive) and a new plan is empty. Interrupted mid-way and re-run, it
completes.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.actions import Phase, Reassign
from kafkaform.core.model import ReassignmentSettings
from kafkaform.core.observed import TopicPartition
from kafkaform.core.placement.kafka_default import assign_replicas
from kafkaform.core.planner import plan
from kafkaform.core.reassign.jsonfile import actions_for, dump_reassignment, parse_reassignment
from kafkaform.core.reassign.throttles import (
    FOLLOWER_RATE,
    FOLLOWER_REPLICAS,
    LEADER_RATE,
    LEADER_REPLICAS,
    parse_entries,
)
from kafkaform.files.snapshot import write_snapshot
from kafkaform.files.validate import validate_environment
from kafkaform.render.text import render_text
from kafkaform.run import session
from kafkaform.run.apply import apply_plan
from kafkaform.run.events import RecordingReporter
from kafkaform.run.observe import observe
from kafkaform.run.reassign import ReassignmentOptions, execute_reassignments
from kafkaform.run.reassign.ledger import read_ledger
from tests.core.reassign.test_jsonfile import VALIDATOR
from tests.run.reassign.test_execute import throttle_configs
from tests.support.reassign import Clock, Interrupt, SubmissionSpy, on

TOPIC = "orders.created"
ENVIRONMENT = """\
kind: Environment
name: scenario
cluster: {bootstrap: "memory:9092"}
policies:
  minReplicationFactor: 3
  minInsyncReplicas: 2
manage:
  topics: {prefixes: [orders.]}
reassignment: {throttle: 10MiB, batchSize: 2, maxMovesPerBroker: 2}
"""
TOPICS = f"""\
kind: Topics
topics:
  - name: {TOPIC}
    partitions: 6
    replicationFactor: 3
    placement: rack-spread
    configs: {{min.insync.replicas: 2}}
"""
RACKS = {b: f"rack-{(b - 1) % 3 + 1}" for b in range(1, 7)}
BEFORE = assign_replicas(6, 2, RACKS)


@pytest.fixture
def desired(tmp_path):
    (tmp_path / "environment.yaml").write_text(ENVIRONMENT)
    (tmp_path / "topics.yaml").write_text(TOPICS)
    result = validate_environment(tmp_path)
    assert result.ok, [p.render() for p in result.problems]
    return result.desired


@pytest.fixture
def cluster() -> MemoryCluster:
    """RF 2 today, plus throttles another tool set: one entry on our topic
    (on a replica our moves also throttle), one broker rate, one other topic."""
    cluster = MemoryCluster.with_racks(6, 3)
    cluster.add_topic(TOPIC, BEFORE, {"min.insync.replicas": "2",
                                      LEADER_REPLICAS: f"0:{BEFORE[0][0]}"})
    cluster.add_topic("legacy", [[4, 5]], {FOLLOWER_REPLICAS: "0:5"})
    cluster.set_broker_config(BEFORE[0][0], LEADER_RATE, "777")
    return cluster


FOREIGN = {(TOPIC, LEADER_REPLICAS): f"0:{BEFORE[0][0]}",
           ("legacy", FOLLOWER_REPLICAS): "0:5",
           (BEFORE[0][0], LEADER_RATE): "777"}


def with_clock(clock: Clock) -> ReassignmentOptions:
    return ReassignmentOptions(sleep=clock)


def throttled_batches(seen):
    """Checks, at every poll, that what moves is throttled and within the limits."""
    def check(cluster: MemoryCluster) -> None:
        moving = cluster.list_partition_reassignments()
        configs = cluster.describe_topic_configs([TOPIC])[TOPIC]
        followers = parse_entries(configs[FOLLOWER_REPLICAS].value)
        rates = cluster.describe_broker_configs(sorted(RACKS))
        assert len(moving) <= 2
        for tp, move in moving.items():
            assert {f"{tp.partition}:{b}" for b in move.adding} <= followers
            assert all(rates[b][FOLLOWER_RATE].value == str(10 * 1024 * 1024)
                       for b in move.adding)
        seen.append(sorted(tp.partition for tp in moving))
    return check


def test_rf_2_to_3_through_yaml_plan_apply_verify(desired, cluster, monkeypatch):
    the_plan = plan(desired, observe(cluster))
    assert not the_plan.errors, the_plan.errors
    (reassign,) = the_plan.phase(Phase.REASSIGN)
    assert isinstance(reassign, Reassign) and len(reassign.moves) == 6
    assert all(len(m.after) == 3 and set(m.before) < set(m.after) for m in reassign.moves)
    assert all(len({RACKS[b] for b in m.after}) == 3 for m in reassign.moves)
    text = render_text(the_plan)
    assert TOPIC in text and "replication factor 2 → 3" in text

    seen: list[list[int]] = []
    spy = SubmissionSpy(cluster)
    reporter = RecordingReporter()
    report = apply_plan(the_plan, cluster, reporter=reporter, desired=desired,
                        reassignment=with_clock(Clock(cluster, on_sleep=throttled_batches(seen))))

    assert report.ok and report.not_converged == [], report.summary_rows()
    assert spy.calls == [2, 2, 2] and max(len(s) for s in seen) == 2
    progress = [e[1:3] for e in reporter.events if e[0] == "progress"]
    assert progress[0] == (0, 6) and progress[-1] == (6, 6)  # a bar, not info lines
    assert ("phase", "reassign partitions", 1) in reporter.events
    assert throttle_configs(cluster) == FOREIGN
    assert read_ledger(cluster).is_empty
    assert all(p.leader == p.replicas[0] for p in cluster.list_topics()[TOPIC].partitions)
    assert plan(desired, observe(cluster)).is_empty


def test_interrupted_apply_rerun_at_once_continues_the_moves_in_flight(
        desired, cluster, monkeypatch):
    first = CliRunner().invoke(app, ["apply", desired.path, "--auto-approve"],
                               obj=on(cluster, Clock(cluster, interrupt_after=2)))  # Ctrl-C
    assert first.exit_code == 130, first.output  # what Ctrl-C exits with
    in_flight = set(cluster.list_partition_reassignments())
    assert in_flight and throttle_configs(cluster) != FOREIGN  # ours stay while moves run

    # No time passes: the moves in flight are still running when apply runs again.
    between = plan(desired, observe(cluster))
    (reassign,) = between.phase(Phase.REASSIGN)
    assert {TopicPartition(TOPIC, m.partition) for m in reassign.moves if m.in_flight} == in_flight
    assert {m.partition for m in reassign.moves} == set(range(6)) - {
        tp.partition for tp in done_before(cluster)}
    text = render_text(between)
    assert text.count("(in progress: waited for, not restarted)") == len(in_flight)
    assert f"{len(in_flight)} partitions already moving)" in text

    spy = SubmissionSpy(cluster)
    second = CliRunner().invoke(app, ["apply", desired.path, "--auto-approve"],
                                obj=on(cluster, Clock(cluster)))
    assert second.exit_code == 0, second.output
    assert "(in progress: waited for, not restarted)" in second.output  # the plan it showed
    assert "Apply complete" in second.output
    assert not in_flight & {tp for tp, _ in spy.submitted}  # waited on, never resubmitted
    assert throttle_configs(cluster) == FOREIGN and read_ledger(cluster).is_empty
    assert plan(desired, observe(cluster)).is_empty


def done_before(cluster: MemoryCluster) -> set[TopicPartition]:
    """Partitions already at RF 3 and not moving."""
    moving = cluster.list_partition_reassignments()
    return {TopicPartition(TOPIC, p.partition) for p in cluster.list_topics()[TOPIC].partitions
            if len(p.replicas) == 3 and TopicPartition(TOPIC, p.partition) not in moving}


def test_interrupted_then_the_plans_json_continues_at_once(desired, cluster, monkeypatch):
    the_plan = plan(desired, observe(cluster))
    # the JSON `kafkaform reassign generate ENV` writes for this plan
    document = dump_reassignment({
        TopicPartition(a.topic, m.partition): m.after
        for a in the_plan.phase(Phase.REASSIGN) for m in a.moves})
    with pytest.raises(Interrupt):
        apply_plan(the_plan, cluster, reporter=RecordingReporter(), desired=desired,
                   reassignment=with_clock(Clock(cluster, interrupt_after=2)))
    in_flight = set(cluster.list_partition_reassignments())
    assert in_flight

    spy = SubmissionSpy(cluster)
    targets = parse_reassignment(document, "r.json")
    actions = actions_for(targets, cluster.list_topics(), reason="resume")
    report = execute_reassignments(cluster, actions, ReassignmentSettings(10 * 1024 * 1024, 2, 2),
                                   RecordingReporter(), with_clock(Clock(cluster)))
    assert report.ok and set(report.resumed) == in_flight
    assert not in_flight & {tp for tp, _ in spy.submitted}  # waited on, never resubmitted
    assert throttle_configs(cluster) == FOREIGN and read_ledger(cluster).is_empty
    assert plan(desired, observe(cluster)).is_empty


def test_generate_env_writes_the_plans_moves_and_execute_runs_them(
        desired, cluster, tmp_path, monkeypatch):
    snapshot, out = tmp_path / "snap.json", tmp_path / "r.json"
    write_snapshot(observe(cluster), snapshot)
    result = CliRunner().invoke(app, ["reassign", "generate", desired.path, "--snapshot",
                                      str(snapshot), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 partitions of 1 topic move, 6 replica copies" in result.output
    VALIDATOR.validate(json.loads(out.read_text()))

    result = CliRunner().invoke(app, ["reassign", "execute", str(out), "--env", desired.path],
                                obj=on(cluster, Clock(cluster)))
    assert result.exit_code == 0, result.output
    assert throttle_configs(cluster) == FOREIGN
    assert plan(desired, observe(cluster)).is_empty


def test_apply_takes_the_moving_replicas_options_of_reassign_execute(desired, cluster):
    rates: list[set[str]] = []
    runtime = on(cluster, Clock(cluster, on_sleep=lambda c: rates.append({
        e[FOLLOWER_RATE].value for e in c.describe_broker_configs(sorted(RACKS)).values()
        if FOLLOWER_RATE in e and e[FOLLOWER_RATE].is_override})))
    spy = SubmissionSpy(cluster)

    # the environment says batches of 2 at 10MiB/s: this run, one by one at 5MiB/s,
    # giving up after 2s of polls (each move takes one poll; the third goes on)
    first = CliRunner().invoke(app, [
        "apply", desired.path, "--auto-approve", "--batch-size", "1", "--throttle", "5MiB",
        "--poll-interval", "1", "--timeout", "2s"], obj=runtime)
    assert first.exit_code == 1, first.output
    assert "timed out after 2s with 1 partition still moving" in first.output
    assert spy.calls == [1, 1, 1] and rates and all(r == {str(5 * 1024 * 1024)} for r in rates)
    assert "  1/6 partitions done, 0 moving, 5 waiting" in first.output  # progress lines

    second = CliRunner().invoke(app, ["apply", desired.path, "--auto-approve"], obj=runtime)
    assert second.exit_code == 0, second.output
    assert len(cluster.list_partition_reassignments()) == 0
    assert spy.calls[3:] == [2, 1]  # the environment's batches for the 3 never submitted
    assert throttle_configs(cluster) == FOREIGN and plan(desired, observe(cluster)).is_empty


def test_throttles_of_an_apply_interrupted_for_good_go_with_the_next_apply(desired, cluster):
    """Every move submitted, then kafkaform dies and the moves finish without it:
    the next apply has nothing left to move, yet it must remove the throttles
    the dead run left (they would slow every later catch-up of those replicas)."""
    first = CliRunner().invoke(app, ["apply", desired.path, "--auto-approve",
                                     "--batch-size", "6", "--max-moves-per-broker", "6"],
                               obj=on(cluster, Clock(cluster, interrupt_after=1)))
    assert first.exit_code == 130, first.output
    while cluster.list_partition_reassignments():
        cluster.tick()  # the moves end while no kafkaform waits for them
    assert throttle_configs(cluster) != FOREIGN and not read_ledger(cluster).is_empty
    assert plan(desired, observe(cluster)).is_empty

    second = CliRunner().invoke(app, ["apply", desired.path, "--auto-approve"],
                                obj=on(cluster, Clock(cluster)))

    assert second.exit_code == 0, second.output
    assert "throttles left by an interrupted reassignment" in second.output
    assert throttle_configs(cluster) == FOREIGN and read_ledger(cluster).is_empty
    third = CliRunner().invoke(app, ["apply", desired.path, "--auto-approve"],
                               obj=on(cluster, Clock(cluster)))
    assert "Nothing to apply: the cluster already matches the environment." in third.output


def test_a_rerun_goes_on_when_a_move_it_waits_for_ends_between_plan_and_lock(
        desired, cluster, monkeypatch):
    """The re-run of an interrupted apply plans the moves in flight as waits; one
    of them ends before the lock is taken (on Kafka: seconds of planning while
    copies run). That is not a change the plan did not expect: the re-run must
    go on with the rest, not refuse the plan as stale."""
    first = CliRunner().invoke(app, ["apply", desired.path, "--auto-approve"],
                               obj=on(cluster, Clock(cluster, interrupt_after=1)))
    assert first.exit_code == 130, first.output
    in_flight = set(cluster.list_partition_reassignments())
    assert in_flight

    planned = session.plan_live

    def plan_then_a_move_ends(*args):
        the_plan = planned(*args)
        before = set(cluster.list_partition_reassignments())
        while set(cluster.list_partition_reassignments()) == before:
            cluster.tick()
        return the_plan

    monkeypatch.setattr(session, "plan_live", plan_then_a_move_ends)
    spy = SubmissionSpy(cluster)
    second = CliRunner().invoke(app, ["apply", desired.path, "--auto-approve"],
                                obj=on(cluster, Clock(cluster)))

    assert second.exit_code == 0, second.output
    assert "ended while waiting for the lock" in second.output
    assert not in_flight & {tp for tp, _ in spy.submitted}
    assert throttle_configs(cluster) == FOREIGN and read_ledger(cluster).is_empty
    assert plan(desired, observe(cluster)).is_empty
