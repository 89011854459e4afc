"""Human config values <-> Kafka's config strings.

Kafka takes every config as a string: durations in milliseconds, sizes in
bytes, booleans as "true"/"false", lists comma-separated. Files may use human
forms instead; this module turns them into exactly the string Kafka reports,
so the planner compares like with like, and back (exactly, never rounding)
for `kafkaform import`.

Units:
- durations: `ms`, `s`, `m` (minutes), `h`, `d`, `w`; decimals allowed when the
  result is a whole number of milliseconds (`1.5h`).
- sizes: `B`; SI `kB`/`KB`, `MB`, `GB`, `TB` are powers of 1000; IEC `KiB`,
  `MiB`, `GiB`, `TiB` are powers of 1024. `512MB` is 512000000 bytes,
  `512MiB` is 536870912.
- a bare number is taken as Kafka's own unit (ms or bytes); `-1` (and `-2`
  where Kafka allows it) keeps its special meaning.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from fractions import Fraction

from kafkaform.core.kafka_configs import BROKER_CONFIGS, TOPIC_CONFIGS, ConfigDef

DURATION_UNITS_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}
SIZE_UNITS_BYTES = {
    "B": 1,
    "kB": 1000,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "TB": 1000**4,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
    "TiB": 1024**4,
}
INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1
_LIMITS = {"int": (-(2**31), INT_MAX), "long": (-(2**63), LONG_MAX)}
_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")

# Largest first: humanize picks the largest unit that divides exactly. Weeks
# are accepted on input but days read better for retention (14d, 30d, 365d).
_HUMAN_DURATIONS = ("d", "h", "m", "s")
_HUMAN_SIZES = ("TiB", "GiB", "MiB", "KiB", "TB", "GB", "MB", "kB")


def config_def(name: str) -> ConfigDef | None:
    """The catalog entry for a topic or broker config name."""
    return TOPIC_CONFIGS.get(name) or BROKER_CONFIGS.get(name)


def _quantity(raw: object, units: dict[str, int], kind: str) -> int:
    if isinstance(raw, bool):
        raise ValueError(f"expected a {kind}, got {str(raw).lower()}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise ValueError(f"expected a whole number of {kind}, got {raw}")
    match = _QUANTITY.match(str(raw))
    if not match:
        raise ValueError(f"expected a {kind} such as {_examples(units)}, got {raw!r}")
    number, unit = match.groups()
    if unit and unit not in units:
        raise ValueError(f"unknown {kind} unit {unit!r} (use one of {', '.join(units)})")
    scaled = Fraction(number) * units.get(unit, 1)
    if scaled.denominator != 1:
        raise ValueError(f"{raw!r} is not a whole number of {_base_unit(units)}")
    return int(scaled)


def _base_unit(units: dict[str, int]) -> str:
    return "milliseconds" if "ms" in units else "bytes"


def _examples(units: dict[str, int]) -> str:
    return "7d, 12h, 500ms" if "ms" in units else "1GiB, 512MB"


def parse_duration_ms(raw: object) -> int:
    """`7d` -> 604800000; a bare number is milliseconds."""
    return _quantity(raw, DURATION_UNITS_MS, "duration")


def parse_size_bytes(raw: object) -> int:
    """`1GiB` -> 1073741824, `512MB` -> 512000000; a bare number is bytes."""
    return _quantity(raw, SIZE_UNITS_BYTES, "size")


def _check_range(config: ConfigDef, value: int | float) -> None:
    low, high = _LIMITS.get(config.type, (None, None))
    if config.minimum is not None:
        low = config.minimum
    if config.maximum is not None:
        high = config.maximum
    if config.name.endswith("gzip.level") and value == -1:
        return
    if low is not None and value < low:
        raise ValueError(f"{_show(value)} is below the minimum {_show(low)}")
    if high is not None and value > high:
        raise ValueError(f"{_show(value)} is above the maximum {_show(high)}")


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _normalize_integer(config: ConfigDef, raw: object) -> str:
    if config.unit == "ms":
        value = parse_duration_ms(raw)
    elif config.unit == "bytes":
        value = parse_size_bytes(raw)
    else:
        if isinstance(raw, bool) or not re.fullmatch(r"-?\d+", str(raw).strip()):
            raise ValueError(f"expected an integer, got {raw!r}")
        value = int(str(raw).strip())
    _check_range(config, value)
    return str(value)


def _normalize_double(config: ConfigDef, raw: object) -> str:
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {str(raw).lower()}")
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {raw!r}")
    _check_range(config, value)
    return repr(value)


def _normalize_boolean(raw: object) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    text = str(raw).strip().lower()
    if text in ("true", "false"):
        return text
    raise ValueError(f"expected true or false, got {raw!r}")


def _list_items(raw: object) -> list[str]:
    if isinstance(raw, (list, tuple)):
        return [str(item).strip() for item in raw]
    text = str(raw).strip()
    return [item.strip() for item in text.split(",")] if text else []


def _check_valid(config: ConfigDef, items: Iterable[str]) -> None:
    if config.valid_values is None:
        return
    for item in items:
        if item not in config.valid_values:
            raise ValueError(
                f"{item!r} is not one of {', '.join(config.valid_values)}"
            )


def _generic(raw: object) -> str:
    """Unknown config names: Kafka's string forms without type checks."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (list, tuple)):
        return ",".join(str(item) for item in raw)
    return str(raw)


