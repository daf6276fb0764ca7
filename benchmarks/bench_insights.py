"""`mktcrm insights` and `mktcrm report` on a big cache, as ratios to `mktcrm kpi` on the same rows in the same run.

    python benchmarks/bench_insights.py --orders 100000          # builds a cache (bench_kpi's generator)
    python benchmarks/bench_insights.py --cache /tmp/kpi-1m.db    # reuses one

The cache is bench_kpi's (6 Mirakl accounts, 2 years, ~3 lines per order, 0.3 reviews and 0.02 disputes per
order), plus a French sentence on every negative review so the theme lexicon has words to read. Timed in
process (no start-up, no output): `kpi_view.run` for 365 days (the baseline), `insights.run` by account
(themes, with the period before) and by SKU (cohorts), and `report.build` + HTML rendering. Prints markdown;
never asserts on times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench_kpi import ACCOUNTS, build, timed

SENTENCES = (
    "Colis arrivé abîmé, très déçu.",
    "Livraison avec dix jours de retard et sans aucune explication.",
    "Article manquant dans le colis.",
    "Produit non conforme à la photo.",
    "Aucune réponse du vendeur à mes messages.",
    "Je mets à jour mon avis après quelques semaines d'utilisation quotidienne à la maison.",
)


def add_bodies(cache: Path) -> int:
    import sqlite3

    db = sqlite3.connect(cache)
    rng = random.Random(2)
    ids = [r[0:2] for r in db.execute("SELECT account, id FROM reviews WHERE rating <= 2 AND body IS NULL")]
    db.executemany(
        "UPDATE reviews SET body = ? WHERE account = ? AND id = ?",
        [(" ".join(rng.sample(SENTENCES, 2)), a, i) for a, i in ids],
    )
    db.commit()
    total = db.execute("SELECT count(*) FROM reviews WHERE rating <= 2 AND body IS NOT NULL").fetchone()[0]
    db.close()
    return int(total)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="bench-insights-")) / "cache.db"
    if not cache.exists():
        print(f"building {args.orders} orders in {cache}", file=sys.stderr)
        build(cache, args.orders)
    bodies = add_bodies(cache)

    from mktcrm import connectors
    from mktcrm.config import Account
    from mktcrm.core import insights, kpi_view, report, report_html
    from mktcrm.db.connect import connect

    db = connect(cache)
    accounts = [Account(name=a, marketplace="mirakl", options={}) for a in ACCOUNTS]
    now = datetime.now(UTC)
    of = lambda a: connectors.get(a.marketplace)  # noqa: E731

    class App:  # what core.report reads: the cache, the settings' accounts, the clock
        def __init__(self) -> None:
            self.db = db

        @property
        def settings(self) -> object:
            return type("S", (), {"accounts": accounts})()

        def now(self) -> datetime:
            return now

    cases = {
        "kpi 365d (baseline)": lambda: kpi_view.run(db, accounts, of, "365d", now),
        "insights 365d, themes + period before": lambda: insights.run(db, accounts, of, "365d", now),
        "insights 365d --by sku": lambda: insights.run(db, accounts, of, "365d", now, by="sku"),
        "report 30d, built + HTML": lambda: report_html.html(report.build(App(), accounts, of, "30d", now)),  # type: ignore[arg-type]
    }
    results = {name: statistics.median(timed(fn, args.runs)) for name, fn in cases.items()}
    base = results["kpi 365d (baseline)"]
    orders = db.execute("SELECT count(*) FROM orders").fetchone()[0]
    print(f"\n{orders:,} orders, {bodies:,} negative reviews with a body; median of {args.runs} runs, in process\n")
    print("| computation | seconds | × kpi |\n|---|---:|---:|")
    for name, secs in results.items():
        print(f"| {name} | {secs:.3f} | {secs / base:.2f} |")


if __name__ == "__main__":
    main()
