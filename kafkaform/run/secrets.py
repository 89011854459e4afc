"""Reading the passwords SCRAM users are set with: only here, only when apply sets them.

The files name a password (`${VAR}`, `passwordFile`); its value is read at
the last moment, kept in memory for the one request that needs it, and never
printed: messages name the reference, never what it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kafkaform.core.model import SecretRef
from kafkaform.errors import KafkaformError


def read_password(reference: SecretRef, environ: Mapping[str, str]) -> str:
    """The password behind `reference`: an environment variable's value, or a
    file's content without the line breaks that end it."""
    if reference.variable is not None:
        value = environ.get(reference.variable)
        if not value:
            raise KafkaformError(f"{reference.describe()} is not set or empty")
        return value
    path = Path(reference.path or reference.file or "")
    try:
        value = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise KafkaformError(f"cannot read the password file {path}: {reason}") from None
    if not value:
        raise KafkaformError(f"the password file {path} is empty")
    return value
