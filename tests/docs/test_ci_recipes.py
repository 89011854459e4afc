"""The CI recipes of docs/ci/, run against the live broker (not the CI services).

A temporary git repository holds one environment of a unique name whose topics
have a unique prefix; the recipes' own scripts run in it: pull request plan
(marker and summary in the Markdown), apply on merge with the saved plan, the
nightly drift check (clean, then drift after a change behind kafkaform's back),
and a saved plan gone stale (refused, re-planned; applied only when allowed).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import typer

from kafkaform.cli import app
from kafkaform.core.requests import NewTopic
from tests.docs.recipes import (
    GITHUB,
    GITLAB,
    action_steps,
    github_steps,
    gitlab_job,
    load,
    run_action,
    run_github,
    run_gitlab,
    shell,
    subcommands,
)
from tests.live.helpers import created, eventually
from tests.support.installed import OFFLINE_PIP, source_copy, virtualenv

pytestmark = pytest.mark.live

COMMANDS = set(typer.main.get_command(app).commands)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


def environment_files(name: str, prefix: str) -> dict[str, str]:
    """A one-broker environment with one topic, in kafkaform fmt's layout."""
    return {
        "environment.yaml": f"""\
kind: Environment
name: {name}
cluster:
  bootstrap: ${{KAFKA_BOOTSTRAP}}
  timeoutSeconds: 15
defaults:
  topic: {{partitions: 1, replicationFactor: 1, configs: {{min.insync.replicas: 1}}}}
policies:
  minReplicationFactor: 1
  minInsyncReplicas: 1
  rackSpread: {{value: false, level: off}}
manage:
  topics: {{prefixes: [{prefix}]}}
""",
        "topics.yaml": f"kind: Topics\ntopics:\n  - name: {prefix}orders\n",
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ci@example.invalid")
    git(tmp_path, "config", "user.name", "ci")
    (tmp_path / "README.md").write_text("environments\n")
    (tmp_path / "environments").mkdir()
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def add_environment(repo: Path, name: str, prefix: str) -> tuple[str, str]:
    """On a branch, add the environment; returns (main's sha, the branch's)."""
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", f"add-{name}")
    folder = repo / "environments" / name
    folder.mkdir()
    for file, text in environment_files(name, prefix).items():
        (folder / file).write_text(text)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", f"add {name}")
    return base, git(repo, "rev-parse", "HEAD")


def merge(repo: Path, branch_head: str) -> str:
    """Merge into main; returns main's sha before the merge."""
    git(repo, "checkout", "-q", "main")
    before = git(repo, "rev-parse", "HEAD")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge", branch_head)
    return before


@pytest.fixture
def names(topic_prefix: str) -> tuple[str, str]:
    """(environment name, topic prefix), unique to the test."""
    return topic_prefix.strip(".").replace(".", "-"), topic_prefix


def test_every_kafkaform_command_in_the_recipes_is_run_by_these_tests():
    """A new kafkaform step would otherwise go untested here."""
    tested = {"kafkaform-plan.yml": {"changed"},
              "kafkaform-apply.yml": {"changed", "apply"},
              "kafkaform-drift.yml": {"list", "drift"}}
    for workflow in sorted(p.name for p in GITHUB.glob("*.yml")):
        for _, step in github_steps(workflow):
            commands = subcommands(step["run"])
            assert commands <= COMMANDS, (workflow, commands - COMMANDS)
            if commands:
                assert step.get("id") in tested[workflow], (workflow, step.get("name"))
    gitlab = load(GITLAB)
    for name, job in gitlab.items():
        for entry in job.get("script", []) if isinstance(job, dict) else []:
            assert subcommands(entry) <= COMMANDS, (name, entry)
    assert "--auto-approve" in github_step_text("kafkaform-apply.yml", "apply")
    assert "--detailed-exitcode" in github_step_text("kafkaform-drift.yml", "drift")
    # The action: every step with a script is run here but the one calling GitHub's API.
    run_here = {"install", "plan", "result"}
    for step in action_steps():
        assert subcommands(step["run"]) <= COMMANDS, step.get("name")
        assert step.get("id") in run_here or "gh api" in step["run"], step.get("name")
    assert [s["id"] for s in action_steps() if "gh api" in s["run"]] == ["comment"]


PINNED_ACTION = "<owner>/kafkaform@<commit sha>"


def test_no_recipe_installs_kafkaform_unpinned(tmp_path):
    """kafkaform is not on the package index: a `pip install kafkaform` default would
    install whoever publishes that name, in jobs holding cluster credentials."""
    for workflow in sorted(GITHUB.glob("*.yml")):
        data = load(workflow)
        for job in data["jobs"].values():
            uses = [step["uses"] for step in job["steps"] if "kafkaform" in step.get("uses", "")]
            assert uses and all(u == PINNED_ACTION for u in uses), (workflow.name, uses)
            assert not any("pip install" in step.get("run", "") for step in job["steps"])
    install = next(s for s in action_steps() if s["id"] == "install")["run"]
    assert install.strip() == 'python -m pip install --quiet "$GITHUB_ACTION_PATH"'
    # GitLab installs KAFKAFORM_PIP_SPEC only when it pins a repository to a tag or commit.
    guard = "\n".join(load(GITLAB)["default"]["before_script"])
    assert load(GITLAB)["variables"]["KAFKAFORM_PIP_SPEC"].startswith("git+https://")
    fake_pip = tmp_path / "bin" / "pip"
    fake_pip.parent.mkdir()
    fake_pip.write_text('#!/bin/sh\necho "pip $*"\n')
    fake_pip.chmod(0o755)
    path = {"PATH": f"{fake_pip.parent}:/usr/bin:/bin"}
    by_name = shell(guard, tmp_path, {**path, "KAFKAFORM_PIP_SPEC": "kafkaform"})
    assert by_name.code == 1 and "must pin kafkaform's repository" in by_name.stdout
    pinned = "git+https://git.example.invalid/ops/kafkaform@0a1b2c3d"
    assert shell(guard, tmp_path, {**path, "KAFKAFORM_PIP_SPEC": pinned}).stdout == \
        f"pip install --quiet {pinned}\n"


def test_the_action_installs_kafkaform_from_its_own_commit_and_plans(
    repo, names, live_bootstrap, tmp_path_factory
):
    """The action's own install and plan steps, as a runner runs them: kafkaform from the
    action's checkout (GITHUB_ACTION_PATH), installed in a virtualenv without it."""
    name, prefix = names
    root = tmp_path_factory.mktemp("action")
    action_path = source_copy(root / "kafkaform")
    bin_dir = virtualenv(root / "venv")
    runner = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
              "GITHUB_ACTION_PATH": str(action_path), **OFFLINE_PIP}
    installed = run_action("install", repo, {}, runner)
    assert installed.code == 0, installed.stdout + installed.stderr
    assert (bin_dir / "kafkaform").is_file()

    base, _ = add_environment(repo, name, prefix)
    planned = run_action("plan", repo, {"ONLY": "", "ENVIRONMENTS_DIR": "environments",
                                        "BASE_SHA": base},
                         {**runner, "KAFKA_BOOTSTRAP": live_bootstrap})
    assert planned.code == 0, planned.stdout + planned.stderr
    assert planned.outputs == {"environments": name, "exit-code": "0"}
    assert (repo / "plans" / f"{name}.plan.json").is_file()
    assert run_action("result", repo, {"CODE": planned.outputs["exit-code"]}).code == 0

