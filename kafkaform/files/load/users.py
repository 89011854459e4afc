"""SCRAM users: merged by name across the layers, field by field.

A later layer's fields replace earlier ones (`password` and `passwordFile`
replace each other) and `remove: true` drops the inherited user. The password
is only ever a reference: `password: ${VAR}` (kept as written by the YAML
reader, never interpolated) or `passwordFile: PATH` (relative to the file
that names it). Anything else in `password` is a literal secret in a
reviewed file, and an error whose message never repeats it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kafkaform.core.kafka_rules import SCRAM_MIN_ITERATIONS, scram_iterations_problem
from kafkaform.core.model import ScramMechanism, SecretRef, Source, UserSpec
from kafkaform.core.problems import Problem
from kafkaform.files.documents import Document, Path_
from kafkaform.files.load.layers import Layer, overlaid
from kafkaform.files.load.reading import Loading, normalized

USER_FIELDS = ("mechanisms", "iterations", "password", "passwordFile", "passwordVersion")
DEFAULT_MECHANISMS = (ScramMechanism.SCRAM_SHA_512.value,)
# Kafka's minimum, and what `kafka-configs --add-config 'SCRAM-SHA-512=[password=...]'` uses.
DEFAULT_ITERATIONS = SCRAM_MIN_ITERATIONS
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# `${VAR:-fallback}` / `${VAR-fallback}`, as the shell and docker compose write a default.
_WITH_DEFAULT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-[^}]*\}")
_PASSWORD_KEYS = ("password", "passwordFile")


@dataclass
class _Field:
    value: object
    doc: Document
    path: Path_


@dataclass
class _Merged:
    source: Source
    fields: dict[str, _Field] = field(default_factory=dict)


def build_users(loading: Loading, stack: list[Layer]) -> dict[str, UserSpec]:
    merged: dict[str, _Merged] = {}

    def identify(doc: Document, path: Path_, entry: dict) -> tuple[str, Path_]:
        return entry["name"], (*path, "name")

    for name, doc, path, entry in overlaid(loading, stack, "Users", "users", merged, identify,
                                           lambda n: f"user {n!r}"):
        if all(key in entry for key in _PASSWORD_KEYS):
            loading.report(doc, (*path, "passwordFile"),
                           "give `password: ${VAR}` or `passwordFile`, not both")
            continue
        here = loading.source(doc, (*path, "name"))
        into = merged.setdefault(name, _Merged(here))
        into.source = here
        if any(key in entry for key in _PASSWORD_KEYS):
            for key in _PASSWORD_KEYS:
                into.fields.pop(key, None)
        for key in USER_FIELDS:
            if key in entry:
                into.fields[key] = _Field(entry[key], doc, (*path, key))
    users = {}
    for name, found in sorted(merged.items()):
        spec = _build(loading, name, found)
        if spec is not None:
            users[name] = spec
    return users


def _build(loading: Loading, name: str, found: _Merged) -> UserSpec | None:
    label = f"users[{name}]"
    errors = len(loading.problems)

    def report(key: str, message: str) -> None:
        where = found.fields.get(key)
        source = loading.source(where.doc, where.path) if where else found.source
        loading.problems.append(Problem(source.file, source.line, f"{label}.{key}", message))

    default_iterations = _value(found, "iterations", DEFAULT_ITERATIONS)
    credentials: dict[ScramMechanism, int] = {}
    for item in _value(found, "mechanisms", DEFAULT_MECHANISMS):
        mechanism = ScramMechanism(item["mechanism"] if isinstance(item, dict) else item)
        iterations = item.get("iterations", default_iterations) if isinstance(
            item, dict) else default_iterations
        if mechanism in credentials:
            report("mechanisms", f"{mechanism} is listed twice")
            continue
        problem = scram_iterations_problem(iterations)
        if problem:
            report("mechanisms" if isinstance(item, dict) and "iterations" in item
                   else "iterations", problem)
        credentials[mechanism] = iterations
    password = _password(found, report)
    version = _value(found, "passwordVersion", None)
    if version is not None and password is None:
        report("passwordVersion", "a passwordVersion needs a `password: ${VAR}` or "
                                  "`passwordFile` to set the password from")
    if len(loading.problems) > errors:
        return None
    return UserSpec(name, credentials, password, version, found.source)


def _password(found: _Merged, report) -> SecretRef | None:
    if "passwordFile" in found.fields:
        where = found.fields["passwordFile"]
        written = str(where.value)
        return SecretRef(file=written,
                         path=str(normalized(Path(where.doc.file).parent / written)))
    if "password" not in found.fields:
        return None
    written = str(found.fields["password"].value)
    reference = _REFERENCE.fullmatch(written)
    if reference is None:
        why = ("a password reference takes no default (`${VAR:-...}`): a default would be a "
               "password written in the file" if _WITH_DEFAULT.fullmatch(written) else
               "a literal password is not allowed in a file")
        report("password", f"{why}; write `password: ${{VAR}}` (an environment variable apply "
                           "reads) or use `passwordFile: PATH`")
        return None
    return SecretRef(variable=reference.group(1))


def _value(found: _Merged, key: str, default):
    return found.fields[key].value if key in found.fields else default
