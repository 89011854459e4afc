"""Where kafkaform remembers the throttles it set: the ledger `__kafkaform_throttles`.

Whoever cleans up next (another apply, `reassign verify`, from any machine)
must know which throttles kafkaform set, so they are kept on the cluster
(`kafkaform.run.ledger`), under the key `throttles`.
"""

from __future__ import annotations

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.model import THROTTLE_LEDGER_TOPIC
from kafkaform.core.reassign.throttles import ThrottleLedger
from kafkaform.run.ledger import Ledger, read_latest, write_latest

LEDGER_TOPIC = THROTTLE_LEDGER_TOPIC
LEDGER_KEY = "throttles"
THROTTLE_LEDGER = Ledger(LEDGER_TOPIC, LEDGER_KEY, "throttle ledger",
                         "kafkaform records there the throttles it sets, before setting them")


def read_ledger(admin: ClusterAdmin) -> ThrottleLedger:
    """The throttles kafkaform set and has not removed (empty if none)."""
    latest = read_latest(admin, THROTTLE_LEDGER)
    return ThrottleLedger.from_json(latest) if latest else ThrottleLedger()


def write_ledger(admin: ClusterAdmin, ledger: ThrottleLedger) -> None:
    """Persist the ledger, creating its topic on first use."""
    write_latest(admin, THROTTLE_LEDGER, ledger.to_json())
