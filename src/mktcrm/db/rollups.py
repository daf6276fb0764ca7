"""Per-day KPI rollups kept by triggers, so a year of orders is read as 365 rows per account, not 83,000.

Four derived tables, each rebuilt from the base tables by `rebuild` and kept current by SQLite triggers
that fire inside the statement that writes a base row — so in the same transaction as each stored page,
whichever code writes (sync, tests, an import, a restore through SQL), and a crash can never leave a
rollup and its base rows apart:

- `kpi_order_days` (account, UTC day, currency): orders placed, sold, paid, revenue, not sold, refunded,
  and the CSAT counts of those orders (rated by seller feedback, rated 4-5);
- `kpi_review_days` (account, UTC day): reviews, rated, rating sum, 4-5 star, replied on the marketplace;
- `kpi_feedback` (account, order): the best seller-feedback rating of each order, the CSAT input;
- `kpi_sales` (account, buyer, time, order): each sold order with a buyer, its paid amount (NULL when
  refunded) and currency, in buyer order — the buyer figures' one pass, without re-reading each status.

Sums over days are exact, so `db.kpi_queries` adds the whole UTC days of a period from the rollups and
the two partial days at its edges from the base rows. Stored times are the UTC stamps `norm_time` writes
(`2026-03-01T10:00:00Z`), so a row's day is its first ten characters and days agree with text bounds.
Medians cannot be summed and distinct buyers cannot be added across days: medians read the base rows,
buyer figures the narrow `kpi_sales`.
Each contribution is a function of one row (plus its order's feedback), so a trigger subtracts the old
row's and adds the new row's; `INSERT … ON CONFLICT` upserts skip unchanged rows, firing nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mktcrm.db import buyer_rollup
from mktcrm.db.dialect import SQLITE, flag, of, trigger

if TYPE_CHECKING:
    import sqlite3

NOT_SOLD = ("canceled", "cancelled", "refused")
REFUNDED = ("refunded", "fully refunded", "fully_refunded")


def _sale_class(r: str) -> str:
    """0 not sold (cancelled, refused), 1 sold but refunded, 2 paid: a CASE, as `NOT IN (…)` in a trigger
    builds a temporary index on every row it fires for (measured: writing orders 6x slower)."""
    whens = " ".join(f"WHEN {v!r} THEN 0" for v in NOT_SOLD) + " " + " ".join(f"WHEN {v!r} THEN 1" for v in REFUNDED)
    return f"(CASE lower(coalesce({r}.status, '')) {whens} ELSE 2 END)"


def _order_columns(r: str, d: str = SQLITE) -> dict[str, str]:
    """Column -> contribution of one orders row `r` (NEW, OLD or a table alias), as an integer in dialect `d`."""
    sold = f"({_sale_class(r)} > 0)"
    paid = f"({_sale_class(r)} = 2)"
    best = f"(SELECT f.best FROM kpi_feedback f WHERE f.account = {r}.account AND f.order_id = {r}.id)"
    return {
        "placed": "1",
        "sold": flag(d, sold),
        "paid": flag(d, paid),
        "revenue": f"CASE WHEN {paid} THEN coalesce({r}.total_minor, 0) ELSE 0 END",
        "revenue_n": flag(d, f"{paid} AND {r}.total_minor IS NOT NULL"),
        "not_sold": flag(d, f"NOT {sold}"),
        "refunded": flag(d, f"{sold} AND NOT {paid}"),
        "rated_orders": flag(d, f"{sold} AND {best} IS NOT NULL"),
        "happy_orders": flag(d, f"{sold} AND coalesce({best}, 0) >= 4"),
    }


def _review_columns(r: str, d: str = SQLITE) -> dict[str, str]:
    return {
        "reviews": "1",
        "rated": flag(d, f"{r}.rating IS NOT NULL"),
        "rating_sum": f"coalesce({r}.rating, 0)",
        "positive": flag(d, f"coalesce({r}.rating, 0) >= 4"),
        "replied": flag(d, f"{r}.replied_at IS NOT NULL OR {r}.reply_body IS NOT NULL"),
    }


ORDER_COLUMNS = tuple(_order_columns("o"))
REVIEW_COLUMNS = tuple(_review_columns("r"))
# rollup table -> (base table, key columns, its contribution columns as expressions over a row alias)
ROLLUPS = {
    "kpi_order_days": ("orders", ("account", "day", "currency"), _order_columns),
    "kpi_review_days": ("reviews", ("account", "day"), _review_columns),
}


def _keys(r: str, keys: tuple[str, ...]) -> list[str]:
    exprs = {
        "account": f"{r}.account",
        "day": f"substr({r}.created_at, 1, 10)",
        "currency": f"coalesce({r}.currency, '')",
    }
    return [exprs[k] for k in keys]


def _add(table: str, r: str, sign: str, d: str) -> str:
    """One statement adding (`+`) or subtracting (`-`) row `r`'s contribution to `table`."""
    _base, keys, columns = ROLLUPS[table]
    cols = columns(r, d)
    names = [*keys, *cols]
    values = [*_keys(r, keys), *(f"{sign}({e})" for e in cols.values())]
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in cols)
    return (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(values)})"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets};"
    )


