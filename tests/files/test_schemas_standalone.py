"""The published schemas work outside kafkaform, offline: an independent validator
(check-jsonschema) checks every example environment file against them, both
from `schemas/` and from a `kafkaform schema --out` copy.

`environment.schema.json` refers to `topics.schema.json#/$defs/...`; with an
`$id` on a domain the project does not own, that reference resolved to the
domain ("Unretrievable"), and editors would fetch schema text from whoever
holds it. Every proxy here points at a closed port: any fetch fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.files.schemas import SCHEMA_FILES

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "environments").rglob("*.yaml"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
OFFLINE = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
           "NO_PROXY": "", "no_proxy": ""}


def check(schema: Path, instance: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--no-cache", "--schemafile", str(schema),
                           str(instance)], capture_output=True, text=True, env=OFFLINE,
                          timeout=120, check=False)


def schema_for(path: Path) -> str:
    [document] = list(yaml.safe_load_all(path.read_text()))
    return SCHEMA_FILES[document["kind"]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("exported")
    assert CliRunner().invoke(app, ["schema", "--out", str(folder)]).exit_code == 0
    return folder


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_validates_with_an_independent_validator_offline(path, exported):
    for folder in (ROOT / "schemas", exported):
        done = check(folder / schema_for(path), path)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_reference_into_another_schema_is_followed_offline(tmp_path):
    """A bad config value in an Environment's defaults is caught by topics.schema.json's
    definition: the cross-file reference resolved, next to the file."""
    bad = tmp_path / "environment.yaml"
    bad.write_text("kind: Environment\nname: x\n"
                   "defaults: {topic: {configs: {retention.ms: {days: 7}}}}\n")
    done = check(ROOT / "schemas" / "environment.schema.json", bad)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "retention.ms" in done.stdout and "Unretrievable" not in done.stdout + done.stderr


def test_no_schema_claims_an_id_or_points_at_a_domain():
    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        text = path.read_text()
        assert "$id" not in json.loads(text), path
        assert "kafkaform.dev" not in text, path
