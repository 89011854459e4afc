"""Environment folders -> DesiredState (with file:line for everything).

An environment is a folder with exactly one `Environment` document and any
number of `Topics` / `Acls` / `Quotas` / `Users` documents, in the folder's
`.yaml`/`.yml` files (subfolders are not read: they may be other environments
or bases). Split by kind: `reading` (files, YAML, schemas), `layers`
(include), `topics`, `acls`, `quotas`, `users` and `environment` (the
Environment document's sections).

Loading reports problems of reading, schema, merging and value normalisation;
the semantic checks and policies are `kafkaform.core.checks` and
`kafkaform.core.policies`, run by `kafkaform.files.validate`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kafkaform.core.model import DesiredState, Source, TopicOrigin
from kafkaform.core.problems import Problem
from kafkaform.files.documents import Document
from kafkaform.files.load import acls, environment, layers, quotas, topics, users
from kafkaform.files.load.reading import Loading, normalized


@dataclass
class LoadResult:
    desired: DesiredState | None
    # Problems of YAML syntax and schema, then of everything else loading found.
    shape_problems: list[Problem]
    problems: list[Problem]
    topic_origins: dict[str, TopicOrigin]
    environment: Document | None = None
    files: list[str] = field(default_factory=list)

    @property
    def broker_config_sources(self) -> dict[str, Source]:
        """Where each of `cluster.brokerConfigs` is written (the Environment document)."""
        env = self.environment
        if env is None or self.desired is None:
            return {}
        return {key: Source(env.file, env.line(("cluster", "brokerConfigs", key)))
                for key in self.desired.broker_configs}


def load_environment(path: Path, environ: Mapping[str, str] | None = None, *,
                     includes_outside: bool = False) -> LoadResult:
    """Read, schema-check, merge and normalise one environment folder.

    `desired` is built as far as the files allow, even when there are errors
    (validate.py decides whether it may be used). Includes stay inside the
    repository (`layers.repository_root`) unless `includes_outside`.
    """
    loading = Loading(os.environ if environ is None else environ)
    folder = normalized(Path(path))
    docs = loading.read_folder(folder)
    env_doc = environment.environment_document(loading, folder, docs)
    if env_doc is None:  # topics without their defaults would only add noise
        return LoadResult(None, loading.shape_problems, loading.problems, {}, None, loading.files)
    boundary = None if includes_outside else layers.repository_root(folder)
    stack = layers.layers(loading, folder, docs, boundary)
    merged = topics.merge_topics(loading, stack)
    data = env_doc.data
    built = topics.build_topics(loading, merged, data.get("defaults", {}).get("topic", {}),
                                env_doc)
    bindings, acl_sources = acls.build_acls(loading, stack)
    origins = {name: origin for name, (_, origin) in merged.items()}
    desired = DesiredState(
        environment=data["name"],
        cluster=environment.connection(loading, env_doc),
        broker_configs=environment.broker_configs(loading, env_doc),
        topics=built,
        acls=bindings,
        acl_sources=acl_sources,
        quotas=quotas.build_quotas(loading, stack),
        users=users.build_users(loading, stack),
        scope=environment.scope(data),
        policies=environment.policies(loading, env_doc),
        reassignment=environment.reassignment(loading, env_doc),
        decommission=tuple(data.get("decommission", ())),
        rebalance=data.get("rebalance", False),
        allow_missing_racks=data.get("allowMissingRacks", False),
        path=str(folder),
    )
    return LoadResult(desired, loading.shape_problems, loading.problems, origins, env_doc,
                      loading.files)
