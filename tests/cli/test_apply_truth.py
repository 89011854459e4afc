"""What `kafkaform apply` says when the cluster stops answering, or the lock cannot go.

The report always ends with every action's outcome and the summary line; "the
cluster matches" only after a clean fresh plan; a lock left behind is said,
with the exact command that removes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.errors import ClusterError, OutcomeUnknown
from kafkaform.run import lock
from kafkaform.run.session import Runtime

ENVIRONMENT = """\
kind: Environment
name: test
cluster: {bootstrap: 127.0.0.1:9092}
defaults:
  topic: {partitions: 3, replicationFactor: 3, configs: {min.insync.replicas: 2}}
---
kind: Topics
topics:
  - name: orders.created
  - name: users.profiles
"""


class Flaky(MemoryCluster):
    """The answer to CreateTopics is lost (the topics exist), and from then on
    reads get no answer either: the connection is gone."""

    cut = False

    def create_topics(self, topics):
        result = super().create_topics(topics)
        if topics[0].name != lock.LOCK_TOPIC:
            self.cut = True
            raise OutcomeUnknown("no answer within 30s")
        return result

    def list_topics(self):
        if self.cut:
            raise OutcomeUnknown("no answer within 30s")
        return super().list_topics()


def invoke(cluster: MemoryCluster, *args: str):
    runtime = Runtime(open_admin=lambda *a, **k: cluster, sleep=lambda seconds: None)
    return CliRunner().invoke(app, list(args), obj=runtime)


@pytest.fixture
def env(env_folder) -> Path:
    return env_folder(ENVIRONMENT)


def test_a_connection_lost_mid_batch_ends_with_the_table_and_a_truthful_summary(env):
    """Every item used to be "failed", verification raised, and the last line was a bare
    REQUEST_TIMED_OUT: no table, no summary."""
    cluster = Flaky(3)

    result = invoke(cluster, "apply", str(env), "--auto-approve")

    lines = result.output.splitlines()
    assert result.exit_code == 1
    for topic in ("orders.created", "users.profiles"):  # each once, as it ended
        assert sum(line.endswith(f"  outcome unknown: create topic {topic} (3 partitions, RF 3) "
                                 "(no answer (no answer within 30s))") for line in lines) == 1
    assert lines[-2] == "0 done, 0 failed, 2 outcome unknown, 0 not attempted"
    assert lines[-1] == (
        "Apply FAILED: 0 done, 0 failed, 2 outcome unknown, 0 not attempted. The apply "
        "stopped: no answer from the cluster (no answer within 30s). Outcome unknown for 2 "
        "actions: the cluster may have done them. Not verified: could not read the cluster "
        "again: no answer within 30s. Fix the cause and run apply again: it plans only what "
        "is left.")
    assert "matches" not in result.output
    assert set(MemoryCluster.list_topics(cluster)) == {"orders.created", "users.profiles"}


def test_after_the_connection_comes_back_a_rerun_converges(env):
    cluster = Flaky(3)
    assert invoke(cluster, "apply", str(env), "--auto-approve").exit_code == 1
    cluster.cut = False

    rerun = invoke(cluster, "apply", str(env), "--auto-approve")

    assert rerun.exit_code == 0, rerun.output
    assert "Nothing to apply: the cluster already matches the environment." in rerun.output


class LockStuck(MemoryCluster):
    """Releasing the lock fails: its owner cannot be read back."""

    def __init__(self, error: Exception) -> None:
        super().__init__(3)
        self.error = error

    def read_records(self, topic):
        if self.calls["create_topics"] > 1:  # the lock, then the apply's topics
            raise self.error
        return super().read_records(topic)


@pytest.mark.parametrize("error", [ClusterError("REQUEST_TIMED_OUT", "read timed out",
                                                retriable=True),
                                   OutcomeUnknown("no answer within 30s")])
def test_a_lock_that_cannot_be_released_is_said_with_the_command_that_removes_it(env, error):
    """It used to be reported as "already gone", and the next applies were refused for an
    hour with nothing telling anyone to run force-unlock."""
    cluster = LockStuck(error)

    result = invoke(cluster, "apply", str(env), "--auto-approve", "--bootstrap-server",
                    "broker-1:9092")

    command = f"kafkaform force-unlock {env} --bootstrap-server broker-1:9092"
    assert result.exit_code == 1, result.output
    assert "already gone" not in result.output
    assert f"run `{command}` once no apply is running" in result.output
    assert result.output.splitlines()[-1].startswith(
        "Apply FAILED: 2 done, 0 failed, 0 outcome unknown, 0 not attempted. The apply lock "
        f"could not be released: its owner could not be read ({error}).")
    assert lock.LOCK_TOPIC in MemoryCluster.list_topics(cluster)


def test_already_gone_is_said_only_when_the_lock_was_seen_gone(env):
    class Unlocked(MemoryCluster):
        def create_topics(self, topics):  # someone runs force-unlock meanwhile
            result = super().create_topics(topics)
            if topics[0].name != lock.LOCK_TOPIC:
                super().delete_topics([lock.LOCK_TOPIC])
            return result

    result = invoke(Unlocked(3), "apply", str(env), "--auto-approve")

    assert result.exit_code == 0, result.output
    assert "the apply lock was already gone when releasing it" in result.output


def test_format_json_reports_each_outcome_on_stdout(env):
    import json

    result = invoke(Flaky(3), "apply", str(env), "--auto-approve", "--format", "json")

    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert document["outcome"] == "failed"
    assert document["counts"] == {"done": 0, "failed": 0, "outcome unknown": 2,
                                  "not attempted": 0}
    assert [row["status"] for row in document["results"]] == ["outcome unknown"] * 2
    assert document["verified"] is False
    assert document["message"].startswith("Apply FAILED: 0 done")
    assert "Apply FAILED" in result.stderr  # the human report is still there
