"""Query parameters of the Etsy operations the sandbox serves, checked the way the OpenAPI file declares them.

Each operation lists its parameter names with a parser; an unknown name answers 400, because a misspelt
filter (`min_last_modifed`) silently ignored would make a connector re-read the whole shop every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from mktcrm.sandbox.base import ApiError

MIN_TIMESTAMP = 946_684_800  # the spec's minimum for every unix-seconds filter (2000-01-01)
SORT_ORDERS = ("asc", "ascending", "desc", "descending", "up", "down")
INCLUDES = ("Shipping", "Images", "Shop", "User", "Translations", "Inventory", "Videos", "Personalization")
LISTING_STATES = ("active", "inactive", "sold_out", "draft", "expired")

Parser = Callable[[str, list[str]], Any]


def _one(name: str, values: list[str]) -> str:
    if len(values) > 1:
        raise ApiError(400, f"Parameter {name} was given more than once")
    return values[0]


def integer(low: int, high: int | None = None) -> Parser:
    def parse(name: str, values: list[str]) -> int:
        raw = _one(name, values)
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, f"Expected int for {name}, got {raw[:40]!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            raise ApiError(400, f"Invalid value for {name}: must be {bound}")
        return value

    return parse


def boolean(name: str, values: list[str]) -> bool:
    raw = _one(name, values).lower()
    if raw not in ("true", "false", "1", "0"):
        raise ApiError(400, f"Expected bool for {name}")
    return raw in ("true", "1")


def enum(*allowed: str) -> Parser:
    def parse(name: str, values: list[str]) -> str:
        raw = _one(name, values)
        if raw not in allowed:
            raise ApiError(400, f"Invalid value for {name}: expected one of {', '.join(allowed)}")
        return raw

    return parse


def enum_list(*allowed: str) -> Parser:
    """OpenAPI form/explode arrays: `includes=Images&includes=Shop` (a comma list is accepted too)."""

    def parse(name: str, values: list[str]) -> tuple[str, ...]:
        items = tuple(part.strip() for value in values for part in value.split(",") if part.strip())
        bad = [i for i in items if i not in allowed]
        if bad:
            raise ApiError(400, f"Invalid value for {name}: {bad[0][:40]!r}")
        return items

    return parse


LIMIT = integer(1, 100)
OFFSET = integer(0)
TIMESTAMP = integer(MIN_TIMESTAMP)

GET_LISTINGS_BY_SHOP: dict[str, Parser] = {
    "state": enum(*LISTING_STATES),
    "limit": LIMIT,
    "offset": OFFSET,
    "sort_on": enum("created", "price", "updated", "score"),
    "sort_order": enum(*SORT_ORDERS),
    "includes": enum_list(*INCLUDES),
}
GET_SHOP_RECEIPTS: dict[str, Parser] = {
    "min_created": TIMESTAMP,
    "max_created": TIMESTAMP,
    "min_last_modified": TIMESTAMP,
    "max_last_modified": TIMESTAMP,
    "limit": LIMIT,
    "offset": OFFSET,
    "sort_on": enum("created", "updated", "receipt_id"),
    "sort_order": enum(*SORT_ORDERS),
    "was_paid": boolean,
    "was_shipped": boolean,
    "was_delivered": boolean,
    "was_canceled": boolean,
    "legacy": boolean,
}
GET_REVIEWS_BY_SHOP: dict[str, Parser] = {
    "limit": LIMIT,
    "offset": OFFSET,
    "min_created": TIMESTAMP,
    "max_created": TIMESTAMP,
}
NO_PARAMS: dict[str, Parser] = {}


def parse(params: httpx.QueryParams, spec: dict[str, Parser]) -> dict[str, Any]:
    """Parsed values of the parameters present; 400 for unknown names and invalid values."""
    out: dict[str, Any] = {}
    for name in params:
        if name not in spec:
            raise ApiError(400, f"Unknown parameter {name[:40]!r}")
        out[name] = spec[name](name, params.get_list(name))
    return out


def descending(parsed: dict[str, Any]) -> bool:
    """Etsy's sort_order spellings; the spec's default is descending."""
    return parsed.get("sort_order", "desc") in ("desc", "descending", "down")
