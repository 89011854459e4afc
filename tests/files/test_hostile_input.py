"""Hostile environment files: each is one `file:line:` problem, fast, in little memory.

`kafkaform validate` runs as a subprocess (as in CI) and its peak RSS is read
from wait4; the time is the in-process cost of `validate_environment` in CPU
seconds, which a machine shared with other work inflates least.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kafkaform.files.documents import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from kafkaform.files.validate import validate_environment

ENVIRONMENT = "kind: Environment\nname: hostile\n"
SECONDS, MEGABYTES = 2.0, 200


def billion_laughs() -> str:
    """A 500-byte file whose aliases expand to 10^9 nodes."""
    lines = ["kind: Topics", 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "\n".join([*lines, "topics: *a8"]) + "\n"


def many_flow_nodes() -> str:
    return "kind: Topics\ntopics: [" + "a," * (4 * 1024 * 1024) + "a]\n"


def deep_nesting() -> str:
    return "kind: Topics\ntopics: " + "[" * 900 + "]" * 900 + "\n"


def oversized() -> str:
    block = "  - name: t\n    partitions: 3\n"
    return "kind: Topics\ntopics:\n" + block * (MAX_FILE_BYTES // len(block) + 10)


def huge_value() -> str:
    """One 9 MB topic name: under the size limit, so the schema sees it."""
    return "kind: Topics\ntopics:\n  - name: '" + "x y" * 3_000_000 + "'\n    partitions: 3\n"


def huge_integer() -> str:
    """Python refuses to convert integers of more than 4,300 digits."""
    return "kind: Topics\ntopics:\n  - name: t\n    partitions: " + "9" * 5000 + "\n"


CASES = {
    "alias bomb": (billion_laughs, 2, f"more than {MAX_NODES:,} YAML nodes once aliases"),
    "many nodes": (many_flow_nodes, 2, f"more than {MAX_NODES:,} YAML nodes"),
    "deep nesting": (deep_nesting, 2, f"nested more than {MAX_DEPTH} levels deep"),
    "over the size limit": (oversized, 1, "larger than 10.0 MiB, the most kafkaform reads"),
    "a 9 MB value": (huge_value, 3, "topics[x yx yx y"),
    "a 5,000-digit integer": (huge_integer, 4, "not a valid int: '9999"),
}


def hostile_environment(folder: Path, topics: str | bytes) -> Path:
    folder.mkdir()
    (folder / "environment.yaml").write_text(ENVIRONMENT)
    path = folder / "topics.yaml"
    if isinstance(topics, bytes):
        path.write_bytes(topics)
    else:
        path.write_text(topics)
    return folder


# Starts the command and prints its exit code and peak RSS (KiB) on stderr. A small
# process of its own starts it: Linux carries a parent's peak RSS into a forked
# child's ru_maxrss across exec, so forked from pytest every command would seem
# to need as much memory as pytest holds (benchmarks/plan_scale.py does the same).
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, file=sys.stderr)
"""


def validate_in_a_process(folder: Path, env: dict[str, str] | None = None):
    """`kafkaform validate FOLDER` as CI runs it: (exit code, output lines, peak MB)."""
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "kafkaform", "validate",
         str(folder)],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, check=True,
    )
    exit_code, peak_kib = map(int, result.stderr.split()[-2:])
    return exit_code, result.stdout.splitlines(), peak_kib / 1024


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_one_problem_at_its_line_fast_and_small(tmp_path, case):
    make, line, words = CASES[case]
    folder = hostile_environment(tmp_path / "hostile", make())

    started = time.process_time()
    result = validate_environment(folder, environ={})
    seconds = time.process_time() - started

    errors = [p.render() for p in result.errors]
    assert len(errors) == 1, errors[:3]
    assert errors[0].startswith(f"{folder}/topics.yaml:{line}: "), errors[0][:300]
    assert words in errors[0]
    assert len(errors[0]) < 1000
    assert seconds < SECONDS

    exit_code, lines, peak_mb = validate_in_a_process(folder)
    assert exit_code == 3
    assert lines[0] == errors[0]
    assert lines[1:] == ["hostile: invalid, 1 error, 0 warnings".replace(
        "hostile", str(folder)), "1 environment checked: 1 error, 0 warnings"]
    assert peak_mb < MEGABYTES


def test_a_file_that_is_not_utf8_names_the_line_and_the_byte(tmp_path):
    folder = hostile_environment(tmp_path / "env", b"kind: Topics\ntopics:\n  - name: caf\xe9\n")

    result = validate_environment(folder, environ={})

    assert [p.render() for p in result.errors] == [
        f"{folder}/topics.yaml:3: not UTF-8 text: byte 0xe9 at column 14"
    ]


def test_a_value_with_line_breaks_keeps_its_problem_on_one_line(tmp_path):
    """An environment variable holding a certificate, say, where a path belongs."""
    folder = hostile_environment(tmp_path / "env", "kind: Topics\ntopics: []\n")
    (folder / "environment.yaml").write_text(ENVIRONMENT + "include: ['${BASE}']\n")

    exit_code, lines, _ = validate_in_a_process(folder, env={"BASE": "base\nerror: forged"})

    assert exit_code == 3
    assert len(lines) == 3, lines
    assert lines[0] == (f"{folder}/environment.yaml:3: include[0]: included folder "
                        f"{folder}/base\\nerror: forged does not exist")
