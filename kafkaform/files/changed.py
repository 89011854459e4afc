"""Which environments a git change touches, so pipelines plan only those.

An environment reads the YAML files directly in its folder and in every folder
it includes (recursively). It is affected when any file in one of those
folders changed since a git ref: committed on this branch
(`git diff REF...HEAD`), staged, unstaged or untracked. The include graph is
read from the files as they are now; `affected_environments` is pure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from kafkaform.core.wording import did_you_mean
from kafkaform.errors import KafkaformError
from kafkaform.files.load.reading import YAML_SUFFIXES


@dataclass(frozen=True)
class AffectedEnvironment:
    path: Path
    # The changed files (relative to the current directory) that affect it.
    files: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.path.name

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "path": self.path.as_posix(), "files": list(self.files)}


def environment_folders(root: Path) -> list[Path]:
    """Every folder under `root` that is an environment (not `_base`-like or hidden)."""
    if not root.is_dir():
        raise KafkaformError(f"no environments folder {root}")
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def included_folders(folder: Path) -> list[Path]:
    """The folders the `include:` of this folder's Environment document names.

    Unreadable files are skipped: `validate` reports them; here they only
    cannot add includes.
    """
    includes: list[Path] = []
    for file in sorted(folder.iterdir()):
        if file.suffix not in YAML_SUFFIXES or not file.is_file():
            continue
        try:
            documents = list(yaml.safe_load_all(file.read_text(encoding="utf-8")))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for doc in documents:
            if isinstance(doc, dict) and doc.get("kind") == "Environment":
                for entry in doc.get("include") or ():
                    relative = entry.get("path") if isinstance(entry, dict) else entry
                    if isinstance(relative, str):
                        includes.append(Path(os.path.normpath(folder / relative)))
    return includes


def folders_read(environment: Path) -> frozenset[Path]:
    """The environment's folder and every folder it includes, recursively."""
    seen: set[Path] = set()
    pending = [environment]
    while pending:
        folder = pending.pop()
        key = folder.resolve()
        if key in seen or not folder.is_dir():
            continue
        seen.add(key)
        pending.extend(included_folders(folder))
    return frozenset(seen)


def affected_environments(
    reads: Mapping[Path, frozenset[Path]], changed: Iterable[Path]
) -> list[tuple[Path, list[Path]]]:
    """Each environment with the changed files directly inside a folder it reads.

    `reads` maps an environment to the (resolved) folders it reads; `changed`
    holds resolved file paths. Subfolders are not read by the loader, so a
    change there affects nothing.
    """
    changed_files = sorted(set(changed))
    result = []
    for environment, folders in reads.items():
        files = [f for f in changed_files if f.parent in folders and f.suffix in YAML_SUFFIXES]
        if files:
            result.append((environment, files))
    return result


def _git(args: list[str], cwd: Path) -> list[str]:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=False)
    except FileNotFoundError:
        raise KafkaformError("git is not installed (kafkaform changed needs it)") from None
    if done.returncode != 0:
        # git's own line ("fatal: ..."), not the usage hint it may print after it
        detail = done.stderr.strip().splitlines()
        fatal = [line for line in detail if line.startswith(("fatal:", "error:"))]
        reason = (fatal or detail or [f"exit {done.returncode}"])[0]
        raise KafkaformError(f"git {' '.join(args)} failed: {reason}")
    return [line for line in done.stdout.splitlines() if line]


def _known_revision(since: str, cwd: Path) -> None:
    """Refuse a ref git does not know, in one line, with the closest branch or tag."""
    try:
        _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{since}^{{commit}}"], cwd)
    except KafkaformError:
        hint = did_you_mean(since, _git(["for-each-ref", "--format=%(refname:short)"], cwd))
        raise KafkaformError(
            f"--since {since}: unknown revision: no branch, tag or commit of that name in this "
            "repository" + (f"; {hint}" if hint else "")
            + " (in CI, fetch the history first: fetch-depth: 0)") from None


def changed_files(since: str, cwd: Path) -> set[Path]:
    """Files changed on this branch since `since` (merge base), plus uncommitted ones."""
    root = Path(_git(["rev-parse", "--show-toplevel"], cwd)[0])
    _known_revision(since, cwd)
    names = _git(["diff", "--name-only", "--no-renames", f"{since}...HEAD"], cwd)
    names += _git(["diff", "--name-only", "--no-renames", "HEAD"], cwd)
    names += _git(["ls-files", "--others", "--exclude-standard", "--full-name"], cwd)
    return {(root / name).resolve() for name in names}


def find_changed(
    environments_dir: Path, since: str | None, cwd: Path | None = None
) -> list[AffectedEnvironment]:
    """The environments under `environments_dir` affected since `since` (None: all)."""
    cwd = cwd or Path.cwd()
    environments = environment_folders(environments_dir)
    if since is None:
        return [AffectedEnvironment(env, ()) for env in environments]
    reads = {env: folders_read(env) for env in environments}
    return [
        AffectedEnvironment(env, tuple(_display(f, cwd) for f in files))
        for env, files in affected_environments(reads, changed_files(since, cwd))
    ]


def _display(path: Path, cwd: Path) -> str:
    return Path(os.path.relpath(path, cwd.resolve())).as_posix()
