"""Small helpers for the live tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


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
