"""`--format markdown`: a plan as a pull-request comment.

A summary line and table, warnings and refusals as GitHub alerts, then one
collapsed `<details>` per resource with its text rendering in a diff block.
Big plans stay readable and within GitHub's 65,536-character comment limit:
the table, the details and each block are cut with "… N more" counts, and the
whole comment is kept under `limit` characters.
"""

from __future__ import annotations

import re

from kafkaform.core.actions import (
    AddPartitions,
    AlterTopicConfigs,
    CreateAcl,
    CreateTopic,
    DeleteAcl,
    DeleteTopic,
    Plan,
    Reassign,
    SetBrokerConfigs,
)
from kafkaform.core.problems import Problem
from kafkaform.core.summary import PlanSummary, ReplicaMoves, ResourceGroup, group_by_resource
from kafkaform.core.wording import human_bytes, plural
from kafkaform.render.text import group_body, targeted_line

GITHUB_COMMENT_LIMIT = 65_536
MAX_TABLE_ROWS = 100
MAX_DETAIL_LINES = 40
MAX_PROBLEMS = 25
_FOOTER_ROOM = 400  # kept free for the closing "… more" line


def render_markdown(plan: Plan, limit: int = GITHUB_COMMENT_LIMIT - 1_536) -> str:
    summary = PlanSummary.of(plan)
    groups = group_by_resource(plan.actions)
    head = [f"### kafkaform plan: `{plan.environment}`", ""]
    if plan.targets:
        head += ["> [!IMPORTANT]", f"> {_text(targeted_line(plan))}", ""]
    head += [f"**{summary.line()}**", ""]
    moves = ReplicaMoves.of(plan.actions)
    if moves is not None:
        head += [moves.line(), ""]
    head.append(f"Cluster `{plan.cluster_id or 'unknown'}` · observed state "
                f"`{plan.observed_fingerprint[:19]}…`")
    head.append("")
    head += _alert("CAUTION", f"{plural(len(plan.errors), 'error')}: this plan cannot be "
                   "applied.", plan.errors)
    head += _alert("WARNING", plural(len(plan.warnings), "warning"), plan.warnings)
    if groups:
        head += _table(groups)
    text = "\n".join(head)
    shown = 0
    for group in groups:
        block = _details(group)
        if len(text) + len(block) + _FOOTER_ROOM > limit:
            break
        text += "\n" + block
        shown += 1
    if shown < len(groups):
        text += (f"\n\n_… {len(groups) - shown} more resources not shown in detail; "
                 "run `kafkaform plan` for the full plan._")
    return text + "\n"


def _alert(kind: str, title: str, problems: tuple[Problem, ...]) -> list[str]:
    if not problems:
        return []
    lines = [f"> [!{kind}]", f"> **{title}**"]
    lines += [f"> - {_text(p.render())}" for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"> - … and {len(problems) - MAX_PROBLEMS} more")
    return [*lines, ""]


def _table(groups: list[ResourceGroup]) -> list[str]:
    lines = ["| | resource | change |", "|:-:|---|---|"]
    for group in groups[:MAX_TABLE_ROWS]:
        lines.append(f"| `{group.symbol}` | {_title(group)} | {_text(_change(group))} |")
    if len(groups) > MAX_TABLE_ROWS:
        lines.append(f"| | … and {len(groups) - MAX_TABLE_ROWS} more resources | |")
    return [*lines, ""]


def _title(group: ResourceGroup) -> str:
    if group.kind == "broker-configs":
        return "broker configs"
    return f"{group.kind} `{_code(group.name)}`"


def _change(group: ResourceGroup) -> str:
    """A one-cell description of everything planned for a resource."""
    parts = []
    for action in group.actions:
        if isinstance(action, CreateTopic):
            parts.append(f"create: {plural(action.partitions, 'partition')}, "
                         f"replication factor {action.replication_factor}, "
                         f"{plural(len(action.configs), 'config')}")
        elif isinstance(action, SetBrokerConfigs | AlterTopicConfigs):
            keys = ", ".join(c.key for c in action.changes[:3])
            more = f" +{len(action.changes) - 3}" if len(action.changes) > 3 else ""
            when = " after the moves" if action.after_moves else ""
            parts.append(f"configs{when}: {keys}{more}")
        elif isinstance(action, AddPartitions):
            parts.append(f"partitions {action.before} → {action.after}")
        elif isinstance(action, Reassign):
            moves = ReplicaMoves.of([action])
            assert moves is not None
            notes = [human_bytes(moves.bytes_to_copy)] if moves.bytes_to_copy is not None else []
            if moves.already_moving:
                notes.append(f"{moves.already_moving} already moving")
            parts.append(f"{plural(len(action.moves), 'partition')} to move, "
                         f"{plural(action.replica_moves, 'replica')} to copy"
                         + (f" ({', '.join(notes)})" if notes else ""))
        elif isinstance(action, DeleteTopic):
            parts.append(f"delete ({plural(action.partitions, 'partition')})")
    acl_adds = sum(isinstance(a, CreateAcl) for a in group.actions)
    acl_deletes = sum(isinstance(a, DeleteAcl) for a in group.actions)
    if acl_adds:
        parts.append(f"{plural(acl_adds, 'binding')} to add")
    if acl_deletes:
        parts.append(f"{plural(acl_deletes, 'binding')} to remove")
    return "; ".join(parts)


def _details(group: ResourceGroup) -> str:
    body = group_body(group)
    if len(body) > MAX_DETAIL_LINES:
        body = [*body[:MAX_DETAIL_LINES], f"# … {len(body) - MAX_DETAIL_LINES} more lines"]
    summary = f"<code>{group.symbol}</code> {_html(group.title)}"
    return "\n".join([
        "<details>", f"<summary>{summary}</summary>", "", "```diff", *body, "```", "",
        "</details>",
    ])


# What Markdown would read as markup rather than text: `<cluster>` as an HTML tag
# (GitHub drops it), `*`/`_` as emphasis, `[...]` as a link, `|` as a table cell.
_MARKUP = re.compile(r"([\\`*_\[\]<>&|~])")


def _text(text: str) -> str:
    """Plain text as Markdown shows it, on one line (table cells, alert lines)."""
    return _MARKUP.sub(r"\\\1", text.replace("\n", " "))


def _code(text: str) -> str:
    """Text inside a code span: only a table's `|` needs escaping there (GFM)."""
    return text.replace("|", "\\|")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
