"""The SQL behind `mktcrm kpi`: one account, one period [start, end), raw counts and sums only.

`core.kpis` turns these inputs into figures (rates, medians, money); nothing here rounds or divides, so
the definitions live in one place. Sums read the per-day rollups of `db.rollups` (m008) for a period's
whole UTC days and the base rows for its partial edge days; medians read `(account, created_at, …)`
indexes, so their cost follows the rows of the period; buyer figures read the account's sales up to the
period's end (`kpi_sales`), the one part whose cost follows the size of the history (BENCHMARKS.md).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from mktcrm.db import rollups
from mktcrm.db.dialect import flag, least, ms_between, of
from mktcrm.db.disputes import RESOLVED_SQL, STATUS_SQL
from mktcrm.timeutil import parse_time

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Sequence

Window = tuple[str, str, str]  # [start, end) and the start of the period before, as ISO UTC stamps

# Orders that never became a sale, and those whose money went back: out of revenue (and said so).
NOT_SOLD, REFUNDED = rollups.NOT_SOLD, rollups.REFUNDED
# Buyer messages and threads: tickets, not disputes (a "where is my order?" is not an incident).
TICKET_KINDS = ("inquiry",)

_ST = "lower(coalesce(status, ''))"
_SOLD = f"{_ST} NOT IN ({', '.join(repr(s) for s in NOT_SOLD)})"
_PAID = f"{_SOLD} AND {_ST} NOT IN ({', '.join(repr(s) for s in REFUNDED)})"
_TICKET = f"kind IN ({', '.join(repr(k) for k in TICKET_KINDS)})"
_SENT = "('sent', 'manual_done')"
# Milliseconds between stamps are computed in SQL (`dialect.ms_between`; julianday's error at today's dates is
# ~0.04 ms, so the rounding is exact): parsing 100,000 stamps in Python cost more than the rest of a year's KPIs.


def period_inputs(db: sqlite3.Connection, account: str, windows: Sequence[Window]) -> list[dict[str, Any]]:
    """Counts, sums and duration lists of one account per window (start, end, start of the period before).

    Sums come from the per-day rollups for a period's whole UTC days and from the base rows for the
    partial days at its two edges (`_spans`), so a year costs ~365 rollup rows whatever the order count.
    """
    return [_period(db, account, start, end) | _buyers(db, account, start, end, prev) for start, end, prev in windows]


def _period(db: sqlite3.Connection, account: str, start: str, end: str) -> dict[str, Any]:
    s: dict[str, Any] = {"by_currency": {}}
    sums: dict[str, int] = {}
    money: dict[str, list[int]] = {}  # currency -> [paid orders, revenue, paid orders with a total]
    for table, (a, b) in _spans(start, end):
        orders = table in ("orders", "kpi_order_days")
        names = rollups.ORDER_COLUMNS if orders else rollups.REVIEW_COLUMNS
        for cur, *values in _sums(db, table, account, a, b):
            named = dict(zip(names, (v or 0 for v in values), strict=True))
            for name, value in named.items():
                sums[name] = sums.get(name, 0) + value
            if orders:
                m = money.setdefault(cur or "?", [0, 0, 0])
                m[0], m[1], m[2] = m[0] + named["paid"], m[1] + named["revenue"], m[2] + named["revenue_n"]
    s["by_currency"] = {cur: [paid, revenue] for cur, (paid, revenue, n) in money.items() if paid or n}
    s["placed"], s["orders"] = sums.get("placed", 0), sums.get("sold", 0)
    s["not_sold"], s["refunded"] = sums.get("not_sold", 0), sums.get("refunded", 0)
    s["rated_orders"], s["happy_orders"] = sums.get("rated_orders", 0), sums.get("happy_orders", 0)
    for name in ("reviews", "rated", "rating_sum", "positive"):
        s[name] = sums.get(name, 0)
    s["reply_cohort"] = s["reviews"]  # its own input: a marketplace that hides replies drops it, not the reviews
    # Replies sent from mktcrm (outbox) count for reviews the marketplace does not show as answered yet.
    s["replied"] = (
        sums.get("replied", 0)
        + db.execute(
            f"SELECT count(*) FROM replies p CROSS JOIN reviews v ON v.account = p.account AND v.id = p.review_id"
            f" WHERE p.account = ? AND p.state IN {_SENT} AND p.sent_at IS NOT NULL AND v.created_at >= ?"
            " AND v.created_at < ? AND v.replied_at IS NULL AND v.reply_body IS NULL",
            (account, start, end),
        ).fetchone()[0]
    )
    s["reply_hours"] = _ms_hours(
        db.execute(
            f"SELECT {ms_between(db, 'created_at', 'replied_at')} FROM reviews WHERE account = ? AND created_at >= ?"
            " AND created_at < ? AND replied_at IS NOT NULL",
            (account, start, end),
        )
    ) + _ms_hours(
        db.execute(
            f"SELECT {ms_between(db, 'v.created_at', 'p.sent_at')} FROM replies p CROSS JOIN reviews v"
            f" ON v.account = p.account AND v.id = p.review_id WHERE p.account = ? AND p.state IN {_SENT}"
            " AND v.created_at >= ? AND v.created_at < ? AND v.replied_at IS NULL",
            (account, start, end),
        )
    )
    s.update(_disputes(db, account, start, end))
    return s


def _spans(start: str, end: str) -> list[tuple[str, tuple[str, str]]]:
    """[start, end) as (table, bounds): rollups for the whole UTC days inside, base rows for the edges."""
    first = date.fromisoformat(start[:10]) + timedelta(days=0 if start[10:] == "T00:00:00Z" else 1)
    last = date.fromisoformat(end[:10])
    if first >= last:
        return [("orders", (start, end)), ("reviews", (start, end))]
    a, b = f"{first}T00:00:00Z", f"{last}T00:00:00Z"
    out = [("kpi_order_days", (str(first), str(last))), ("kpi_review_days", (str(first), str(last)))]
    for lo, hi in ((start, a), (b, end)):
        if lo < hi:
            out += [("orders", (lo, hi)), ("reviews", (lo, hi))]
    return out


def _sums(db: sqlite3.Connection, table: str, account: str, a: str, b: str) -> list[Any]:
    """Rollup sums over days [a, b), or the same sums straight from the base rows created in [a, b)."""
    if table in rollups.ROLLUPS:
        _base, keys, columns = rollups.ROLLUPS[table]
        group = "currency" if "currency" in keys else "''"
        cols = ", ".join(f"sum({c})" for c in columns("x"))
        where = "account = ? AND day >= ? AND day < ?"
    else:
        rollup = "kpi_order_days" if table == "orders" else "kpi_review_days"
        group = "coalesce(currency, '')" if table == "orders" else "''"
        cols = ", ".join(f"sum({e})" for e in rollups.ROLLUPS[rollup][2](table, of(db)).values())
        where = "account = ? AND created_at >= ? AND created_at < ?"
    return db.execute(f"SELECT {group}, {cols} FROM {table} WHERE {where} GROUP BY 1", (account, a, b)).fetchall()


def _disputes(db: sqlite3.Connection, account: str, start: str, end: str) -> dict[str, Any]:
    s: dict[str, Any] = {}
    s["tickets"], s["disputes"] = db.execute(
        f"SELECT sum({flag(db, _TICKET)}), sum({flag(db, f'NOT ({_TICKET})')}) FROM disputes"
        " WHERE account = ? AND opened_at >= ? AND opened_at < ?",
        (account, start, end),
    ).fetchone()
    s["tickets"], s["disputes"] = s["tickets"] or 0, s["disputes"] or 0
    # First answer: a seller message in the thread (synced), or one we sent from mktcrm.
    s["first_response_hours"] = _hours(
        db.execute(
            f"SELECT d.opened_at, {least(db, _SELLER_SAID, _WE_SENT)} FROM disputes d"
            f" WHERE d.account = ? AND d.opened_at >= ? AND d.opened_at < ? AND d.{_TICKET}",
            (account, start, end),
        )
    )
    # From the disputes' side: there are far fewer disputes than orders.
    s["disputed_orders"] = db.execute(
        "SELECT count(DISTINCT o.id) FROM disputes d CROSS JOIN orders o ON o.account = d.account"
        f" AND o.id = d.order_id WHERE d.account = ? AND NOT d.{_TICKET} AND o.created_at >= ? AND o.created_at < ?"
        f" AND {_SOLD.replace('status', 'o.status')}",
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


_SELLER_SAID = (
    "coalesce((SELECT min(e.at) FROM dispute_events e WHERE e.account = d.account AND e.dispute_id = d.id"
    " AND e.kind = 'message' AND e.author = 'seller' AND e.at >= d.opened_at), '9999')"
)
_WE_SENT = (
    "coalesce((SELECT min(m.sent_at) FROM dispute_messages m WHERE m.account = d.account"
    " AND m.dispute_id = d.id AND m.state = 'sent'), '9999')"
)


def _buyers(db: sqlite3.Connection, account: str, start: str, end: str, prev_start: str) -> dict[str, Any]:
    """Period buyers, their history up to the period's end, and last period's buyers who came back.

    One pass over the account's sales up to the period's end (`kpi_sales`, kept in buyer order by triggers:
    no status to re-read per row). Its cost is per row and per aggregate, so each period gets its own pass
    bounded by its own end: sharing one pass between a period and its --compare period measured slower,
    as every aggregate of the earlier period then needs a CASE on the date.
    """

    def f(condition: str) -> str:
        return flag(db, condition)

    row = db.execute(
        f"SELECT sum({f('n_in > 0')}), sum({f('n_in > 0 AND n_all >= 2')}), sum({f('n_in >= 2')}),"
        f" sum({f('n_prev > 0')}), sum({f('n_prev > 0 AND n_in > 0')}), sum(CASE WHEN n_in > 0 THEN rev_all END),"
        " sum(CASE WHEN n_in > 0 THEN rev_12m END), min(CASE WHEN n_in > 0 THEN cur END),"
        " max(CASE WHEN n_in > 0 THEN top END) FROM ("
        f"  SELECT sum({f('created_at >= :start')}) AS n_in, count(*) AS n_all,"
        f"  sum({f('created_at >= :prev AND created_at < :start')}) AS n_prev, sum(paid_minor) AS rev_all,"
        "  sum(CASE WHEN created_at >= :year THEN paid_minor END) AS rev_12m,"
        "  min(currency) AS cur, max(currency) AS top"
        "  FROM kpi_sales WHERE account = :account AND created_at < :end GROUP BY buyer_key) AS per_buyer",
        {"account": account, "start": start, "end": end, "prev": prev_start, "year": _year_before(end)},
    ).fetchone()
    buyers, repeat_all, repeat_in, prev, retained, rev_all, rev_12m, cur, top = row
    mixed = cur != top  # several currencies among the buyers' histories (one buyer's, or between buyers)
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
        f"SELECT count(*), sum({flag(db, 'due_at < ?')}) FROM tasks WHERE account = ? AND state = 'open'",
        (now, account),
    ).fetchone()
    late_disputes = db.execute(
        f"SELECT count(*) FROM disputes WHERE account = ? AND respond_by < ?"
        f" AND {STATUS_SQL} NOT IN ('resolved', 'closed')",
        (account, now),
    ).fetchone()[0]
    return {"open_tasks": tasks, "overdue": (late_tasks or 0) + late_disputes}


def _ms_hours(rows: Any) -> list[float]:
    """Hours from whole milliseconds, divided as `timedelta.total_seconds() / 3600` does: the same floats."""
    return [max(0.0, ms / 1000 / 3600) for (ms,) in rows if ms is not None]


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
