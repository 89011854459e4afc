"""docs/getting-started.md, run as written against the live broker.

The shell blocks run in order in a fresh folder holding a copy of the example
environments. The three setup blocks (install, start a broker in a second
terminal, export its address) are the only ones left out: the test session's
broker and virtualenv stand in for them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.docs import ROOT, blocks
from tests.live.helpers import created

pytestmark = pytest.mark.live

GUIDE = ROOT / "docs" / "getting-started.md"
SETUP_BLOCKS = ("git clone", "kafkaform local-broker", "export KAFKA_BOOTSTRAP=")


def guide_blocks() -> tuple[list[str], list[str]]:
    """(setup blocks, blocks to run), each as its shell text."""
    shell = [b.text for b in blocks(GUIDE) if b.language == "sh"]
    setup = [text for text in shell if text.startswith(SETUP_BLOCKS)]
    return setup, [text for text in shell if text not in setup]


def test_only_the_setup_blocks_are_left_out():
    setup, run = guide_blocks()
    assert [text.split()[0:2] for text in setup] == [
        ["git", "clone"], ["kafkaform", "local-broker"],
        ["export", "KAFKA_BOOTSTRAP=127.0.0.1:40123"]]
    assert len(run) == 7


def test_the_guide_runs_as_written(tmp_path, live_bootstrap):
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    _, run = guide_blocks()
    env = {**os.environ, "KAFKA_BOOTSTRAP": live_bootstrap, "NO_COLOR": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    outputs = []
    try:
        for text in run:
            done = subprocess.run(["bash", "-eo", "pipefail", "-c", text], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=300, check=False)
            outputs.append(done.stdout)
            assert done.returncode == 0, f"{text}\n{done.stdout}\n{done.stderr}"
            if "NewTopic" in text:
                # Kafka's brokers learn of new topics at their own pace (KRaft); a reader
                # on the one-node local broker does not wait, the test on three does.
                known_everywhere(live_bootstrap, HAND_MADE)
    finally:
        cleanup(live_bootstrap)
    demo, _, first, change, _, adopted, compare = outputs
    assert "Demo complete." in demo
    assert "Plan: 2 to create, 0 to change, 0 to destroy" in first
    assert "Apply complete" in first and first.rstrip().endswith(
        "No changes. The cluster matches the desired state.")
    assert "~ retention.ms: 86400000 (1d) → 259200000 (3d)" in change
    assert "### kafkaform plan: `mine`" in change
    # A cluster made by hand, adopted in one command: valid and an empty plan, no edits.
    assert "Adopted cluster" in adopted and "imported 2 topics to" in adopted
    assert "minReplicationFactor: 1 (the HA default is 3; 2 topics below it" in adopted
    assert adopted.rstrip().endswith("No changes. The cluster matches the desired state.")
    assert "kafkaform diff: dev → mine" in compare
    assert not (tmp_path / "environments" / "mine").exists()
    assert not (tmp_path / "environments" / "legacy").exists()


HAND_MADE = ("legacy.clicks", "legacy.profiles")


def known_everywhere(bootstrap: str, topics: tuple[str, ...]) -> None:
    from kafkaform.cluster.kafka import KafkaClusterAdmin

    with KafkaClusterAdmin(bootstrap, timeout_seconds=15) as admin:
        assert created(admin, *topics)


def cleanup(bootstrap: str) -> None:
    from kafkaform.cluster.kafka import KafkaClusterAdmin

    admin = KafkaClusterAdmin(bootstrap, timeout_seconds=15)
    try:
        leftovers = [name for name in admin.list_topics() if name.startswith(("mine.", "legacy."))]
        if leftovers:
            admin.delete_topics(leftovers)
    finally:
        admin.close()
