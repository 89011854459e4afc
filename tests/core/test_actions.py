"""Actions: what a move adds and removes, computed once per move."""

from __future__ import annotations

from dataclasses import replace

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
