"""`kafkaform diff` output: the differences of two environments as text, Markdown or JSON.

Text and Markdown reuse the plan renderers: the diff is shown as the plan
that would turn a cluster shaped like A into B (`EnvironmentDiff.as_plan`),
retitled, so a reviewer reads both with the same symbols and layout. JSON is
the diff's own structure (`to_dict`), not a plan file: there is no cluster to
fingerprint.
"""

from __future__ import annotations

import json

from kafkaform.core.envdiff import EnvironmentDiff
from kafkaform.core.summary import PlanSummary
from kafkaform.render.markdown import render_markdown as plan_markdown
from kafkaform.render.text import plan_lines


def render_text(diff: EnvironmentDiff) -> str:
    """The plan text renderer's layout, with the diff's own title and summary."""
    lines = plan_lines(diff.as_plan())
    lines[0] = f"kafkaform diff: {diff.a} → {diff.b} (what changes going from {diff.a} to {diff.b})"
    lines[-1] = diff.summary_line()
    return "\n".join(lines) + "\n"


def render_markdown(diff: EnvironmentDiff) -> str:
    """The plan Markdown renderer's comment, retitled; no cluster line (there is none)."""
    plan = diff.as_plan()
    lines = plan_markdown(plan).split("\n")
    lines[0] = f"### kafkaform diff: `{diff.a}` → `{diff.b}`"
    summary = f"**{PlanSummary.of(plan).line()}**"
    lines = [f"**{diff.summary_line()}**" if line == summary else line for line in lines]
    cluster = next(i for i, line in enumerate(lines) if line.startswith("Cluster `"))
    del lines[cluster:cluster + 2]  # the cluster line and its blank line
    return "\n".join(lines)


def render_json(diff: EnvironmentDiff) -> str:
    return json.dumps(diff.to_dict(), indent=2, ensure_ascii=False) + "\n"
