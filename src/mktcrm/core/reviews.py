"""Reviews as `reviews list|show` and the demo print them: the one seam between those commands and SQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm.db import queries
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    import sqlite3


def listing(
    db: sqlite3.Connection,
    *,
    accounts: Sequence[str] = (),
    since: datetime | None = None,
    ratings: tuple[int | None, int | None] = (None, None),
    unanswered: bool = False,
    sku: str | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Newest first; `ratings` is an inclusive (low, high), either end open; `sku`: reviews of that product."""
    f = queries.Filters(
        accounts=accounts,
        since=iso(since) if since else None,
        limit=limit,
        rating_min=ratings[0],
        rating_max=ratings[1],
        unanswered=unanswered,
        sku=sku,
    )
    return queries.reviews(db, f)
