"""`kafkaform changed`: environments touched since a git ref, includes followed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cli.common import EXIT_USAGE
from kafkaform.errors import KafkaformError
from kafkaform.files.changed import affected_environments, find_changed

runner = CliRunner()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: _base, _shared (included by _base), dev (no include), prod (-> _base)."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "t@example.invalid")
    git(tmp_path, "config", "user.name", "t")
    envs = tmp_path / "environments"
    write(envs / "_shared" / "topics.yaml", "kind: Topics\ntopics: []\n")
    write(envs / "_base" / "environment.yaml", "kind: Environment\ninclude: [../_shared]\n")
    write(envs / "_base" / "topics.yaml", "kind: Topics\ntopics: []\n")
    write(envs / "dev" / "environment.yaml", "kind: Environment\nname: dev\n")
    write(envs / "prod" / "environment.yaml",
          "kind: Environment\nname: prod\ninclude:\n  - {path: ../_base, kinds: [Topics]}\n")
    write(tmp_path / "README.md", "hello\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def names(repo: Path, since: str = "main") -> list[str]:
    return [env.name for env in find_changed(Path("environments"), since, repo)]


def test_nothing_changed_lists_nothing(repo):
    assert names(repo) == []


def test_own_file_committed(repo):
    write(repo / "environments" / "dev" / "topics.yaml", "kind: Topics\ntopics: []\n")
    commit(repo)
    assert names(repo) == ["dev"]


def test_included_base_recursively(repo):
    write(repo / "environments" / "_shared" / "topics.yaml", "kind: Topics\ntopics: [{name: a}]\n")
    commit(repo)
    [prod] = find_changed(Path("environments"), "main", repo)
    assert (prod.name, prod.files) == ("prod", ("environments/_shared/topics.yaml",))


def test_uncommitted_and_untracked_count(repo):
    (repo / "environments" / "dev" / "environment.yaml").write_text(
        "kind: Environment\nname: dev2\n")
    write(repo / "environments" / "_base" / "acls.yaml", "kind: Acls\n")
    assert names(repo) == ["dev", "prod"]


def test_deleted_file_counts_and_other_files_do_not(repo):
    (repo / "environments" / "_base" / "topics.yaml").unlink()
    write(repo / "README.md", "changed\n")
    write(repo / "environments" / "dev" / "notes" / "x.yaml", "kind: Topics\n")  # subfolder
    commit(repo)
    assert names(repo) == ["prod"]


def test_changes_on_main_after_branching_do_not_count(repo):
    git(repo, "checkout", "-q", "main")
    write(repo / "environments" / "dev" / "topics.yaml", "kind: Topics\ntopics: []\n")
    commit(repo, "on main")
    git(repo, "checkout", "-q", "feature")
    assert names(repo) == []


def test_cli_text_and_json(repo):
    write(repo / "environments" / "_base" / "topics.yaml", "kind: Topics\ntopics: [{name: b}]\n")
    commit(repo)
    text = runner.invoke(app, ["changed", "--since", "main"])
    assert (text.exit_code, text.output) == (0, "environments/prod\n")
    as_json = runner.invoke(app, ["changed", "--since", "main", "--format", "json"])
    assert json.loads(as_json.output) == [
        {"name": "prod", "path": "environments/prod", "files": ["environments/_base/topics.yaml"]}
    ]
    every = runner.invoke(app, ["changed", "--all"])
    assert every.output.split() == ["environments/dev", "environments/prod"]


def test_since_or_all_required(repo):
    result = runner.invoke(app, ["changed"])
    assert result.exit_code == EXIT_USAGE
    assert "give exactly one of --since REF or --all" in result.output


def test_pure_core_needs_file_directly_in_a_read_folder():
    base, prod = Path("/r/environments/_base"), Path("/r/environments/prod")
    reads = {prod: frozenset({prod, base}), Path("/r/environments/dev"): frozenset()}
    changed = [base / "topics.yaml", base / "sub" / "x.yaml", prod / "notes.txt"]
    assert affected_environments(reads, changed) == [(prod, [base / "topics.yaml"])]


def test_an_unknown_ref_is_one_line_naming_the_closest_branch(repo):
    """`git diff origin/mian...HEAD` ends with git's usage line; the error says what is wrong."""
    result = runner.invoke(app, ["changed", "--since", "mian"])
    assert result.exit_code == 1
    assert str(result.exception) == (
        "--since mian: unknown revision: no branch, tag or commit of that name in this "
        "repository; did you mean 'main'? (in CI, fetch the history first: fetch-depth: 0)")
    with pytest.raises(KafkaformError, match="--since origin/main: unknown revision"):
        find_changed(Path("environments"), "origin/main", repo)