def github_step_text(workflow: str, step_id: str) -> str:
    return next(s["run"] for _, s in github_steps(workflow) if s.get("id") == step_id)


def test_github_recipes(repo, names, live_admin, live_bootstrap):
    name, prefix = names
    path = f"environments/{name}"
    topic = f"{prefix}orders"
    secrets = {"KAFKA_BOOTSTRAP": live_bootstrap, "KAFKA_USER": "", "KAFKA_PASSWORD": ""}
    env = {"ENV_NAME": name, "ENV_PATH": path, **secrets}
    base, head = add_environment(repo, name, prefix)

    # Pull request: validate, fmt --check, changed environments as a matrix.
    changed = run_github("kafkaform-plan.yml", "changed", repo, {"BASE_SHA": base})
    assert changed.code == 0, changed.stdout + changed.stderr
    matrix = json.loads(changed.outputs["environments"])
    assert [(e["name"], e["path"]) for e in matrix] == [(name, path)]

    # Pull request: the action plans the matrix's environment: Markdown comment with its
    # marker, saved plan, and the step that fails the job when a plan failed.
    [uses] = [s for s in load(GITHUB / "kafkaform-plan.yml")["jobs"]["plan"]["steps"]
              if s.get("uses") == PINNED_ACTION]
    assert uses["with"] == {"environment": "${{ matrix.name }}"}
    assert set(uses["env"]) == set(secrets)
    inputs = {"ONLY": name, "ENVIRONMENTS_DIR": "environments", "BASE_SHA": base}
    planned = run_action("plan", repo, inputs, secrets)
    assert planned.code == 0, planned.stderr
    assert planned.outputs == {"environments": name, "exit-code": "0"}
    assert run_action("result", repo, {"CODE": "0"}).code == 0
    comment = (repo / "plans" / f"{name}.md").read_text()
    assert comment.splitlines()[0] == f"<!-- kafkaform:plan:{name} -->"
    assert f"### kafkaform plan: `{name}`" in comment
    assert "**Plan: 1 to create, 0 to change, 0 to destroy, 0 reassignments.**" in comment
    assert planned.summary == comment
    assert (repo / "plans" / f"{name}.plan.json").is_file()

    # Merge: the push lists the environment; apply uses the reviewed plan.
    before = merge(repo, head)
    pushed = run_github("kafkaform-apply.yml", "changed", repo,
                        {"BEFORE_SHA": before, "DISPATCHED": ""})
    assert [e["name"] for e in json.loads(pushed.outputs["environments"])] == [name]
    applied = run_github("kafkaform-apply.yml", "apply", repo, {**env, "ON_STALE_PLAN": "fail"})
    assert applied.code == 0, applied.stdout + applied.stderr
    assert "Apply complete" in applied.stdout
    assert created(live_admin, topic)

    # Nightly: no drift, then drift after a change behind kafkaform's back.
    listed = run_github("kafkaform-drift.yml", "list", repo, {})
    assert [e["name"] for e in json.loads(listed.outputs["environments"])] == [name]
    clean = run_github("kafkaform-drift.yml", "drift", repo, env)
    assert clean.code == 0 and "No drift" in clean.stdout, clean.stdout + clean.stderr
    live_admin.delete_topics([topic])
    assert eventually(lambda: topic not in live_admin.list_topics())
    drifted = run_github("kafkaform-drift.yml", "drift", repo, env)
    assert drifted.code == 2
    assert f"::error title=Drift in {name}::" in drifted.stdout
    assert "Plan: 1 to create" in drifted.summary

    # A reviewed plan gone stale: refused, re-planned, applied only when allowed.
    assert run_action("plan", repo, inputs, secrets).code == 0
    live_admin.create_topics([NewTopic(topic, 1, 1, {"retention.ms": "3600000"})])
    assert created(live_admin, topic)
    stale = run_github("kafkaform-apply.yml", "apply", repo, {**env, "ON_STALE_PLAN": "fail"})
    assert stale.code == 1
    assert "the cluster changed since this plan was made" in stale.stderr
    assert f"The reviewed plan for `{name}` was not applied" in stale.summary
    assert "retention.ms" in stale.summary
    assert "::error title=kafkaform apply" in stale.stdout
    allowed = run_github("kafkaform-apply.yml", "apply", repo, {**env, "ON_STALE_PLAN": "apply"})
    assert allowed.code == 0, allowed.stdout + allowed.stderr
    assert run_github("kafkaform-drift.yml", "drift", repo, env).code == 0


