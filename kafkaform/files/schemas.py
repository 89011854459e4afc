"""The JSON Schemas of the file format, compiled once, with readable errors.

The schemas live in the top-level `schemas/` folder of the source tree, where
editors find them through the `# yaml-language-server: $schema=` comments.
They carry no `$id`: a reference to another schema (`topics.schema.json#/$defs/
configs`) resolves next to the file that holds it, wherever that is (a clone,
an installed package, a `kafkaform schema --out` folder), with no network.
The package reaches them through `kafkaform/_schemas`, a link to that folder
in a clone or editable install and a copy of it in a built wheel.
`KAFKAFORM_SCHEMAS` overrides the folder.

Errors are mapped back to the YAML: one `Problem` per error at the line of the
offending key, with the key path written as in the file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from kafkaform.core.problems import Problem
from kafkaform.core.quoting import QUOTE_LIMIT, one_line, quoted
from kafkaform.core.wording import did_you_mean
from kafkaform.errors import KafkaformError
from kafkaform.files.documents import Document, format_path

SCHEMA_FILES = {
    "Environment": "environment.schema.json",
    "Topics": "topics.schema.json",
    "Acls": "acls.schema.json",
    "Quotas": "quotas.schema.json",
    "Users": "users.schema.json",
}


def schemas_dir() -> Path:
    """The folder of kafkaform's JSON Schemas (or $KAFKAFORM_SCHEMAS)."""
    override = os.environ.get("KAFKAFORM_SCHEMAS")
    folder = Path(override) if override else (Path(__file__).parent.parent / "_schemas").resolve()
    if not (folder / SCHEMA_FILES["Environment"]).is_file():
        raise KafkaformError(
            f"kafkaform's JSON Schemas are missing from {folder}; "
            "reinstall kafkaform or set KAFKAFORM_SCHEMAS"
        )
    return folder


def load_schema(file_name: str) -> dict:
    """One schema document by file name, e.g. "plan.schema.json"."""
    return json.loads((schemas_dir() / file_name).read_text(encoding="utf-8"))


@cache
def validators() -> dict[str, Draft202012Validator]:
    """One compiled validator per document kind, built once per process.

    `$ref`s are inlined first (the schemas are not recursive): jsonschema
    resolves a reference on every use, which more than doubles the time to
    check a file with thousands of topics.
    """
    by_file = {name: load_schema(name) for name in SCHEMA_FILES.values()}
    return {
        kind: Draft202012Validator(_inline_refs(by_file[name], name, by_file))
        for kind, name in SCHEMA_FILES.items()
    }


def inlined_validator(file_name: str) -> Draft202012Validator:
    """The validator of a schema that refers only to its own `$defs` (plan and
    snapshot files), its `$ref`s inlined as `validators()` does: a 10,000-action
    plan with ten moves each took 43 CPU s to check, half of it resolving refs."""
    schema = load_schema(file_name)
    return Draft202012Validator(_inline_refs(schema, file_name, {file_name: schema}))


