"""`kafkaform diff ENV_A ENV_B`: differences between two environments' desired state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.core.envdiff import diff_environments
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    DesiredState,
    PatternType,
    PlacementStrategy,
    ResourceType,
    TopicSpec,
)
from kafkaform.render.envdiff import render_markdown, render_text

ROOT = Path(__file__).parents[2]
runner = CliRunner()

READ_T = AclBinding("User:a", ResourceType.TOPIC, "t", PatternType.LITERAL, AclOperation.READ)
WRITE_T = AclBinding("User:a", ResourceType.TOPIC, "t", PatternType.LITERAL, AclOperation.WRITE)


def state(name: str, *topics: TopicSpec, **kwargs) -> DesiredState:
    return DesiredState(name, topics={t.name: t for t in topics}, **kwargs)


A = state(
    "staging",
    TopicSpec("both.same", 3, 3, {"retention.ms": "604800000"}),
    TopicSpec("both.differ", 6, 3, {"retention.ms": "86400000", "cleanup.policy": "delete"}),
    TopicSpec("only.a", 1, 3),
    acls=frozenset({READ_T}),
    broker_configs={"min.insync.replicas": "2"},
)
B = state(
    "prod",
    TopicSpec("both.same", 3, 3, {"retention.ms": "604800000"}),
    TopicSpec("both.differ", 12, 2, {"retention.ms": "604800000"}, keyed=True),
    TopicSpec("only.b", 2, 3, {"retention.ms": "259200000"}),
    acls=frozenset({READ_T, WRITE_T}),
    broker_configs={"min.insync.replicas": "2", "log.retention.ms": "604800000"},
)


def test_static_placements_differ_by_their_replica_lists():
    def pinned(*replicas):
        return TopicSpec("pinned", 2, 2, placement=PlacementStrategy.STATIC,
                         assignment=replicas)
    a = state("a", pinned((1, 2), (2, 3)))
    [changed] = diff_environments(a, state("b", pinned((1, 2), (3, 1)))).topics_changed
    assert [(c.key, c.before, c.after) for c in changed.fields] == [
        ("placement", "static [[1,2],[2,3]]", "static [[1,2],[3,1]]")]
    assert diff_environments(a, state("b", pinned((1, 2), (2, 3)))).topics_changed == ()


def test_structure_of_the_differences():
    diff = diff_environments(A, B)
    assert [t.name for t in diff.topics_only_a] == ["only.a"]
    assert [t.name for t in diff.topics_only_b] == ["only.b"]
    [changed] = diff.topics_changed
    assert changed.name == "both.differ" and changed.partitions == (6, 12)
    assert {(c.key, c.before, c.after) for c in changed.fields} == {
        ("replicationFactor", "3", "2"), ("keyed", "false", "true")}
    assert {(c.key, c.before, c.after) for c in changed.configs} == {
        ("cleanup.policy", "delete", None), ("retention.ms", "86400000", "604800000")}
    assert (diff.acls_only_a, diff.acls_only_b) == ((), (WRITE_T,))
    assert [(c.key, c.before, c.after) for c in diff.broker_configs] == [
        ("log.retention.ms", None, "604800000")]


def test_text_uses_the_plan_layout_with_human_units():
    text = render_text(diff_environments(A, B))
    assert text.startswith("kafkaform diff: staging → prod")
    for line in ("+ topic only.b", "- topic only.a (1 partition)", "~ topic both.differ",
                 "    ~ partitions: 6 → 12", "    ~ retention.ms: 1d → 7d",
                 "    ~ cleanup.policy: delete → (default)", "    ~ replicationFactor: 3 → 2",
                 "    + log.retention.ms: 7d", "    + allow User:a WRITE on topic t from *"):
        assert line in text.splitlines(), line
    assert "both.same" not in text
    assert text.splitlines()[-1] == (
        "Diff: 1 topic and 1 ACL binding only in prod, 1 topic and 0 ACL bindings only in "
        "staging, 1 topic set differently, 1 broker config set differently.")


def test_markdown_is_the_plan_comment_retitled():
    markdown = render_markdown(diff_environments(A, B))
    lines = markdown.splitlines()
    assert lines[0] == "### kafkaform diff: `staging` → `prod`"
    assert lines[2].startswith("**Diff: 1 topic and 1 ACL binding only in prod")
    assert "| `+` | topic `only.b` |" in markdown and "<details>" in markdown
    assert "Cluster `" not in markdown and "kafkaform plan" not in markdown


def test_identical_environments():
    diff = diff_environments(A, A)
    assert diff.is_empty
    assert render_text(diff).splitlines()[-1].startswith("No differences")


@pytest.fixture
def examples(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("KAFKA_PASSWORD", "not-a-secret")


def test_cli_examples_json_and_exit_codes(examples):
    result = runner.invoke(app, ["diff", "staging", "prod", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [t["name"] for t in data["topics"]["only_b"]] == ["fraud.scores"]
    assert [t["name"] for t in data["topics"]["only_a"]] == ["loadtest.orders-replay"]
    assert {"key": "log.retention.ms", "a": None, "b": "604800000"} in data["broker_configs"]
    assert runner.invoke(app, ["diff", "staging", "prod", "--exit-code"]).exit_code == 2
    assert runner.invoke(app, ["diff", "prod", "prod", "--exit-code"]).exit_code == 0


def test_cli_invalid_environment_exits_3(examples, tmp_path):
    (tmp_path / "broken.yaml").write_text("kind: Environment\nname: [\n")
    result = runner.invoke(app, ["diff", "dev", str(tmp_path)])
    assert result.exit_code == 3


def test_quotas_and_users_differ_by_value_mechanism_and_password_reference():
    from kafkaform.core.model import QuotaEntity, QuotaSpec, ScramMechanism, SecretRef, UserSpec

    sha512 = ScramMechanism.SCRAM_SHA_512
    orders = QuotaEntity("orders")

    def users(*specs):
        return {u.name: u for u in specs}

    a = state("staging", quotas={orders: QuotaSpec(orders, {"producer_byte_rate": 1024.0})},
              users=users(UserSpec("svc", {sha512: 4096}, SecretRef(variable="A_PW")),
                          UserSpec("gone", {sha512: 4096})))
    b = state("prod", quotas={orders: QuotaSpec(orders, {"producer_byte_rate": 2048.0,
                                                         "request_percentage": 10.0})},
              users=users(UserSpec("svc", {sha512: 8192}, SecretRef(variable="B_PW"), 2),
                          UserSpec("new", {sha512: 4096}, SecretRef(file="new.pw"))))

    diff = diff_environments(a, b)
    lines = render_text(diff).splitlines()

    assert diff.summary_line() == (
        "Diff: 0 topics and 0 ACL bindings only in prod, 0 topics and 0 ACL bindings only in "
        "staging, 0 topics set differently, 1 client quota set differently, 3 SCRAM users "
        "declared differently.")
    for expected in ("~ client quota for user orders",
                     "    ~ producer_byte_rate: 1024 (1KiB/s) → 2048 (2KiB/s)",
                     "    + request_percentage: 10",
                     "- SCRAM user gone", "+ SCRAM user new", "    + password: from file new.pw",
                     "~ SCRAM user svc", "    ~ SCRAM-SHA-512: 4096 → 8192 iterations",
                     "    # password ${A_PW} → ${B_PW} (passwordVersion 2)",
                     "    ~ password: set from ${B_PW} (passwordVersion 2)"):
        assert expected in lines, render_text(diff)
    data = diff.to_dict()
    assert data["users"][2]["password"] == {"a": "${A_PW}", "b": "${B_PW} (passwordVersion 2)"}
    assert data["quotas"][0]["changes"][0] == {"key": "producer_byte_rate", "a": 1024.0,
                                               "b": 2048.0}
