"""Read the CI recipes in docs/ci/ and run their kafkaform steps locally.

The scripts run are the recipe files' own text, so the tests cannot drift from
what users copy. Only the parts that talk to GitHub's or GitLab's API (comments,
artifact downloads, issues) are left out, and which ones those are is checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]
RECIPES = ROOT / "docs" / "ci"
GITHUB = RECIPES / "github"
ACTION = ROOT / "action.yml"
GITLAB = RECIPES / "gitlab" / "kafkaform.gitlab-ci.yml"
# `kafkaform SUBCOMMAND` in a script (not `kafkaform-plan.yml`, `kafkaform:plan`, a title).
KAFKAFORM_COMMAND = re.compile(r"(?<![\w:/.-])kafkaform ([a-z][a-z-]*)(?![\w:-])")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def load(path: Path) -> dict:
    # PyYAML reads the key `on` as True; the recipes are otherwise plain YAML.
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def github_steps(workflow: str) -> list[tuple[str, dict]]:
    """(job, step) for every step with a `run:` script of a workflow."""
    data = load(GITHUB / workflow)
    return [(job, step) for job, spec in data["jobs"].items() for step in spec["steps"]
            if "run" in step]


def github_step(workflow: str, step_id: str) -> dict:
    [step] = [s for _, s in github_steps(workflow) if s.get("id") == step_id]
    return step


def gitlab_job(name: str) -> dict:
    return load(GITLAB)[name]


def subcommands(script: str) -> set[str]:
    return set(KAFKAFORM_COMMAND.findall(script))


def shell(script: str, cwd: Path, env: dict[str, str]) -> Run:
    """Run a script as both CI services do: bash, stop at the first failure."""
    outputs, summary = cwd / ".outputs", cwd / ".summary"
    outputs.write_text("")
    summary.write_text("")
    bin_dir = str(Path(sys.executable).parent)  # the kafkaform console script
    full = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(cwd),
            "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary),
            "NO_COLOR": "1", **env}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, env=full, capture_output=True, text=True, timeout=300,
                          check=False)
    pairs = (line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return Run(done.returncode, done.stdout, done.stderr, dict(pairs), summary.read_text())


def run_github(workflow: str, step_id: str, cwd: Path, values: dict[str, str]) -> Run:
    """Run a step with the values its `env:` names (every one must be given)."""
    step = github_step(workflow, step_id)
    declared = set(step.get("env", {}))
    missing = declared - set(values)
    assert not missing, f"{workflow} step {step_id} needs test values for {missing}"
    return shell(step["run"], cwd, {k: values[k] for k in declared})


def action_steps() -> list[dict]:
    """The composite action's steps with a `run:` script."""
    return [step for step in load(ACTION)["runs"]["steps"] if "run" in step]


def run_action(step_id: str, cwd: Path, values: dict[str, str],
               outside: dict[str, str] | None = None) -> Run:
    """Run one of the action's steps with the values its `env:` names; `outside` is the
    environment the calling workflow gives (secrets, GITHUB_ACTION_PATH, PATH)."""
    [step] = [s for s in action_steps() if s.get("id") == step_id]
    declared = set(step.get("env", {}))
    missing = declared - set(values)
    assert not missing, f"action step {step_id} needs test values for {missing}"
    return shell(step["run"], cwd, {**(outside or {}), **{k: values[k] for k in declared}})


def run_gitlab(job: str, cwd: Path, values: dict[str, str]) -> Run:
    """Run a job's `script:` entries, leaving out the one that calls GitLab's API."""
    entries = [e for e in gitlab_job(job)["script"] if "$CI_API_V4_URL" not in e]
    return shell("\n".join(entries), cwd, values)
