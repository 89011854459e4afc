"""Fingerprints: has the cluster (or the desired state) changed since a plan?

A saved plan records `observed_fingerprint`, the sha256 of a compact canonical
summary of the observed state, and the summary itself. Apply recomputes both
and refuses the plan when the fingerprint differs, naming what changed
(`fingerprint_diff`).

What the summary holds is exactly what a plan can depend on, and nothing that
changes by itself while the cluster is healthy:
- the cluster id, and each broker's id and rack (not host or port);
- every non-internal topic: its partition count, a short hash of its replica
  lists (replica order included: the first replica is the preferred leader),
  and the config values it carries itself: its overrides (DYNAMIC_TOPIC_CONFIG;
  the adapter relabels those of brokers such as Tansu, which call every set key
  a default), plus, from brokers too old to report sources (UNKNOWN), values
  that differ from Kafka's default;
- the cluster-wide and per-broker dynamic broker configs;
- every ACL binding (or None when the cluster cannot list ACLs);
- the partitions being reassigned, with their replica sets;
- every client quota (user and client-id entities) with its values, every
  SCRAM user with its mechanisms and iterations, and what kafkaform recorded
  setting each user's password from (None where they cannot be read).

Left out on purpose: leaders and ISRs (they move constantly and no action
depends on them), replication throttles (reassignments set and clear them),
config values inherited from a broker (the broker configs already cover them)
and sensitive values (never read back). Passwords are never read, so never
part of it; a password reference (`${VAR}`) is not a secret.

Inherited values must stay out whatever source the broker names: they depend
on which broker answers. Apache Kafka reports a topic's retention.ms derived
from a static `log.retention.hours` as DEFAULT_CONFIG (259200000 for 72,
seen on 4.4), while a broker with a per-broker dynamic `log.retention.ms`
reports its own value as DYNAMIC_BROKER_CONFIG; counting the first but not
the second made a saved plan "stale" whenever plan and apply asked different
brokers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from kafkaform.core.kafka_configs import TOPIC_CONFIGS
from kafkaform.core.model import DesiredState, acl_order
from kafkaform.core.observed import ConfigEntry, ConfigSource, ObservedState
from kafkaform.core.reassign.throttles import is_throttle_key

Summary = dict[str, Any]

_TOPIC = ConfigSource.DYNAMIC_TOPIC_CONFIG
_NO_SOURCE = ConfigSource.UNKNOWN
_KAFKA_DEFAULTS = {name: d.default for name, d in TOPIC_CONFIGS.items()}
_UNKNOWN = object()


def observed_summary(observed: ObservedState) -> Summary:
    """The compact canonical form of everything a plan depends on (JSON-ready)."""
    summary = {
        "cluster_id": observed.cluster.cluster_id,
        "brokers": {str(b.id): b.rack for b in sorted(observed.cluster.brokers, key=_id)},
        "broker_configs": _config_values(observed.broker_configs),
        "per_broker_configs": {
            str(b): _config_values(c) for b, c in sorted(observed.per_broker_configs.items())
        },
        "topics": {
            name: {
                "partitions": len(info.partitions),
                "replicas": _short_hash(str([p.replicas for p in info.partitions])),
                "configs": _topic_config_values(observed.topic_configs.get(name, {})),
            }
            for name, info in sorted(observed.user_topics().items())
        },
        "acls": None if observed.acls is None else sorted(
            b.describe() for b in observed.acls
        ),
        "reassigning": {
            str(tp): list(r.replicas) for tp, r in sorted(observed.reassignments.items())
            if r.adding or r.removing
        },
    }
    summary.update(_quotas_and_users(observed))
    return summary


def _quotas_and_users(observed: ObservedState) -> Summary:
    """Only what there is: a cluster without quotas, users or password records
    keeps the fingerprint it had before kafkaform managed them."""
    extra: Summary = {}
    if observed.quotas:
        extra["quotas"] = {
            entity.describe(): dict(sorted(values.items()))
            for entity, values in sorted(observed.quotas.items(), key=lambda q: q[0].sort_key)
        }
    if observed.users:
        extra["users"] = {
            name: {str(m): i for m, i in sorted(credentials.items())}
            for name, credentials in sorted(observed.users.items())
        }
    if observed.password_records:
        extra["passwords"] = {
            name: [record.reference.describe(), record.version]
            for name, record in sorted(observed.password_records.items())
        }
    return extra


def summary_fingerprint(summary: Summary) -> str:
    return "sha256:" + hashlib.sha256(_canonical_json(summary)).hexdigest()


def desired_hash(desired: DesiredState) -> str:
    """sha256 of what the files declare; client settings (secrets) and line numbers excluded."""
    canonical = {
        "environment": desired.environment,
        "cluster_id": desired.cluster.cluster_id,
        "broker_configs": desired.broker_configs,
        # Plain tuples, not dataclasses.asdict: this runs for 10,000 topics per plan.
        "topics": [
            (t.name, t.partitions, t.replication_factor, sorted(t.configs.items()), t.placement,
             t.assignment, t.keyed, t.sizing and dataclasses.astuple(t.sizing))
            for _, t in sorted(desired.topics.items())
        ],
        # What dataclasses.astuple gives for a binding (its fields are all flat), at a
        # twentieth of the cost: astuple deep-copies every field, 7 s at 50,000 bindings.
        "acls": sorted(map(acl_order, desired.acls)),
        "scope": dataclasses.asdict(desired.scope),
        "policies": dataclasses.asdict(desired.policies),
        "reassignment": dataclasses.asdict(desired.reassignment),
        "decommission": sorted(desired.decommission),
        "rebalance": desired.rebalance,
        # Only when set, so that hashes of environments without it stay as they were.
        **({"allow_missing_racks": True} if desired.allow_missing_racks else {}),
    }
    # Only when declared: files without them keep the hash they had before.
    if desired.quotas:
        canonical["quotas"] = sorted((q.entity.describe(), sorted(q.values.items()))
                                     for q in desired.quotas.values())
    if desired.users:
        canonical["users"] = [
            (u.name, sorted((str(m), i) for m, i in u.credentials.items()),
             u.password and u.password.describe(), u.password_version)
            for _, u in sorted(desired.users.items())
        ]
    return "sha256:" + hashlib.sha256(_canonical_json(canonical)).hexdigest()


def before_moves_ended(summary: Summary, observed: ObservedState,
                       ended: dict[tuple[str, int], list[int]]) -> Summary:
    """`summary` (of `observed`) as it read while the moves `ended` still ran.

    `ended` maps (topic, partition) to the partition's replicas during its
    move, as the earlier summary's "reassigning" recorded them (Kafka reports
    the same list in Metadata and in ListPartitionReassignments).
    """
    then = {**summary, "reassigning": dict(summary.get("reassigning", {})),
            "topics": dict(summary.get("topics", {}))}
    for topic in sorted({t for t, _ in ended}):
        info = observed.topics[topic]
        lists = [tuple(ended.get((topic, p.partition), p.replicas)) for p in info.partitions]
        then["topics"][topic] = {**then["topics"][topic], "replicas": _short_hash(str(lists))}
    for (topic, partition), replicas in ended.items():
        then["reassigning"][f"{topic}-{partition}"] = list(replicas)
    then["reassigning"] = dict(sorted(then["reassigning"].items()))
    return then


def fingerprint_diff(old: Summary, new: Summary) -> list[str]:
    """What changed between two summaries, one readable line per change, sorted."""
    lines: list[str] = []
    if old.get("cluster_id") != new.get("cluster_id"):
        lines.append(f"cluster id {old.get('cluster_id')} → {new.get('cluster_id')}")
    lines += _dict_changes("broker", old.get("brokers", {}), new.get("brokers", {}),
                           lambda b, a, z: f"broker {b} rack {a} → {z}")
    lines += _config_changes("cluster-wide broker config", old.get("broker_configs", {}),
                             new.get("broker_configs", {}))
    old_per, new_per = old.get("per_broker_configs", {}), new.get("per_broker_configs", {})
    for broker in sorted(set(old_per) | set(new_per), key=int):
        lines += _config_changes(f"broker {broker} config", old_per.get(broker, {}),
                                 new_per.get(broker, {}))
    old_topics, new_topics = old.get("topics", {}), new.get("topics", {})
    for name in sorted(set(old_topics) | set(new_topics)):
        lines += _topic_changes(name, old_topics.get(name), new_topics.get(name))
    lines += _acl_changes(old.get("acls"), new.get("acls"))
    lines += _dict_changes("reassignment", old.get("reassigning", {}),
                           new.get("reassigning", {}),
                           lambda p, a, z: f"partition {p} reassignment {a} → {z}")
    lines += _dict_changes("client quota", old.get("quotas") or {}, new.get("quotas") or {},
                           lambda e, a, z: f"client quota {e} changed: {a} → {z}")
    lines += _dict_changes("SCRAM user", old.get("users") or {}, new.get("users") or {},
                           lambda u, a, z: f"SCRAM user {u} credentials changed: {a} → {z}")
    lines += _dict_changes("password record of user", old.get("passwords", {}),
                           new.get("passwords", {}),
                           lambda u, a, z: f"password record of user {u} changed: {a} → {z}")
    return lines


def _topic_changes(name: str, old: dict | None, new: dict | None) -> list[str]:
    if old is None:
        return [f"topic {name} was created"]
    if new is None:
        return [f"topic {name} was deleted"]
    lines = []
    if old["partitions"] != new["partitions"]:
        lines.append(f"topic {name} partitions {old['partitions']} → {new['partitions']}")
    elif old["replicas"] != new["replicas"]:
        lines.append(f"topic {name} replica assignment changed")
    lines += _config_changes(f"topic {name} config", old["configs"], new["configs"])
    return lines


def _config_changes(what: str, old: dict, new: dict) -> list[str]:
    return _dict_changes(what, old, new, lambda k, a, z: f"{what} {k} changed: {a} → {z}")


def _dict_changes(what: str, old: dict, new: dict, changed) -> list[str]:
    lines = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            lines.append(f"{what} {key} was removed")
        elif key not in old:
            lines.append(f"{what} {key} was added")
        elif old[key] != new[key]:
            lines.append(changed(key, old[key], new[key]))
    return lines


def _acl_changes(old: list | None, new: list | None) -> list[str]:
    if old is None or new is None:
        return [] if old == new else ["the cluster's ability to list ACLs changed"]
    return (
        [f"ACL added: {b}" for b in sorted(set(new) - set(old))]
        + [f"ACL removed: {b}" for b in sorted(set(old) - set(new))]
    )


def _config_values(entries: dict[str, ConfigEntry]) -> dict[str, str | None]:
    return {
        k: e.value for k, e in sorted(entries.items())
        if e.is_override and not e.sensitive and not is_throttle_key(k)
    }


def _topic_config_values(entries: dict[str, ConfigEntry]) -> dict[str, str | None]:
    """A topic's own values (see the module docstring); a hot loop at 10,000 topics."""
    own = [
        (key, entry.value) for key, entry in entries.items()
        if (entry.source is _TOPIC or (
            entry.source is _NO_SOURCE and _KAFKA_DEFAULTS.get(key, _UNKNOWN) != entry.value
        )) and not entry.sensitive
    ]
    return dict(sorted((k, v) for k, v in own if not is_throttle_key(k)))


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def _id(broker) -> int:
    return broker.id
