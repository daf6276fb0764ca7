"""Listings and orders as `listings list` and `orders list` print them: the one seam between those commands and SQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm.db import queries
from mktcrm.errors import UsageError
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    import sqlite3


def listings(
    db: sqlite3.Connection, *, accounts: Sequence[str] = (), state: str | None = None, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    return queries.listings(db, queries.Filters(accounts=accounts, status=state, limit=limit))


def orders(
    db: sqlite3.Connection,
    *,
    accounts: Sequence[str] = (),
    status: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Newest first; `status` is mktcrm's normal one (pending, paid, shipped…), whatever each marketplace says."""
    if status is not None:
        from mktcrm.connectors.base import ORDER_STATES  # here: a plain listing loads no plug-in code

        if status.lower() not in ORDER_STATES:
            raise UsageError(f"unknown order status {status!r}", hint=f"use one of: {', '.join(ORDER_STATES)}")
    status = status.lower() if status is not None else None
    f = queries.Filters(accounts=accounts, status=status, since=iso(since) if since else None, limit=limit)
    return queries.orders(db, f)


def unknown_value(db: sqlite3.Connection, table: str, column: str, value: str | None) -> str | None:
    """A warning when no row matched a value nothing in the cache holds (a typo must not look like "none today")."""
    if not value:
        return None
    known = queries.known_values(db, table, column)
    if known and value not in known:
        return f"no {table} have {column} {value!r}; values in the cache: {', '.join(known)}"
    return None
