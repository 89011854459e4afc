"""Against the live broker: Tansu has no AlterPartitionReassignments.

Generation only reads, so it works there; execute refuses before writing.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.core.requests import NewTopic
from kafkaform.run.lock import LOCK_TOPIC
from kafkaform.run.reassign.ledger import LEDGER_TOPIC
from tests.core.reassign.test_jsonfile import VALIDATOR

pytestmark = pytest.mark.live


def invoke(*args):
    return CliRunner().invoke(app, ["reassign", *map(str, args)])


def test_generate_reads_and_execute_refuses_on_a_broker_without_the_apis(
        tansu_only, live_bootstrap, live_admin, topic_prefix, tmp_path):
    name = f"{topic_prefix}moving"
    assert live_admin.create_topics([NewTopic(name, 2, 1)]) == {name: None}
    broker = live_admin.describe_cluster().brokers[0].id
    topics = tmp_path / "topics.json"
    topics.write_text(json.dumps({"version": 1, "topics": [{"topic": name}]}))

    result = invoke("generate", "--topics-to-move", topics, "--broker-list", broker,
                    "--bootstrap-server", live_bootstrap)
    assert result.exit_code == 0, result.output
    assert "No partition needs to move" in result.output

    file = tmp_path / "r.json"
    file.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": name, "partition": 0, "replicas": [broker]}]}))
    VALIDATOR.validate(json.loads(file.read_text()))
    result = invoke("execute", file, "--bootstrap-server", live_bootstrap)
    assert result.exit_code == 1
    assert "does not support AlterPartitionReassignments" in result.output
    assert "reassign generate` still writes the JSON" in result.output
    assert not {LOCK_TOPIC, LEDGER_TOPIC} & set(live_admin.list_topics())
