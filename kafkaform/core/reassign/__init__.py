"""The pure parts of partition reassignment: the official tool's JSON, batches,
throttle rules, `--generate`. Executing them is `kafkaform.run.reassign`."""
