"""How a message shows what a user wrote: cut short, on one line.

Files, environment variables, properties and plan files are user input, and
any of it can be huge or hold line breaks (`${VAR}` set to a certificate, a
50 MB value, a key with a newline). A problem is always exactly one line, so
CI logs and `grep` keep one problem per line, and no message echoes more than
about `QUOTE_LIMIT` characters of any one thing a user wrote.
"""

from __future__ import annotations

QUOTE_LIMIT = 200
# The longest a whole message line may be (a path, several quotes, the text).
LINE_LIMIT = 2000

# Line breaks and other control characters as a Python literal writes them,
# so nothing splits a line or reaches a terminal unseen.
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TRANSLATION = {
    code: _ESCAPES.get(chr(code), f"\\x{code:02x}")
    for code in (*range(0x20), 0x7F, 0x85)
} | {0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str, limit: int = LINE_LIMIT) -> str:
    """`text` with line breaks and control characters escaped, cut to `limit`."""
    shown = text[:limit].translate(_TRANSLATION)
    if len(text) <= limit:
        return shown
    return f"{shown}… ({len(text) - limit:,} more characters)"


def quoted(value: object) -> str:
    """A user's string as a Python literal (`'orders\\nx'`), cut to `QUOTE_LIMIT`."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= QUOTE_LIMIT:
        return repr(text)
    return f"{text[:QUOTE_LIMIT]!r}… ({len(text) - QUOTE_LIMIT:,} more characters)"
