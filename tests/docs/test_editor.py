"""Editor and hook support: schema export, `$schema` comments, pre-commit hooks, reference."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.files.reference import REFERENCE, main, render_reference
from kafkaform.files.schemas import SCHEMA_FILES

ROOT = Path(__file__).parents[2]
SCHEMA_COMMENT = "# yaml-language-server: $schema="
runner = CliRunner()


def test_schema_lists_prints_and_exports(tmp_path):
    listing = runner.invoke(app, ["schema"])
    assert listing.exit_code == 0
    names = [line.split()[0] for line in listing.output.splitlines()]
    assert {"environment", "topics", "acls", "snapshot", "plan"} <= set(names)
    one = runner.invoke(app, ["schema", "topics"])
    assert json.loads(one.output)["title"] == json.loads(
        (ROOT / "schemas" / "topics.schema.json").read_text())["title"]
    exported = runner.invoke(app, ["schema", "--out", str(tmp_path / "s")])
    assert exported.exit_code == 0
    for file in SCHEMA_FILES.values():
        assert (tmp_path / "s" / file).read_bytes() == (ROOT / "schemas" / file).read_bytes()
    assert "no schema 'nope'" in str(runner.invoke(app, ["schema", "nope"]).exception)


def test_every_example_file_names_the_schema_of_its_kind():
    for path in sorted((ROOT / "environments").rglob("*.y*ml")):
        first = path.read_text().splitlines()[0]
        assert first.startswith(SCHEMA_COMMENT), path
        schema = (path.parent / first.removeprefix(SCHEMA_COMMENT)).resolve()
        kinds = {doc["kind"] for doc in yaml.safe_load_all(path.read_text()) if doc}
        assert {schema.name} == {SCHEMA_FILES[kind] for kind in kinds}, path
        assert schema.is_file(), path


def test_pre_commit_hooks_run_real_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["kafkaform-validate", "kafkaform-fmt-check"]
    for hook in hooks:
        program, *args = shlex.split(hook["entry"])
        assert program == "kafkaform"
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, hook["entry"]


def test_reference_is_up_to_date():
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), (
        "docs/reference.md is stale: run python -m kafkaform.files.reference")
    assert main(["--check"]) == 0


def test_reference_has_a_row_for_every_topic_key():
    text = render_reference()
    topic = json.loads((ROOT / "schemas" / "topics.schema.json").read_text())
    for key in topic["$defs"]["topic"]["properties"]:
        assert f"| `topics[].{key}` |" in text, key
