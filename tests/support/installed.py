"""kafkaform installed for real (not editable), offline: a source copy and a virtualenv.

The virtualenv has no packages of its own but kafkaform: its dependencies,
pip and setuptools come from the test virtualenv's site-packages through a
path entry (whose own .pth files, such as the editable kafkaform's, are not
run). pip builds without isolation and without an index, so nothing is
fetched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).parents[2]
SOURCE_PARTS = ("pyproject.toml", "README.md", "kafkaform", "schemas", "environments")
# pip's negative options read inverted from the environment: 0 turns isolation off.
OFFLINE_PIP = {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def source_copy(into: Path) -> Path:
    """What a checkout of kafkaform holds for building it (symlinks kept:
    kafkaform/_schemas and kafkaform/_environments)."""
    into.mkdir(parents=True)
    for part in SOURCE_PARTS:
        origin = ROOT / part
        if origin.is_dir():
            shutil.copytree(origin, into / part, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, into / part)
    return into


def virtualenv(into: Path) -> Path:
    """A virtualenv without kafkaform (dependencies from the test virtualenv): its bin."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(into)], check=True)
    [site] = (into / "lib").glob("python*/site-packages")
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return into / "bin"
