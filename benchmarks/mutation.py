"""Mutation testing of the core and run modules with cosmic-ray: a benchmark, not CI.

    nice -n 19 .venv/bin/python benchmarks/mutation.py --label after core/units core/planner
    .venv/bin/python benchmarks/mutation.py --label after --report
    .venv/bin/python benchmarks/mutation.py --report first-pass after   # after's rows win

A mutant is the module with one small change (`<` for `<=`, `and` for `or`, a number
off by one, a condition negated, a loop that never runs); the module's tests kill
it when at least one fails. The score is killed / (killed + survived) per module;
docs/mutation.md has the last scores and why each mutant still surviving is
equivalent or acceptable.

Why cosmic-ray and not mutmut: mutmut 3 never mutates a decorated function, so
the `lru_cache`d `planner._canonical` and `units._normalize_scalar` would silently
drop out of the score, and it runs every mutant in a child forked from one
process, where a cache warmed by an earlier run can answer in place of the
mutated code. cosmic-ray writes each mutant to the file and runs the tests in a
fresh interpreter: every cache starts cold, decorated functions and module-level
code are mutated like the rest.

How a run is kept honest:
- It mutates a copy of the revision under test (`git archive REV`, default HEAD,
  into `.mutation/LABEL/src`), never the work tree, and runs the copy's tests
  against the copy's package (PYTHONPATH, checked before the first mutant).
- Bytecode of the copy is compiled with checked hashes and never written again:
  a mutant the size of the original, written within the same second, cannot be
  served from a stale .pyc.
- Hypothesis runs derandomized without its example database, so a mutant meets
  the same examples as the unmutated code, whatever ran before it.
- Before the mutants, the unmutated code must pass the same test command (once
  per command and copy: modules with the same selection share it).
- Each module runs the tests that exercise it in two steps, most specific first,
  with `-x` (the first failure kills; only survivors pay for the second step):
  `Module.tests` and `EXTRA_TESTS`. Every test for every mutant would take days
  at `nice -n 19` on two shared cores, so a mutant only a test outside its
  selection would kill counts as surviving: each score is a lower bound.
- Mutants inside annotations are left out when the module postpones them
  (`from __future__ import annotations`): never evaluated, they are equivalent.

Operators: cosmic-ray's core set, but a binary operator is only replaced by
`+`, `-`, `*`, `/`, `|` and `&`, not also by `**`, `>>`, `<<`, `^`, `//` and `%`
(`EXCLUDED_OPERATORS`; every operator is still mutated). These modules do no
bit or power arithmetic, so those extra replacements almost always die with the
first ones, and they would double the run.

`--sample N` runs N mutants per module, drawn with a fixed seed, when the machine
cannot afford them all; the report says how many were sampled out of how many.
Rerunning with a larger N grows the sample and runs only the mutants added.
`--resume LABEL` carries over an earlier run's kills (and its sample) for each
module whose source is byte-identical, and reruns only that run's survivors:
with the module unchanged and tests only added, a killed mutant stays killed.
A run is resumable: run the same command again after an interruption.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import random
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"

NOT_SAMPLED = "not in the sample"
IN_ANNOTATION = "in an annotation, which `from __future__ import annotations` never evaluates"
EXCLUDED_OPERATORS = [r"core/ReplaceBinaryOperator_.*_(Pow|RShift|LShift|BitXor|FloorDiv|Mod)$"]

# Tests that exercise a module beyond its mirror in tests/: (run first, run after). The
# pure rules are checked through loading and validating files and through the in-memory
# cluster that enforces them; the run modules through the commands.
EXTRA_TESTS: dict[str, tuple[list[str], list[str]]] = {
    "core/kafka_rules": (["tests/files/test_validate_golden.py",
                          "tests/cluster/test_memory_topics.py"],
                         ["tests/files/test_load.py", "tests/cluster/test_memory_acls.py",
                          "tests/run/test_apply.py"]),
    "core/checks": (["tests/files/test_validate_golden.py", "tests/cli/test_validate.py"],
                    ["tests/files/test_load.py"]),
    "core/policies": (["tests/files/test_validate_golden.py"], ["tests/files/test_load.py"]),
    "core/kafka_configs": (["tests/tools/test_config_catalog.py",
                            "tests/cluster/test_memory_topics.py"], ["tests/files/test_load.py"]),
    "core/planner": (["tests/core/test_planner_property.py"],
                     ["tests/run/test_convergence.py", "tests/cli/test_plan.py"]),
    "core/summary": (["tests/render/test_plan_render.py"], ["tests/cli/test_plan.py"]),
    "core/wording": ([], ["tests/render"]),
    "core/envdiff": (["tests/render/test_envdiff.py"], []),
    "core/problems": (["tests/render/test_plan_render.py"], []),
    "core/reassign/": ([], ["tests/run/reassign", "tests/cli/test_reassign.py"]),
    "core/placement/": ([], ["tests/core/reassign"]),
    "run/": ([], ["tests/cli"]),
}


@dataclass(frozen=True)
class Module:
    name: str  # "core/planner", "core/placement/solve"

    @property
    def path(self) -> str:
        return f"kafkaform/{self.name}.py"

    def tests(self, src: Path) -> tuple[list[str], list[str]]:
        """(first, then): its mirror test file(s) (or its mirror folder, for a module of a
        subpackage without one) and the closest extras; then the other test files of the
        mirror folder (not its subfolders) and the wider extras. Most mutants die in the
        first, small collection; only survivors pay for the rest. A machine shared at
        `nice -n 19` cannot afford every test per mutant: a mutant some test outside its
        selection would kill counts as surviving, so the score is a lower bound."""
        parts = self.name.split("/")
        layer, folders, stem = parts[0], parts[1:-1], parts[-1]
        mirror = Path("tests", layer, *folders)
        first = [str(mirror / f"test_{stem}.py")]
        first += sorted(str(p.relative_to(src)) for p in (src / mirror).glob(f"test_{stem}_*.py"))
        if folders and not any((src / f).exists() for f in first):
            first.append(str(mirror))
        then = sorted(str(p.relative_to(src)) for p in (src / mirror).glob("test_*.py"))
        for prefix, (closest, wider) in EXTRA_TESTS.items():
            if self.name == prefix or (prefix.endswith("/") and self.name.startswith(prefix)):
                first += closest
                then += wider
        first = _distinct(src, first)
        return first, _distinct(src, then, first)


def _distinct(src: Path, candidates: list[str], taken: list[str] = ()) -> list[str]:
    """The paths that exist and are not inside one taken or chosen before them."""
    chosen: list[str] = []
    for candidate in candidates:
        if (src / candidate).exists() and not _inside(candidate, [*taken, *chosen]):
            chosen.append(candidate)
    return chosen


def _inside(candidate: str, paths: list[str]) -> bool:
    return any(candidate == p or candidate.startswith(p + "/") for p in paths)


def all_modules(src: Path) -> list[Module]:
    found = []
    for layer in ("core", "run"):
        for path in sorted((src / "kafkaform" / layer).rglob("*.py")):
            if path.name != "__init__.py":
                found.append(Module(str(path.relative_to(src / "kafkaform").with_suffix(""))))
    return found


def select(src: Path, names: list[str]) -> list[Module]:
    """`core/units`, `kafkaform/core/units.py` or a folder such as `core/placement`."""
    modules = all_modules(src)
    if not names:
        return modules
    chosen: list[Module] = []
    for raw in names:
        name = raw.removeprefix("kafkaform/").removesuffix(".py").rstrip("/")
        matches = [m for m in modules if m.name == name or m.name.startswith(name + "/")]
        if not matches:
            sys.exit(f"mutation: no core or run module {raw!r}")
        chosen += [m for m in matches if m not in chosen]
    return chosen


# --- the copy under test -----------------------------------------------------
def prepare(rev: str, run_dir: Path) -> Path:
    """A fresh copy every time: an interrupted run can leave a mutant written in the old one."""
    src = run_dir / "src"
    commit = _git("rev-parse", rev)
    stamp = run_dir / "revision"
    if stamp.exists() and stamp.read_text().strip() != commit:
        sys.exit(f"mutation: {run_dir} holds a run of {stamp.read_text().strip()}, not {rev}; "
                 "choose another --label")
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    with tempfile.TemporaryFile() as archive:
        subprocess.run(["git", "-C", str(ROOT), "archive", commit], stdout=archive, check=True)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(src, filter="tar")
    subprocess.run([sys.executable, "-m", "compileall", "-q", "--invalidation-mode",
                    "checked-hash", str(src / "kafkaform")], check=True)
    (src / "mutation_profile.py").write_text(
        "# Loaded by benchmarks/mutation.py (pytest -p mutation_profile): the same examples\n"
        "# for every mutant, no example database carried from one mutant to the next.\n"
        "from hypothesis import settings\n\n"
        "settings.register_profile('mutation', derandomize=True, database=None, deadline=None)\n"
        "settings.load_profile('mutation')\n"
    )
    stamp.write_text(commit + "\n")
    return src


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def environment(src: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1")
    found = subprocess.run([sys.executable, "-c", "import kafkaform; print(kafkaform.__file__)"],
                           cwd=src, env=env, capture_output=True, text=True, check=True)
    if not Path(found.stdout.strip()).resolve().is_relative_to(src.resolve()):
        sys.exit(f"mutation: the tests would import kafkaform from {found.stdout.strip()}, "
                 f"not from the copy under test {src}")
    return env


def test_command(first: list[str], then: list[str]) -> list[str]:
    """pytest on `first`, and only if it passes on `then` (without what `first` ran)."""
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
              "-p", "mutation_profile", "-m", "not live", "-o", "addopts="]
    stages = [shlex.join([*pytest, *first])] if first else []
    if then:
        ignored = [f"--ignore={path}" for path in first]
        stages.append(shlex.join([*pytest, *ignored, *then]))
    return ["sh", "-c", " && ".join(stages)]


# --- one module --------------------------------------------------------------
def run_module(module: Module, src: Path, run_dir: Path, resume: Path | None,
               sample: int | None = None) -> None:
    env = environment(src)
    tag = module.name.replace("/", ".")
    config, session = run_dir / f"{tag}.toml", run_dir / f"{tag}.sqlite"
    first, then = module.tests(src)
    tests = first + then
    command = test_command(first, then)

    if not session.exists():
        elapsed = _baseline(module, command, src, env, run_dir)
        # Generous: a loaded machine slows one run, and a hang is a kill either way.
        timeout = round(3 * elapsed + 30)
        config.write_text(
            "[cosmic-ray]\n"
            f"module-path = {json.dumps(module.path)}\n"
            f"timeout = {timeout}\n"
            "excluded-modules = []\n"
            f"test-command = {json.dumps(shlex.join(command))}\n"
            "[cosmic-ray.distributor]\n"
            'name = "local"\n'
            "[cosmic-ray.filters.operators-filter]\n"
            f"exclude-operators = {json.dumps(EXCLUDED_OPERATORS)}\n"
        )
        subprocess.run(_cr("cosmic-ray", "init", str(config), str(session)), cwd=src, env=env,
                       check=True)
        subprocess.run(_cr("cr-filter-operators", str(session), str(config)), cwd=src, env=env,
                       check=True)
        _skip_annotations(src / module.path, session)
        carried = _carry_over(module, src, session, resume) if resume else 0
        (run_dir / f"{tag}.json").write_text(json.dumps({
            "module": module.name, "tests": tests, "baseline_seconds": round(elapsed, 1),
            "timeout": timeout, "carried_over_from": str(resume) if resume else None,
            "carried_over": carried,
        }, indent=2) + "\n")
    if sample is not None:
        _sample(session, sample)
    print(f"== {module.name}: {_pending(session)} mutants to run; tests: {' '.join(tests)}",
          flush=True)
    subprocess.run(_cr("cosmic-ray", "exec", str(config), str(session)), cwd=src, env=env,
                   check=True)


def _baseline(module: Module, command: list[str], src: Path, env: dict[str, str],
              run_dir: Path) -> float:
    """Seconds the unmutated copy takes to pass `command`. Modules sharing a test
    selection (the placement modules without a test file of their own) share one
    baseline: the copy and the command are the same, so is the answer."""
    passed = run_dir / "baselines.json"
    known = json.loads(passed.read_text()) if passed.exists() else {}
    key = shlex.join(command)
    if key in known:
        return known[key]
    started = time.monotonic()
    baseline = subprocess.run(command, cwd=src, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if baseline.returncode != 0:
        sys.exit(f"mutation: {module.name}: the unmutated code fails its tests:\n"
                 + baseline.stdout[-3000:])
    passed.write_text(json.dumps({**known, key: round(elapsed, 1)}, indent=2) + "\n")
    return elapsed


def _skip_annotations(source: Path, session: Path) -> None:
    """Mark mutants inside annotations skipped when the module postpones them (PEP 563):
    `Source | None` turned into `Source - None` is never evaluated, so no test can
    tell; they are equivalent by construction, not survivors."""
    tree = ast.parse(source.read_text())
    postponed = any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
                    and any(alias.name == "annotations" for alias in node.names)
                    for node in tree.body)
    if not postponed:
        return
    spans = []
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            annotations.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            annotations.append(node.returns)
        spans += [((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset))
                  for a in annotations]
    with sqlite3.connect(session) as db:
        inside = [job for job, row, col in db.execute(
            "SELECT job_id, start_pos_row, start_pos_col FROM mutation_specs "
            "WHERE job_id NOT IN (SELECT job_id FROM work_results)")
            if any(start <= (row, col) < end for start, end in spans)]
        db.executemany(
            "INSERT INTO work_results (worker_outcome, output, test_outcome, diff, job_id) "
            f"VALUES ('SKIPPED', '{IN_ANNOTATION}', NULL, NULL, ?)", [(j,) for j in inside])


def _sample(session: Path, size: int) -> None:
    """Leave `size` mutants run or to run, drawn with a fixed seed; mark the others
    skipped ("not in the sample"), which the score leaves out like filtered ones. A
    larger `size` on a later run grows the sample: what was left out is drawn from again."""
    with sqlite3.connect(session) as db:
        db.execute(f"DELETE FROM work_results WHERE output = '{NOT_SAMPLED}'")
        done = db.execute("SELECT COUNT(*) FROM work_results WHERE worker_outcome != 'SKIPPED'"
                          ).fetchone()[0]
        pending = sorted(row[0] for row in db.execute(
            "SELECT job_id FROM work_items WHERE job_id NOT IN (SELECT job_id FROM work_results)"))
        keep = set(random.Random(0).sample(pending, max(0, min(len(pending), size - done))))
        db.executemany(
            "INSERT INTO work_results (worker_outcome, output, test_outcome, diff, job_id) "
            f"VALUES ('SKIPPED', '{NOT_SAMPLED}', NULL, NULL, ?)",
            [(job,) for job in pending if job not in keep])


def _cr(tool: str, *args: str) -> list[str]:
    return [str(Path(sys.executable).with_name(tool)), *args]


def _carry_over(module: Module, src: Path, session: Path, resume: Path) -> int:
    """Copy the earlier run's kills when the module's source has not changed since."""
    tag = module.name.replace("/", ".")
    earlier = resume / f"{tag}.sqlite"
    earlier_source = resume / "src" / module.path
    if not earlier.exists() or not earlier_source.exists():
        return 0
    if _digest(earlier_source) != _digest(src / module.path):
        print(f"== {module.name}: source changed since {resume.name}, every mutant runs again")
        return 0
    with sqlite3.connect(earlier) as old, sqlite3.connect(session) as new:
        mine = _mutation_keys(new)
        # Kills, and the mutants the earlier run left out of its sample: only its
        # survivors (and whatever it had not run yet) run again.
        kills = old.execute(
            "SELECT r.job_id, r.worker_outcome, r.output, r.test_outcome, r.diff "
            "FROM work_results r WHERE r.test_outcome = 'KILLED' "
            f"OR r.output = '{NOT_SAMPLED}'").fetchall()
        theirs = _mutation_keys(old)
        by_key = {key: job for job, key in mine.items()}
        carried = 0
        for job, outcome, output, test_outcome, diff in kills:
            target = by_key.get(theirs.get(job))
            if target is None:
                continue
            new.execute("DELETE FROM work_results WHERE job_id = ?", (target,))
            new.execute(
                "INSERT INTO work_results (worker_outcome, output, test_outcome, diff, job_id) "
                "VALUES (?, ?, ?, ?, ?)", (outcome, output, test_outcome, diff, target))
            carried += 1
    return carried


def _mutation_keys(db: sqlite3.Connection) -> dict[str, tuple]:
    return {row[0]: tuple(row[1:]) for row in db.execute(
        "SELECT job_id, module_path, operator_name, occurrence, start_pos_row, start_pos_col "
        "FROM mutation_specs")}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pending(session: Path) -> int:
    with sqlite3.connect(session) as db:
        return db.execute("SELECT COUNT(*) FROM work_items WHERE job_id NOT IN "
                          "(SELECT job_id FROM work_results)").fetchone()[0]


# --- the report --------------------------------------------------------------
def report(run_dirs: list[Path]) -> None:
    """The scores of one run, or of several: a module's row comes from the last
    run that has it (a --resume run after the run it resumed)."""
    rows: dict[str, tuple] = {}
    survivors: dict[str, list[tuple]] = {}
    sessions = {s.stem: s for run_dir in run_dirs for s in sorted(run_dir.glob("*.sqlite"))}
    for session in sorted(sessions.values(), key=lambda s: s.stem):
        module = session.stem.replace(".", "/")
        survivors[module] = []
        with sqlite3.connect(session) as db:
            total = db.execute("SELECT COUNT(*) FROM work_items").fetchone()[0]
            results = db.execute(
                "SELECT r.worker_outcome, r.test_outcome, r.output, r.diff, m.start_pos_row, "
                "m.operator_name FROM work_results r JOIN mutation_specs m USING (job_id)"
            ).fetchall()
        counts = {"KILLED": 0, "SURVIVED": 0, "INCOMPETENT": 0, "filtered": 0, "unsampled": 0,
                  "annotation": 0, "timeout": 0}
        for worker, outcome, output, diff, line, operator in results:
            if worker == "SKIPPED":
                kind = {NOT_SAMPLED: "unsampled", IN_ANNOTATION: "annotation"}.get(output)
                counts[kind or "filtered"] += 1
            elif outcome is not None:
                counts[outcome] += 1
                if outcome == "KILLED" and output == "timeout":
                    counts["timeout"] += 1
                if outcome == "SURVIVED":
                    survivors[module].append((module, line, operator, diff or ""))
        mutants = total - counts["filtered"] - counts["annotation"]
        chosen = mutants - counts["unsampled"]
        done = counts["KILLED"] + counts["SURVIVED"]
        pending = chosen - done - counts["INCOMPETENT"]
        rows[module] = (mutants, chosen, counts["KILLED"], counts["timeout"],
                        counts["SURVIVED"], counts["INCOMPETENT"], pending)
    header = ("module", "mutants", "sampled", "killed", "(by timeout)", "survived",
              "incompetent", "pending", "score")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for layer in ("core", "run"):
        mine = {m: row for m, row in rows.items() if m.startswith(layer + "/")}
        if mine:
            totals = tuple(map(sum, zip(*mine.values(), strict=True)))
            lines += [_row(m, row) for m, row in mine.items()]
            lines.append(_row(f"**{layer}, all modules**", totals))
    print("\n".join(lines))
    found = sorted(s for module in survivors.values() for s in module)
    written = (run_dirs[0] if len(run_dirs) == 1 else WORK) / "survivors.md"
    with written.open("w") as out:
        for module, line, operator, diff in found:
            out.write(f"## {module}.py:{line} {operator}\n\n```diff\n{diff.strip()}\n```\n\n")
    print(f"\n{len(found)} survivors with their diffs: {written}")


def _row(name: str, row: tuple[int, ...]) -> str:
    killed, survived = row[2], row[4]
    score = f"{100 * killed / (killed + survived):.1f}%" if killed + survived else "-"
    return "| " + " | ".join(map(str, (name, *row, score))) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="core/units, run/lock, core/placement, ... "
                        "(default: every core and run module)")
    parser.add_argument("--label", default="latest", help="the run's folder under .mutation/")
    parser.add_argument("--rev", default="HEAD", help="the git revision to mutate (default HEAD)")
    parser.add_argument("--resume", metavar="LABEL",
                        help="carry over the kills of an earlier run for unchanged modules")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="run only N mutants per module, drawn with a fixed seed "
                        "(a shared machine's budget); the others are reported as not sampled")
    parser.add_argument("--report", nargs="*", metavar="LABEL",
                        help="only print the scores of --label's run, or of these runs "
                        "(a module's row from the last run that has it)")
    args = parser.parse_args()
    run_dir = WORK / args.label
    if args.report is not None:
        report([WORK / label for label in args.report] or [run_dir])
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    src = prepare(args.rev, run_dir)
    resume = WORK / args.resume if args.resume else None
    for module in select(src, args.modules):
        run_module(module, src, run_dir, resume, args.sample)
    report([run_dir])


if __name__ == "__main__":
    main()
