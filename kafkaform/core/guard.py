"""The executor's last guard: what no applied action may do, wherever it came from.

The planner never plans these; a plan that arrives any other way (an edited
plan file, a bug) might. `apply` checks every action against the
environment before its first write and refuses the whole plan on any
violation, so a plan is never half-applied for this:
- no topic outside `manage.topics`, and never an internal topic (`__*`, the
  apply lock, `_schemas` ...), but for moving kafkaform's own throttle
  ledger, which a decommission takes off the leaving brokers;
- no ACL binding for a principal outside `manage.acls.principals`;
- no client quota or SCRAM user outside `manage.quotas` / `manage.users`;
- no cluster-wide broker config that `cluster.brokerConfigs` does not
  declare, and none removed without `manage.brokerConfigs.delete`;
- no topic, binding, quota entity or user that the files do not declare
  deleted without the environment's opt-in;
- partitions only grow.

Without an environment (a caller applying a plan it built itself), only the
rules that need none hold: internal topics and growing partitions.
"""

from __future__ import annotations

from collections.abc import Sequence

from kafkaform.core.actions import (
    Action,
    AddPartitions,
    CreateAcl,
    DeleteAcl,
    DeleteTopic,
    DeleteUserCredentials,
    Reassign,
    SetBrokerConfigs,
    SetClientQuota,
    SetUserCredentials,
)
from kafkaform.core.model import (
    THROTTLE_LEDGER_TOPIC,
    DesiredState,
    NameScope,
    is_internal_topic,
)
from kafkaform.core.quoting import QUOTE_LIMIT, one_line
from kafkaform.core.wording import describe_action


def violations(actions: Sequence[Action], desired: DesiredState | None) -> list[str]:
    """One line per action that breaks a rule above: the action, then why."""
    found = []
    for action in actions:
        why = _why_not(action, desired)
        if why:
            found.append(f"{one_line(describe_action(action), 2 * QUOTE_LIMIT)}: {why}")
    return found


def _why_not(action: Action, desired: DesiredState | None) -> str | None:
    if isinstance(action, SetBrokerConfigs):
        return _broker_configs(action, desired)
    if isinstance(action, CreateAcl | DeleteAcl):
        return _binding(action, desired)
    if isinstance(action, SetClientQuota):
        return _quota(action, desired)
    if isinstance(action, SetUserCredentials | DeleteUserCredentials):
        return _user(action, desired)
    topic: str = action.topic
    if isinstance(action, Reassign) and topic == THROTTLE_LEDGER_TOPIC:
        return None  # kafkaform's own: the planner moves it off decommissioned brokers
    if is_internal_topic(topic):
        return "an internal topic, which kafkaform never touches"
    if isinstance(action, AddPartitions) and action.after <= action.before:
        return "partitions only grow"
    if desired is None:
        return None
    if not desired.scope.topics.manages(topic):
        return "outside the environment's manage.topics"
    if isinstance(action, DeleteTopic) and not desired.scope.topics.delete:
        return "a delete, and manage.topics.delete is off"
    return None


def _binding(action: CreateAcl | DeleteAcl, desired: DesiredState | None) -> str | None:
    if desired is None:
        return None
    if not desired.scope.acls.manages(action.binding):
        return "a principal outside the environment's manage.acls.principals"
    if isinstance(action, DeleteAcl) and not desired.scope.acls.delete:
        return "a delete, and manage.acls.delete is off"
    return None


def _quota(action: SetClientQuota, desired: DesiredState | None) -> str | None:
    if desired is None:
        return None
    return _by_name(desired.scope.quotas, action.entity.names,
                    action.entity in desired.quotas, "an entity", "quotas")


def _user(action: SetUserCredentials | DeleteUserCredentials,
          desired: DesiredState | None) -> str | None:
    if desired is None:
        return None
    return _by_name(desired.scope.users, (action.user,), action.user in desired.users,
                    "a user", "users")


def _by_name(scope: NameScope, names: tuple[str, ...], declared: bool, what: str,
             key: str) -> str | None:
    """The one rule for quota entities and users: in scope, and an undeclared
    one only changed (removed) with the opt-in."""
    if not scope.manages(names):
        return f"{what} outside the environment's manage.{key}"
    if not declared and not scope.delete:
        return f"a delete, and manage.{key}.delete is off"
    return None


def _broker_configs(action: SetBrokerConfigs, desired: DesiredState | None) -> str | None:
    if desired is None:
        return None
    for change in action.changes:
        if change.after is None and not desired.scope.delete_broker_configs:
            return (f"removes {one_line(change.key, QUOTE_LIMIT)}, and "
                    "manage.brokerConfigs.delete is off")
        if change.after is not None and change.key not in desired.broker_configs:
            return (f"sets {one_line(change.key, QUOTE_LIMIT)}, which cluster.brokerConfigs "
                    "does not declare")
    return None
