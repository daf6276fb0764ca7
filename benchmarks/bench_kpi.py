"""`mktcrm kpi --period 365d --json` end to end on a big cache, next to two references on the same rows.

    python benchmarks/bench_kpi.py --quick                      # 20,000 orders: a smoke check
    python benchmarks/bench_kpi.py --cache /tmp/kpi-1m.db       # 1,000,000 orders, built once, then reused

The cache is filled through the store's real write path (records → sync.tables → Store, one transaction per
page of 1,000) with 6 accounts over 2 years: N orders of ~3 lines, 0.3 N reviews, 0.02 N disputes. Timed:
the command as a subprocess (plain and `--compare`), the same computation in-process (`kpi_view.run`, no
start-up, no output) and `mktcrm --version` (the start-up alone). References, timed in this process: the
floor (`SELECT count(*), sum(total_minor) FROM orders` over the period) and, when the optional `duckdb`
package is installed (`pip install -e '.[bench]'`), the same order/review/dispute figures in DuckDB over
in-memory copies of the rows (VARCHAR columns, loaded through CSV). Prints markdown; never asserts on times.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _util import mktcrm_argv

ACCOUNTS = ("leclerc", "intermarche", "carrefour", "boulanger", "darty", "fnac")
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def build(path: Path, orders: int, seed: int = 1) -> None:
    from mktcrm.db.connect import connect
    from mktcrm.db.store import Store
    from mktcrm.records import Dispute, Order, OrderLine, Review
    from mktcrm.sync.tables import TableRows

    rng = random.Random(seed)
    db = connect(path)
    store = Store(db)
    span = 2 * 365 * 86400
    per = orders // len(ACCOUNTS)
    started = time.perf_counter()
    for a in ACCOUNTS:
        writer = TableRows(store, a, "mirakl")
        page: list[object] = []
        for i in range(per):
            at = NOW - timedelta(seconds=rng.randrange(span))
            stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
            oid = f"{a}-{i}"
            lines = [OrderLine(id=str(n), sku=f"S{n}", quantity=1, price_minor=1000) for n in range(rng.randint(2, 4))]
            status = rng.choice(("SHIPPED",) * 18 + ("CANCELED", "REFUSED"))
            page.append(
                Order(
                    id=oid, created_at=stamp, updated_at=stamp, status=status, total_minor=1000 * len(lines),
                    currency="EUR", buyer_id=f"b{rng.randrange(per // 3)}", lines=lines,
                )
            )  # fmt: skip
            if rng.random() < 0.3:
                replied = (at + timedelta(hours=rng.randint(1, 72))).strftime("%Y-%m-%dT%H:%M:%SZ")
                page.append(
                    Review(id=f"r{oid}", kind="seller_feedback", created_at=stamp, order_id=oid,
                           rating=rng.randint(1, 5), replied_at=replied if rng.random() < 0.5 else None)
                )  # fmt: skip
            if rng.random() < 0.02:
                done = (at + timedelta(hours=rng.randint(2, 200))).strftime("%Y-%m-%dT%H:%M:%SZ")
                page.append(
                    Dispute(id=f"d{oid}", kind=rng.choice(("incident", "return", "inquiry")), status="resolved",
                            order_id=oid, opened_at=stamp, resolved_at=done)
                )  # fmt: skip
            if len(page) >= 1000:
                with store.transaction():
                    writer.write(page)  # type: ignore[arg-type]
                page = []
        with store.transaction():
            writer.write(page)  # type: ignore[arg-type]
        print(f"  {a}: {per} orders, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    db.execute("ANALYZE")
    db.close()


def home_for(cache: Path) -> Path:
    home = Path(tempfile.mkdtemp(prefix="bench-kpi-"))
    accounts = "".join(
        f'[[accounts]]\nname = "{a}"\nmarketplace = "mirakl"\nbase_url = "https://{a}.example"\n'
        f'api_key_env = "K_{a.upper()}"\n\n'
        for a in ACCOUNTS
    )
    (home / "config.toml").write_text(accounts)
    os.symlink(cache, home / "mktcrm.db")
    return home


def timed(fn: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t)
    return out


def in_process(cache: Path, runs: int) -> tuple[list[float], list[float]]:
    """The KPI computation alone (no Python start-up, no output): `kpi_view.run` as the command calls it."""
    from mktcrm import connectors
    from mktcrm.config import Account
    from mktcrm.core import kpi_view
    from mktcrm.db.connect import connect

    db = connect(cache)
    accounts = [Account(name=a, marketplace="mirakl", options={}) for a in ACCOUNTS]
    now = datetime.now(UTC)

    def run(compare: bool) -> None:
        kpi_view.run(db, accounts, lambda a: connectors.get(a.marketplace), "365d", now, compare=compare)

    run(False)
    return timed(lambda: run(False), runs), timed(lambda: run(True), runs)


def duckdb_reference(db: sqlite3.Connection, start: str, runs: int) -> list[float] | None:
    """The same order/review/dispute figures in DuckDB over in-memory copies (loaded through a CSV file)."""
    try:
        import duckdb  # optional benchmark dependency, never imported by src/
    except ImportError:
        print("duckdb not installed: pip install -e '.[bench]' for the DuckDB reference", file=sys.stderr)
        return None
    con = duckdb.connect()
    columns = {
        "orders": ("account", "created_at", "status", "total_minor"),
        "reviews": ("account", "created_at"),
        "disputes": ("account", "opened_at", "resolved_at"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for table, cols in columns.items():
            path = Path(tmp) / f"{table}.csv"
            with path.open("w", newline="") as f:
                csv.writer(f).writerows(db.execute(f"SELECT {', '.join(cols)} FROM {table}"))
            names = ", ".join(f"'{c}': 'VARCHAR'" for c in cols)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=false, columns={{{names}}})")
    query = (
        "SELECT o.account, count(*), sum(CAST(total_minor AS BIGINT)), (SELECT count(*) FROM reviews r"
        " WHERE r.account = o.account AND r.created_at >= ?), (SELECT median(epoch(CAST(resolved_at AS TIMESTAMP))"
        " - epoch(CAST(opened_at AS TIMESTAMP))) FROM disputes d WHERE d.account = o.account AND d.opened_at >= ?)"
        " FROM orders o WHERE created_at >= ? AND status NOT IN ('CANCELED', 'REFUSED') GROUP BY o.account"
    )
    return timed(lambda: con.execute(query, (start, start, start)).fetchall(), runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    orders = 20_000 if args.quick else args.orders
    cache = args.cache or Path(tempfile.gettempdir()) / f"mktcrm-bench-kpi-{orders}.db"
    if not cache.exists():
        print(f"building {cache} ({orders} orders)…", file=sys.stderr)
        build(cache, orders)
    home = home_for(cache)
    env = {**os.environ, "MKTCRM_HOME": str(home)}
    argv = [*mktcrm_argv(), "kpi", "--period", "365d", "--json"]
    run = lambda extra=(): subprocess.run([*argv, *extra], env=env, check=True, capture_output=True)  # noqa: E731
    run()
    plain = timed(run, args.runs)
    compare = timed(lambda: run(("--compare",)), args.runs)
    startup = timed(lambda: subprocess.run([*mktcrm_argv(), "--version"], check=True, capture_output=True), args.runs)
    inner, inner_compare = in_process(cache, args.runs)
    start = (datetime.now(UTC) - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    db = sqlite3.connect(cache)
    floor = timed(
        lambda: db.execute("SELECT count(*), sum(total_minor) FROM orders WHERE created_at >= ?", (start,)).fetchall(),
        args.runs,
    )
    results = [("`mktcrm kpi --period 365d --json` (subprocess)", plain), ("… `--compare`", compare)]
    results += [("KPI computation in-process (`kpi_view.run`)", inner), ("… `--compare`", inner_compare)]
    results += [("start-up: `mktcrm --version` (subprocess)", startup)]
    results.append(("floor: one-table count/sum scan (in-process)", floor))
    duck = duckdb_reference(db, start, args.runs)
    if duck:
        results.append(("DuckDB, same order/review/dispute figures (in-memory, in-process)", duck))
    base = statistics.median(duck or floor)
    print(f"\nKPI over 365 days, {orders:,} orders in the cache, median of {args.runs} runs\n")
    print("| what | median ms | × reference |\n|---|---:|---:|")
    for name, times in results:
        med = statistics.median(times)
        print(f"| {name} | {1000 * med:.1f} | {med / base:.1f} |")
    ratio = statistics.median(compare) / statistics.median(plain)
    inner_ratio = statistics.median(inner_compare) / statistics.median(inner)
    print(f"\n`--compare` / plain: {ratio:.2f}× (subprocess), {inner_ratio:.2f}× (in-process)")


if __name__ == "__main__":
    main()
