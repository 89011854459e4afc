"""`kafkaform check`'s table: one line per health signal, ok or FAIL, then warnings."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from kafkaform.core.health import HealthReport
from kafkaform.core.observed import TopicPartition


def health_rows(report: HealthReport) -> list[tuple[str, bool, str]]:
    """(check, passed, detail) for each line of the table."""
    racks = ", ".join(
        f"{rack or 'no rack'}: {count}"
        for rack, count in sorted(report.racks.items(), key=lambda kv: kv[0] or "")
    )

    def partitions(found: Sequence[TopicPartition]) -> str:
        listed = ", ".join(str(tp) for tp in found[:5])
        more = " ..." if len(found) > 5 else ""
        return f"{len(found)} of {report.partitions}" + (f": {listed}{more}" if found else "")

    return [
        ("brokers", report.brokers > 0, f"{report.brokers} ({racks})" if racks else "0"),
        ("controller", report.controller_present,
         "present" if report.controller_present else "none"),
        ("offline partitions", not report.offline, partitions(report.offline)),
        ("under-replicated", not report.under_replicated, partitions(report.under_replicated)),
        ("below min.insync.replicas", not report.under_min_isr,
         partitions([u.partition for u in report.under_min_isr])),
        ("reassignments", not report.reassigning,
         f"{len(report.reassigning)} in progress"),
    ]


def render_health_json(report: HealthReport) -> str:
    """`check --format json`: every signal, the lists behind them, and the verdict."""
    def partitions(found: Sequence[TopicPartition]) -> list[dict[str, object]]:
        return [{"topic": tp.topic, "partition": tp.partition} for tp in found]

    return json.dumps({
        "cluster_id": report.cluster_id,
        "healthy": report.healthy,
        "brokers": report.brokers,
        "racks": {rack or "": count for rack, count in sorted(
            report.racks.items(), key=lambda kv: kv[0] or "")},
        "controller_present": report.controller_present,
        "partitions": report.partitions,
        "offline": partitions(report.offline),
        "under_replicated": partitions(report.under_replicated),
        "under_min_isr": [{"topic": u.partition.topic, "partition": u.partition.partition,
                           "isr": u.isr, "min_isr": u.min_isr} for u in report.under_min_isr],
        "reassigning": partitions(report.reassigning),
        "checks": [{"check": check, "ok": passed, "detail": detail}
                   for check, passed, detail in health_rows(report)],
        "problems": report.problems,
        "warnings": report.warnings,
    }, indent=2) + "\n"


def print_health(report: HealthReport) -> None:
    rows = health_rows(report)
    title = f"Cluster {report.cluster_id}: {'healthy' if report.healthy else 'NOT healthy'}"
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for column in ("check", "status", "detail"):
            table.add_column(column)
        for check, passed, detail in rows:
            table.add_row(check, "[green]ok[/]" if passed else "[red]FAIL[/]", detail)
        Console().print(table)
    else:
        print(title)
        width = max(len(check) for check, _, _ in rows)
        for check, passed, detail in rows:
            print(f"{check:<{width}}  {'ok' if passed else 'FAIL':<4}  {detail}")
    for warning in report.warnings:
        print(f"warning: {warning}")