def _feedback(r: str) -> str:
    """Recompute the best seller-feedback rating of row `r`'s order."""
    return (
        f"INSERT INTO kpi_feedback (account, order_id, best) SELECT {r}.account, {r}.order_id,"
        " (SELECT max(v.rating) FROM reviews v WHERE v.account = "
        f"{r}.account AND v.order_id = {r}.order_id AND v.kind = 'seller_feedback') WHERE {r}.order_id IS NOT NULL"
        " ON CONFLICT (account, order_id) DO UPDATE SET best = excluded.best;"
    )


def _feedback_moves(sign: str, best: str, r: str, d: str) -> str:
    """Add or take the CSAT counts of a feedback row's order (only a sold order that exists counts)."""
    return (
        "INSERT INTO kpi_order_days (account, day, currency, rated_orders, happy_orders)"
        f" SELECT o.account, substr(o.created_at, 1, 10), coalesce(o.currency, ''),"
        f" {sign}{flag(d, f'{best} IS NOT NULL')}, {sign}{flag(d, f'coalesce({best}, 0) >= 4')}"
        f" FROM orders o WHERE o.account = {r}.account AND o.id = {r}.order_id AND {_sale_class('o')} > 0"
        " ON CONFLICT (account, day, currency) DO UPDATE SET"
        " rated_orders = kpi_order_days.rated_orders + excluded.rated_orders,"
        " happy_orders = kpi_order_days.happy_orders + excluded.happy_orders;"
    )


def _sale(r: str, source: str = "") -> str:
    """Row `r` of orders (or every row of `source`) as a `kpi_sales` row, when it is a sale with a buyer."""
    return (
        "INSERT INTO kpi_sales (account, buyer_key, created_at, order_id, paid_minor, currency)"
        f" SELECT {r}.account, {r}.buyer_key, {r}.created_at, {r}.id,"
        f" CASE WHEN {_sale_class(r)} = 2 THEN {r}.total_minor END, {r}.currency{source}"
        f" WHERE {r}.buyer_key IS NOT NULL AND {_sale_class(r)} > 0;"
    )


def _unsale(r: str) -> str:
    return (
        f"DELETE FROM kpi_sales WHERE account = {r}.account AND buyer_key = {r}.buyer_key"
        f" AND created_at = {r}.created_at AND order_id = {r}.id;"
    )


def _bodies(d: str) -> list[tuple[str, str, str, str]]:
    """Every trigger as (name, event, table, statements); `WHEN` conditions are inside the statements."""
    out = [
        ("kpi_sales_ins", "INSERT", "orders", _sale("NEW")),
        ("kpi_sales_upd", "UPDATE", "orders", f"{_unsale('OLD')} {_sale('NEW')}"),
        ("kpi_sales_del", "DELETE", "orders", _unsale("OLD")),
    ]
    for table, (base, *_rest) in ROLLUPS.items():
        out += [
            (f"{table}_ins", "INSERT", base, _add(table, "NEW", "+", d)),
            (f"{table}_upd", "UPDATE", base, f"{_add(table, 'OLD', '-', d)} {_add(table, 'NEW', '+', d)}"),
            (f"{table}_del", "DELETE", base, _add(table, "OLD", "-", d)),
        ]
    return [
        *out,
        ("kpi_feedback_review_ins", "INSERT", "reviews", _feedback("NEW")),
        ("kpi_feedback_review_upd", "UPDATE", "reviews", f"{_feedback('OLD')} {_feedback('NEW')}"),
        ("kpi_feedback_review_del", "DELETE", "reviews", _feedback("OLD")),
        ("kpi_feedback_ins", "INSERT", "kpi_feedback", _feedback_moves("+", "NEW.best", "NEW", d)),
        (
            "kpi_feedback_upd",
            "UPDATE",
            "kpi_feedback",
            f"{_feedback_moves('-', 'OLD.best', 'OLD', d)} {_feedback_moves('+', 'NEW.best', 'NEW', d)}",
        ),
    ]


# Triggers that fire only when a column really changed.
_WHEN = {"kpi_feedback_upd": "OLD.best IS DISTINCT FROM NEW.best"}


def _triggers(d: str) -> list[str]:
    """SQLite triggers hold their statements; PostgreSQL's call a PL/pgSQL function holding the same ones."""
    out = []
    for name, event, table, body in _bodies(d):
        out += trigger(d, name, event, table, body, _WHEN.get(name))
    return out


