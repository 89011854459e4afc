"""A scripted Kafka-protocol server on loopback, for adapter tests without a broker.

It speaks the real wire protocol (kafka-python's copies of Apache Kafka's
message schemas encode and decode every version), so librdkafka and
kafka-python talk to it exactly as to a broker. Each test scripts the
replies it needs; every decoded request is recorded, so a test can assert
what the adapter really put on the wire (e.g. the -1 partition count that
goes with an explicit replica assignment).

Replies are built from plain dicts and lists: `reply("CreateTopics",
lambda request: {"topics": [{"name": ..., "error_code": 0}]})`. An API with
no scripted reply is not advertised in ApiVersions.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import kafka.protocol.admin  # noqa: F401  (registers the admin messages)
import kafka.protocol.metadata  # noqa: F401
from kafka.protocol.api_message import ApiMessage
from kafka.protocol.data_container import DataContainer


def _message_classes() -> Iterator[type[ApiMessage]]:
    pending = list(ApiMessage.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "_class_version", None) is None:
            yield cls


_REQUESTS = {c.API_KEY: c for c in _message_classes() if c.is_request()}
_RESPONSES = {c.API_KEY: c for c in _message_classes() if not c.is_request()}
_BY_NAME = {c.name.removesuffix("Request"): c for c in _REQUESTS.values()}

Reply = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Received:
    api: str
    version: int
    request: Any  # the decoded kafka-python request message


def _build(container: type[DataContainer], values: dict[str, Any]) -> DataContainer:
    """A message (or nested struct) from a dict, nested dicts becoming structs."""
    fields = container.fields
    built: dict[str, Any] = {}
    for name, value in values.items():
        field = fields[name]
        if field.is_struct_array():
            built[name] = [_build(field.data_class, v) for v in value]
        elif field.is_struct():
            built[name] = _build(field.data_class, value)
        else:
            built[name] = value
    return container(**built)


class FakeKafka:
    """One fake broker (node 1 at the listening port) answering scripted replies."""

    def __init__(self, cluster_id: str = "fake-cluster", node_id: int = 1) -> None:
        self.cluster_id = cluster_id
        self.node_id = node_id
        self.received: list[Received] = []
        self._replies: dict[str, Reply] = {
            "Metadata": self._metadata,
            "DescribeCluster": self._describe_cluster,
        }
        self.topics: dict[str, list[list[int]]] = {}
        # API keys advertised beyond the scripted ones, e.g. keys newer than
        # the clients (Kafka 4.4 advertises 93 and up).
        self.extra_api_keys: set[int] = set()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def reply(self, api: str, make: Reply) -> None:
        """Answer requests of `api` (e.g. "CreateTopics") with `make(request)`."""
        self._replies[api] = make

    def requests(self, api: str) -> list[Any]:
        return [r.request for r in self.received if r.api == api]

    def close(self) -> None:
        self._closed = True
        self._server.close()

    def __enter__(self) -> FakeKafka:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- built-in replies -------------------------------------------------
    def _broker(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "host": "127.0.0.1", "port": self.port, "rack": None}

    def _metadata(self, request: Any) -> dict[str, Any]:
        wanted = None if request.topics is None else {t.name for t in request.topics}
        return {
            "brokers": [self._broker()],
            "cluster_id": self.cluster_id,
            "controller_id": self.node_id,
            "topics": [
                {"error_code": 0, "name": name, "is_internal": False, "partitions": [
                    {"error_code": 0, "partition_index": i, "leader_id": replicas[0],
                     "replica_nodes": replicas, "isr_nodes": replicas, "offline_replicas": []}
                    for i, replicas in enumerate(assignment)
                ]}
                for name, assignment in self.topics.items()
                if wanted is None or name in wanted
            ],
        }

    def _describe_cluster(self, _request: Any) -> dict[str, Any]:
        broker = self._broker()
        return {
            "error_code": 0, "cluster_id": self.cluster_id, "controller_id": self.node_id,
            "brokers": [{"broker_id": broker["node_id"], "host": broker["host"],
                         "port": broker["port"], "rack": None}],
        }

    def _api_versions(self) -> dict[str, Any]:
        keys = [_BY_NAME[name].API_KEY for name in self._replies] + [18]
        return {
            "error_code": 0,
            "api_keys": [
                {"api_key": key, "min_version": 0, "max_version": _REQUESTS[key].max_version}
                for key in sorted(set(keys))
            ] + [{"api_key": key, "min_version": 0, "max_version": 0}
                 for key in sorted(self.extra_api_keys)],
        }

    # --- the wire ---------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            while True:
                size = _read(connection, 4)
                if size is None:
                    return
                payload = _read(connection, struct.unpack(">i", size)[0])
                if payload is None:
                    return
                connection.sendall(self._answer(payload))

    def _answer(self, payload: bytes) -> bytes:
        api_key, version = struct.unpack(">hh", payload[:4])
        request_class = _REQUESTS[api_key]
        api = request_class.name.removesuffix("Request")
        response_class = _RESPONSES[api_key]
        if api == "ApiVersions" and version > request_class.max_version:
            version = 0  # Kafka answers an unknown ApiVersions version in v0
            values = {"error_code": 35, **self._api_versions()}
            values["error_code"] = 35
        else:
            request = request_class.decode(payload, version=version, header=True)
            self.received.append(Received(api, version, request))
            values = self._api_versions() if api == "ApiVersions" else self._replies[api](request)
        correlation_id = struct.unpack(">i", payload[4:8])[0]
        response = _build(response_class, values)
        response.API_VERSION = version
        response.with_header(correlation_id=correlation_id)
        return response.encode(header=True, framed=True)


def _read(connection: socket.socket, count: int) -> bytes | None:
    data = b""
    while len(data) < count:
        try:
            chunk = connection.recv(count - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data
