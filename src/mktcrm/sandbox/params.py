"""Query-parameter parsing every sandbox shares: strict like a real server, 400 naming the parameter.

Unknown parameter names are rejected too, because a misspelt filter silently ignored would make a
connector sync everything.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from .base import ApiError


def check_names(params: httpx.QueryParams, allowed: frozenset[str]) -> None:
    """Reject parameters the operation does not define: a misspelt filter would silently return everything."""
    for name in params:
        if name not in allowed:
            raise ApiError(400, f"Unknown parameter '{name[:40]}'")


def int_param(params: httpx.QueryParams, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}': expected an integer") from None
    if value < 0:
        raise ApiError(400, f"Invalid value for parameter '{name}': must be >= 0")
    return value


def bool_param(params: httpx.QueryParams, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise ApiError(400, f"Invalid value for parameter '{name}': expected true or false")
    return raw.lower() == "true"


def csv_param(params: httpx.QueryParams, name: str) -> tuple[str, ...] | None:
    """Comma list; repeated parameters (form explode) are accepted too."""
    values = params.get_list(name)
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def datetime_param(params: httpx.QueryParams, name: str) -> float | None:
    """ISO-8601 date-time with ``Z`` or an offset; a naive value is taken as UTC."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        stamp = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"Invalid value for parameter '{name}': expected an ISO-8601 date-time") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()
