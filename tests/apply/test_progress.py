"""Reporters: plain timestamped lines for CI, rich on a terminal."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from kafkaform.progress import (
    PlainReporter,
    RichReporter,
    Status,
    SummaryRow,
    make_reporter,
)

ROWS = [
    SummaryRow(Status.DONE, "create topic a (1 partition, RF 3)"),
    SummaryRow(Status.FAILED, "create topic b (1 partition, RF 3)", "POLICY_VIOLATION"),
    SummaryRow(Status.NOT_ATTEMPTED, "topic b configs: retention.ms: 1000", "depends on b"),
]


def test_plain_reporter_writes_one_timestamped_line_per_event_and_a_table():
    out = io.StringIO()
    reporter = PlainReporter(out, clock=lambda: datetime(2024, 5, 1, 12, 0, 7, tzinfo=UTC))

    reporter.phase_started("create topics", 2)
    reporter.action_finished("create topic a", Status.DONE)
    reporter.action_finished("create topic b", Status.FAILED, "POLICY_VIOLATION")
    reporter.warning("retrying")
    reporter.summary(ROWS)

    assert out.getvalue().splitlines() == [
        "2024-05-01T12:00:07Z create topics: 2 actions",
        "2024-05-01T12:00:07Z   done: create topic a",
        "2024-05-01T12:00:07Z   failed: create topic b (POLICY_VIOLATION)",
        "2024-05-01T12:00:07Z warning: retrying",
        "",
        "done           create topic a (1 partition, RF 3)",
        "failed         create topic b (1 partition, RF 3)  (POLICY_VIOLATION)",
        "not attempted  topic b configs: retention.ms: 1000  (depends on b)",
        "1 done, 1 failed, 1 not attempted",
    ]


def test_rich_reporter_shows_progress_and_the_result_table():
    out = io.StringIO()
    reporter = RichReporter(Console(file=out, force_terminal=True, width=120))

    reporter.phase_started("create topics", 1)
    reporter.action_finished("create topic a", Status.DONE)
    reporter.phase_finished()
    reporter.summary(ROWS)

    text = out.getvalue()
    assert "create topics" in text and "Apply result" in text
    assert "POLICY_VIOLATION" in text and "1 done, 1 failed, 1 not attempted" in text


def test_make_reporter_is_plain_when_not_a_terminal():
    assert isinstance(make_reporter(io.StringIO()), PlainReporter)
