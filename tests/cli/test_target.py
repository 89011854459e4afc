"""`--target` as Terraform's `-target`: said at the top of every format, an error
when it names nothing, on apply too, and a targeted apply verifies only its targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cli.common import EXIT_USAGE
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.files.planfile import load_plan
from kafkaform.run.session import Runtime

ENVIRONMENT = """\
kind: Environment
name: test
cluster: {bootstrap: 127.0.0.1:9092}
defaults:
  topic: {partitions: 1, replicationFactor: 3, configs: {min.insync.replicas: 2}}
manage:
  topics: {delete: true}
---
kind: Topics
topics:
  - {name: orders.created, configs: {retention.ms: 1d}}
  - {name: orders.shipped}
  - {name: users.profiles}
---
kind: Acls
principals:
  - {principal: 'User:orders', consume: {topics: [orders.created], groups: [orders]}}
"""


@pytest.fixture
def env(tmp_path: Path) -> Path:
    folder = tmp_path / "env"
    folder.mkdir()
    (folder / "environment.yaml").write_text(ENVIRONMENT)
    return folder


@pytest.fixture
def cluster() -> MemoryCluster:
    cluster = MemoryCluster(3)
    cluster.add_topic("orders.created", [[1, 2, 3]], {"min.insync.replicas": "2"})
    cluster.add_topic("orders.legacy", [[1, 2, 3]])
    return cluster


@pytest.fixture
def run(cluster):
    runtime = Runtime(open_admin=lambda *args, **kwargs: cluster)
    return lambda *args: CliRunner().invoke(app, [str(a) for a in args], obj=runtime)


def test_a_targeted_plan_says_so_at_the_top_of_every_format(env, run, tmp_path):
    target = ("--target", "topic/orders.created", "--target", "topic/orders.shipped")
    text = run("plan", env, *target)
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[2] == (
        "Targeted plan (--target): only topic/orders.created, topic/orders.shipped; the rest "
        "of the environment is not planned and would not be applied.")
    assert "users.profiles" not in text.output and "orders.legacy" not in text.output

    markdown = run("plan", env, *target, "--format", "markdown").output.splitlines()
    assert markdown[2:4] == ["> [!IMPORTANT]", "> Targeted plan (--target): only "
                             "topic/orders.created, topic/orders.shipped; the rest of the "
                             "environment is not planned and would not be applied."]
    saved = tmp_path / "targeted.json"
    data = json.loads(run("plan", env, *target, "--format", "json", "--out", saved).stdout)
    assert data["targets"] == ["topic/orders.created", "topic/orders.shipped"]
    assert load_plan(saved).targets == ("topic/orders.created", "topic/orders.shipped")
    assert "targets" not in json.loads(run("plan", env, "--format", "json").stdout)


def test_a_target_that_matches_nothing_is_an_error_with_suggestions(env, run):
    result = run("plan", env, "--target", "topic/orders.creatd", "--detailed-exitcode")
    assert result.exit_code == 1, result.output
    assert ("--target: topic/orders.creatd matches no topic the environment manages, in the "
            "files or on the cluster; did you mean 'topic/orders.created'?") in result.output
    principal = run("plan", env, "--target", "acl/User:order")
    assert principal.exit_code == 1
    assert "did you mean 'acl/User:orders'?" in principal.output
    # a topic only on the cluster, which the plan would delete, is a target too
    assert run("plan", env, "--target", "topic/orders.legacy").exit_code == 0


def test_apply_target_applies_and_verifies_only_its_targets(env, run, cluster):
    result = run("apply", env, "--target", "topic/orders.shipped", "--target",
                 "acl/User:orders", "--auto-approve")

    assert result.exit_code == 0, result.output
    assert set(cluster.list_topics()) == {"orders.created", "orders.legacy", "orders.shipped"}
    assert {b.principal for b in cluster.describe_acls()} == {"User:orders"}
    assert ("Apply complete: 4 actions done, and topic/orders.shipped, acl/User:orders match "
            "the environment. Targeted apply: the rest of the environment was not planned nor "
            "applied (run apply without --target).") in result.output
    assert "did not converge" not in result.output
    rest = run("plan", env, "--detailed-exitcode")
    assert rest.exit_code == 2  # users.profiles, orders.legacy, a config: not applied


def test_a_targeted_saved_plan_applies_and_verifies_its_targets(env, run, cluster, tmp_path):
    saved = tmp_path / "targeted.json"
    assert run("plan", env, "--target", "topic/orders.legacy", "--out", saved).exit_code == 0

    result = run("apply", env, saved)

    assert result.exit_code == 0, result.output
    assert "orders.legacy" not in cluster.list_topics()
    assert "Targeted apply: the rest of the environment was not planned" in result.output
    assert run("apply", env, saved, "--target", "topic/x").exit_code == EXIT_USAGE

