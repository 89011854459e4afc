"""Fixtures shared with other test folders (tests/support)."""

from tests.support.reassign import cluster  # noqa: F401  (6 brokers, 3 racks, in memory)
