"""A saved plan is an assertion, not a program: `apply ENV plan.json` plans again and
applies only when that plan is the saved one. Plan files travel between CI jobs as
artifacts, so these are the edits someone who can touch an artifact would make."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cli.common import load_desired
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewTopic
from kafkaform.files.planfile import save_plan
from kafkaform.run.session import Runtime, plan_live

ENVIRONMENT = """\
kind: Environment
name: test
cluster: {bootstrap: 127.0.0.1:9092}
defaults:
  topic: {partitions: 3, replicationFactor: 3, configs: {min.insync.replicas: 2}}
manage:
  topics: {prefixes: [orders.]}
---
kind: Topics
topics:
  - name: orders.created
    configs: {retention.ms: 7d}
"""
WRITES = ("create_topics", "delete_topics", "alter_topic_configs", "alter_broker_configs",
          "create_partitions", "create_acls", "delete_acls", "alter_partition_reassignments")


@pytest.fixture
def cluster() -> MemoryCluster:
    cluster = MemoryCluster(3, cluster_id="cluster-a")
    for name in ("users.profiles", "orders.legacy", "__consumer_offsets"):
        cluster.create_topics([NewTopic(name, 1, 3)])
    return cluster


@pytest.fixture
def run(cluster):
    runtime = Runtime(open_admin=lambda *args, **kwargs: cluster)
    return lambda *args: CliRunner().invoke(app, list(args), obj=runtime)


@pytest.fixture
def env(env_folder) -> Path:
    return env_folder(ENVIRONMENT)


def saved(env: Path, cluster: MemoryCluster, path: Path) -> dict:
    save_plan(plan_live(load_desired(env), cluster), path)
    return json.loads(path.read_text())


def writes(cluster: MemoryCluster) -> int:
    return sum(cluster.calls[name] for name in WRITES)


def delete_action(topic: str) -> dict:
    return {"type": "delete_topic", "topic": topic, "partitions": 1, "reason": "tidy up"}


@pytest.mark.parametrize("victim", ["users.profiles", "__consumer_offsets", "orders.legacy"])
def test_an_edited_plan_file_is_refused_and_nothing_is_written(tmp_path, env, cluster, run,
                                                               victim):
    """An added delete: outside the scope, an internal topic, or without the opt-in."""
    plan_file = tmp_path / "plan.json"
    data = saved(env, cluster, plan_file)
    data["actions"].append(delete_action(victim))
    plan_file.write_text(json.dumps(data))
    calls_before = writes(cluster)

    result = run("apply", str(env), str(plan_file))

    assert result.exit_code == 1, result.output
    assert (f"error: {plan_file} is not the plan kafkaform makes now for these files and this "
            "cluster (edited, or made by another kafkaform version): in the file, not planned "
            f"now: delete topic {victim} (1 partition); nothing was applied") in result.output
    assert victim in cluster.list_topics()
    assert writes(cluster) == calls_before
    assert "__kafkaform_lock" not in cluster.list_topics()


def test_a_removed_or_changed_action_is_refused_too(tmp_path, env, cluster, run):
    plan_file = tmp_path / "plan.json"
    data = saved(env, cluster, plan_file)
    assert [a["type"] for a in data["actions"]] == ["create_topic"]
    data["actions"][0]["partitions"] = 1
    plan_file.write_text(json.dumps(data))

    result = run("apply", str(env), str(plan_file))

    assert result.exit_code == 1
    assert ("in the file, not planned now: create topic orders.created (1 partition, RF 3); "
            "planned now, not in the file: create topic orders.created (3 partitions, RF 3)"
            ) in result.output
    assert "orders.created" not in cluster.list_topics()


def test_an_empty_saved_plan_is_checked_like_any_other(tmp_path, env, cluster, run):
    """It used to print "Nothing to apply: the cluster already matches" and exit 0."""
    assert run("apply", str(env), "--auto-approve").exit_code == 0
    plan_file = tmp_path / "plan.json"
    assert saved(env, cluster, plan_file)["actions"] == []
    cluster.alter_topic_configs(
        {"orders.created": [ConfigOp("retention.ms", ConfigOpType.SET, "86400000")]})

    result = run("apply", str(env), str(plan_file))

    assert result.exit_code == 1, result.output
    assert "Nothing to apply" not in result.output
    assert ("the cluster changed since this plan was made: topic orders.created config "
            "retention.ms changed: 604800000 → 86400000; re-run plan (nothing was applied)"
            ) in result.output


def test_an_empty_saved_plan_for_another_cluster_is_refused(tmp_path, env, cluster, run):
    plan_file = tmp_path / "plan.json"
    data = saved(env, cluster, plan_file)
    data["actions"], data["cluster_id"] = [], "cluster-z"
    plan_file.write_text(json.dumps(data))

    result = run("apply", str(env), str(plan_file))

    assert result.exit_code == 1
    assert "the plan for test is for cluster id 'cluster-z'" in result.output


def test_a_faithful_saved_plan_applies_and_an_empty_one_says_nothing_to_do(
        tmp_path, env, cluster, run):
    plan_file = tmp_path / "plan.json"
    saved(env, cluster, plan_file)

    applied = run("apply", str(env), str(plan_file))
    saved(env, cluster, plan_file)
    nothing = run("apply", str(env), str(plan_file))

    assert applied.exit_code == 0, applied.output
    assert "orders.created" in cluster.list_topics()
    assert nothing.exit_code == 0, nothing.output
    assert "Nothing to apply: the cluster already matches the environment." in nothing.output


def test_many_differences_are_cut_to_ten_on_the_line(tmp_path, env, cluster, run):
    plan_file = tmp_path / "plan.json"
    data = saved(env, cluster, plan_file)
    data["actions"] += [delete_action(f"orders.gone-{i:02d}") for i in range(25)]
    plan_file.write_text(json.dumps(data))

    result = run("apply", str(env), str(plan_file))

    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "delete topic orders.gone-09 (1 partition) and 15 more" in errors[0]
    assert "orders.gone-10" not in errors[0]


def test_a_stale_plan_names_ten_changes_on_one_short_line(tmp_path, env, cluster, run):
    """2,000 topics created meanwhile used to make one 68 KB line."""
    plan_file = tmp_path / "plan.json"
    saved(env, cluster, plan_file)
    cluster.create_topics([NewTopic(f"orders.new-{i:04d}", 1, 3) for i in range(2000)])

    result = run("apply", str(env), str(plan_file))

    assert result.exit_code == 1
    error = next(line for line in result.output.splitlines() if line.startswith("error:"))
    assert error.startswith("error: the cluster changed since this plan was made: topic "
                            "orders.new-0000 was created; ")
    assert "topic orders.new-0009 was created and 1990 more; re-run plan" in error
    assert len(error) < 1000


def test_format_json_lists_every_difference(tmp_path, env, cluster, run):
    plan_file = tmp_path / "plan.json"
    data = saved(env, cluster, plan_file)
    data["actions"] += [delete_action(f"orders.gone-{i:02d}") for i in range(25)]
    plan_file.write_text(json.dumps(data))

    result = CliRunner().invoke(
        app, ["apply", str(env), str(plan_file), "--format", "json"],
        obj=Runtime(open_admin=lambda *args, **kwargs: cluster))

    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert document["outcome"] == "refused"
    assert len(document["differences"]) == 25
    assert document["differences"][0] == ("in the file, not planned now: delete topic "
                                          "orders.gone-00 (1 partition)")
    assert document["differences"][24] == "delete topic orders.gone-24 (1 partition)"
    assert "and 15 more" in document["message"]
