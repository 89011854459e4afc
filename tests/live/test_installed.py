"""kafkaform installed from its wheel (not editable), run from a folder that is no checkout.

The wheel is built from a copy of the source tree, offline, and installed into
a virtualenv of its own (`tests.support.installed`).
`kafkaform demo` and `kafkaform local-broker` must work there: the example
environment ships in the package.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from kafkaform.prerendered import RENDERING_VARIABLES
from tests.support.installed import OFFLINE_PIP, ROOT, source_copy, virtualenv

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin folder of a virtualenv holding kafkaform's wheel."""
    root = tmp_path_factory.mktemp("installed")
    source = source_copy(root / "source")
    bin_dir = virtualenv(root / "venv")
    environ = {**os.environ, **OFFLINE_PIP}
    build = subprocess.run([str(bin_dir / "python"), "-m", "pip", "wheel", "--no-deps", "-w",
                            str(root / "dist"), str(source)],
                           capture_output=True, text=True, check=False, env=environ)
    assert build.returncode == 0, build.stdout + build.stderr
    [wheel] = (root / "dist").glob("kafkaform-*.whl")
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps",
                              str(wheel)], capture_output=True, text=True, check=False,
                             env=environ)
    assert install.returncode == 0, install.stdout + install.stderr
    return bin_dir


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder with no environments/ and no checkout around it."""
    folder = tmp_path / "anywhere"
    folder.mkdir()
    return folder


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(bin_dir / "kafkaform"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False, env={**env, "NO_COLOR": "1"})


def test_it_is_the_installed_package_that_runs(installed, elsewhere):
    where = subprocess.run([str(installed / "python"), "-c",
                            "import kafkaform, sys; print(kafkaform.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    assert "site-packages" in where and str(ROOT) not in where


def test_the_root_help_is_served_from_the_wheel(installed, elsewhere):
    """The stored rendering ships in the wheel and is what the installed typer prints."""
    env = {k: v for k, v in os.environ.items()
           if k not in (*RENDERING_VARIABLES, "PYTHONPATH", "VIRTUAL_ENV")}
    probe = ("import runpy, sys; sys.argv[0] = 'kafkaform'; runpy.run_module('kafkaform', "
             "run_name='__main__'); print('typer' in sys.modules, file=sys.stderr)")
    fast = subprocess.run([str(installed / "python"), "-c", probe, "--help"], cwd=elsewhere,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                          check=True)
    typer = subprocess.run([str(installed / "kafkaform"), "--help"], cwd=elsewhere,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           env={**env, "COLUMNS": "80"}, check=True)
    assert fast.stderr == "False\n"  # no typer: printed from the wheel's data/root-help.txt
    assert fast.stdout == typer.stdout


def test_demo_works_outside_a_checkout(installed, elsewhere):
    result = run(installed, elsewhere, "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo complete." in result.stdout
    assert "site-packages/kafkaform/_environments/dev" in result.stdout
    assert not any(elsewhere.iterdir())  # nothing written where it ran


def test_local_broker_works_outside_a_checkout(installed, elsewhere):
    broker = subprocess.Popen([str(installed / "kafkaform"), "local-broker"], cwd=elsewhere,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = broker.stdout.readline()
        assert first.startswith("A local broker listens on 127.0.0.1:"), first
    finally:
        broker.send_signal(signal.SIGTERM)
        out, err = broker.communicate(timeout=60)
    assert broker.returncode == 0, out + err
    assert "Stopping the local broker." in out
