"""`kafkaform apply` and `force-unlock` end to end on an in-memory cluster."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cli.common import EXIT_USAGE, Exit, confirm, load_desired
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.requests import ConfigOp, ConfigOpType
from kafkaform.errors import ClusterError
from kafkaform.files.planfile import save_plan
from kafkaform.run import lock
from kafkaform.run.session import Runtime, plan_live

ENVIRONMENT = """\
kind: Environment
name: test
cluster: {{bootstrap: 127.0.0.1:9092{cluster_id}}}
defaults:
  topic: {{partitions: 3, replicationFactor: 3, configs: {{min.insync.replicas: 2}}}}
manage:
  topics: {{delete: true}}
---
kind: Topics
topics:
  - name: orders.created
    configs: {{retention.ms: {retention}}}
  - name: users.profiles
    partitions: 2
"""


def write_env(path: Path, retention: str = "7d", cluster_id: str | None = None) -> Path:
    path.mkdir(exist_ok=True)
    guard = f", clusterId: {cluster_id}" if cluster_id else ""
    (path / "environment.yaml").write_text(
        ENVIRONMENT.format(retention=retention, cluster_id=guard)
    )
    return path


@pytest.fixture
def cluster() -> MemoryCluster:
    return MemoryCluster(3, cluster_id="cluster-a")


@pytest.fixture
def run(cluster):
    """Every command of this test talks to the same in-memory cluster."""
    runtime = Runtime(open_admin=lambda *args, **kwargs: cluster)

    def invoke(*args: str):
        return CliRunner().invoke(app, list(args), obj=runtime)

    return invoke


def test_auto_approve_applies_everything_and_a_second_apply_has_nothing_to_do(
        tmp_path, cluster, run):
    env = write_env(tmp_path / "env")

    first = run("apply", str(env), "--auto-approve")

    assert first.exit_code == 0, first.output
    assert "Apply complete: 2 actions done" in first.output
    assert set(cluster.list_topics()) == {"orders.created", "users.profiles"}
    assert lock.LOCK_TOPIC not in cluster.list_topics()  # released

    second = run("apply", str(env), "--auto-approve")

    assert second.exit_code == 0, second.output
    assert "Nothing to apply" in second.output


def test_refuses_to_prompt_without_a_terminal(tmp_path, cluster, run):
    result = run("apply", str(write_env(tmp_path / "env")))

    assert result.exit_code == 1
    assert "refusing to ask for approval: stdin is not a terminal" in result.output
    assert cluster.list_topics() == {}


def test_saved_plan_is_refused_after_a_concurrent_change(tmp_path, cluster, run):
    env = write_env(tmp_path / "env")
    assert run("apply", str(env), "--auto-approve").exit_code == 0
    changed = write_env(tmp_path / "env", retention="3d")
    plan_file = tmp_path / "plan.json"
    save_plan(plan_live(load_desired(changed), cluster), plan_file)
    # Someone changes the topic between plan and apply.
    cluster.alter_topic_configs(
        {"orders.created": [ConfigOp("retention.ms", ConfigOpType.SET, "86400000")]}
    )

    result = run("apply", str(changed), str(plan_file))

    assert result.exit_code == 1
    assert (
        "the cluster changed since this plan was made: topic orders.created config "
        "retention.ms changed: 604800000 → 86400000; re-run plan (nothing was applied)"
    ) in result.output
    configs = cluster.describe_topic_configs(["orders.created"])["orders.created"]
    assert configs["retention.ms"].value == "86400000"


def test_saved_plan_applies_when_nothing_changed(tmp_path, cluster, run):
    env = write_env(tmp_path / "env")
    plan_file = tmp_path / "plan.json"
    save_plan(plan_live(load_desired(env), cluster), plan_file)

    result = run("apply", str(env), str(plan_file))

    assert result.exit_code == 0, result.output
    assert set(cluster.list_topics()) == {"orders.created", "users.profiles"}


def test_saved_plan_is_refused_when_the_files_changed_since(tmp_path, cluster, run):
    env = write_env(tmp_path / "env")
    plan_file = tmp_path / "plan.json"
    save_plan(plan_live(load_desired(env), cluster), plan_file)
    write_env(tmp_path / "env", retention="1d")

    result = run("apply", str(env), str(plan_file))

    assert result.exit_code == 1
    assert "files of environment test changed since" in result.output
    assert cluster.list_topics() == {}


def test_other_cluster_id_is_refused_before_anything_runs(tmp_path, cluster, run):
    result = run("apply", str(write_env(tmp_path / "env", cluster_id="cluster-b")),
                 "--auto-approve")

    assert result.exit_code == 1
    assert "for cluster id 'cluster-b' but the cluster at memory://cluster-a has id " \
           "'cluster-a'" in result.output
    assert cluster.calls["create_topics"] == 0


def test_held_lock_refuses_the_second_apply(tmp_path, cluster, run):
    holder = lock.acquire(cluster, environment="test")

    result = run("apply", str(write_env(tmp_path / "env")), "--auto-approve")

    assert result.exit_code == 1
    assert "another apply holds the lock on this cluster" in result.output
    assert f"{holder.record.user}@{holder.record.host}" in result.output
    assert set(cluster.list_topics()) == {lock.LOCK_TOPIC}


def test_force_unlock_removes_the_lock(tmp_path, cluster, run):
    env = write_env(tmp_path / "env")
    holder = lock.acquire(cluster, environment="test")

    result = run("force-unlock", str(env))

    assert result.exit_code == 0, result.output
    assert f"Removed the apply lock held by {holder.record.user}@" in result.output
    assert run("force-unlock", str(env)).output.strip() == "There is no apply lock on this cluster."
    assert run("apply", str(env), "--auto-approve").exit_code == 0


def test_failed_apply_exits_1_with_a_truthful_summary_and_rerun_converges(
        tmp_path, cluster, run):
    env = write_env(tmp_path / "env")
    cluster.fail_next("create_topics", ClusterError("POLICY_VIOLATION", "quota"), "users.profiles")

    failed = run("apply", str(env), "--auto-approve")

    assert failed.exit_code == 1
    assert "failed: create topic users.profiles (2 partitions, RF 3) (POLICY_VIOLATION: quota)" \
        in failed.output
    assert "Apply FAILED: 1 done, 1 failed, 0 not attempted." in failed.output
    assert lock.LOCK_TOPIC not in cluster.list_topics()

    rerun = run("apply", str(env), "--auto-approve")

    assert rerun.exit_code == 0, rerun.output
    assert "Apply complete: 1 action done" in rerun.output


def test_invalid_environment_exits_3(tmp_path, cluster, run):
    env = tmp_path / "env"
    env.mkdir()
    (env / "environment.yaml").write_text(textwrap.dedent("""\
        kind: Environment
        name: test
        bogus: true
    """))

    result = run("apply", str(env), "--auto-approve")

    assert result.exit_code == 3
    assert "is invalid: the cluster was not contacted" in result.output


def test_bad_duration_is_a_usage_error(tmp_path, cluster, run):
    result = run("apply", str(write_env(tmp_path / "env")), "--lock-timeout", "soon")

    assert result.exit_code == EXIT_USAGE
    assert "--lock-timeout" in result.output


def test_plan_with_errors_is_refused(tmp_path, cluster, run):
    env = write_env(tmp_path / "env")
    assert run("apply", str(env), "--auto-approve").exit_code == 0
    text = (env / "environment.yaml").read_text()
    (env / "environment.yaml").write_text(text.replace("partitions: 2", "partitions: 1"))

    result = run("apply", str(env), "--auto-approve")

    assert result.exit_code == 1
    assert "the plan has errors and cannot be applied: nothing was applied" in result.output
    assert len(cluster.list_topics()["users.profiles"].partitions) == 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "approved"), [("yes\n", True), ("y\n", False), ("\n", False)])
def test_only_the_word_yes_approves(monkeypatch, answer, approved):
    monkeypatch.setattr("sys.stdin", Terminal(answer))

    if approved:
        confirm(auto_approve=False)
    else:
        with pytest.raises(Exit, match="apply cancelled: nothing was applied"):
            confirm(auto_approve=False)
