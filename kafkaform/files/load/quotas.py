"""Client quotas: merged by entity (user, client id) across the layers, key by key.

A later layer's keys replace earlier ones, `key: null` removes an inherited
key and `remove: true` drops the inherited entity, as topics merge. Values
normalise to Kafka's numbers here: the byte rates take sizes (`10MiB`), and
every value is checked against Kafka's rules (`kafkaform.core.kafka_rules`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kafkaform.core.kafka_configs import BYTE_RATE_QUOTAS, QUOTA_KEYS
from kafkaform.core.kafka_rules import quota_value_problem
from kafkaform.core.model import QuotaEntity, QuotaSpec, Source
from kafkaform.core.problems import Problem
from kafkaform.core.units import parse_size_bytes
from kafkaform.files.documents import Document, Path_
from kafkaform.files.load.layers import Layer, overlaid
from kafkaform.files.load.reading import Loading


@dataclass
class _Merged:
    source: Source
    raw: dict[str, object] = field(default_factory=dict)
    where: dict[str, Source] = field(default_factory=dict)


def build_quotas(loading: Loading, stack: list[Layer]) -> dict[QuotaEntity, QuotaSpec]:
    merged: dict[QuotaEntity, _Merged] = {}

    def identify(doc: Document, path: Path_, entry: dict) -> tuple[QuotaEntity, Path_] | None:
        if "user" not in entry and "clientId" not in entry:
            loading.report(doc, path, "a quota entry names a `user`, a `clientId` or both")
            return None
        return QuotaEntity(entry.get("user"), entry.get("clientId")), path

    for entity, doc, path, entry in overlaid(loading, stack, "Quotas", "quotas", merged,
                                             identify, lambda e: f"quotas for {e.describe()}"):
        here = loading.source(doc, path)
        into = merged.setdefault(entity, _Merged(here))
        into.source = here
        for key in QUOTA_KEYS:
            if key in entry:
                into.raw[key] = entry[key]
                into.where[key] = loading.source(doc, (*path, key))
    return {entity: spec for entity, spec in (
        (entity, _build(loading, entity, found)) for entity, found in merged.items()
    ) if spec is not None}


def _build(loading: Loading, entity: QuotaEntity, found: _Merged) -> QuotaSpec | None:
    label = f"quotas[{entity.describe()}]"
    values: dict[str, float] = {}
    for key, raw in found.raw.items():
        if raw is None:
            continue
        where = found.where[key]
        try:
            value = quota_number(key, raw)
        except ValueError as error:
            problem = str(error)
        else:
            problem = quota_value_problem(key, value)
            if problem is None:
                values[key] = value
                continue
        loading.problems.append(Problem(where.file, where.line, f"{label}.{key}", problem))
    if not values and all(raw is None for raw in found.raw.values()):
        loading.problems.append(Problem(
            found.source.file, found.source.line, label,
            f"sets no quota: give one of {', '.join(QUOTA_KEYS)}"))
        return None
    return QuotaSpec(entity, dict(sorted(values.items())), found.source)


def quota_number(key: str, raw: object) -> float:
    """A quota value as Kafka's number: byte rates from sizes (`10MiB`, `10MiB/s`)."""
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {str(raw).lower()}")
    if isinstance(raw, int | float):
        return float(raw)  # a fractional byte rate is Kafka's rule to refuse
    if key in BYTE_RATE_QUOTAS and isinstance(raw, str):
        return float(parse_size_bytes(raw.removesuffix("/s")))
    raise ValueError(f"expected a number, got {raw!r}")
