"""The Markdown outputs, rendered as GitHub renders a comment: no text is lost as HTML.

markdown-it-py (CommonMark with GFM tables and strikethrough, raw HTML on as
on GitHub) renders each output; every raw HTML token must be one kafkaform
writes on purpose (`<details>`, `<summary>`, `<code>`, the hidden marker
comment), and every problem line and resource name must survive as visible
text. A raw `<cluster>` in an error bullet was dropped as an unknown tag.
"""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from kafkaform.core.actions import AlterTopicConfigs, ConfigChange, CreateAcl, CreateTopic, Plan
from kafkaform.core.envdiff import diff_environments
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    DesiredState,
    PatternType,
    ResourceType,
    TopicSpec,
)
from kafkaform.core.problems import Problem, Severity
from kafkaform.render.envdiff import render_markdown as diff_markdown
from kafkaform.render.markdown import render_markdown
from tests.support.scenario import scenario_plan

GITHUB = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# The HTML kafkaform writes on purpose.
OURS = re.compile(r"^(</?details>|<summary>.*</summary>|</?code>|<!--.*-->)$", re.S)


def rendered_text(markdown: str) -> str:
    """What a reader sees: the rendered HTML without tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", GITHUB.render(markdown)))


def raw_html(markdown: str) -> list[str]:
    found = []
    for token in GITHUB.parse(markdown):
        if token.type == "html_block":
            found += [line for line in token.content.splitlines() if line.strip()]
        for child in token.children or ():
            if child.type == "html_inline":
                found.append(child.content)
    return found


def awkward_plan() -> Plan:
    """Names and messages full of what Markdown reads as markup."""
    binding = AclBinding("User:CN=svc_*,O=<acme>", ResourceType.TOPIC, "orders_*",
                         PatternType.PREFIXED, AclOperation.READ)
    return Plan(
        "prod", "cluster-1", "sha256:" + "0" * 64, "sha256:" + "1" * 64,
        actions=(CreateTopic("orders_v2", 3, 3, {"cleanup.policy": "compact,delete"}),
                 AlterTopicConfigs("a|b", (ConfigChange("retention.ms", "1", "2"),)),
                 CreateAcl(binding)),
        warnings=(Problem("topics.yaml", 3, "topics[orders_v2]", "mixes '.' and '_' <here>",
                          Severity.WARNING),),
        errors=(Problem(None, None, "cluster", "the cluster at <cluster> is *down* [x] & out"),),
        targets=("topic/orders_v2", "acl/User:CN=svc_*,O=<acme>"),
    )


@pytest.mark.parametrize("plan", [awkward_plan(), scenario_plan()], ids=["awkward", "scenario"])
def test_no_text_of_a_plan_is_lost_as_html(plan):
    markdown = render_markdown(plan)
    assert all(OURS.match(fragment) for fragment in raw_html(markdown)), raw_html(markdown)
    seen = rendered_text(markdown)
    for problem in (*plan.errors, *plan.warnings):
        assert problem.render() in seen, problem.render()
    for target in plan.targets:
        assert target in seen
    for action in plan.actions:
        binding = getattr(action, "binding", None)
        name = getattr(action, "topic", None) or (binding.principal if binding else "")
        assert name in seen, name


def test_the_error_bullet_keeps_cluster_in_angle_brackets():
    seen = rendered_text(render_markdown(awkward_plan()))
    assert "<cluster>: cluster: the cluster at <cluster> is *down* [x] & out" in seen


def test_no_text_of_an_environment_diff_is_lost_as_html():
    a = DesiredState("a", topics={"only_a": TopicSpec("only_a", 1, 3)})
    b = DesiredState("b", topics={"only_b": TopicSpec("only_b", 2, 3, {"retention.ms": "1"})})
    markdown = diff_markdown(diff_environments(a, b))
    assert all(OURS.match(fragment) for fragment in raw_html(markdown)), raw_html(markdown)
    seen = rendered_text(markdown)
    assert "only_a" in seen and "only_b" in seen
