"""`kafkaform fmt`: canonical, idempotent, comment-keeping, meaning-preserving."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.core.model import DesiredState
from kafkaform.files.fmt import format_text
from kafkaform.files.load import load_environment

ROOT = Path(__file__).parents[2]
runner = CliRunner()


def meaning(desired: DesiredState) -> DesiredState:
    """The desired state without where things were written (lines move)."""
    return dataclasses.replace(
        desired,
        topics={n: dataclasses.replace(t, source=None) for n, t in desired.topics.items()},
        acl_sources={},
    )


@pytest.fixture
def environments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KAFKA_PASSWORD", "not-a-secret")
    return tmp_path / "environments"


def example_names() -> list[str]:
    return sorted(p.name for p in (ROOT / "environments").iterdir()
                  if p.is_dir() and not p.name.startswith("_"))


def test_fmt_keeps_the_meaning_of_every_example_and_is_idempotent(environments):
    before = {name: load_environment(environments / name) for name in example_names()}
    first = runner.invoke(app, ["fmt"])
    assert first.exit_code == 0, first.output
    formatted = {p: p.read_text() for p in environments.rglob("*.yaml")}
    again = runner.invoke(app, ["fmt", "--check"])
    assert again.exit_code == 0, again.output
    assert "0 files would be reformatted" in again.output
    assert {p: p.read_text() for p in environments.rglob("*.yaml")} == formatted
    for name, loaded in before.items():
        after = load_environment(environments / name)
        assert not after.shape_problems and loaded.desired is not None
        assert meaning(after.desired) == meaning(loaded.desired), name


def test_check_lists_files_and_changes_nothing(environments):
    topics = environments / "staging" / "topics.yaml"
    topics.write_text("kind: Topics\ntopics:\n  - name: b.t\n  - name: a.t\n")
    result = runner.invoke(app, ["fmt", "staging", "--check"])
    assert result.exit_code == 1
    assert f"would reformat {Path('environments/staging/topics.yaml')}" in result.output
    assert topics.read_text() == "kind: Topics\ntopics:\n  - name: b.t\n  - name: a.t\n"
    assert runner.invoke(app, ["fmt", "staging"]).exit_code == 0
    assert topics.read_text() == "kind: Topics\ntopics:\n  - name: a.t\n  - name: b.t\n"
    assert runner.invoke(app, ["fmt", "staging", "--check"]).exit_code == 0


def test_diff_shows_the_change(environments):
    (environments / "dev" / "topics.yaml").write_text(
        "topics: []\nkind: Topics\n")
    result = runner.invoke(app, ["fmt", "dev", "--check", "--diff"])
    assert result.exit_code == 1
    assert "+kind: Topics\n topics: []\n-kind: Topics\n" in result.output


def test_diff_alone_shows_and_writes_nothing(environments):
    topics = environments / "dev" / "topics.yaml"
    topics.write_text("topics: []\nkind: Topics\n")
    result = runner.invoke(app, ["fmt", "dev", "--diff"])
    assert result.exit_code == 0
    assert "+kind: Topics" in result.output
    assert topics.read_text() == "topics: []\nkind: Topics\n"


def test_invalid_yaml_is_one_line_and_exit_3(environments):
    (environments / "dev" / "broken.yaml").write_text("kind: Topics\ntopics: [unclosed\n")
    result = runner.invoke(app, ["fmt", "dev", "--check"])
    assert result.exit_code == 3
    assert f"{Path('environments/dev/broken.yaml')}:3: cannot format" in result.output


def test_comments_units_quotes_and_order():
    text = """\
# yaml-language-server: $schema=../../schemas/topics.schema.json
# the team's topics
kind: Topics
topics:
  - name: zeta.events   # zeta's own comment
    configs:
      retention.ms: 7d          # a week
      cleanup.policy: 'delete'
      max.message.bytes: 1MiB
    partitions: 3
  - configs: {segment.ms: 1d, retention.bytes: null}
    keyed: true
    name: alpha.events
"""
    assert format_text(text) == """\
# yaml-language-server: $schema=../../schemas/topics.schema.json
# the team's topics
kind: Topics
topics:
  - name: alpha.events
    keyed: true
    configs: {retention.bytes: null, segment.ms: 1d}
  - name: zeta.events   # zeta's own comment
    partitions: 3
    configs:
      cleanup.policy: 'delete'
      max.message.bytes: 1MiB
      retention.ms: 7d          # a week
"""


def test_environment_keys_follow_the_schema_and_other_kinds_are_left_alone():
    text = """\
defaults: {topic: {partitions: 3}}
cluster: {client: {sasl.username: u, sasl.mechanism: PLAIN}, bootstrap: 'h:9092'}
name: dev
kind: Environment
---
kind: Something
b: 1
a: 2
"""
    assert format_text(text) == """\
kind: Environment
name: dev
cluster: {bootstrap: 'h:9092', client: {sasl.mechanism: PLAIN, sasl.username: u}}
defaults: {topic: {partitions: 3}}
---
kind: Something
b: 1
a: 2
"""


topic_entries = st.lists(
    st.fixed_dictionaries(
        {"name": st.from_regex(r"[a-z]{1,6}\.[a-z]{1,6}", fullmatch=True)},
        optional={
            "partitions": st.integers(1, 50),
            "keyed": st.booleans(),
            "configs": st.dictionaries(
                st.sampled_from(["retention.ms", "cleanup.policy", "segment.ms"]),
                st.sampled_from(["7d", "1h", "delete", 5]), max_size=3),
        },
    ).map(lambda d: dict(reversed(list(d.items())))),
    max_size=6, unique_by=lambda d: d["name"],
)


@settings(max_examples=40, deadline=None)
@given(topic_entries)
def test_property_idempotent_sorted_and_same_data(entries):
    text = yaml.safe_dump({"topics": entries, "kind": "Topics"}, sort_keys=False)
    once = format_text(text)
    assert format_text(once) == once
    data = yaml.safe_load(once)
    assert list(data) == ["kind", "topics"]
    assert [t["name"] for t in data["topics"]] == sorted(t["name"] for t in entries)
    assert sorted(data["topics"], key=lambda t: t["name"]) == sorted(
        entries, key=lambda t: t["name"])
