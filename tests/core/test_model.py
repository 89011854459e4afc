"""The values the functional core passes around cannot change under it."""

import dataclasses
import inspect

import pytest

from kafkaform.core import actions, importer, model, observed

# Filled in by the loader while it reads an environment's layers; nothing past
# loading changes it.
BUILT_UP = {model.TopicOrigin}


@pytest.mark.parametrize("module", [model, observed, actions, importer],
                         ids=lambda m: m.__name__)
def test_desired_and_observed_state_plans_and_imports_are_frozen(module):
    # A plan, a snapshot and an observed state are shared between the planner,
    # the renderers and the executor; a frozen value cannot drift between them.
    values = [cls for _, cls in inspect.getmembers(module, dataclasses.is_dataclass)
              if cls.__module__ == module.__name__ and cls not in BUILT_UP]
    assert values
    assert [c.__name__ for c in values if not c.__dataclass_params__.frozen] == []


def test_acl_order_is_the_bindings_own_order() -> None:
    """`acl_order` sorts as AclBinding's own comparison does, field by field."""
    import itertools
    import random

    from kafkaform.core.model import (
        AclBinding,
        AclOperation,
        AclPermission,
        PatternType,
        ResourceType,
        acl_order,
    )
    values = [["User:b", "User:a"], list(ResourceType), ["t2", "t1"], list(PatternType),
              list(AclOperation)[:3], list(AclPermission), ["h", "*"]]
    bindings = [AclBinding(*fields) for fields in itertools.product(*values)]
    random.Random(7).shuffle(bindings)
    assert sorted(bindings, key=acl_order) == sorted(bindings)
