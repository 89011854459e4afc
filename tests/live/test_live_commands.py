"""The cluster commands end to end against the live broker, through the real CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from kafkaform.core.importer import TopicFilter, import_topics
from kafkaform.core.planner import plan
from kafkaform.core.requests import NewTopic
from kafkaform.files.validate import validate_environment
from kafkaform.run.observe import observe
from tests.live.helpers import eventually, local_broker, write_environment

pytestmark = [pytest.mark.live, pytest.mark.smoke]


def kafkaform(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kafkaform", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def test_an_unreachable_server_is_one_line_and_exit_1_within_the_timeout(tmp_path):
    env = write_environment(tmp_path / "nowhere", "127.0.0.1:1", timeout_seconds=10)
    started = time.monotonic()
    result = kafkaform("check", str(env))
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(
        "error: could not reach bootstrap servers 127.0.0.1:1 within 10s: "
    )
    assert "Traceback" not in result.stderr
    assert elapsed < 10 + 5  # the configured timeout, plus interpreter start-up


def create_topics(admin, prefix: str) -> list[str]:
    topics = [
        NewTopic(f"{prefix}orders", 3, 1, {"retention.ms": "86400000",
                                            "max.message.bytes": "2097152"}),
        NewTopic(f"{prefix}profiles", 2, 1, {"cleanup.policy": "compact"}),
        NewTopic(f"{prefix}plain", 1, 1),
    ]
    assert admin.create_topics(topics) == {t.name: None for t in topics}
    names = [t.name for t in topics]
    assert eventually(lambda: set(names) <= admin.list_topics().keys())
    return names


def test_check_on_the_live_broker_is_healthy(tmp_path, live_bootstrap):
    result = kafkaform("check", str(write_environment(tmp_path / "live", live_bootstrap)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "healthy" in result.stdout.splitlines()[0]


def test_import_then_plan_is_empty(tmp_path, live_admin, live_bootstrap, topic_prefix):
    names = create_topics(live_admin, topic_prefix)
    env = write_environment(tmp_path / "imported", live_bootstrap)
    (env / "environment.yaml").write_text(
        (env / "environment.yaml").read_text()
        + "policies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n"
        + f"manage: {{topics: {{prefixes: ['{topic_prefix}']}}}}\n"
    )
    include = f"{topic_prefix.replace('.', '[.]')}.*"
    result = kafkaform("import", str(env), "--include", include)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"imported {len(names)} topics" in result.stdout

    validation = validate_environment(env)
    assert validation.desired is not None, [p.render() for p in validation.problems]
    observed = observe(live_admin)
    imported = {t.name: t for t in import_topics(observed, TopicFilter(include=include))}
    assert {n: (t.partitions, t.replication_factor, t.configs)
            for n, t in validation.desired.topics.items()} == {
        n: (t.partitions, t.replication_factor, t.configs) for n, t in imported.items()
    }
    assert imported[f"{topic_prefix}orders"].configs == {
        "max.message.bytes": "2097152", "retention.ms": "86400000"
    }
    planned = plan(validation.desired, observed)
    assert planned.is_empty, planned.actions


def test_snapshot_then_import_from_it_matches_the_live_import(
    tmp_path, live_admin, live_bootstrap, topic_prefix
):
    create_topics(live_admin, topic_prefix)
    env = write_environment(tmp_path / "env", live_bootstrap)
    include = f"{topic_prefix.replace('.', '[.]')}.*"
    snapshot = tmp_path / "snapshot.json"
    assert kafkaform("snapshot", str(env), "--out", str(snapshot)).returncode == 0
    live = kafkaform("import", str(env), "--include", include, "--out", str(tmp_path / "live"))
    offline = kafkaform("import", str(env), "--include", include, "--snapshot", str(snapshot),
                        "--out", str(tmp_path / "offline"))
    assert live.returncode == 0 and offline.returncode == 0, live.stderr + offline.stderr
    live_yaml = (tmp_path / "live" / "topics.yaml").read_text()
    assert topic_prefix in live_yaml
    assert (tmp_path / "offline" / "topics.yaml").read_text() == live_yaml


def test_no_broker_process_outlives_its_context(tmp_path):
    with local_broker(log_dir=tmp_path) as broker:
        pid = broker.pid
        assert Path(f"/proc/{pid}").exists()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
