"""Team mode: the KPI computation on PostgreSQL next to SQLite on the same rows, and `db migrate --to` throughput.

    python benchmarks/bench_team.py --url postgresql://USER@127.0.0.1:5432/postgres [--orders 100000]

Builds a cache with bench_kpi's generator (6 accounts, 2 years), copies it into a new database on the server
with the real `db migrate` path (copy.* functions), then times `kpi_view.run` for 365 days (plain and
`--compare`) on both stores in this process, alternating. Prints markdown ratios against SQLite measured in the
same run; never asserts on times. The database it creates is dropped at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench_kpi import ACCOUNTS, build, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL server URL (any database to connect to)")
    parser.add_argument("--orders", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import psycopg

    from mktcrm import connectors
    from mktcrm.config import Account
    from mktcrm.core import kpi_view, team
    from mktcrm.db.connect import connect, connect_url

    cache = Path(tempfile.mkdtemp(prefix="bench-team-")) / "mktcrm.db"
    build(cache, args.orders)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
    target_url = args.url.rsplit("/", 1)[0] + f"/{name}"
    try:
        sqlite_db, pg_db = connect(cache), connect_url(target_url)
        started = time.perf_counter()
        rows = team.migrate_to(sqlite_db, pg_db, lambda table, n: None)
        copy_s = time.perf_counter() - started
        copied = sum(r["source"] for r in rows)
        assert all(r["status"] == "ok" for r in rows), rows
        pg_db.execute("ANALYZE")
        accounts = [Account(name=a, marketplace="mirakl", options={}) for a in ACCOUNTS]
        now = datetime.now(UTC)

        def kpis(db: object, compare: bool) -> object:
            return kpi_view.run(db, accounts, lambda a: connectors.get(a.marketplace), "365d", now, compare=compare)  # type: ignore[arg-type]

        assert kpis(sqlite_db, False) == kpis(pg_db, False), "the two stores disagree"
        times: dict[tuple[str, bool], list[float]] = {}
        for _ in range(args.runs):  # alternate, so load on the machine hits both alike
            for label, db in (("sqlite", sqlite_db), ("postgresql", pg_db)):
                for compare in (False, True):
                    times.setdefault((label, compare), []).extend(timed(lambda db=db, c=compare: kpis(db, c), 1))
        print(f"### Team mode: {args.orders:,} orders ({copied:,} rows), {args.runs} runs, medians\n")
        print("| measure | SQLite | PostgreSQL | ratio PG/SQLite |\n|---|---|---|---|")
        for compare in (False, True):
            a = statistics.median(times[("sqlite", compare)])
            b = statistics.median(times[("postgresql", compare)])
            label = "kpi 365d --compare" if compare else "kpi 365d"
            print(f"| {label} (in-process) | {a * 1000:.0f} ms | {b * 1000:.0f} ms | {b / a:.2f}x |")
        print(f"\n`db migrate --to`: {copied:,} rows in {copy_s:.1f} s ({copied / copy_s:,.0f} rows/s, triggers on).")
        sqlite_db.close()
        pg_db.close()
    finally:
        with psycopg.connect(args.url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
