"""The write-path cost of linking reviews to their order and SKU (m019), next to the same writes without it.

    python benchmarks/bench_review_links.py                  # 20,000 orders, 2 lines each, 6,000 reviews
    python benchmarks/bench_review_links.py --orders 100000

The same records go through the real write path (`sync.tables.TableRows`, pages of 100 in one transaction
each, as a sync writes them) into two fresh caches in the same run: one as shipped, one as before m019 (its
three indexes dropped and the linking steps switched off). Reviews name their order line (eBay, Etsy) for
half of them and their order (Mirakl, Amazon) for the other half; half the reviews arrive before their
orders, so both directions of the link are exercised. Prints markdown; never asserts on times.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from mktcrm.db.connect import connect
from mktcrm.db.store import Store
from mktcrm.records import Order, OrderLine, Review
from mktcrm.sync import tables

PAGE = 100


def records(orders: int) -> tuple[list[Any], list[Any]]:
    """(early reviews, then orders and late reviews), as pages would bring them."""
    made: list[Order] = []
    for i in range(orders):
        lines = [OrderLine(id=f"L{i}-{k}", sku=f"SKU-{(i + k) % 400}", quantity=1) for k in range(2)]
        made.append(Order(id=f"O{i}", created_at="2026-11-01T10:00:00Z", updated_at="2026-11-01T10:00:00Z",
                          status="SHIPPED", buyer_id=f"b{i % 7000}", lines=lines, raw={"i": i}))  # fmt: skip
    reviews = []
    for i in range(0, orders, max(1, orders // (orders * 3 // 10))):
        by_line = i % 2 == 0
        reviews.append(Review(id=f"R{i}", kind="product_review", created_at="2026-11-05T10:00:00Z", rating=4,
                              order_line_id=f"L{i}-1" if by_line else None, order_id=None if by_line else f"O{i}",
                              raw={"r": i}))  # fmt: skip
    half = len(reviews) // 2
    return reviews[:half], [*made, *reviews[half:]]


def write(path: Path, batches: list[list[Any]], linked: bool) -> float:
    db = connect(path)
    if not linked:
        for index in ("order_lines_account_line", "reviews_account_line", "reviews_account_sku"):
            db.execute(f"DROP INDEX {index}")
    store = Store(db)
    saved = tables.link_reviews, tables.TableRows._keep_lines
    if not linked:
        tables.link_reviews = lambda *a, **k: None  # type: ignore[assignment]
        tables.TableRows._keep_lines = lambda *a, **k: None  # type: ignore[method-assign]
    try:
        writer = tables.TableRows(store, "shop", "ebay")
        started = time.perf_counter()
        for batch in batches:
            for start in range(0, len(batch), PAGE):
                with store.transaction():
                    writer.write(batch[start : start + PAGE])
        took = time.perf_counter() - started
    finally:
        tables.link_reviews, tables.TableRows._keep_lines = saved  # type: ignore[method-assign]
    linked_rows = db.execute("SELECT count(*) FROM reviews WHERE order_id IS NOT NULL AND sku IS NOT NULL").fetchone()
    print(f"  {'linked' if linked else 'baseline'}: {took:.2f} s, reviews with order and SKU: {linked_rows[0]}")
    db.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    early, rest = records(args.orders)
    base, linked = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):  # interleaved, so load on the machine hits both alike
            base.append(write(Path(tmp) / f"base{run}.db", [early, rest], linked=False))
            linked.append(write(Path(tmp) / f"linked{run}.db", [early, rest], linked=True))
    b, lk = statistics.median(base), statistics.median(linked)
    reviews = len(early) + sum(isinstance(r, Review) for r in rest)
    print(f"\n| {args.orders:,} orders ({2 * args.orders:,} lines), {reviews:,} reviews, pages of {PAGE} | median s |")
    print("|---|---|")
    print(f"| before m019 (no link, no indexes) | {b:.2f} |")
    print(f"| with review links | {lk:.2f} |")
    print(f"| ratio | {lk / b:.2f}x |")


if __name__ == "__main__":
    main()