def test_gitlab_recipe(repo, names, live_admin, live_bootstrap):
    name, prefix = names
    values = {"ENV_NAME": name, "KAFKA_BOOTSTRAP": live_bootstrap}
    base, head = add_environment(repo, name, prefix)
    api_entries = [e for job in ("kafkaform:plan", "kafkaform:apply", "kafkaform:drift")
                   for e in gitlab_job(job)["script"] if "$CI_API_V4_URL" in e]
    assert len(api_entries) == 1  # only the artifact download is left out

    validate = run_gitlab("kafkaform:validate", repo, values)
    assert validate.code == 0, validate.stdout + validate.stderr
    planned = run_gitlab("kafkaform:plan", repo,
                         {**values, "CI_MERGE_REQUEST_DIFF_BASE_SHA": base})
    assert planned.code == 0, planned.stderr
    note = (repo / "plans" / f"{name}.md").read_text()
    assert note.startswith(f"<!-- kafkaform:plan:{name} -->\n### kafkaform plan: `{name}`")
    assert "Plan: 1 to create" in note

    before = merge(repo, head)
    applied = run_gitlab("kafkaform:apply", repo,
                         {**values, "CI_COMMIT_BEFORE_SHA": before, "ON_STALE_PLAN": "fail"})
    assert applied.code == 0, applied.stdout + applied.stderr
    assert "Apply complete" in applied.stdout and "afresh" not in applied.stdout
    drift = run_gitlab("kafkaform:drift", repo, values)
    assert drift.code == 0 and "No drift" in drift.stdout

    unchanged = run_gitlab("kafkaform:plan", repo,
                           {**values, "CI_MERGE_REQUEST_DIFF_BASE_SHA": "HEAD"})
    assert unchanged.code == 0 and "nothing to plan" in unchanged.stdout
