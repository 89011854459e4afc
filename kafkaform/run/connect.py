"""Opening a cluster connection for a command: live, or from a snapshot.

A live connection's client properties come from the environment's `cluster`
section, overridden by `--command-config` (a Java .properties file, as
Kafka's own CLI tools take). Those files are written for the Java client, so
the common Java names are translated to librdkafka's; what librdkafka cannot
do (Java keystores), and what an admin client does not take (producer and
consumer settings: `kafkaform.core.client_properties`), is refused with the
file, line and key. The file is read within a size limit and must be UTF-8
`key=value` lines. Property values are never echoed: they may be secrets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.client_properties import not_for_admin
from kafkaform.core.model import DesiredState
from kafkaform.core.quoting import QUOTE_LIMIT, one_line, quoted
from kafkaform.errors import InvalidClientConfig, KafkaformError
from kafkaform.files.bounded import UnreadableText, read_text

# A client properties file holds a few dozen lines; anything near this is not one.
MAX_PROPERTIES_BYTES = 1024 * 1024

# Java client settings with no librdkafka counterpart and no effect on what
# kafkaform does: dropped instead of failing librdkafka's configuration.
_JAVA_ONLY = frozenset(
    {
        "ssl.truststore.type",
        "ssl.keystore.type",
        "ssl.enabled.protocols",
        "ssl.protocol",
        "sasl.login.callback.handler.class",
        "sasl.client.callback.handler.class",
        "default.api.timeout.ms",
    }
)
_JAAS_OPTION = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)')
_JAAS_MODULE = re.compile(r"^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b")


@dataclass(frozen=True)
class Property:
    value: str
    line: int


def parse_properties(text: str, origin: str = "properties") -> dict[str, Property]:
    """A Java .properties file: `key=value`, `key: value` or `key value`, with
    `#`/`!` comments, backslash line continuations and escapes. A line that is
    none of these (a key alone, no key) is an error naming `origin:line`."""
    properties: dict[str, Property] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start = index + 1
        logical = lines[index].lstrip()
        index += 1
        if not logical or logical[0] in "#!":
            continue
        while _continues(logical) and index < len(lines):
            logical = logical[:-1] + lines[index].lstrip()
            index += 1
        key, value, separated = _split_property(logical)
        if not key or not separated:
            raise KafkaformError(
                f"{origin}:{start}: expected key=value, got {quoted(logical)}")
        properties[key] = Property(value, start)
    return properties


def _continues(line: str) -> bool:
    trailing = len(line) - len(line.rstrip("\\"))
    return trailing % 2 == 1


def _split_property(line: str) -> tuple[str, str, bool]:
    """(key, value, whether a separator followed the key)."""
    key_chars: list[str] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line):
            key_chars.append(line[i : i + 2])
            i += 2
            continue
        if char in "=: \t\f":
            break
        key_chars.append(char)
        i += 1
    separated = i < len(line)
    rest = line[i:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return _unescape("".join(key_chars)), _unescape(rest), separated


def _unescape(text: str) -> str:
    simple = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}

    def replace(match: re.Match[str]) -> str:
        escaped = match.group(1)
        if escaped.startswith("u") and len(escaped) == 5:
            return chr(int(escaped[1:], 16))
        return simple.get(escaped, escaped)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", replace, text)


def parse_jaas(jaas: str) -> tuple[str, dict[str, str]]:
    """`org...PlainLoginModule required username="a" password="b";` → (module, options)."""
    module = _JAAS_MODULE.match(jaas)
    if module is None:
        raise ValueError("expected '<LoginModule class> required key=\"value\" ...;'")
    options = {}
    for key, raw in _JAAS_OPTION.findall(jaas[module.end() :]):
        options[key] = _unescape(raw[1:-1]) if raw.startswith('"') else raw
    return module.group(1), options


def translate_client_properties(
    properties: dict[str, Property], origin: str
) -> dict[str, str]:
    """Java client properties → librdkafka's. Errors name `origin:line: key`."""
    client: dict[str, str] = {}
    for key, prop in properties.items():
        where = f"{origin}:{prop.line}: {one_line(key, QUOTE_LIMIT)}"
        if key in _JAVA_ONLY:
            continue
        refused = not_for_admin(key)
        if refused:
            raise KafkaformError(f"{where}: {refused}")
        if key == "sasl.jaas.config":
            client.update(_from_jaas(prop.value, where))
        elif key == "ssl.truststore.location":
            if _type(properties, "ssl.truststore.type") != "PEM":
                raise KafkaformError(
                    f"{where}: Java truststores (JKS, PKCS12) are not supported by librdkafka: "
                    "export the CA certificate as PEM and set ssl.ca.location instead"
                )
            client["ssl.ca.location"] = prop.value
        elif key == "ssl.keystore.location":
            if _type(properties, "ssl.keystore.type") != "PEM":
                raise KafkaformError(
                    f"{where}: Java keystores (JKS, PKCS12) are not supported by librdkafka: "
                    "use a PEM keystore (ssl.keystore.type=PEM) or give ssl.certificate.location "
                    "and ssl.key.location"
                )
            # A PEM keystore holds the private key and the certificate chain in
            # one file; OpenSSL picks each out of it by its PEM block type.
            client["ssl.certificate.location"] = prop.value
            client["ssl.key.location"] = prop.value
        elif key in ("ssl.truststore.password", "ssl.keystore.password"):
            continue  # only meaningful with the stores refused or translated above
        elif key == "ssl.endpoint.identification.algorithm" and not prop.value:
            client[key] = "none"  # Java's empty value disables hostname verification
        else:
            client[key] = prop.value
    return client


