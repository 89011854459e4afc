"""A 6-broker, 3-rack MemoryCluster whose clock is the executor's sleep."""

from __future__ import annotations

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.observed import TopicPartition
from kafkaform.run.session import Runtime


class Interrupt(KeyboardInterrupt):
    """What Ctrl-C raises, from inside the executor's sleep."""


class Clock:
    """The executor's `sleep`: each call lets the cluster advance one tick.

    `interrupt_after` raises KeyboardInterrupt on that call, as Ctrl-C would.
    `on_sleep` lets a test look at the cluster while moves are in flight.
    """

    def __init__(self, cluster: MemoryCluster, interrupt_after: int | None = None,
                 on_sleep=None) -> None:
        self.cluster = cluster
        self.interrupt_after = interrupt_after
        self.on_sleep = on_sleep
        self.sleeps = 0

    def __call__(self, seconds: float) -> None:
        self.sleeps += 1
        if self.on_sleep is not None:
            self.on_sleep(self.cluster)
        if self.sleeps == self.interrupt_after:
            raise Interrupt()
        self.cluster.tick()


class SubmissionSpy:
    """Wraps a cluster's alter_partition_reassignments to record each item sent."""

    def __init__(self, cluster: MemoryCluster) -> None:
        self.submitted: list[tuple[TopicPartition, tuple[int, ...] | None]] = []
        self.calls: list[int] = []
        original = cluster.alter_partition_reassignments

        def spy(targets):
            self.calls.append(len(targets))
            self.submitted.extend(
                (tp, None if t is None else tuple(t)) for tp, t in targets.items())
            return original(targets)

        cluster.alter_partition_reassignments = spy  # type: ignore[method-assign]


def on(cluster: MemoryCluster, sleep) -> Runtime:
    """A run whose commands all connect to `cluster` and wait through `sleep`."""
    return Runtime(open_admin=lambda *args, **kwargs: cluster, sleep=sleep)


@pytest.fixture
def cluster() -> MemoryCluster:
    return MemoryCluster.with_racks(6, 3)
