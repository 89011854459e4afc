"""Live: topics made by hand with the adapter, then `kafkaform plan` shows exactly the rest.

Runs on Tansu (or the Kafka in $KAFKAFORM_TEST_BOOTSTRAP). Tansu lists only the
config keys that were set, all as DEFAULT_CONFIG, so the test sticks to what
means the same on both: new topics, new and equal config values.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.core.requests import NewTopic
from tests.live.helpers import created

pytestmark = [pytest.mark.live, pytest.mark.smoke]


def environment(prefix: str, bootstrap: str) -> str:
    return f"""\
kind: Environment
name: live
cluster: {{bootstrap: '{bootstrap}', timeoutSeconds: 15}}
defaults:
  topic: {{partitions: 1, replicationFactor: 1}}
policies:
  minReplicationFactor: 1
  minInsyncReplicas: 1
  rackSpread: {{value: false, level: off}}
manage:
  topics: {{prefixes: ['{prefix}']}}
---
kind: Topics
topics:
  - {{name: {prefix}same, configs: {{retention.ms: 1d}}}}
  - {{name: {prefix}changed, configs: {{cleanup.policy: [compact, delete], retention.ms: 1h}}}}
  - {{name: {prefix}new, partitions: 2, configs: {{retention.ms: 2h}}}}
"""


def test_plan_shows_exactly_what_the_cluster_lacks(live_admin, live_bootstrap, topic_prefix,
                                                   tmp_path):
    same, changed, new = (f"{topic_prefix}{n}" for n in ("same", "changed", "new"))
    assert live_admin.create_topics([
        NewTopic(same, 1, 1, {"retention.ms": "86400000"}),
        NewTopic(changed, 1, 1, {"cleanup.policy": "compact"}),
    ]) == {same: None, changed: None}
    assert created(live_admin, same, changed)  # on every broker the plan may ask
    env = tmp_path / "live"
    env.mkdir()
    (env / "environment.yaml").write_text(environment(topic_prefix, live_bootstrap))

    result = CliRunner().invoke(app, ["plan", str(env), "--format", "json",
                                      "--detailed-exitcode"])

    assert result.exit_code == 2, result.output
    plan = json.loads(result.stdout)
    assert plan["errors"] == []
    actions = [(a["type"], a["topic"]) for a in plan["actions"]]
    assert actions == [("create_topic", new), ("alter_topic_configs", changed)]
    create, alter = plan["actions"]
    assert (create["partitions"], create["replication_factor"], create["configs"]) == (
        2, 1, {"retention.ms": "7200000"})
    assert [(c["key"], c["after"]) for c in alter["changes"]] == [
        ("cleanup.policy", "compact,delete"), ("retention.ms", "3600000")]
    assert alter["changes"][0]["before"] == "compact"
