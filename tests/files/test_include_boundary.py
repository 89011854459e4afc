"""`include:` stays inside the repository unless the command line says otherwise."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.files.load.layers import repository_root
from kafkaform.files.validate import validate_environment

ENVIRONMENT = """\
kind: Environment
name: prod
include: [{include}]
defaults:
  topic: {{partitions: 1, replicationFactor: 1}}
policies: {{minReplicationFactor: 1, minInsyncReplicas: 1}}
"""
SHARED_TOPICS = "kind: Topics\ntopics:\n  - name: shared.events\n"


def layout(root: Path, include: str, *, git: bool) -> Path:
    """root/repo/environments/prod including `include`; root/outside holds a base."""
    repo = root / "repo"
    env = repo / "environments" / "prod"
    env.mkdir(parents=True)
    if git:
        (repo / ".git").mkdir()
    (env / "environment.yaml").write_text(ENVIRONMENT.format(include=include))
    for base in (repo / "environments" / "_base", root / "outside"):
        base.mkdir(parents=True)
        (base / "topics.yaml").write_text(SHARED_TOPICS)
    return env


def messages(env: Path, **options) -> list[str]:
    return [p.render() for p in validate_environment(env, environ={}, **options).errors]


def test_the_repository_is_the_git_work_tree_or_the_folder_above_environments(tmp_path):
    in_git = layout(tmp_path / "a", "../_base", git=True)
    outside_git = layout(tmp_path / "b", "../_base", git=False)

    assert repository_root(in_git) == (tmp_path / "a" / "repo").resolve()
    assert repository_root(outside_git) == (tmp_path / "b" / "repo").resolve()


def test_an_include_inside_the_repository_is_read(tmp_path):
    env = layout(tmp_path, "../_base", git=True)

    result = validate_environment(env, environ={})

    assert result.ok, [p.render() for p in result.problems]
    assert set(result.desired.topics) == {"shared.events"}


def test_an_include_leaving_the_repository_is_refused_naming_where_it_resolves(tmp_path):
    env = layout(tmp_path, "../../../outside", git=True)

    assert messages(env) == [
        f"{env}/environment.yaml:3: include[0]: include '../../../outside' resolves to "
        f"{(tmp_path / 'outside').resolve()}, outside the repository "
        f"{(tmp_path / 'repo').resolve()}: not read (run kafkaform with "
        "--allow-includes-outside-repo to allow it)"
    ]


def test_absolute_paths_and_links_out_are_refused_too(tmp_path):
    absolute = layout(tmp_path / "a", str((tmp_path / "a" / "outside").resolve()), git=False)
    linked = layout(tmp_path / "b", "../_link", git=True)
    (tmp_path / "b" / "repo" / "environments" / "_link").symlink_to(tmp_path / "b" / "outside")

    assert "outside the repository" in messages(absolute)[0]
    assert "outside the repository" in messages(linked)[0]


def test_the_flag_lets_an_include_leave_the_repository(tmp_path):
    env = layout(tmp_path, "../../../outside", git=True)

    refused = CliRunner().invoke(app, ["validate", str(env)])
    allowed = CliRunner().invoke(app, ["--allow-includes-outside-repo", "validate", str(env)])

    assert refused.exit_code == 3, refused.output
    assert "outside the repository" in refused.output
    assert allowed.exit_code == 0, allowed.output
    assert "1 topic" in allowed.output
