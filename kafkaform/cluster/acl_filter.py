"""Kafka's ACL binding filters, as DescribeAcls and DeleteAcls apply them.

Ported from apache/kafka clients `ResourcePatternFilter.matches` and
`AccessControlEntryFilter.matches`:
- resource type and operation/permission: None stands for ANY;
- pattern type ANY matches any pattern type with the exact name; MATCH (a
  filter only) also matches the LITERAL wildcard '*' and PREFIXED patterns
  whose prefix starts the name; LITERAL / PREFIXED need that type and the
  exact name;
- principal and host are compared exactly (None = any). A filter for
  "User:alice" does not match a binding for "User:*": wildcards are resolved
  by the authorizer when it authorises a request, not by filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    AclPermission,
    PatternType,
    ResourceType,
)

WILDCARD_RESOURCE = "*"


class FilterPatternType(StrEnum):
    LITERAL = "LITERAL"
    PREFIXED = "PREFIXED"
    ANY = "ANY"
    MATCH = "MATCH"


@dataclass(frozen=True)
class AclFilter:
    """An AclBindingFilter; every None field matches anything."""

    principal: str | None = None
    resource_type: ResourceType | None = None
    resource_name: str | None = None
    pattern_type: FilterPatternType = FilterPatternType.ANY
    operation: AclOperation | None = None
    permission: AclPermission | None = None
    host: str | None = None

    @classmethod
    def exact(cls, binding: AclBinding) -> AclFilter:
        """The filter matching exactly one binding (what the port's delete uses)."""
        return cls(
            principal=binding.principal,
            resource_type=binding.resource_type,
            resource_name=binding.resource_name,
            pattern_type=FilterPatternType(binding.pattern_type.value),
            operation=binding.operation,
            permission=binding.permission,
            host=binding.host,
        )

    def matches(self, binding: AclBinding) -> bool:
        return self._matches_pattern(binding) and self._matches_entry(binding)

    def _matches_pattern(self, binding: AclBinding) -> bool:
        if self.resource_type is not None and self.resource_type != binding.resource_type:
            return False
        exact_type = self.pattern_type not in (FilterPatternType.ANY, FilterPatternType.MATCH)
        if exact_type and self.pattern_type.value != binding.pattern_type.value:
            return False
        if self.resource_name is None:
            return True
        if self.pattern_type is not FilterPatternType.MATCH:
            return self.resource_name == binding.resource_name
        if binding.pattern_type is PatternType.LITERAL:
            return binding.resource_name in (self.resource_name, WILDCARD_RESOURCE)
        return self.resource_name.startswith(binding.resource_name)

    def _matches_entry(self, binding: AclBinding) -> bool:
        return (
            (self.principal is None or self.principal == binding.principal)
            and (self.host is None or self.host == binding.host)
            and (self.operation is None or self.operation == binding.operation)
            and (self.permission is None or self.permission == binding.permission)
        )
