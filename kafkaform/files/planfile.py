"""Saved plans: the JSON file `kafkaform plan --out` writes and `apply` reads.

The format is `schemas/plan.schema.json` (version 2) and is also what
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
Python encoding most of the time `plan --format json` took; one line a move
(format 1) made it 14 MB; a reassignment's moves as columns (format 2:
`kafkaform.core.actions.move_columns`), one line a column, make it 6.7 MB.
"""

from __future__ import annotations

import json
from functools import cache
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii
from pathlib import Path
from typing import Any

import jsonschema

from kafkaform.core.actions import (
    PLAN_FORMAT_VERSION,
    CreateAcl,
    Plan,
    action_from_dict,
    action_to_dict,
    binding_from_dict,
    problem_from_dict,
    problem_to_dict,
)
from kafkaform.core.quoting import QUOTE_LIMIT, one_line
from kafkaform.core.summary import PlanSummary
from kafkaform.errors import KafkaformError
from kafkaform.files.bounded import UnreadableText, read_text
from kafkaform.files.schemas import inlined_validator

# A plan of 30,000 new topics with their configs is about 10 MiB.
MAX_PLAN_BYTES = 64 * 1024 * 1024


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
            "kept": counts.kept,
        },
        "actions": [action_to_dict(a) for a in plan.actions],
        "kept": {
            "topics": list(plan.kept_topics),
            "acls": [action_to_dict(CreateAcl(b))["binding"] for b in plan.kept_acls],
        },
        "warnings": [problem_to_dict(p) for p in plan.warnings],
        "errors": [problem_to_dict(p) for p in plan.errors],
        "observed_summary": plan.observed_summary,
    }


# One encoder for every record: json.dumps with options builds a new one per call.
_ONE_LINE = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
# And the C encoder inside it, built once: `JSONEncoder.encode` builds it again
# on every call, which was half the time of the hundred thousand moves' lines.
# Without json's C extension (some PyPy builds), the plain `encode`.
# Its settings are read off `_ONE_LINE`, as `JSONEncoder.iterencode` passes them
# (without the circular-reference markers: a plan is a tree).
_C_ONE_LINE = c_make_encoder and c_make_encoder(
    None, _ONE_LINE.default, encode_basestring_ascii if _ONE_LINE.ensure_ascii
    else encode_basestring, _ONE_LINE.indent, _ONE_LINE.key_separator,
    _ONE_LINE.item_separator, _ONE_LINE.sort_keys, _ONE_LINE.skipkeys, _ONE_LINE.allow_nan)


def _one_line(value: Any) -> str:
    """`_ONE_LINE.encode(value)`, exactly."""
    if isinstance(value, str):  # what `JSONEncoder.encode` does with a string
        return _ENCODE_STRING(value)
    if _C_ONE_LINE is None:
        return _ONE_LINE.encode(value)
    return "".join(_C_ONE_LINE(value, 0))


_ENCODE_STRING = encode_basestring_ascii if _ONE_LINE.ensure_ascii else encode_basestring


def plan_to_json(plan: Plan) -> str:
    return _layout(plan_to_dict(plan), 0) + "\n"


def _layout(value: Any, depth: int) -> str:
    """`json.dumps(value, sort_keys=True, indent=2)`, a record of plain values on one line."""
    if not isinstance(value, _NESTED) or _is_record(value):
        return _one_line(value)
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        lines = [f"{pad}{_one_line(key)}: {_layout(item, depth + 1)}"
                 for key, item in sorted(value.items())]
        return "{\n" + ",\n".join(lines) + "\n" + "  " * depth + "}"
    lines = [pad + _layout(item, depth + 1) for item in value]
    return "[\n" + ",\n".join(lines) + "\n" + "  " * depth + "]"


def _is_record(value: dict[str, Any] | list[Any]) -> bool:
    """A list or object of scalars and lists of scalars."""
    # Plain loops over tuples of types: this runs for every column of moves.
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, dict):
            return False
        if isinstance(item, list):
            for inner in item:
                if isinstance(inner, _NESTED):
                    return False
    return True


_NESTED = (dict, list)


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
        kept_topics=tuple(data.get("kept", {}).get("topics", ())),
        kept_acls=tuple(binding_from_dict(b) for b in data.get("kept", {}).get("acls", ())),
        targets=tuple(data.get("targets", ())),
    )


def save_plan(plan: Plan, path: Path) -> None:
    path.write_text(plan_to_json(plan), encoding="utf-8")


def load_plan(path: Path) -> Plan:
    """A saved plan; one `file:line:` error for anything that is not one.

    A plan file travels between CI jobs as an artifact: it is read within a
    size limit, and what it says is checked again before anything is applied
    (`kafkaform.run.session.saved_plan`)."""
    try:
        data = json.loads(read_text(path, MAX_PLAN_BYTES))
    except UnreadableText as error:
        raise KafkaformError(f"{path}:{error.line}: cannot read the plan: {error}") from None
    except json.JSONDecodeError as error:
        raise KafkaformError(
            f"{path}:{error.lineno}: not a kafkaform plan: invalid JSON ({error.msg})"
        ) from None
    except RecursionError:
        raise KafkaformError(f"{path}:1: not a kafkaform plan: nested too deep") from None
    return plan_from_dict(data, str(path))


def _validate(data: Any, origin: str) -> None:
    if isinstance(data, dict) and data.get("version") not in (None, PLAN_FORMAT_VERSION):
        version = one_line(str(data["version"]), QUOTE_LIMIT)
        raise KafkaformError(
            f"{origin}: plan format version {version} is not supported "
            f"(this kafkaform reads version {PLAN_FORMAT_VERSION}); re-run plan"
        )
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise KafkaformError(f"{origin}: {one_line(where, QUOTE_LIMIT)}: "
                             f"{one_line(error.message, 2 * QUOTE_LIMIT)}")
    for index, action in enumerate(data["actions"]):
        # A schema cannot say that a reassignment's columns are of one length.
        lengths = {key: len(column) for key, column in action.get("moves", {}).items()}
        if len(set(lengths.values())) > 1:
            counts = ", ".join(f"{key} {n}" for key, n in sorted(lengths.items()))
            raise KafkaformError(f"{origin}: actions.{index}.moves: the columns are of "
                                 f"different lengths ({counts})")


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return inlined_validator("plan.schema.json")
