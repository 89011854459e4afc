"""`kafkaform validate` exit codes and output, through the real entry point."""

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from kafkaform.cli import app

ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parents[1] / "files"  # where bad/ is
runner = CliRunner()


def test_example_environments_exit_0(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "3 environments checked: 0 errors" in result.output
    assert "environments/_base" not in result.output


def test_named_environment(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["validate", "prod"])
    assert result.exit_code == 0
    assert "orders.created: partitions 23 = ceil(600000 / 40000 x 1.5)" in result.output


def test_broken_folder_exits_3_one_line_per_problem(monkeypatch):
    monkeypatch.chdir(HERE)
    result = runner.invoke(app, ["validate", "bad/syntax", "bad/policies"])
    assert result.exit_code == 3
    lines = result.output.splitlines()
    assert lines[0] == (
        "bad/syntax/broken.yaml:5: YAML syntax error: did not find expected ',' or '}'"
    )
    assert lines[-1] == "2 environments checked: 11 errors, 1 warning"


def test_no_traceback_from_the_console_script(tmp_path):
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "x.yaml").write_text("kind: [unclosed\n")
    process = subprocess.run(
        [sys.executable, "-m", "kafkaform", "validate", str(tmp_path / "env")],
        capture_output=True, text=True, check=False,
    )
    assert process.returncode == 3
    assert "Traceback" not in process.stdout + process.stderr
    assert f"{tmp_path}/env/x.yaml:2: YAML syntax error" in process.stdout


def test_unknown_environment_is_one_error_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    process = subprocess.run(
        [sys.executable, "-m", "kafkaform", "validate", "nowhere"],
        capture_output=True, text=True, check=False,
    )
    assert process.returncode == 1
    assert process.stderr.strip().startswith("error: environment 'nowhere' not found")
