"""What a command imports to start: only what it needs (issue 15).

Each case runs `python -m kafkaform ...` in a fresh interpreter and lists the
heavy libraries it loaded. `--version` and the root `--help` are answered
before the command line is built (`kafkaform/__main__.py`; the help from its
stored rendering, when typer's would be the same: `kafkaform.prerendered`);
building it (every command, and help typer renders) loads typer and the
command modules, which import what they use from run/, render/ and files/
only when they run. The libraries and what one import of
each costs on a two-core machine (CPU seconds): kafka-python 0.3,
jsonschema 0.13, confluent-kafka 0.12, rich 0.08, typer 0.08.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from kafkaform.prerendered import RENDERING_VARIABLES

HEAVY = ("typer", "rich", "jsonschema", "confluent_kafka", "kafka", "deepdiff", "yaml", "ruamel",
         "pydantic")
# kafkaform's own modules of many dataclasses (each costs ~1 ms to define: dataclasses
# compiles its methods), loaded only by the commands that plan or talk to a cluster.
PLANNING = ("kafkaform.core.actions", "kafkaform.core.observed", "kafkaform.core.requests",
            "kafkaform.core.reassign.throttles")
KAFKA_CLIENTS = {"confluent_kafka", "kafka"}

# Runs kafkaform's entry point as `python -m kafkaform` does, then prints the
# heavy top-level packages and planning modules in sys.modules as JSON on
# stderr's last line.
PROBE = f"""
import json, runpy, sys
sys.argv = ["kafkaform", *sys.argv[1:]]
try:
    runpy.run_module("kafkaform", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(({{m.split(".")[0] for m in sys.modules}} | set(sys.modules))
                        & set({HEAVY + PLANNING!r}))), file=sys.stderr)
"""


# The environment of every probe: none of the variables that send help to typer,
# unless a test sets one (CI sets GITHUB_ACTIONS, a developer may have COLUMNS).
PLAIN = {k: v for k, v in os.environ.items() if k not in RENDERING_VARIABLES}


def loaded(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
           stdin: int = subprocess.DEVNULL, stdout: int = subprocess.PIPE) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, cwd=cwd, timeout=60,
                          env={**PLAIN, **(env or {})})
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def terminal(columns: int) -> tuple[int, int]:
    """A pseudo-terminal this many columns wide: (its controller, the terminal's fd)."""
    controller, end = pty.openpty()
    fcntl.ioctl(end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    return controller, end


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_loads_no_library(flag: str):
    assert loaded(flag) == set()


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_root_help_loads_no_library(flag: str):
    assert loaded(flag) == set()  # printed from its stored rendering


def test_a_commands_help_loads_no_kafka_client_schema_or_yaml():
    assert loaded("plan", "--help") <= {"typer", "rich"}  # rich: typer draws its help with it


@pytest.mark.parametrize("variable", RENDERING_VARIABLES)
def test_root_help_goes_to_typer_when_a_variable_changes_its_rendering(variable: str):
    assert "typer" in loaded("--help", env={variable: "1"})
    assert "typer" in loaded("--help", env={variable: ""})  # set at all: rich reads some so


def test_root_help_is_stored_only_for_80_columns():
    """rich renders at the width of the first standard stream that is a terminal."""
    for columns, expected in ((80, set()), (120, {"typer", "rich"})):
        controller, end = terminal(columns)
        try:
            assert loaded("--help", stdin=end) == expected, columns
        finally:
            os.close(controller)
            os.close(end)


def test_root_help_on_a_terminal_is_typers():
    """Colour: rich colours what goes to a terminal (read here, so the child never blocks)."""
    controller, end = terminal(80)
    drained = threading.Thread(target=_drain, args=(controller,), daemon=True)
    drained.start()
    try:
        assert "typer" in loaded("--help", stdout=end)
    finally:
        os.close(end)
        drained.join(timeout=10)
        os.close(controller)


def _drain(controller: int) -> None:
    try:
        while os.read(controller, 65536):
            pass
    except OSError:  # the terminal's end was closed: nothing more to read
        pass


def test_validate_loads_no_kafka_client_and_no_rich(tmp_path: Path):
    env = tmp_path / "dev"
    env.mkdir()
    (env / "environment.yaml").write_text("kind: Environment\nname: dev\n"
                                          "cluster: {bootstrap: 'localhost:9092'}\n")
    used = loaded("validate", str(env))
    assert "jsonschema" in used  # the probe sees what validation needs ...
    assert not used & (KAFKA_CLIENTS | {"rich"})  # ... and nothing it does not
    # typer 0.29 parses every command's options through pydantic (pyproject.toml pins 0.28).
    assert "pydantic" not in used
    assert not used & set(PLANNING)  # validation plans nothing


def test_plan_from_a_snapshot_loads_no_kafka_client(tmp_path: Path):
    from kafkaform.cluster.memory import MemoryCluster
    from kafkaform.files.snapshot import write_snapshot
    from kafkaform.run.observe import observe

    env = tmp_path / "dev"
    env.mkdir()
    (env / "environment.yaml").write_text(
        "kind: Environment\nname: dev\ncluster: {bootstrap: 'localhost:9092'}\n"
        "policies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n")
    snapshot = tmp_path / "snapshot.json"
    write_snapshot(observe(MemoryCluster(1)), snapshot)
    used = loaded("plan", str(env), "--snapshot", str(snapshot))
    assert set(PLANNING) <= used  # the probe sees the planning modules ...
    assert not used & KAFKA_CLIENTS  # ... and no Kafka client for a snapshot