def _inline_refs(node: object, file: str, by_file: dict[str, dict]) -> object:
    """Replace `{"$ref": "other.schema.json#/$defs/x"}` by the schema it names."""
    if isinstance(node, list):
        return [_inline_refs(item, file, by_file) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target_file, _, pointer = node["$ref"].partition("#")
        target_file = target_file or file
        target: object = by_file[target_file]
        for part in pointer.strip("/").split("/"):
            target = target[part]  # type: ignore[index]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return _inline_refs({**target, **siblings}, target_file, by_file)  # type: ignore[dict-item]
    return {key: _inline_refs(value, file, by_file) for key, value in node.items()}


class SchemaProblem(NamedTuple):
    path: tuple
    problem: Problem
    # A key the schema does not know: the rest of the document can still be
    # loaded without it, so its other problems are found in the same run.
    unknown_key: bool = False


def check_document(document: Document) -> list[SchemaProblem]:
    """Schema problems of one document (kind must already be known), by path."""
    validator = validators()[document.kind or ""]
    checked, entries_key, positions = _without_plain_entries(document, validator.schema)
    problems = []
    for error in validator.iter_errors(checked):
        unknown = error.validator == "additionalProperties"
        for path, message in _explain(error):
            if positions is not None and path[:1] == (entries_key,) and len(path) > 1:
                path = (entries_key, positions[path[1]], *path[2:])
            where = Problem(
                document.file, document.line(path), format_path(document.data, path), message
            )
            problems.append(SchemaProblem(path, where, unknown))
    return problems


def _shortcut(kind: str | None) -> tuple[str, Callable[[object], bool]] | None:
    """The list of a kind whose everyday entries need no jsonschema, and the
    check that vouches for them."""
    if kind == "Topics":
        return "topics", _is_plain_topic
    if kind == "Acls":
        return "bindings", _plain_binding()
    return None


def _without_plain_entries(
    document: Document, schema: dict
) -> tuple[object, str, list[int] | None]:
    """The document minus the entries its kind's shortcut vouches for, the key of
    their list, and the original index of each entry left (None: the document
    as it is).

    jsonschema needs 15-150 µs per entry, most of a 10,000-topic or
    50,000-binding file's validation; the shortcuts need about 1 µs. Entries are
    checked one by one (`items` alone: nothing relates them), so leaving out
    entries that cannot fail changes no error; the indexes are mapped back for
    the paths.
    """
    data = document.data
    shortcut = _shortcut(document.kind)
    if shortcut is None or not isinstance(data, dict):
        return data, "", None
    key, is_plain = shortcut
    entries = data.get(key)
    if not isinstance(entries, list) or not set(schema["properties"][key]) <= {
        "type", "items", "description",
    }:
        return data, key, None  # a rule across entries (minItems, uniqueItems ...) needs them all
    positions = [i for i, entry in enumerate(entries) if not is_plain(entry)]
    return {**data, key: [entries[i] for i in positions]}, key, positions


@cache
def _plain_binding() -> Callable[[object], bool]:
    """The Acls binding check, derived from the binding's schema itself (enums,
    the principal's pattern ...), so the schema stays the one owner of the rules."""
    binding = validators()["Acls"].schema["properties"]["bindings"]["items"]
    return _acceptor(binding) or (lambda entry: False)


# The keywords `_acceptor` implements; annotations change no verdict.
_ACCEPTOR_KEYWORDS = frozenset({
    "type", "enum", "const", "required", "properties", "additionalProperties", "minLength",
    "pattern", "minItems", "uniqueItems", "items", "description", "title",
})


def _acceptor(schema: dict) -> Callable[[object], bool] | None:
    """A check true only of values `schema` accepts, for a schema made of
    `_ACCEPTOR_KEYWORDS` alone (None for any other).

    Conservative like `_is_plain_topic`: False only means "ask the schema".
    Types are compared exactly (`type(x) is str`: YAML gives no subclasses),
    enums and consts only of strings and booleans, `pattern` searched as
    jsonschema does (`re.search`), uniqueness only among strings.
    """
    if not isinstance(schema, dict) or not schema.keys() <= _ACCEPTOR_KEYWORDS:
        return None
    checks: list[Callable[[object], bool]] = []
    kind = schema.get("type")
    python_type = {"object": dict, "string": str, "array": list, None: None}.get(kind)
    if kind is not None and python_type is None:
        return None  # a type list, numbers, booleans: not needed yet
    if python_type is not None:
        checks.append(lambda value: type(value) is python_type)
    if "enum" in schema:
        if not all(type(option) is str for option in schema["enum"]):
            return None
        options = frozenset(schema["enum"])
        checks.append(lambda value: type(value) is str and value in options)
    if "const" in schema:
        const = schema["const"]
        if type(const) not in (str, bool):
            return None
        checks.append(lambda value: type(value) is type(const) and value == const)
    if "minLength" in schema:
        least = schema["minLength"]
        checks.append(lambda value: type(value) is not str or len(value) >= least)
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        checks.append(lambda value: type(value) is not str or search(value) is not None)
    if not _object_checks(schema, checks) or not _array_checks(schema, checks):
        return None
    return _all_of(checks)


def _all_of(checks: list[Callable[[object], bool]]) -> Callable[[object], bool]:
    """True when every check is: loops, not generators (`all(... for ...)`), which
    cost a third of the check of 50,000 bindings."""
    if len(checks) == 1:
        return checks[0]

    def accept(value: object) -> bool:
        for check in checks:  # noqa: SIM110 - a generator costs more than the checks
            if not check(value):
                return False
        return True

    return accept


def _object_checks(schema: dict, checks: list[Callable[[object], bool]]) -> bool:
    """Adds the object keywords' checks; False when one cannot be expressed."""
    properties = {}
    for name, sub in schema.get("properties", {}).items():
        accept = _acceptor(sub)
        if accept is None:
            return False
        properties[name] = accept
    required = tuple(schema.get("required", ()))
    closed = schema.get("additionalProperties", True)
    if closed not in (True, False):
        return False

    def check(value: object) -> bool:
        if type(value) is not dict:
            return True
        if not closed and not value.keys() <= properties.keys():
            return False
        for key in required:
            if key not in value:
                return False
        for key, item in value.items():
            accept = properties.get(key)
            if accept is not None and not accept(item):
                return False
        return True

    checks.append(check)
    return True


def _array_checks(schema: dict, checks: list[Callable[[object], bool]]) -> bool:
    """Adds the array keywords' checks; False when one cannot be expressed."""
    accept = _acceptor(schema["items"]) if "items" in schema else (lambda item: True)
    if accept is None:
        return False
    least = schema.get("minItems", 0)
    unique = schema.get("uniqueItems", False)

    def check(value: object) -> bool:
        if type(value) is not list:
            return True
        if len(value) < least:
            return False
        for item in value:
            if not accept(item):
                return False
        return not unique or (all(type(item) is str for item in value)
                              and len(set(value)) == len(value))

    checks.append(check)
    return True


_PLAIN_TOPIC_KEYS = frozenset({"name", "partitions", "replicationFactor", "placement", "keyed",
                               "configs"})
_PLAIN_CONFIG_VALUES = (str, int, float, bool, type(None))


def _is_plain_topic(entry: object) -> bool:
    """Whether a Topics entry has the everyday shape, which the topics schema
    accepts: a name, whole-number counts, a named placement, scalar configs.

    Conservative: False only means "ask the schema" (sizing rules, static
    placements, list values and any mistake go through it). `type(x) is int`
    on purpose: YAML's true/false are bools, which are no counts.
    tests/files/test_schemas.py checks that the schema accepts every
    entry this accepts.
    """
    if type(entry) is not dict or not entry.keys() <= _PLAIN_TOPIC_KEYS:
        return False
    name = entry.get("name")
    if type(name) is not str or not name:
        return False
    if type(entry.get("partitions", 1)) is not int:
        return False
    replication_factor = entry.get("replicationFactor", 1)
    if type(replication_factor) is not int or replication_factor < 1:
        return False
    if entry.get("placement", "default") not in ("default", "rack-spread"):
        return False
    if type(entry.get("keyed", False)) is not bool:
        return False
    configs = entry.get("configs", {})
    return type(configs) is dict and all(
        type(value) in _PLAIN_CONFIG_VALUES for value in configs.values()
    )


def _explain(error: ValidationError) -> Iterator[tuple[tuple, str]]:
    """(path, message) pairs, phrased for someone editing YAML."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            suggestion = did_you_mean(str(key), allowed)
            hint = f"; {suggestion}" if suggestion else ""
            listed_keys = f" (expected one of: {', '.join(allowed)})" if allowed else ""
            yield (*path, key), f"unknown key{hint}{listed_keys}"
        return
    if error.validator in ("oneOf", "anyOf") and error.context:
        yield from _explain_alternatives(error, path)
        return
    yield path, _message(error)


def _explain_alternatives(error: ValidationError, path: tuple) -> Iterator[tuple[tuple, str]]:
    # Alternatives whose shape (type) did not fit are noise once one did fit:
    # then the fitting branch's error says what is wrong. If none fit, list
    # the accepted shapes.
    leaves = list(_leaves(error, path))
    misfits = [e for e in leaves if _is_shape_error(e, path)]
    fitting = [e for e in leaves if not _is_shape_error(e, path)]
    if not fitting:
        accepted = sorted({_expected(e) for e in misfits})
        yield path, f"expected {' or '.join(accepted)}, got {_show(error.instance)}"
        return
    yield from _explain(best_match(fitting))


def _leaves(error: ValidationError, path: tuple) -> Iterator[ValidationError]:
    """The errors of every alternative, nested oneOfs flattened."""
    for sub in error.context or ():
        if sub.validator in ("oneOf", "anyOf") and sub.context and tuple(sub.absolute_path) == path:
            yield from _leaves(sub, path)
        else:
            yield sub


def _is_shape_error(error: ValidationError, path: tuple) -> bool:
    return tuple(error.absolute_path) == path and error.validator in ("type", "enum", "const")


def _expected(error: ValidationError) -> str:
    if error.validator == "type":
        types = error.validator_value
        names = [_TYPE_NAMES.get(t, t) for t in (types if isinstance(types, list) else [types])]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    if error.validator == "const":
        return json.dumps(error.validator_value)
    return "one of " + ", ".join(
        json.dumps(v) if not isinstance(v, str) else v for v in error.validator_value
    )


_TYPE_NAMES = {"object": "a mapping", "array": "a list", "integer": "an integer",
               "number": "a number", "string": "a string", "boolean": "true/false",
               "null": "null"}


def _message(error: ValidationError) -> str:
    value = _show(error.instance)
    match error.validator:
        case "required":
            missing = [k for k in error.validator_value if k not in error.instance]
            return f"missing required key {', '.join(missing)}"
        case "type":
            return f"expected {_expected(error)}, got {value}"
        case "enum":
            return f"must be {_expected(error)}, got {value}"
        case "const":
            return f"must be {json.dumps(error.validator_value)}, got {value}"
        case "minimum" | "exclusiveMinimum" | "maximum" | "minItems" | "minLength":
            return f"{value}: {error.message.split(' is ', 1)[-1]}" if " is " in error.message \
                else _cut_message(error)
        case "pattern":
            hint = error.schema.get("description")
            return f"{value} does not match {error.validator_value}" + (
                f" ({hint})" if hint else ""
            )
        case "uniqueItems":
            return "has duplicate entries"
        case _:
            return _cut_message(error)


def _cut_message(error: ValidationError) -> str:
    """jsonschema's own message, which quotes the value whole: cut to a line."""
    return one_line(error.message, 2 * QUOTE_LIMIT)


def _show(value: object) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return quoted(value) if isinstance(value, str) else one_line(str(value), QUOTE_LIMIT)
