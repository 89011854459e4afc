"""The imperative shell: the session the commands share, connecting, observing,
applying (the executor), the apply lock, reassignment execution, and how a
process waits. Talks to a cluster only through `kafkaform.cluster.port`."""
