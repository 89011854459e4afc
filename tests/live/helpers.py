"""Small helpers for the live tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def eventually(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Kafka applies topic creation and deletion asynchronously: poll until true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def settled(read: Callable[[], T], ready: Callable[[T], bool], timeout: float = 15.0) -> T:
    """The first answer of `read` that is `ready` (the last one at the timeout).

    Assert on the answer that was waited for, not on a fresh read: each request
    may reach another broker, and KRaft brokers replay the metadata log at their
    own pace (seconds apart on a loaded 2-core machine), so a topic one broker
    lists can still be unknown to the next."""
    deadline = time.monotonic() + timeout
    while True:
        answer = read()
        if ready(answer) or time.monotonic() >= deadline:
            return answer
        time.sleep(0.2)


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
