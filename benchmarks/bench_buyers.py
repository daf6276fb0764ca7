"""`mktcrm buyers list --segment repeat` and `mktcrm segments` on a big cache, next to DuckDB on the same rows.

    python benchmarks/bench_buyers.py --orders 200000            # builds /tmp/mktcrm-bench-kpi-200000.db once
    python benchmarks/bench_buyers.py --cache /tmp/kpi-1m.db     # the KPI benchmark's 1M-order cache
    python benchmarks/bench_buyers.py --write-cost 20000         # the per-buyer triggers' cost on the write path

The cache is the KPI benchmark's (`bench_kpi.build`: 6 accounts, 2 years, ~3 lines per order, 0.3 reviews and
0.02 disputes per order, one buyer per ~3 orders). Timed: both commands as subprocesses (`--json`, all rows),
the same computations in-process (`core.segments`, no start-up and no output), and DuckDB computing the same
from in-memory copies of the base rows (orders, reviews, disputes: group by buyer, then the segment rules) —
DuckDB has no rollup, so it is the "one straightforward query" reference. `--write-cost` writes the same
orders twice through the real write path, with and without the m013 buyer triggers, in the same run.
Prints markdown; never asserts on times.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _util import mktcrm_argv
from bench_kpi import build, home_for, timed

NOW = datetime.now(UTC)


def in_process(cache: Path, runs: int) -> tuple[list[float], list[float], int, int]:
    from mktcrm import config
    from mktcrm.core import segments
    from mktcrm.db.connect import connect

    class Svc:
        db = connect(cache)
        settings = config.Settings(path=Path("-"))

        def now(self) -> datetime:
            return NOW

    svc = Svc()
    repeat = sum(1 for _ in segments.buyers(svc, segment="repeat"))  # type: ignore[arg-type]
    rows = len(segments.summary(svc))  # type: ignore[arg-type]
    listing = timed(lambda: sum(1 for _ in segments.buyers(svc, segment="repeat")), runs)  # type: ignore[arg-type]
    summary = timed(lambda: segments.summary(svc), runs)  # type: ignore[arg-type]
    return listing, summary, repeat, rows


def duckdb_reference(db: sqlite3.Connection, runs: int) -> tuple[list[float], list[float], int] | None:
    try:
        import duckdb  # optional benchmark dependency, never imported by src/
    except ImportError:
        print("duckdb not installed: pip install -e '.[bench]' for the DuckDB reference", file=sys.stderr)
        return None
    con = duckdb.connect()
    columns = {
        "orders": ("account", "id", "buyer_key", "created_at", "status", "total_minor"),
        "reviews": ("account", "buyer_key", "order_id", "rating", "created_at"),
        "disputes": ("account", "order_id", "kind", "opened_at"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for table, cols in columns.items():
            path = Path(tmp) / f"{table}.csv"
            with path.open("w", newline="") as f:
                csv.writer(f).writerows(db.execute(f"SELECT {', '.join(cols)} FROM {table}"))
            types = {"total_minor": "BIGINT", "rating": "INTEGER"}
            names = ", ".join(f"'{c}': '{types.get(c, 'VARCHAR')}'" for c in cols)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=false, columns={{{names}}})")
    per_buyer = (
        "SELECT account, buyer_key, count(*) AS n, sum(CASE WHEN upper(status) <> 'REFUNDED' THEN total_minor END)"
        " AS revenue, min(created_at) AS first, max(created_at) AS last FROM orders WHERE buyer_key IS NOT NULL"
        " AND upper(status) NOT IN ('CANCELED', 'CANCELLED', 'REFUSED') GROUP BY account, buyer_key"
    )
    listing = f"SELECT * FROM ({per_buyer}) WHERE n >= 2 ORDER BY revenue DESC, n DESC, account, buyer_key"
    cut = {d: (NOW - timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ") for d in (30, 90, 180, 365)}
    summary = (
        f"WITH b AS ({per_buyer}), r AS (SELECT account, buyer_key, count(rating) AS rated, sum(rating) AS total,"
        " max(CASE WHEN rating <= 2 THEN created_at END) AS low FROM reviews GROUP BY ALL),"
        " d AS (SELECT o.account, o.buyer_key, count(*) AS n, max(d.opened_at) AS last FROM disputes d"
        " JOIN orders o ON o.account = d.account AND o.id = d.order_id WHERE d.kind <> 'inquiry' GROUP BY ALL),"
        " f AS (SELECT b.*, r.rated, r.total, r.low, d.n AS disputes, d.last AS last_dispute,"
        " quantile_disc(b.revenue, 0.9) OVER (PARTITION BY b.account) AS floor FROM b"
        " LEFT JOIN r USING (account, buyer_key) LEFT JOIN d USING (account, buyer_key)),"
        " s AS (SELECT *, unnest(list_filter(["
        f" CASE WHEN first >= '{cut[30]}' THEN 'new' END, CASE WHEN n >= 2 THEN 'repeat' END,"
        f" CASE WHEN n >= 3 AND last >= '{cut[180]}' THEN 'loyal' END,"
        " CASE WHEN revenue > 0 AND revenue >= floor THEN 'high-value' END,"
        f" CASE WHEN n >= 2 AND last >= '{cut[365]}' AND epoch(TIMESTAMP '{NOW:%Y-%m-%d %H:%M:%S}'"
        " - CAST(last AS TIMESTAMP)) > 2 * greatest((epoch(CAST(last AS TIMESTAMP)) - epoch(CAST(first AS TIMESTAMP)))"
        " / (n - 1), 86400) THEN 'at-risk' END,"
        f" CASE WHEN last < '{cut[365]}' THEN 'lost' END,"
        f" CASE WHEN low >= '{cut[90]}' OR last_dispute >= '{cut[90]}' THEN 'unhappy' END, 'all'],"
        " lambda x: x IS NOT NULL))"
        " AS segment FROM f)"
        " SELECT account, segment, count(*), sum(revenue), count(*) FILTER (WHERE n >= 2), sum(total) / sum(rated),"
        " count(*) FILTER (WHERE disputes > 0) FROM s GROUP BY ALL"
    )
    rows = len(con.execute(listing).fetchall())
    return (
        timed(lambda: con.execute(listing).fetchall(), runs),
        timed(lambda: con.execute(summary).fetchall(), runs),
        rows,
    )


def write_cost(orders: int) -> None:
    """The same orders through the real write path twice: with the m013 buyer triggers, and with them dropped."""
    out = []
    for keep in (False, True):
        path = Path(tempfile.mkdtemp(prefix="bench-buyers-")) / "c.db"
        db = sqlite3.connect(path)
        db.close()
        from mktcrm.db.connect import connect

        con = connect(path)
        if not keep:
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'buyer_stats_%'"
            ):
                con.execute(f"DROP TRIGGER {name}")
        con.close()
        t = time.perf_counter()
        build(path, orders)
        out.append(time.perf_counter() - t)
    print(f"\nWriting {orders:,} orders (~3 lines, 0.3 reviews, 0.02 disputes each) through the real write path:")
    print(f"without the buyer triggers {out[0]:.1f} s, with them {out[1]:.1f} s ({100 * (out[1] / out[0] - 1):+.0f} %)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--write-cost", type=int, metavar="ORDERS")
    args = ap.parse_args()
    if args.write_cost:
        write_cost(args.write_cost)
        return
    cache = args.cache or Path(tempfile.gettempdir()) / f"mktcrm-bench-kpi-{args.orders}.db"
    if not cache.exists():
        print(f"building {cache} ({args.orders} orders)…", file=sys.stderr)
        build(cache, args.orders)
    home = home_for(cache)
    env = {**os.environ, "MKTCRM_HOME": str(home)}
    run = lambda *a: subprocess.run([*mktcrm_argv(), *a], env=env, check=True, capture_output=True)  # noqa: E731
    run("segments", "--json")
    results = [
        ("`mktcrm buyers list --segment repeat --json` (subprocess, every row)",
         timed(lambda: run("buyers", "list", "--segment", "repeat", "--json"), args.runs)),
        ("`mktcrm segments --json` (subprocess)", timed(lambda: run("segments", "--json"), args.runs)),
    ]  # fmt: skip
    listing, summary, repeat, rows = in_process(cache, args.runs)
    results += [("repeat buyers in-process (`segments.buyers`, every row)", listing)]
    results += [("segment summary in-process (`segments.summary`)", summary)]
    db = sqlite3.connect(cache)
    duck = duckdb_reference(db, args.runs)
    n = db.execute("SELECT count(*) FROM orders").fetchone()[0]
    print(
        f"\nBuyers and segments, {n:,} orders, {repeat:,} repeat buyers, {rows} summary rows, median of {args.runs}\n"
    )
    print("| what | median ms | × DuckDB (same computation) |\n|---|---:|---:|")
    refs = {}
    if duck:
        d_list, d_sum, d_rows = duck
        refs = {0: d_list, 1: d_sum, 2: d_list, 3: d_sum}
        print(f"DuckDB repeat buyers: {d_rows:,} rows (mktcrm: {repeat:,})\n")
    for i, (name, times) in enumerate(results):
        med = statistics.median(times)
        ratio = f"{med / statistics.median(refs[i]):.1f}" if refs else "—"
        print(f"| {name} | {1000 * med:.1f} | {ratio} |")
    if duck:
        print(
            f"| DuckDB: repeat buyers from the base rows (in-memory) | {1000 * statistics.median(d_list):.1f} | 1.0 |"
        )
        print(
            f"| DuckDB: segment summary from the base rows (in-memory) | {1000 * statistics.median(d_sum):.1f} | 1.0 |"
        )


if __name__ == "__main__":
    main()
