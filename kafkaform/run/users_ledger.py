"""What kafkaform set SCRAM passwords from: the ledger `__kafkaform_users`.

Kafka never gives a password back, so whether the password a user has is
the one its files name cannot be read from the cluster. Instead, each time
apply sets a user's password it records, per user, the reference it read it
from (`${VAR}` or a file path) and the files' `passwordVersion`: never the
password, nor anything derived from it. The planner sets a password again
when the files name another reference or version, or when there is no
record (docs/quotas-and-users.md); import writes the recorded reference back, so
imported files plan empty.

One record (key `passwords`) holds every user's entry; applies are
serialised by the apply lock, so read, change, write does not race.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.observed import (
    USERS_LEDGER_KEY,
    USERS_LEDGER_TOPIC,
    PasswordRecord,
    users_ledger_json,
    users_ledger_records,
)
from kafkaform.errors import KafkaformError
from kafkaform.run.ledger import Ledger, read_latest, write_latest

LEDGER_TOPIC = USERS_LEDGER_TOPIC
USERS_LEDGER = Ledger(LEDGER_TOPIC, USERS_LEDGER_KEY, "users ledger",
                      "kafkaform records there what it set SCRAM passwords from")


def read_password_records(admin: ClusterAdmin) -> dict[str, PasswordRecord]:
    """Every user's record (empty when the ledger does not exist yet)."""
    latest = read_latest(admin, USERS_LEDGER)
    if latest is None:
        return {}
    try:
        return users_ledger_records(latest)
    except ValueError as error:
        raise KafkaformError(
            f"kafkaform's users ledger ({LEDGER_TOPIC}) cannot be read: {error}") from None


def record_passwords(
    admin: ClusterAdmin, set_from: Mapping[str, PasswordRecord], forgotten: Iterable[str] = ()
) -> None:
    """Record the users whose password was just set, and forget deleted users."""
    before = read_password_records(admin)
    records = {**before, **set_from}
    for name in forgotten:
        records.pop(name, None)
    if records == before:
        return
    write_latest(admin, USERS_LEDGER, users_ledger_json(records))
