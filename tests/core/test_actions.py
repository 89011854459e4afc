"""Actions: what a move adds and removes, computed once per move."""

from __future__ import annotations

import inspect
from dataclasses import MISSING, FrozenInstanceError, asdict, fields, replace

import pytest

from kafkaform.core.actions import PartitionMove, Reassign


def test_a_moves_added_and_removed_replicas_are_computed_once_and_kept():
    move = PartitionMove(0, (1, 2, 3), (4, 2, 5))
    assert move.added == (4, 5)
    assert move.removed == (1, 3)
    # Kept, not recomputed: the renderers ask for them several times per move.
    assert move.added is move.added and move.removed is move.removed
    # Still a plain frozen value: equal to, and hashed as, a fresh one.
    assert move == PartitionMove(0, (1, 2, 3), (4, 2, 5))
    assert hash(move) == hash(PartitionMove(0, (1, 2, 3), (4, 2, 5)))
    assert replace(move, after=(1, 2, 3)).added == ()


def test_a_reassignments_replica_moves_count_every_added_replica():
    moves = (PartitionMove(0, (1, 2), (1, 2, 3)), PartitionMove(1, (1, 2), (3, 4)))
    assert Reassign("orders", moves).replica_moves == 3


def test_a_move_is_made_by_its_own_init_with_exactly_the_dataclass_fields():
    """PartitionMove writes its fields itself (fast); its parameters must stay the
    dataclass's fields, in order, with the same defaults, and it stays frozen."""
    parameters = inspect.signature(PartitionMove).parameters
    assert [(f.name, f.default) for f in fields(PartitionMove)] == [
        (p.name, MISSING if p.default is p.empty else p.default) for p in parameters.values()]
    move = PartitionMove(3, (1,), (2,), size_bytes=5)
    assert asdict(move) == {"partition": 3, "before": (1,), "after": (2,),
                            "in_flight": False, "size_bytes": 5}
    with pytest.raises(FrozenInstanceError):
        move.partition = 4  # type: ignore[misc]
