"""What deciding a review request needs, in one read: recent orders with their disputes, feedback and request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktcrm.db import placeholders

if TYPE_CHECKING:
    import sqlite3


def recent_orders(db: sqlite3.Connection, accounts: list[str], since: str) -> list[dict[str, Any]]:
    """Orders of `accounts` created since `since`, oldest first, each with:

    `returned`/`disputed` (a return, or any other dispute, on the order), `feedback_rating` (the lowest
    rating the buyer left on it), and the order's review-request row (`request_state`, `request_at`,
    `request_error`, `request_id`; None when never asked).
    """
    if not accounts:
        return []
    sql = (
        "SELECT o.account, o.id, o.marketplace, o.status, o.created_at, o.raw,"
        " EXISTS (SELECT 1 FROM disputes d WHERE d.account = o.account AND d.order_id = o.id"
        "  AND d.kind = 'return') AS returned,"
        " EXISTS (SELECT 1 FROM disputes d WHERE d.account = o.account AND d.order_id = o.id"
        "  AND d.kind <> 'return') AS disputed,"
        " (SELECT min(r.rating) FROM reviews r WHERE r.account = o.account AND r.order_id = o.id) AS feedback_rating,"
        " s.state AS request_state, coalesce(s.sent_at, s.updated_at) AS request_at, s.error AS request_error,"
        " s.id AS request_id"
        " FROM orders o LEFT JOIN solicitations s ON s.account = o.account AND s.order_id = o.id"
        f" WHERE o.account IN ({placeholders(accounts)}) AND o.created_at >= ?"
        " ORDER BY o.created_at, o.id"
    )
    return [dict(r) for r in db.execute(sql, [*accounts, since])]
