"""Layers: an environment folder on top of the folders it includes, in order.

`include` builds an environment on other folders (recursively; each folder is
read once; a cycle is an error). Layers apply in order: the included folders
(depth first, in the order listed), then the environment's own folder.

An include stays inside the repository (`repository_root`): a pull request
that only edits YAML must not make kafkaform read `/etc` or another checkout
(and quote it in errors that end up in a PR comment). Where it resolves is
checked after following symbolic links. `load_environment(...,
includes_outside=True)`, the `--allow-includes-outside-repo` flag, lifts it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kafkaform.core.model import Source
from kafkaform.core.problems import Severity
from kafkaform.core.quoting import quoted
from kafkaform.files.documents import Document, Path_
from kafkaform.files.load.reading import Loading, normalized

K = TypeVar("K", bound=Hashable)

# The document kinds an included folder contributes (`include[].kinds` limits them).
LAYERED_KINDS = frozenset({"Topics", "Acls", "Quotas", "Users"})


@dataclass
class Layer:
    folder: Path
    kinds: frozenset[str]  # what this layer contributes: an include may limit it
    documents: list[Document]

    def documents_of(self, kind: str) -> list[Document]:
        """This layer's documents of `kind`, if the layer contributes that kind."""
        if kind not in self.kinds:
            return []
        return [doc for doc in self.documents if doc.kind == kind]


def items(doc: Document, key: str) -> Iterator[tuple[Path_, dict]]:
    """The entries of the document's list `key` that loaded (a broken one is skipped)."""
    for index, entry in enumerate(doc.data.get(key, [])):
        path: Path_ = (key, index)
        if path not in doc.skipped:
            yield path, entry


def overlaid(
    loading: Loading, stack: list[Layer], kind: str, key: str, merged: dict[K, Any],
    identify: Callable[[Document, Path_, dict], tuple[K, Path_] | None],
    what: Callable[[K], str],
) -> Iterator[tuple[K, Document, Path_, dict]]:
    """The overlay walk of entries merged by an identity (a quota entity, a user).

    Layer by layer: an identity twice in one folder is an error naming both
    places; `remove: true` drops the inherited entry from `merged` (a warning
    when there is none); every other entry is yielded, to be merged into it.
    `identify` gives the identity and the path that names it, or None for an
    entry it has reported as broken.
    """
    for layer in stack:
        seen_here: dict[K, Source] = {}
        for doc in layer.documents_of(kind):
            for path, entry in items(doc, key):
                found = identify(doc, path, entry)
                if found is None:
                    continue
                identity, at = found
                if identity in seen_here:
                    loading.report(doc, at, f"duplicate {what(identity)} (also defined at "
                                            f"{seen_here[identity]})")
                    continue
                seen_here[identity] = loading.source(doc, at)
                if entry.get("remove"):
                    if merged.pop(identity, None) is None:
                        loading.report(doc, (*path, "remove"), "`remove: true` but no included "
                                       f"folder defines {what(identity)}", Severity.WARNING)
                    continue
                yield identity, doc, path, entry


def repository_root(env_folder: Path) -> Path:
    """Where an environment's includes may lead: the git work tree holding it, or
    outside git the folder above its `environments/` folder (else its parent)."""
    folder = env_folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    for candidate in folder.parents:
        if candidate.name == "environments":
            return candidate.parent
    return folder.parent


def layers(loading: Loading, env_folder: Path, env_docs: list[Document],
           boundary: Path | None) -> list[Layer]:
    """The included folders (depth first, in the order listed), then the environment's.

    An include resolving outside `boundary` (None: anywhere allowed) is a problem."""
    found: list[Layer] = []
    seen: set[Path] = {env_folder.resolve()}
    _add_includes(loading, env_docs, LAYERED_KINDS, [env_folder], seen, found,
                  boundary)
    found.append(Layer(env_folder, LAYERED_KINDS, env_docs))
    return found


def _add_includes(loading: Loading, docs: list[Document], kinds: frozenset[str],
                  stack: list[Path], seen: set[Path], layers: list[Layer],
                  boundary: Path | None) -> None:
    for doc in docs:
        if doc.kind != "Environment":
            continue
        for index, entry in enumerate(doc.data.get("include", [])):
            path = ("include", index)
            relative = entry if isinstance(entry, str) else entry["path"]
            wanted = kinds if isinstance(entry, str) else kinds & frozenset(
                entry.get("kinds", kinds)
            )
            target = normalized(Path(doc.file).parent / relative)
            if boundary is not None and not target.resolve().is_relative_to(boundary):
                loading.report(
                    doc, path,
                    f"include {quoted(relative)} resolves to {target.resolve()}, outside the "
                    f"repository {boundary}: not read (run kafkaform with "
                    "--allow-includes-outside-repo to allow it)")
                continue
            if not target.is_dir():
                loading.report(doc, path, f"included folder {target} does not exist")
                continue
            if target.resolve() in {f.resolve() for f in stack}:
                cycle = " -> ".join(map(str, [*stack, target]))
                loading.report(doc, path, f"include cycle: {cycle}")
                continue
            if target.resolve() in seen:
                continue
            seen.add(target.resolve())
            included = loading.read_folder(target)
            _check_included_environment(loading, included)
            _add_includes(loading, included, wanted, [*stack, target], seen, layers, boundary)
            layers.append(Layer(target, wanted, included))


def _check_included_environment(loading: Loading, docs: list[Document]) -> None:
    for doc in docs:
        if doc.kind != "Environment":
            continue
        for key in sorted(set(doc.data) - {"kind", "name", "include"}):
            loading.report(
                doc, (key,),
                "an included folder's Environment document may only set `include`; "
                "put this in each environment",
            )
