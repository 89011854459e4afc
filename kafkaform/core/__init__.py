"""The pure core: desired and observed state in, a typed plan out.

No I/O, no Kafka client, no rich, no typer (import-linter checks it): the
model, the actions and the planner, the checks, policies and Kafka's rules,
units and the config catalog, fingerprints, summaries and wording, placement
and the pure steps of reassignment. See docs/architecture.md.
"""
