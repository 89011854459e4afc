"""kafkaform: Kafka clusters as code."""

__version__ = "0.1.0"
