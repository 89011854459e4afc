"""`kafkaform fmt`: one canonical layout for desired-state files, comments kept.

The loader reads YAML with pyyaml, which drops comments; a formatter built on
it would delete every comment a reviewer wrote. fmt alone uses ruamel.yaml's
round-trip mode, which keeps comments, quoting, flow/block style and the
scalars exactly as written (`7d` stays `7d`), so only the order changes:

- mapping keys follow the order of the document's JSON Schema `properties`
  (kind, name, include, cluster ... as docs/reference.md lists them); keys
  the schema does not name keep their place after those;
- free-form maps (`configs`, `client`, `brokerConfigs`) are sorted by key;
- `topics` and `users` are sorted by name, `principals` and `bindings` by
  principal, `quotas` by user, then client id (stable). None changes meaning:
  the same topic (user, quota entity) twice in one folder is an error, and
  ACLs are a union.

Flow collections (`{...}`, `[...]`) are written on one line: ruamel cannot
keep a hand-wrapped flow collection, and its own wrapping leaves ragged lines.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from kafkaform.files.load.reading import YAML_SUFFIXES
from kafkaform.files.schemas import validators

# Top-level lists sorted by keys of their items (stable).
SORTED_LISTS = {
    ("Topics", "topics"): ("name",),
    ("Acls", "principals"): ("principal",),
    ("Acls", "bindings"): ("principal",),
    ("Quotas", "quotas"): ("user", "clientId"),
    ("Users", "users"): ("name",),
}
# Never reflow: a long flow collection stays on its line.
LINE_WIDTH = 4096


@dataclass(frozen=True)
class FormatResult:
    path: Path
    original: str
    formatted: str | None  # None: the file could not be parsed
    error: str = ""

    @property
    def changed(self) -> bool:
        return self.formatted is not None and self.formatted != self.original


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = LINE_WIDTH
    # Keep `key: null` (ruamel's default writes an empty value).
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def format_text(text: str) -> str:
    """The canonical form of one YAML file's text (raises ruamel's YAMLError)."""
    yaml = _yaml()
    documents = list(yaml.load_all(text))
    for document in documents:
        _format_document(document)
    out = io.StringIO()
    yaml.dump_all(documents, out)
    return out.getvalue()


def format_file(path: Path) -> FormatResult:
    original = path.read_text(encoding="utf-8")
    try:
        return FormatResult(path, original, format_text(original))
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        return FormatResult(path, original, None, f"{path}{line}: cannot format: {reason}")


def yaml_files(folder: Path) -> list[Path]:
    """The files the loader reads: the folder's own YAML files, not subfolders."""
    return sorted(p for p in folder.iterdir()
                  if p.suffix in YAML_SUFFIXES and p.is_file() and not p.name.startswith("."))


def _format_document(document: object) -> None:
    if not isinstance(document, CommentedMap):
        return
    kind = document.get("kind")
    schema = validators().get(kind) if isinstance(kind, str) else None
    if schema is None:
        return  # not a kafkaform document: leave it as it is
    for (list_kind, key), by in SORTED_LISTS.items():
        items = document.get(key)
        if list_kind == kind and isinstance(items, CommentedSeq):
            _sort_seq(items, lambda item, by=by: tuple(
                str(item.get(k, "")) if isinstance(item, dict) else "" for k in by))
    _order(document, schema.schema)


def _order(node: object, schema: dict) -> None:
    """Reorder mappings below `node` as `schema` lists their keys."""
    if isinstance(node, CommentedSeq):
        items = schema.get("items")
        if isinstance(items, dict):
            for item in node:
                _order(item, items)
        return
    if not isinstance(node, CommentedMap):
        return
    properties = _properties(schema, node)
    if properties is not None:
        known = [key for key in properties if key in node]
        _reorder(node, known + [key for key in node if key not in properties])
        for key in known:
            _order(node[key], properties[key])
        return
    values = schema.get("additionalProperties")
    if isinstance(values, dict):  # a free-form map: configs, client ...
        _reorder(node, sorted(node, key=str))
        for key in node:
            _order(node[key], values)


def _properties(schema: dict, node: CommentedMap) -> dict | None:
    """The `properties` that describe this mapping, looking into alternatives."""
    if "properties" in schema:
        return schema["properties"]
    for keyword in ("oneOf", "anyOf", "allOf"):
        for alternative in schema.get(keyword, ()):
            properties = alternative.get("properties") if isinstance(alternative, dict) else None
            if properties and set(node) <= set(properties):
                return properties
    return None


def _reorder(node: CommentedMap, keys: list) -> None:
    """Put `node`'s keys in `keys` order, each keeping its comments."""
    if list(node) == keys:
        return
    values = [(key, node[key]) for key in keys]
    comments = {key: node.ca.items[key] for key in keys if key in node.ca.items}
    for key in keys:
        del node[key]
    for key, value in values:
        node[key] = value
    node.ca.items.clear()
    node.ca.items.update(comments)


def _sort_seq(seq: CommentedSeq, key: Callable[[object], tuple[str, ...]]) -> None:
    order = sorted(range(len(seq)), key=lambda i: key(seq[i]))
    if order == list(range(len(seq))):
        return
    items = [seq[i] for i in order]
    comments = {new: seq.ca.items[old] for new, old in enumerate(order) if old in seq.ca.items}
    seq[:] = items
    seq.ca.items.clear()
    seq.ca.items.update(comments)
