"""A ClusterAdmin that can only read: what plan, check, import and dry runs use.

Reads are listed explicitly and pass through; any other port method, including
one added to the protocol later, raises `ReadOnlyViolation` when called. An
allowlist, not a blocklist, so a new write can never slip through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kafkaform.cluster.port import AdminContext, ClusterAdmin
from kafkaform.errors import ReadOnlyViolation

READ_METHODS = frozenset(
    {
        "describe_cluster",
        "capabilities",
        "list_topics",
        "describe_topic_configs",
        "describe_broker_configs",
        "describe_acls",
        "list_partition_reassignments",
        "describe_log_dirs",
        "describe_client_quotas",
        "describe_scram_credentials",
        "read_records",
        "close",
    }
)


class ReadOnlyAdmin(AdminContext):
    """Wraps an admin; every method outside READ_METHODS refuses to run."""

    def __init__(self, inner: ClusterAdmin) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        attribute = getattr(self.inner, name)  # AttributeError for a typo, as usual
        if name in READ_METHODS or not callable(attribute):
            return attribute
        return _refuse(name)


def _refuse(operation: str) -> Callable[..., Any]:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ReadOnlyViolation(operation)

    return refuse
