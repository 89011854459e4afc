"""Reading an environment's files: YAML documents, schema-checked, with every problem kept.

`Loading` is one load's state: the problems found so far (YAML syntax and
schema problems first, then everything else) and the files read. The other
modules of this package take it as their first argument.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kafkaform.core.model import Source
from kafkaform.core.problems import Problem, Severity
from kafkaform.files.documents import Document, Path_, format_path, read_documents
from kafkaform.files.schemas import SCHEMA_FILES, check_document

YAML_SUFFIXES = (".yaml", ".yml")
# Sections whose unresolved ${VAR}s only matter when connecting to the cluster.
CONNECTION_PATHS = (("cluster", "bootstrap"), ("cluster", "client"))

# Lists whose items are loaded one by one (an invalid item is skipped).
ITEM_LISTS = ("topics", "principals", "bindings")


class Loading:
    """One load: accumulates problems while building the desired state."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        # YAML syntax and schema problems, reported before all others.
        self.shape_problems: list[Problem] = []
        self.problems: list[Problem] = []
        self.files: list[str] = []

    def report(self, doc: Document, path: Path_, message: str,
               severity: Severity = Severity.ERROR) -> None:
        self.problems.append(
            Problem(doc.file, doc.line(path), format_path(doc.data, path), message, severity)
        )

    def source(self, doc: Document, path: Path_) -> Source:
        return Source(doc.file, doc.line(path))

    def read_folder(self, folder: Path) -> list[Document]:
        """Every schema-valid document of the folder's YAML files (not subfolders)."""
        files = sorted(
            p for p in folder.iterdir()
            if p.suffix in YAML_SUFFIXES and p.is_file() and not p.name.startswith(".")
        )
        valid = []
        for file in files:
            self.files.append(str(file))
            for doc in read_documents(file, self.environ):
                if self.accept(doc):
                    valid.append(doc)
        return valid

    def accept(self, doc: Document) -> bool:
        if doc.data is None:  # a YAML syntax error
            self.shape_problems.extend(doc.problems)
            return False
        self.problems.extend(doc.problems)
        self.report_unresolved(doc)
        if not isinstance(doc.data, dict):
            self.shape_problems.append(Problem(
                doc.file, doc.line(()), "", "a document must be a mapping with a `kind:`"
            ))
            return False
        kind = doc.data.get("kind")
        if kind not in SCHEMA_FILES:
            known = ", ".join(SCHEMA_FILES)
            message = "missing `kind:`" if kind is None else f"unknown kind {kind!r}"
            path = ("kind",) if kind is not None else ()
            self.shape_problems.append(Problem(
                doc.file, doc.line(path), format_path(doc.data, path), f"{message} (one of {known})"
            ))
            return False
        unresolved = {path for path, _ in doc.unresolved}
        # A value still reading `${VAR}` breaks the schema too: report the cause once.
        schema = [found for found in check_document(doc) if found.path not in unresolved]
        self.shape_problems.extend(found.problem for found in schema)
        # An unknown key (a typo) is reported and left out; the rest loads, so the
        # document's other problems show in the same run instead of the next.
        for found in schema:
            if found.unknown_key:
                _drop(doc.data, found.path)
        bad = [found.path for found in schema if not found.unknown_key] + doc.error_paths + [
            path for path, _ in doc.unresolved if not is_connection_path(path)
        ]
        if kind == "Environment":
            return not bad
        # One broken topic or binding should not hide the others' problems.
        items = {path[:2] for path in bad
                 if len(path) >= 2 and path[0] in ITEM_LISTS and isinstance(path[1], int)}
        if any(path[:2] not in items for path in bad):
            return False
        doc.skipped = items
        return True

    def report_unresolved(self, doc: Document) -> None:
        for path, name in doc.unresolved:
            if is_connection_path(path):
                self.report(
                    doc, path,
                    f"${{{name}}} is not set: commands that connect to the cluster need it",
                    Severity.WARNING,
                )
            else:
                self.report(doc, path, f"unresolved variable ${{{name}}} (not set, no default)")


def _drop(data: object, path: Path_) -> None:
    """Remove the key at `path` from the parsed document."""
    *parents, key = path
    for step in parents:
        data = data[step]  # type: ignore[index]
    if isinstance(data, dict):
        data.pop(key, None)


def is_connection_path(path: Path_) -> bool:
    return any(path[: len(prefix)] == prefix for prefix in CONNECTION_PATHS)


def normalized(path: Path) -> Path:
    """`environments/dev/../_base` -> `environments/_base`, as written, not resolved
    (pathlib has no lexical normalisation; problem lines show these paths)."""
    return Path(os.path.normpath(path))
