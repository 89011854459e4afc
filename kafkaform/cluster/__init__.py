"""The `ClusterAdmin` port (`port.py`) and its adapters: Kafka (`kafka.py`,
`kafka_protocol.py`), in memory (`memory.py`), read-only (`readonly.py`); and
the local Tansu broker for demos and tests (`local_tansu.py`)."""
