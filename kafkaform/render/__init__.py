"""Plan renderers: `text` (terminal), `json` (the plan file), `markdown` (PR comments).

`summary` holds what they share: the counts of the summary line and the
grouping of actions by resource.
"""
