"""A saved plan is an assertion, not a program.

`kafkaform apply ENV plan.json` never executes what a file says. It plans
again from the current files and the live cluster and goes on only when
that plan is the saved one: same environment, files, cluster id, observed
fingerprint, and the same actions. A plan file travels between CI jobs as an
artifact; anyone who can touch the artifact could otherwise make apply do
anything the credentials allow. The actions applied are always the ones
planned now.

Two actions are the same when they do the same: their reasons (which name
file lines that move when a file is reformatted), the sizing note and the
partition sizes (DescribeLogDirs changes by the second) only explain them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from kafkaform.core.actions import Action, AddPartitions, CreateTopic, Reassign
from kafkaform.core.quoting import QUOTE_LIMIT, one_line
from kafkaform.core.wording import describe_action


def essence(action: Action) -> Action:
    """What the action does, without what only explains it (for comparing)."""
    plain = dataclasses.replace(action, reason="")
    if isinstance(plain, CreateTopic | AddPartitions):
        return dataclasses.replace(plain, sizing=None)
    if isinstance(plain, Reassign):
        return dataclasses.replace(plain, moves=tuple(
            dataclasses.replace(move, size_bytes=None) for move in plain.moves))
    return plain


def differences(saved: Sequence[Action], fresh: Sequence[Action]) -> list[str]:
    """What the saved actions have that a fresh plan does not, then the reverse, one
    item each, in plan order; the first item of each group says which it is."""
    saved_count = Counter(essence(a) for a in saved)
    fresh_count = Counter(essence(a) for a in fresh)
    only_saved = _surplus(saved, saved_count - fresh_count)
    only_fresh = _surplus(fresh, fresh_count - saved_count)
    return (_labelled("in the file, not planned now: ", only_saved)
            + _labelled("planned now, not in the file: ", only_fresh))


def _surplus(actions: Sequence[Action], extra: Counter[Action]) -> list[Action]:
    """The actions (in order) that `extra` counts, each as often as it counts it."""
    left = Counter(extra)
    found = []
    for action in actions:
        if left[essence(action)] > 0:
            left[essence(action)] -= 1
            found.append(action)
    return found


def _labelled(label: str, actions: list[Action]) -> list[str]:
    return [(label if index == 0 else "") + one_line(describe_action(action), 2 * QUOTE_LIMIT)
            for index, action in enumerate(actions)]
