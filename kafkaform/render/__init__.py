"""Presentation: plans as `text` (terminal), `json` (the plan file) and
`markdown` (PR comments); environment diffs, the health table, the apply
outcome, and progress (rich on a terminal, plain lines in CI). What the plan
renderers share (counts, grouping, replica moves) is `kafkaform.core.summary`.
"""
