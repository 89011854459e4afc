"""Saved plans: the JSON file `kafkaform plan --out` writes and `apply` reads.

The format is `schemas/plan.schema.json` (version 1) and is also what
`--format json` prints. Keys are sorted and the output is deterministic, so
two plans of the same state are byte-identical. Besides the actions, the
file holds the observed-state fingerprint and its compact summary, so apply
can refuse a plan made against a cluster that has changed since and say what
changed. Loading validates against the schema and reports one line.

Layout: indented as `json.dumps(indent=2)` would, except that a record of
plain values (a replica move, a config change, an ACL binding, a problem: a
list or object of scalars and lists of scalars) is one line, written by
json's C encoder, which json only uses without `indent`. A 100,000-partition
reassignment fully indented was 29 MB in 1.6 million lines, and its pure
Python encoding most of the time `plan --format json` took; so it is one line
a move.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from kafkaform.core.actions import (
    PLAN_FORMAT_VERSION,
    Plan,
    action_from_dict,
    action_to_dict,
    problem_from_dict,
    problem_to_dict,
)
from kafkaform.core.summary import PlanSummary
from kafkaform.errors import KafkaformError
from kafkaform.files.schemas import load_schema


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    counts = PlanSummary.of(plan)
    targeted = {"targets": list(plan.targets)} if plan.targets else {}
    return {
        **targeted,
        "version": PLAN_FORMAT_VERSION,
        "environment": plan.environment,
        "cluster_id": plan.cluster_id,
        "observed_fingerprint": plan.observed_fingerprint,
        "desired_hash": plan.desired_hash,
        "summary": {
            "create": counts.create,
            "change": counts.change,
            "destroy": counts.destroy,
            "reassign": counts.reassign,
            "replica_moves": counts.replica_moves,
        },
        "actions": [action_to_dict(a) for a in plan.actions],
        "warnings": [problem_to_dict(p) for p in plan.warnings],
        "errors": [problem_to_dict(p) for p in plan.errors],
        "observed_summary": plan.observed_summary,
    }


# One encoder for every record: json.dumps with options builds a new one per call.
_ONE_LINE = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def plan_to_json(plan: Plan) -> str:
    return _layout(plan_to_dict(plan), 0) + "\n"


def _layout(value: Any, depth: int) -> str:
    """`json.dumps(value, sort_keys=True, indent=2)`, a record of plain values on one line."""
    if _is_record(value):
        return _ONE_LINE.encode(value)
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        lines = [f"{pad}{_ONE_LINE.encode(key)}: {_layout(item, depth + 1)}"
                 for key, item in sorted(value.items())]
        return "{\n" + ",\n".join(lines) + "\n" + "  " * depth + "}"
    lines = [pad + _layout(item, depth + 1) for item in value]
    return "[\n" + ",\n".join(lines) + "\n" + "  " * depth + "]"


def _is_record(value: Any) -> bool:
    """A scalar, or a list or object of scalars and lists of scalars."""
    if not isinstance(value, dict | list):
        return True
    return all(not isinstance(item, dict | list)
               or isinstance(item, list) and not any(isinstance(x, dict | list) for x in item)
               for item in (value.values() if isinstance(value, dict) else value))


def plan_from_dict(data: dict[str, Any], origin: str = "plan") -> Plan:
    """A Plan from its JSON form; KafkaformError naming the first schema violation."""
    _validate(data, origin)
    return Plan(
        environment=data["environment"],
        cluster_id=data["cluster_id"],
        observed_fingerprint=data["observed_fingerprint"],
        desired_hash=data["desired_hash"],
        actions=tuple(action_from_dict(a) for a in data["actions"]),
        warnings=tuple(problem_from_dict(p) for p in data["warnings"]),
        errors=tuple(problem_from_dict(p) for p in data["errors"]),
        observed_summary=data.get("observed_summary"),
        targets=tuple(data.get("targets", ())),
    )


def save_plan(plan: Plan, path: Path) -> None:
    path.write_text(plan_to_json(plan), encoding="utf-8")


def load_plan(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KafkaformError(f"{path}: cannot read the plan: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise KafkaformError(
            f"{path}:{error.lineno}: not a kafkaform plan: invalid JSON ({error.msg})"
        ) from None
    return plan_from_dict(data, str(path))


def _validate(data: Any, origin: str) -> None:
    if isinstance(data, dict) and data.get("version") not in (None, PLAN_FORMAT_VERSION):
        raise KafkaformError(
            f"{origin}: plan format version {data['version']} is not supported "
            f"(this kafkaform reads version {PLAN_FORMAT_VERSION}); re-run plan"
        )
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise KafkaformError(f"{origin}: {where}: {error.message}")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema("plan.schema.json"))
