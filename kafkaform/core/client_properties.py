"""Which client properties kafkaform takes: an admin client's, not a producer's or a consumer's.

kafkaform only ever connects as an admin client (plus, for the apply lock, a
producer and a consumer of its own, configured by kafkaform). A property
that only producers or only consumers read cannot do anything useful there,
and can break the tool: `linger.ms=900000` made the lock's owner record
impossible to write. So such a property, in `--command-config` or in
`cluster.client`, is an error naming the file and line (docs/security.md),
not something silently dropped that a user believes is in effect.

The names are librdkafka's producer-only (P) and consumer-only (C) properties
in its CONFIGURATION.md (librdkafka 2.x, as confluent-kafka bundles it), and
the Java clients' producer and consumer settings that Kafka's own CLI
properties files carry (ProducerConfig, ConsumerConfig). `retries` and
`request.timeout.ms` are producer properties to librdkafka but admin settings
to Java's AdminClientConfig, so a file written for Kafka's tools keeps them.
"""

from __future__ import annotations

_PRODUCER = frozenset({
    # librdkafka, global (P)
    "transactional.id", "transaction.timeout.ms", "enable.idempotence",
    "enable.gapless.guarantee", "queue.buffering.max.messages", "queue.buffering.max.kbytes",
    "queue.buffering.max.ms", "linger.ms", "message.send.max.retries",
    "queue.buffering.backpressure.threshold", "compression.codec", "compression.type",
    "batch.num.messages", "batch.size", "delivery.report.only.error",
    "sticky.partitioning.linger.ms",
    # librdkafka, topic (P)
    "request.required.acks", "acks", "message.timeout.ms", "delivery.timeout.ms",
    "queuing.strategy", "produce.offset.report", "partitioner", "compression.level",
    # Java producer
    "key.serializer", "value.serializer", "buffer.memory", "max.block.ms", "max.request.size",
    "partitioner.class", "partitioner.ignore.keys", "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms", "transaction.two.phase.commit.enable",
})
_CONSUMER = frozenset({
    # librdkafka, global (C)
    "group.id", "group.instance.id", "partition.assignment.strategy", "session.timeout.ms",
    "heartbeat.interval.ms", "group.protocol.type", "group.protocol", "group.remote.assignor",
    "coordinator.query.interval.ms", "max.poll.interval.ms", "enable.auto.commit",
    "auto.commit.interval.ms", "enable.auto.offset.store", "queued.min.messages",
    "queued.max.messages.kbytes", "fetch.wait.max.ms", "fetch.queue.backoff.ms",
    "fetch.message.max.bytes", "max.partition.fetch.bytes", "fetch.max.bytes", "fetch.min.bytes",
    "fetch.error.backoff.ms", "offset.store.method", "isolation.level", "enable.partition.eof",
    "check.crcs",
    # librdkafka, topic (C)
    "auto.commit.enable", "auto.offset.reset", "offset.store.path",
    "offset.store.sync.interval.ms", "consume.callback.max.messages",
    # Java consumer
    "key.deserializer", "value.deserializer", "max.poll.records", "exclude.internal.topics",
    "fetch.max.wait.ms", "share.acknowledgement.mode",
})


def not_for_admin(key: str) -> str | None:
    """Why an admin client does not take `key` (one phrase), or None when it does."""
    if key in _PRODUCER:
        role = "a producer"
    elif key in _CONSUMER:
        role = "a consumer"
    else:
        return None
    return (f"{role} setting, which an admin client does not take (kafkaform connects as "
            "an admin client only): remove it, or give kafkaform a properties file of its own")
