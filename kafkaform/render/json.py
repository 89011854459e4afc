"""`--format json`: exactly the saved plan file (schemas/plan.schema.json)."""

from __future__ import annotations

from kafkaform.core.actions import Plan
from kafkaform.files.planfile import plan_to_json


def render_json(plan: Plan) -> str:
    return plan_to_json(plan)
