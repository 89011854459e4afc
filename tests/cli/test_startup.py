"""What a command imports to start: only what it needs (issue 15).

Each case runs `python -m kafkaform ...` in a fresh interpreter and lists the
heavy libraries it loaded. `--version` is answered before the command line is
built (`kafkaform/__main__.py`); building it (`--help`, and every command)
loads typer and the command modules, which import what they use from run/,
render/ and files/ only when they run. The libraries and what one import of
each costs on a two-core machine (CPU seconds): kafka-python 0.3,
jsonschema 0.13, confluent-kafka 0.12, rich 0.08, typer 0.08.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("typer", "rich", "jsonschema", "confluent_kafka", "kafka", "deepdiff", "yaml", "ruamel",
         "pydantic")
KAFKA_CLIENTS = {"confluent_kafka", "kafka"}

# Runs kafkaform's entry point as `python -m kafkaform` does, then prints the
# heavy top-level packages in sys.modules as JSON on stderr's last line.
PROBE = f"""
import json, runpy, sys
sys.argv = ["kafkaform", *sys.argv[1:]]
try:
    runpy.run_module("kafkaform", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))),
      file=sys.stderr)
"""


def loaded(*args: str, cwd: Path | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_loads_no_library(flag: str):
    assert loaded(flag) == set()


def test_help_loads_no_kafka_client_schema_or_yaml():
    assert loaded("--help") <= {"typer", "rich"}  # rich: typer draws its help with it


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
    assert not loaded("plan", str(env), "--snapshot", str(snapshot)) & KAFKA_CLIENTS
