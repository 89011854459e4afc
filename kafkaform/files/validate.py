"""Validate an environment folder: every problem, in one run, one line each.

Problems of reading and schema come first, then the semantic checks and the
policies, each group sorted by file, line and key path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kafkaform.core.checks import check_semantics
from kafkaform.core.model import DesiredState
from kafkaform.core.policies import check_policies
from kafkaform.core.problems import Problem
from kafkaform.files.load import load_environment


@dataclass(frozen=True)
class ValidationResult:
    path: Path
    desired: DesiredState | None
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def sort_key(problem: Problem) -> tuple:
    return (problem.file or "", problem.line or 0, problem.path, problem.message)


def validate_environment(path: Path, environ: dict[str, str] | None = None, *,
                         includes_outside: bool = False) -> ValidationResult:
    """Load, check and apply the policies; `desired` is None when anything is an error.

    `includes_outside` lets includes leave the repository (`load_environment`)."""
    loaded = load_environment(path, environ, includes_outside=includes_outside)
    semantic = list(loaded.problems)
    if loaded.desired is not None:
        semantic += check_semantics(loaded.desired, loaded.topic_origins)
        semantic += check_policies(loaded.desired, loaded.topic_origins,
                                   loaded.broker_config_sources)
    problems = sorted(loaded.shape_problems, key=sort_key) + sorted(semantic, key=sort_key)
    ok = not any(p.is_error for p in problems)
    return ValidationResult(path, loaded.desired if ok else None, problems, loaded.files)