def normalize_config_value(name: str, raw: object) -> str:
    """The string Kafka stores and reports for `raw` as the value of `name`.

    Raises ValueError with a one-line reason when the value is not valid for
    the config (wrong type, unknown unit, out of range, not an allowed value).
    Unknown config names get Kafka's generic string forms (the validator reports
    the unknown name separately).
    """
    if type(raw) in _SCALARS:
        return _normalize_scalar(name, raw)
    return _normalize(name, raw)


# Scalars are hashable, so their results can be remembered: 10,000 topics
# inheriting `retention.ms: 7d` from defaults.topic normalise it once, not
# 10,000 times. `typed=True` keeps True, 1 and 1.0 apart (equal as dict keys,
# yet "true", "1" and "1.0" here). Invalid values raise, and are not cached.
_SCALARS = (str, int, float, bool)


@functools.lru_cache(maxsize=4096, typed=True)
def _normalize_scalar(name: str, raw: str | int | float | bool) -> str:
    return _normalize(name, raw)


def _normalize(name: str, raw: object) -> str:
    if raw is None:
        raise ValueError("a value is required")
    config = config_def(name)
    if config is None:
        return _generic(raw)
    if isinstance(raw, dict):
        raise ValueError("expected a single value, got a mapping")
    if config.type in ("int", "long"):
        return _normalize_integer(config, raw)
    if config.type == "double":
        return _normalize_double(config, raw)
    if config.type == "boolean":
        return _normalize_boolean(raw)
    if config.type == "list":
        items = _list_items(raw)
        _check_valid(config, items)
        if len(set(items)) != len(items):
            raise ValueError(f"duplicate entries in {','.join(items)!r}")
        return ",".join(items)
    if isinstance(raw, (list, tuple)):
        raise ValueError("expected a single value, got a list")
    text = _generic(raw)
    _check_valid(config, [text])
    return text


def humanize_duration_ms(value: int) -> int | str:
    """604800000 -> "7d"; values with no exact larger unit stay integers."""
    if value <= 0:
        return value
    for unit in _HUMAN_DURATIONS:
        size = DURATION_UNITS_MS[unit]
        if value % size == 0 and value < LONG_MAX:
            return f"{value // size}{unit}"
    return value


def humanize_size_bytes(value: int) -> int | str:
    """1073741824 -> "1GiB", 512000000 -> "512MB"; others stay integers.

    Of the units that divide exactly, the one giving the smallest number wins
    (IEC on a tie), so 512000000 is 512MB rather than 500000KiB.
    """
    if value <= 0 or value >= LONG_MAX:
        return value
    exact = [(value // SIZE_UNITS_BYTES[unit], index, unit)
             for index, unit in enumerate(_HUMAN_SIZES) if value % SIZE_UNITS_BYTES[unit] == 0]
    if not exact:
        return value
    number, _, unit = min(exact)
    return f"{number}{unit}"


def humanize_config_value(name: str, value: str) -> object:
    """The most readable YAML value that normalises back to exactly `value`."""
    config = config_def(name)
    if config is None:
        return value
    try:
        if config.type in ("int", "long"):
            number = int(value)
            if config.unit == "ms":
                return humanize_duration_ms(number)
            if config.unit == "bytes":
                return humanize_size_bytes(number)
            return number
        if config.type == "double":
            return float(value)
    except ValueError:
        return value
    if config.type == "boolean" and value in ("true", "false"):
        return value == "true"
    if config.type == "list" and config.valid_values is not None and "," in value:
        return value.split(",")
    return value
