"""The disk: YAML documents with line numbers, schemas, loading and validating
environments, plan files, snapshots, formatting and writing YAML."""