def create(db: sqlite3.Connection) -> None:
    """The rollup tables, their triggers, the index the feedback trigger reads and the one reply delays read."""
    d = of(db)
    order_cols = ", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in _order_columns("o"))
    review_cols = ", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in _review_columns("r"))
    for sql in (
        "CREATE TABLE kpi_order_days (account TEXT NOT NULL, day TEXT NOT NULL, currency TEXT NOT NULL,"
        f" {order_cols}, PRIMARY KEY (account, day, currency)) WITHOUT ROWID",
        f"CREATE TABLE kpi_review_days (account TEXT NOT NULL, day TEXT NOT NULL, {review_cols},"
        " PRIMARY KEY (account, day)) WITHOUT ROWID",
        "CREATE TABLE kpi_feedback (account TEXT NOT NULL, order_id TEXT NOT NULL, best INTEGER,"
        " PRIMARY KEY (account, order_id)) WITHOUT ROWID",
        "CREATE TABLE kpi_sales (account TEXT NOT NULL, buyer_key TEXT NOT NULL, created_at TEXT NOT NULL,"
        " order_id TEXT NOT NULL, paid_minor INTEGER, currency TEXT,"
        " PRIMARY KEY (account, buyer_key, created_at, order_id)) WITHOUT ROWID",
        "CREATE INDEX reviews_account_order ON reviews (account, order_id, kind, rating)",
        "CREATE INDEX reviews_account_created_reply ON reviews (account, created_at, replied_at)",
        *_triggers(d),
    ):
        db.execute(sql)


def rebuild(db: sqlite3.Connection) -> dict[str, int]:
    """Recompute every rollup from the base tables (inside the caller's transaction); rows written per table."""
    db.execute("DELETE FROM kpi_feedback")
    db.execute("DELETE FROM kpi_sales")
    db.execute(_sale("o", " FROM orders o").rstrip(";"))
    db.execute("DELETE FROM kpi_order_days")
    db.execute("DELETE FROM kpi_review_days")
    # The feedback first: the order rollup reads it. Inserting here fires no rollup trigger that matters,
    # as kpi_order_days is refilled from scratch just after.
    db.execute(
        "INSERT INTO kpi_feedback (account, order_id, best) SELECT account, order_id,"
        " max(CASE WHEN kind = 'seller_feedback' THEN rating END) FROM reviews WHERE order_id IS NOT NULL"
        " GROUP BY account, order_id"
    )
    db.execute("DELETE FROM kpi_order_days")
    for table, (base, keys, columns) in ROLLUPS.items():
        cols = columns("b", of(db))
        db.execute(
            f"INSERT INTO {table} ({', '.join([*keys, *cols])}) SELECT {', '.join(_keys('b', keys))},"
            f" {', '.join(f'sum({e})' for e in cols.values())} FROM {base} b GROUP BY {', '.join(_keys('b', keys))}"
        )
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("kpi_feedback", "kpi_sales", *ROLLUPS)}


def _kept() -> dict[str, tuple[tuple[str, ...], str]]:
    """Each derived table's key and which of its rows say something (zero rows and empty feedback do not)."""
    out = {t: (keys, " OR ".join(f"{c} != 0" for c in cols("x"))) for t, (_b, keys, cols) in ROLLUPS.items()}
    out["kpi_feedback"] = (("account", "order_id"), "best IS NOT NULL")
    out["kpi_sales"] = (("account", "buyer_key", "created_at", "order_id"), "1 = 1")
    out["buyer_stats"] = (("account", "buyer_key"), buyer_rollup.SAYS)
    return out


def rebuild_and_compare(db: sqlite3.Connection) -> list[dict[str, object]]:
    """`rebuild`, then per table its rows and how many keys differ from what was kept (inside the caller's
    transaction). The comparison runs in SQL on temporary copies: a million orders fit in no Python dict."""
    kept = _kept()
    for table, (_keys, said) in kept.items():
        db.execute(f"DROP TABLE IF EXISTS temp.kept_{table}")
        db.execute(f"CREATE TEMP TABLE kept_{table} AS SELECT * FROM {table} WHERE {said}")
    rebuild(db)
    buyer_rollup.rebuild(db)  # after kpi_sales, which it reads
    out = []
    for table, (keys, said) in kept.items():
        key = ", ".join(keys)
        now = f"SELECT * FROM {table} WHERE {said}"
        changed = db.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM ({now} EXCEPT SELECT * FROM kept_{table}) AS a"
            f" UNION SELECT {key} FROM (SELECT * FROM kept_{table} EXCEPT {now}) AS b) AS c"
        ).fetchone()[0]
        rows = db.execute(f"SELECT count(*) FROM {table} WHERE {said}").fetchone()[0]
        db.execute(f"DROP TABLE temp.kept_{table}")
        out.append({"table": table, "rows": rows, "changed": changed})
    return out
