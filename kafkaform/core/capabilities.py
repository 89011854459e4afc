"""Which admin APIs a set of actions needs that a cluster lacks.

Each action type declares the APIs it runs on (`needs`); the planner refuses
a plan that needs a missing one, and apply refuses it before its first write,
with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable

from kafkaform.core.actions import Action
from kafkaform.core.observed import Api, does_not_support
from kafkaform.core.wording import plural


def missing_capabilities(
    actions: Iterable[Action], available: frozenset[Api], address: str
) -> list[str]:
    """One message per admin API the actions need and the cluster lacks.

    The planner refuses such a plan up front and apply refuses it before its
    first write, with the same words.
    """
    needed: dict[Api, dict[str, int]] = {}
    for action in actions:
        for api in action.needs:
            if api not in available:
                counts = needed.setdefault(api, {})
                counts[action.noun] = counts.get(action.noun, 0) + 1
    return [
        does_not_support(address, [api]) + ": "
        + ", ".join(plural(n, f"{noun} action") for noun, n in counts.items())
        + " cannot run"
        for api, counts in needed.items()
    ]
