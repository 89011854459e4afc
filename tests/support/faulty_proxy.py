"""A TCP proxy that injects faults between kafkaform and a Kafka-protocol broker.

    proxy = FaultyProxy(lambda: ("127.0.0.1", 9092)).start()  # on 127.0.0.1:<proxy.port>
    proxy.lose_reply(CREATE_TOPICS)       # the next CreateTopics reaches the broker,
                                          # its answer never reaches the client
    proxy.heal()

Kafka clients learn broker addresses from Metadata, so a broker behind the
proxy must advertise the proxy's address (`LocalBroker(advertised=...)`,
`LocalKafka(advertised=...)`), or every connection after the first bypasses it.
The broker's own address is asked for at each new connection, so the proxy
can start (and be advertised) before the broker has a port.

It reads the client's side as Kafka request frames (a 4-byte size, then
api_key, api_version, correlation id), so a fault can wait for one kind of
request. The faults:
- `delay(s)`: every chunk, both ways, waits `s` seconds first;
- `drop_after(n)`: once `n` more bytes went to the broker, every connection is
  cut at its next request (`sent` counts the bytes, to aim the cut);
- `blackhole()`: new connections are accepted and never answered, nothing is
  forwarded (existing ones go on);
- `cut_mid_request(api)`: the next request of that kind is forwarded half, then
  the connection is cut: the broker never sees it whole;
- `lose_reply(api)`: the next request of that kind is forwarded whole, its
  answer is swallowed and the connection cut: the broker did it, the client
  never hears;
- `stall_reply(api)`: as `lose_reply`, but the connection stays open and
  silent: the client waits until its own timeout.
Each `cut_*`/`*_reply` fault fires once, on the first request of its kind
whose bytes hold `containing` (a topic name: the apply lock is a CreateTopics
too); `heal()` clears everything.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

PRODUCE, FETCH, LIST_OFFSETS, METADATA = 0, 1, 2, 3
CREATE_TOPICS, DELETE_TOPICS = 19, 20
CREATE_ACLS, DELETE_ACLS = 30, 31
DESCRIBE_CONFIGS, CREATE_PARTITIONS, INCREMENTAL_ALTER_CONFIGS = 32, 37, 44


@dataclass
class _Fault:
    kind: str  # "cut_mid_request" | "lose_reply" | "stall_reply"
    api_key: int | None
    containing: bytes  # only a request whose bytes contain this (a topic name, say)


@dataclass
class _Connection:
    client: socket.socket
    broker: socket.socket | None
    # correlation id of the request whose answer is to be swallowed, and what then
    swallow: dict[int, str] = field(default_factory=dict)
    silent: bool = False  # stall: nothing more reaches the client
    closed: bool = False


class FaultyProxy:
    def __init__(self, upstream: Callable[[], tuple[str, int]]) -> None:
        self.upstream = upstream
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._connections: list[_Connection] = []
        self._running = False
        self._delay = 0.0
        self._drop_after: int | None = None
        self._blackhole = False
        self._faults: list[_Fault] = []
        # What happened, for assertions: (api_key, what) per fault that fired.
        self.fired: list[tuple[int | None, str]] = []
        self.requests: list[int] = []  # api keys of the requests forwarded whole
        self.sent = 0  # bytes forwarded to the broker, all connections

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    # --- faults -------------------------------------------------------------
    def delay(self, seconds: float) -> None:
        self._delay = seconds

    def drop_after(self, n_bytes: int) -> None:
        with self._lock:
            self._drop_after = n_bytes

    def blackhole(self) -> None:
        self._blackhole = True

    def cut_mid_request(self, api_key: int | None = None, containing: bytes = b"") -> None:
        self._add(_Fault("cut_mid_request", api_key, containing))

    def lose_reply(self, api_key: int | None = None, containing: bytes = b"") -> None:
        self._add(_Fault("lose_reply", api_key, containing))

    def stall_reply(self, api_key: int | None = None, containing: bytes = b"") -> None:
        self._add(_Fault("stall_reply", api_key, containing))

    def cut_all(self) -> None:
        """Close every open connection now."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            self._close(connection)

    def heal(self) -> None:
        with self._lock:
            self._delay, self._drop_after, self._blackhole = 0.0, None, False
            self._faults.clear()
            stalled = [c for c in self._connections if c.silent]
        for connection in stalled:  # a stalled connection never recovers: let the client redo
            self._close(connection)

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take(self, api_key: int, frame: bytes) -> _Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.api_key in (None, api_key) and fault.containing in frame:
                    return self._faults.pop(index)
        return None

    # --- running ------------------------------------------------------------
    def start(self) -> FaultyProxy:
        self._running = True
        threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True).start()
        return self

    def stop(self) -> None:
        self._running = False
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut_all()

    def __enter__(self) -> FaultyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while self._running:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._blackhole:
                connection = _Connection(client, None, silent=True)
                with self._lock:
                    self._connections.append(connection)
                continue  # accepted, never answered
            try:
                broker = socket.create_connection(self.upstream(), timeout=5)
            except OSError:
                client.close()
                continue
            broker.settimeout(None)
            connection = _Connection(client, broker)
            with self._lock:
                self._connections.append(connection)
            threading.Thread(target=self._to_broker, args=(connection,), daemon=True).start()
            threading.Thread(target=self._to_client, args=(connection,), daemon=True).start()

    def _close(self, connection: _Connection) -> None:
        connection.closed = True
        for sock in (connection.client, connection.broker):
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        with self._lock:
            if connection in self._connections:
                self._connections.remove(connection)

    def _wait(self) -> None:
        if self._delay:
            time.sleep(self._delay)

    def _count(self, sent: int) -> bool:
        """Count bytes towards `drop_after`; True when the connection must go."""
        with self._lock:
            if self._drop_after is None:
                return False
            self._drop_after -= sent
            return self._drop_after <= 0

    @staticmethod
    def _frames(connection: _Connection, source: socket.socket) -> Iterator[bytes]:
        """Whole Kafka frames (a 4-byte size, then that many bytes) from `source`,
        until it or the connection closes."""
        buffer = b""
        while not connection.closed:
            ready, _, _ = select.select([source], [], [], 0.2)
            if not ready:
                continue
            chunk = source.recv(65536)
            if not chunk:
                return
            buffer += chunk
            while len(buffer) >= 4 and len(buffer) >= 4 + struct.unpack(">i", buffer[:4])[0]:
                size = 4 + struct.unpack(">i", buffer[:4])[0]
                frame, buffer = buffer[:size], buffer[size:]
                yield frame

    def _to_broker(self, connection: _Connection) -> None:
        """Client → broker, frame by frame, so faults can wait for a kind of request."""
        try:
            for frame in self._frames(connection, connection.client):
                if not self._forward_request(connection, frame):
                    return
        except OSError:
            pass
        self._close(connection)

    def _forward_request(self, connection: _Connection, frame: bytes) -> bool:
        """Send one request on, or fire a fault on it; False once the connection is gone."""
        api_key, _, correlation = struct.unpack(">hhi", frame[4:12])
        fault = self._take(api_key, frame)
        self._wait()
        assert connection.broker is not None
        if fault is not None and fault.kind == "cut_mid_request":
            connection.broker.sendall(frame[: len(frame) // 2])
            self.fired.append((api_key, fault.kind))
            time.sleep(0.2)  # the half arrives before the cut
            self._close(connection)
            return False
        if fault is not None:
            connection.swallow[correlation] = fault.kind
            self.fired.append((api_key, fault.kind))
        connection.broker.sendall(frame)
        self.requests.append(api_key)
        self.sent += len(frame)
        if self._count(len(frame)):
            self._close(connection)
            return False
        return True

    def _to_client(self, connection: _Connection) -> None:
        """Broker → client, frame by frame: a swallowed answer never arrives."""
        assert connection.broker is not None
        try:
            for frame in self._frames(connection, connection.broker):
                fault = connection.swallow.pop(struct.unpack(">i", frame[4:8])[0], None)
                if fault == "lose_reply":
                    self._close(connection)
                    return
                if fault == "stall_reply":
                    connection.silent = True
                if connection.silent:
                    continue
                self._wait()
                connection.client.sendall(frame)
        except OSError:
            pass
        if not connection.silent:
            self._close(connection)
