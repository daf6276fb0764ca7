"""A review's order and SKU, from the cached order lines (issue 12: every review linked where the data allows).

eBay feedback and Etsy reviews name an order line, not the order; Mirakl and Amazon feedback name the order.
The order is the named line's; the SKU is that line's, else the order's when all its lines are one SKU
(otherwise which product the review is about is unknown, and it stays empty). A review may be read before or
after its order, so sync links in both directions: after writing reviews, and after writing order lines.
Plain indexed reads and one keyed update per changed review: no correlated subquery for a planner to scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mktcrm.db import placeholders

if TYPE_CHECKING:
    from mktcrm.db.store import Store

CHUNK = 500
COLUMNS = ("id", "order_line_id", "order_id")  # what the reviews to link are found by


def link_reviews(store: Store, account: str, column: str, values: list[str]) -> None:
    """Link the account's reviews whose `column` is one of `values` (not yet linked) where the lines allow."""
    assert column in COLUMNS
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        waiting = store.db.execute(
            f"SELECT id, order_line_id, order_id, sku FROM reviews WHERE account = ? AND {column} IN"
            f" ({placeholders(chunk)}) AND (order_id IS NULL OR sku IS NULL)"
            " AND (order_id IS NOT NULL OR order_line_id IS NOT NULL)",
            (account, *chunk),
        ).fetchall()
        if waiting:
            _link(store, account, [tuple(r) for r in waiting])


def _link(store: Store, account: str, waiting: list[tuple[str, str | None, str | None, str | None]]) -> None:
    line_ids = sorted({line for _, line, _, _ in waiting if line})
    lines = {}
    if line_ids:
        lines = {
            r[0]: (r[1], r[2])
            for r in store.db.execute(
                f"SELECT id, order_id, sku FROM order_lines WHERE account = ? AND id IN ({placeholders(line_ids)})",
                (account, *line_ids),
            )
        }
    orders = sorted({order or lines.get(line or "", (None, None))[0] for _, line, order, _ in waiting} - {None})
    one_sku = {}
    if orders:
        one_sku = {
            r[0]: r[1]
            for r in store.db.execute(
                "SELECT order_id, min(sku) FROM order_lines WHERE account = ? AND order_id IN"
                f" ({placeholders(orders)}) GROUP BY order_id"
                " HAVING count(DISTINCT sku) = 1 AND count(sku) = count(*)",
                (account, *orders),
            )
        }
    changes = []
    for rid, line, order, sku in waiting:
        line_order, line_sku = lines.get(line or "", (None, None))
        new_order = order or line_order
        new_sku = sku or line_sku or one_sku.get(new_order or "")
        if (new_order, new_sku) != (order, sku):
            changes.append((new_order, new_sku, account, rid))
    if changes:
        store.db.executemany(
            "UPDATE reviews SET order_id = coalesce(order_id, ?), sku = coalesce(sku, ?) WHERE account = ? AND id = ?",
            changes,
        )