def _type(properties: dict[str, Property], key: str) -> str:
    prop = properties.get(key)
    return prop.value.upper() if prop else "JKS"


def _from_jaas(jaas: str, where: str) -> dict[str, str]:
    try:
        module, options = parse_jaas(jaas)
    except ValueError as error:
        raise KafkaformError(f"{where}: {error}") from None
    module_name = module.rsplit(".", 1)[-1]
    if module_name in ("PlainLoginModule", "ScramLoginModule"):
        missing = {"username", "password"} - options.keys()
        if missing:
            raise KafkaformError(f"{where}: {module_name} needs {' and '.join(sorted(missing))}")
        return {"sasl.username": options["username"], "sasl.password": options["password"]}
    if module_name == "OAuthBearerLoginModule":
        mapped = {
            "clientId": "sasl.oauthbearer.client.id",
            "clientSecret": "sasl.oauthbearer.client.secret",
            "scope": "sasl.oauthbearer.scope",
        }
        client = {mapped[k]: v for k, v in options.items() if k in mapped}
        if "sasl.oauthbearer.client.id" in client:
            client["sasl.oauthbearer.method"] = "oidc"
        return client
    if module_name == "Krb5LoginModule":
        mapped = {"principal": "sasl.kerberos.principal", "keyTab": "sasl.kerberos.keytab"}
        return {mapped[k]: v for k, v in options.items() if k in mapped}
    raise KafkaformError(f"{where}: unsupported login module {module_name}")


def read_command_config(path: Path) -> dict[str, str]:
    """librdkafka client settings from a `--command-config` properties file."""
    return translate_client_properties(read_properties(path), str(path))


def read_properties(path: Path) -> dict[str, Property]:
    """A properties file (at most `MAX_PROPERTIES_BYTES`, UTF-8), each key with its line."""
    try:
        text = read_text(path, MAX_PROPERTIES_BYTES)
    except UnreadableText as error:
        raise KafkaformError(f"{path}:{error.line}: {error}") from None
    return parse_properties(text, str(path))


def _where_set(error: InvalidClientConfig, command_config: Path | None,
               from_file: dict[str, Property], desired: DesiredState | None) -> str:
    """The client's refusal, at the line (or the section) that set the property.

    librdkafka shortens a long name in its message, and a C string ends at a
    NUL: the name it gives may be the start of the one written."""
    reason = one_line(error.reason, 2 * QUOTE_LIMIT)
    named = [key for key in from_file if error.key and key.startswith(error.key)]
    if named:
        key = error.key if error.key in from_file else named[0]
        return f"{command_config}:{from_file[key].line}: {one_line(key, QUOTE_LIMIT)}: {reason}"
    if desired is not None and error.key in desired.cluster.client:
        return f"environment {desired.environment}: cluster.client.{error.key}: {reason}"
    return f"invalid client configuration: {reason}"


def open_admin(
    desired: DesiredState | None,
    *,
    bootstrap: str | None,
    command_config: Path | None,
    snapshot: Path | None,
    read_only: bool,
) -> ClusterAdmin:
    """The admin a command works through: a snapshot, or the live cluster.

    `bootstrap` and `command_config` override the environment's `cluster`
    section; `read_only` wraps the admin so any write raises.
    """
    admin: ClusterAdmin
    if snapshot is not None:
        from kafkaform.files.snapshot import load_snapshot

        admin = load_snapshot(snapshot)
    else:
        from kafkaform.cluster.kafka import KafkaClusterAdmin

        connection = desired.cluster if desired is not None else None
        overridden = bootstrap is not None or command_config is not None
        if connection is not None and connection.missing_variables and not overridden:
            names = ", ".join(f"${{{name}}}" for name in connection.missing_variables)
            raise KafkaformError(
                f"environment {desired.environment}: cannot connect: {names} not set "
                "(set them, or pass --bootstrap-server / --command-config)"
            )
        servers = bootstrap or (connection.bootstrap if connection else None)
        if not servers:
            where = f"environment {desired.environment}: " if desired is not None else ""
            raise KafkaformError(
                f"{where}no bootstrap servers: set cluster.bootstrap in the environment file "
                "or pass --bootstrap-server host:port"
            )
        client = dict(connection.client) if connection else {}
        from_file: dict[str, Property] = {}
        if command_config is not None:
            from_file = read_properties(command_config)
            client.update(translate_client_properties(from_file, str(command_config)))
        timeout = connection.timeout_seconds if connection else 30.0
        try:
            admin = KafkaClusterAdmin(servers, client, timeout)
        except InvalidClientConfig as error:
            raise KafkaformError(_where_set(error, command_config, from_file, desired)) from None
    if read_only:
        from kafkaform.cluster.readonly import ReadOnlyAdmin

        admin = ReadOnlyAdmin(admin)
    return admin
