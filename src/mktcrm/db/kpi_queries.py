"""The SQL behind `mktcrm kpi`: one account, one period [start, end), raw counts and sums only.

`core.kpis` turns these inputs into figures (rates, medians, money); nothing here rounds or divides, so
the definitions live in one place. Every query is bounded by `(account, created_at)`-style indexes
(migrations m003, m007), so its cost follows the rows of the period, not the size of the cache; the
buyer figures read each period buyer's history through `orders_account_buyer_kpi`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktcrm.db.disputes import RESOLVED_SQL, STATUS_SQL
from mktcrm.timeutil import parse_time

if TYPE_CHECKING:
    import sqlite3

# Orders that never became a sale, and those whose money went back: out of revenue (and said so).
NOT_SOLD = ("canceled", "cancelled", "refused")
REFUNDED = ("refunded", "fully refunded", "fully_refunded")
# Buyer messages and threads: tickets, not disputes (a "where is my order?" is not an incident).
TICKET_KINDS = ("inquiry",)

_ST = "lower(coalesce(status, ''))"
_SOLD = f"{_ST} NOT IN ({', '.join(repr(s) for s in NOT_SOLD)})"
_PAID = f"{_SOLD} AND {_ST} NOT IN ({', '.join(repr(s) for s in REFUNDED)})"
_TICKET = f"kind IN ({', '.join(repr(k) for k in TICKET_KINDS)})"
_REPLY_AT = (
    "coalesce(replied_at, (SELECT r.sent_at FROM replies r WHERE r.account = reviews.account"
    " AND r.review_id = reviews.id AND r.state IN ('sent', 'manual_done')))"
)


def period_inputs(db: sqlite3.Connection, account: str, start: str, end: str, prev_start: str) -> dict[str, Any]:
    """Counts, sums and duration lists of one account over [start, end); `prev_start` opens the period before."""
    s: dict[str, Any] = {"by_currency": {}}
    for cur, placed, sold, revenue, not_sold, refunded in db.execute(
        f"SELECT currency, count(*), sum({_SOLD}), sum(CASE WHEN {_PAID} THEN total_minor END),"
        f" sum(NOT ({_SOLD})), sum({_SOLD} AND NOT ({_PAID}))"
        " FROM orders WHERE account = ? AND created_at >= ? AND created_at < ? GROUP BY currency",
        (account, start, end),
    ):
        if sold - refunded or revenue is not None:
            s["by_currency"][cur or "?"] = [sold - refunded, revenue or 0]
        s["placed"] = s.get("placed", 0) + placed
        s["orders"] = s.get("orders", 0) + sold
        s["not_sold"] = s.get("not_sold", 0) + not_sold
        s["refunded"] = s.get("refunded", 0) + refunded
    row = db.execute(
        f"SELECT count(*), count(rating), sum(rating), sum(rating >= 4),"
        f" sum({_REPLY_AT} IS NOT NULL OR reply_body IS NOT NULL)"
        " FROM reviews WHERE account = ? AND created_at >= ? AND created_at < ?",
        (account, start, end),
    ).fetchone()
    s["reviews"], s["rated"], s["rating_sum"], s["positive"], s["replied"] = (v or 0 for v in row)
    s["reply_hours"] = _hours(
        db.execute(
            f"SELECT created_at, {_REPLY_AT} FROM reviews WHERE account = ? AND created_at >= ? AND created_at < ?",
            (account, start, end),
        )
    )
    row = db.execute(
        "SELECT count(*), sum(best >= 4) FROM (SELECT max(r.rating) AS best FROM orders o JOIN reviews r"
        " ON r.account = o.account AND r.order_id = o.id AND r.kind = 'seller_feedback' AND r.rating IS NOT NULL"
        f" WHERE o.account = ? AND o.created_at >= ? AND o.created_at < ? AND {_SOLD.replace('status', 'o.status')}"
        " GROUP BY o.id)",
        (account, start, end),
    ).fetchone()
    s["rated_orders"], s["happy_orders"] = row[0], row[1] or 0
    s.update(_disputes(db, account, start, end))
    s.update(_buyers(db, account, start, end, prev_start))
    return s


def _disputes(db: sqlite3.Connection, account: str, start: str, end: str) -> dict[str, Any]:
    s: dict[str, Any] = {}
    s["tickets"], s["disputes"] = db.execute(
        f"SELECT sum({_TICKET}), sum(NOT ({_TICKET})) FROM disputes"
        " WHERE account = ? AND opened_at >= ? AND opened_at < ?",
        (account, start, end),
    ).fetchone()
    s["tickets"], s["disputes"] = s["tickets"] or 0, s["disputes"] or 0
    # First answer: a seller message in the thread (synced), or one we sent from mktcrm.
    s["first_response_hours"] = _hours(
        db.execute(
            "SELECT d.opened_at, min(coalesce((SELECT min(e.at) FROM dispute_events e WHERE e.account = d.account"
            " AND e.dispute_id = d.id AND e.kind = 'message' AND e.author = 'seller' AND e.at >= d.opened_at),"
            " '9999'), coalesce((SELECT min(m.sent_at) FROM dispute_messages m WHERE m.account = d.account"
            " AND m.dispute_id = d.id AND m.state = 'sent'), '9999')) FROM disputes d"
            f" WHERE d.account = ? AND d.opened_at >= ? AND d.opened_at < ? AND d.{_TICKET}",
            (account, start, end),
        )
    )
    s["disputed_orders"] = db.execute(
        f"SELECT count(*) FROM orders o WHERE o.account = ? AND o.created_at >= ? AND o.created_at < ? AND {_SOLD}"
        f" AND EXISTS (SELECT 1 FROM disputes d WHERE d.account = o.account AND d.order_id = o.id AND NOT d.{_TICKET})",
        (account, start, end),
    ).fetchone()[0]
    s["resolution_hours"] = _hours(
        db.execute(
            f"SELECT opened_at, {RESOLVED_SQL} FROM disputes WHERE account = ? AND NOT ({_TICKET})"
            f" AND {RESOLVED_SQL} >= ? AND {RESOLVED_SQL} < ? AND opened_at IS NOT NULL",
            (account, start, end),
        )
    )
    return s


def _buyers(db: sqlite3.Connection, account: str, start: str, end: str, prev_start: str) -> dict[str, Any]:
    """Period buyers, their history up to the period's end, and last period's buyers who came back."""
    year_ago = _year_before(end)
    row = db.execute(
        "SELECT sum(n_in > 0), sum(n_in > 0 AND n_all >= 2), sum(n_in >= 2), sum(n_prev > 0),"
        " sum(n_prev > 0 AND n_in > 0), sum(CASE WHEN n_in > 0 THEN rev_all END),"
        " sum(CASE WHEN n_in > 0 THEN rev_12m END), count(DISTINCT CASE WHEN n_in > 0 THEN cur END),"
        " max(CASE WHEN n_in > 0 THEN n_cur END), min(CASE WHEN n_in > 0 THEN cur END) FROM ("
        "  SELECT sum(created_at >= ?) AS n_in, count(*) AS n_all, sum(created_at >= ? AND created_at < ?) AS n_prev,"
        f"  sum(CASE WHEN {_PAID} THEN total_minor END) AS rev_all,"
        f"  sum(CASE WHEN {_PAID} AND created_at >= ? THEN total_minor END) AS rev_12m,"
        "  min(currency) AS cur, count(DISTINCT currency) AS n_cur"
        f"  FROM orders WHERE account = ? AND created_at < ? AND buyer_key IS NOT NULL AND {_SOLD}"
        "  GROUP BY buyer_key)",
        (start, prev_start, start, year_ago, account, end),
    ).fetchone()
    buyers, repeat_all, repeat_in, prev, retained, rev_all, rev_12m, n_cur, max_cur, cur = row
    mixed = (n_cur or 0) > 1 or (max_cur or 0) > 1
    return {
        "buyers": buyers or 0,
        "repeat_buyers": repeat_all or 0,
        "repeat_in_period": repeat_in or 0,
        "prev_buyers": prev or 0,
        "retained": retained or 0,
        "history_revenue": None if mixed else rev_all or 0,  # None: several currencies, no one sum
        "year_revenue": None if mixed else rev_12m or 0,
        "buyer_currency": "mixed" if mixed else cur,
    }


def snapshot_inputs(db: sqlite3.Connection, account: str, now: str) -> dict[str, Any]:
    """What is waiting right now, whatever the period: open manual tasks, and tasks or disputes past due."""
    tasks, late_tasks = db.execute(
        "SELECT count(*), sum(due_at < ?) FROM tasks WHERE account = ? AND state = 'open'", (now, account)
    ).fetchone()
    late_disputes = db.execute(
        f"SELECT count(*) FROM disputes WHERE account = ? AND respond_by < ?"
        f" AND {STATUS_SQL} NOT IN ('resolved', 'closed')",
        (account, now),
    ).fetchone()[0]
    return {"open_tasks": tasks, "overdue": (late_tasks or 0) + late_disputes}


def _hours(rows: Any) -> list[float]:
    out = []
    for a, b in rows:
        if not a or not b or b.startswith("9999"):
            continue
        first, last = parse_time(a), parse_time(b)
        if first and last:
            out.append(max(0.0, (last - first).total_seconds() / 3600))
    return out


def _year_before(end: str) -> str:
    return f"{int(end[:4]) - 1}{end[4:]}" if end[5:10] != "02-29" else f"{int(end[:4]) - 1}-03-01{end[10:]}"
