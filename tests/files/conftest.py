"""Helpers for writing small environment folders in tests."""

from pathlib import Path
from textwrap import dedent

import pytest


@pytest.fixture
def write(tmp_path: Path):
    """write("env/topics.yaml", '''...''') -> the file's path (text is dedented)."""

    def _write(relative: str, text: str) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"))
        return path

    return _write


ENVIRONMENT = """
kind: Environment
name: test
defaults:
  topic: {partitions: 3, replicationFactor: 1}
policies: {minReplicationFactor: 1, minInsyncReplicas: 1}
"""
