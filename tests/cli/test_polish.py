"""The command line's small comforts: colours off, did-you-mean, shell completion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.files.snapshot import write_snapshot
from kafkaform.run.observe import observe

ROOT = Path(__file__).parents[2]
SCRIPT = Path(sys.executable).parent / "kafkaform"


def on_a_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """kafkaform's output with stdout on a pseudo-terminal, as a person sees it."""
    leader, follower = os.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    done = subprocess.run([str(SCRIPT), *args], cwd=ROOT, stdout=follower,
                          stderr=subprocess.PIPE, env={**environ, **(env or {})},
                          check=False, timeout=60)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert done.returncode in (0, 2), done.stderr
    return b"".join(chunks).decode()


@pytest.fixture
def empty_cluster(tmp_path: Path) -> Path:
    path = tmp_path / "empty.json"
    write_snapshot(observe(MemoryCluster(1)), path)
    return path


def test_no_color_turns_colours_off_on_a_terminal(empty_cluster):
    plan = ("plan", "dev", "--snapshot", str(empty_cluster))
    assert "\x1b[" in on_a_terminal(*plan)
    assert "\x1b[" not in on_a_terminal("--no-color", *plan)
    assert "\x1b[" not in on_a_terminal(*plan, env={"NO_COLOR": "1"})


def test_an_unknown_environment_names_the_close_ones_and_lists_all(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["validate", "stagin"])
    assert result.exit_code == 1
    assert ("environment 'stagin' not found: no folder stagin and no environments/stagin; "
            "did you mean 'staging'? environments here: dev, prod, staging") in message(result)


def test_an_unknown_environment_without_an_environments_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["plan", "prod"])
    assert result.exit_code == 1
    assert "there is no environments/ folder here" in message(result)
    assert "kafkaform init NAME" in message(result)


def message(result) -> str:
    """What the user reads: an error raised out of the command is printed by `main()`."""
    return result.output + (str(result.exception) if result.exception else "")


def complete(words: str) -> list[str]:
    """What bash completion offers for the command line `words` (ends with the cursor)."""
    parts = words.split(" ")
    done = subprocess.run([str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "_KAFKAFORM_COMPLETE": "complete_bash",
                               "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)})
    return done.stdout.split()


def test_completion_offers_environment_names():
    assert complete("kafkaform plan ") == ["dev", "prod", "staging"]
    assert complete("kafkaform apply st") == ["staging"]
    assert complete("kafkaform validate dev p") == ["prod"]


def test_completion_offers_the_environments_resources_for_target():
    assert complete("kafkaform plan dev --target topic/or") == [
        "topic/orders.created", "topic/orders.status-changed"]
    offered = complete("kafkaform plan prod --target ")
    assert "broker-configs" in offered and "topic/orders.created" in offered
    assert any(word.startswith("acl/User:") for word in offered)
