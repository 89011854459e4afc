"""Apply against a real Kafka-protocol broker (Tansu, or $KAFKAFORM_TEST_BOOTSTRAP).

The dev environment and the demo get a fresh broker of their own ("against a
fresh Tansu broker": the dev environment may delete topics under its prefixes,
which must not touch other tests' topics). The delete opt-in test uses the
shared live broker with names unique to it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from tests.live.helpers import local_broker, require_local_broker

pytestmark = pytest.mark.live

REPO = Path(__file__).resolve().parents[2]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def fresh_bootstrap() -> Iterator[str]:
    with local_broker() as broker:
        yield broker.bootstrap


def test_dev_environment_applies_on_a_fresh_broker_and_then_plans_empty(
    fresh_bootstrap, monkeypatch
):
    monkeypatch.chdir(REPO)

    applied = run("apply", "environments/dev", "--bootstrap-server", fresh_bootstrap,
                  "--auto-approve")

    assert applied.exit_code == 0, applied.output
    assert "Apply complete" in applied.output
    replanned = run("plan", "environments/dev", "--bootstrap-server", fresh_bootstrap,
                    "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output


def write_env(path: Path, prefix: str, topics: list[str], delete: bool) -> Path:
    path.mkdir(exist_ok=True)
    listed = "\n".join(f"  - name: {prefix}{t}" for t in topics)
    (path / "environment.yaml").write_text(
        f"""\
kind: Environment
name: live
cluster: {{bootstrap: 127.0.0.1:9092}}
defaults:
  topic: {{partitions: 1, replicationFactor: 1, configs: {{min.insync.replicas: 1}}}}
policies: {{minReplicationFactor: 1, minInsyncReplicas: 1}}
manage:
  topics: {{prefixes: ['{prefix}'], delete: {str(delete).lower()}}}
---
kind: Topics
topics:
{listed}
"""
    )
    return path


def test_topics_are_deleted_only_with_the_opt_in(tmp_path, live_bootstrap, live_admin,
                                                 topic_prefix):
    env = tmp_path / "env"
    write_env(env, topic_prefix, ["keep", "drop"], delete=False)
    assert run("apply", str(env), "--bootstrap-server", live_bootstrap,
               "--auto-approve").exit_code == 0

    write_env(env, topic_prefix, ["keep"], delete=False)
    without_opt_in = run("apply", str(env), "--bootstrap-server", live_bootstrap,
                         "--auto-approve")
    assert without_opt_in.exit_code == 0, without_opt_in.output
    assert "Nothing to apply" in without_opt_in.output
    assert f"{topic_prefix}drop" in live_admin.list_topics()

    write_env(env, topic_prefix, ["keep"], delete=True)
    with_opt_in = run("apply", str(env), "--bootstrap-server", live_bootstrap, "--auto-approve")
    assert with_opt_in.exit_code == 0, with_opt_in.output
    assert f"done: delete topic {topic_prefix}drop" in with_opt_in.output
    names = set(live_admin.list_topics())
    assert f"{topic_prefix}drop" not in names and f"{topic_prefix}keep" in names


def test_demo_runs_end_to_end():
    require_local_broker()
    result = subprocess.run(
        [sys.executable, "-m", "kafkaform", "demo"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo complete." in result.stdout
    assert result.stdout.count("No changes.") == 2
