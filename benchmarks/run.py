"""Issue 14's whole table in one run: each figure next to its baseline measured in the same run.

Run with the interpreter that has mktcrm installed (`pip install -e '.[bench]'` adds sqlite-utils):

    python benchmarks/run.py            # 100,000-order sync, 200k vs 10k memory, 1,000-order demo (~5 min)
    python benchmarks/run.py --quick    # small sizes, a few seconds: the suite's smoke test
    python benchmarks/run.py --suite    # also times the test suite (minutes)

Start-up is timed on a small `mktcrm demo` cache (5 accounts, 20 orders each); bytes per order on a
1,000-order-per-account one.

Start-up commands run interleaved with `python -c "import typer"` (medians of paired runs), with bytecode
caches written to the work folder: a real install has them, and the checkout's PYTHONDONTWRITEBYTECODE would
otherwise make every run recompile mktcrm. Syncs run over loopback HTTP against `mktcrm sandbox serve` in its
own process, so the figures are the client's, not the sandbox's. Prints a markdown table on stdout and
progress on stderr; never asserts on times, exits 0 unless a measured command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import bench_sync as bs
from _util import mktcrm_argv


@dataclass
class Figure:
    name: str
    baseline: str
    value: float | None
    shown: str
    goal: str
    reached: bool | None


def log(message: str) -> None:
    print(f"[run {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_env(work: Path) -> dict[str, str]:
    env = {**os.environ, bs.KEY_ENV: bs.KEY, "NO_COLOR": "1", "PYTHONPYCACHEPREFIX": str(work / "pyc")}
    for var in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME", "MKTCRM_HOME"):
        env.pop(var, None)
    return env


def demo_cache(work: Path, orders: int, env: dict[str, str]) -> Path:
    """A cache filled by `mktcrm demo` (every marketplace's sandbox, all streams): the "small cache"."""
    home = work / f"demo{orders}"
    subprocess.run(
        [*mktcrm_argv(), "demo", "--home", str(home), "--orders", str(orders)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return home


def startup(home: Path, runs: int, env: dict[str, str]) -> dict[str, float]:
    """Median ms of each command, rounds interleaved so load changes hit every command alike."""
    cli = mktcrm_argv()
    commands = {
        "typer": [sys.executable, "-c", "import typer"],
        "--help": [*cli, "--help"],
        "orders list --json": [*cli, "orders", "list", "--json"],
        "kpi --json": [*cli, "kpi", "--json"],
    }
    env = {**env, "MKTCRM_HOME": str(home)}
    samples: dict[str, list[float]] = {k: [] for k in commands}
    for i in range(runs + 2):  # two warm-up rounds write the bytecode caches
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if i >= 2:
                samples[name].append((time.perf_counter() - start) * 1000)
    return {k: statistics.median(v) for k, v in samples.items()}


def http_sync(work: Path, label: str, orders: int, env: dict[str, str]) -> tuple[bs.SyncResult, Path]:
    """`mktcrm sync --stream orders` of `orders` sandbox orders served by another process."""
    server = bs.Server(orders, 1, env)
    try:
        home = work / label
        bs.write_home(home, server.url)
        result = bs.sync_once(label, "first", home, env)
    finally:
        server.stop()
    if result.records != orders:
        raise RuntimeError(f"{label}: synced {result.records} orders, expected {orders}")
    return result, home / "mktcrm.db"


def sqlite_utils_upsert(replay: bs.Replay, source: Path, target: Path) -> float | None:
    """sqlite-utils `upsert_all` of the orders, one 100-row transaction per page, same schema, WAL + NORMAL."""
    try:
        import sqlite_utils
    except ImportError:
        return None
    src = sqlite3.connect(source)
    schema = [
        sql
        for (sql,) in src.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'orders' AND type IN ('table', 'index') AND sql IS NOT NULL"
            " ORDER BY type DESC"
        )
    ]
    pk = [r[1] for r in sorted(src.execute("PRAGMA table_info(orders)"), key=lambda r: r[5]) if r[5]]
    src.close()
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for sql in schema:
        conn.execute(sql)
    table = sqlite_utils.Database(conn)["orders"]

    def load() -> None:
        for i in range(0, len(replay.orders), bs.BATCH):
            with conn:
                table.upsert_all(replay.orders[i : i + bs.BATCH], pk=pk, batch_size=bs.BATCH)  # type: ignore[union-attr]

    seconds = bs.timed(load)
    conn.close()
    return seconds


def suite_seconds(env: dict[str, str]) -> float:
    root = Path(__file__).resolve().parents[1]
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def ratio_figure(name: str, baseline: str, value: float, goal: float, at_most: bool, unit: str = "×") -> Figure:
    reached = value <= goal if at_most else value >= goal
    sign = "≤" if at_most else "≥"
    return Figure(name, baseline, value, f"{value:.2f}{unit}", f"{sign} {goal:g}{unit}", reached)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds: a smoke test")
    parser.add_argument("--suite", action="store_true", help="also time the test suite")
    parser.add_argument("--runs", type=int, default=None, help="paired start-up rounds (default 15, quick 2)")
    parser.add_argument("--orders", type=int, default=None, help="orders in the throughput sync (default 100000)")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 15)
    sync_n, small_n, big_n, demo_n = (300, 100, 400, 20) if args.quick else (100_000, 10_000, 200_000, 1000)
    sync_n = args.orders or sync_n

    work = Path(tempfile.mkdtemp(prefix="mktcrm-bench-run-"))
    env = run_env(work)
    figures: list[Figure] = []
    try:
        # First, while this process is small: a child started by vfork/exec inherits its parent's RSS high-water mark.
        log(f"peak RSS: {small_n} then {big_n} orders over loopback HTTP…")
        small, _ = http_sync(work, "small", small_n, env)
        big, _ = http_sync(work, "big", big_n, env)
        fig = ratio_figure(
            f"peak RSS, sync of {big_n:,} vs {small_n:,} orders",
            f"the {small_n:,}-order sync",
            big.measured.rss_mib / small.measured.rss_mib,
            1.2,
            True,
        )
        fig.shown += f" ({big.measured.rss_mib:.0f} vs {small.measured.rss_mib:.0f} MiB)"
        memory = [fig]
        memory.append(
            Figure(
                f"peak RSS, sync of {big_n:,} orders",
                "—",
                big.measured.rss_mib,
                f"{big.measured.rss_mib:.0f} MiB",
                "≤ 60 MiB",
                big.measured.rss_mib <= 60,
            )
        )

        log("small demo cache (5 accounts, 20 orders each)…")
        small_demo = demo_cache(work, 20, env)
        log(f"start-up, {runs} interleaved rounds…")
        ms = startup(small_demo, runs, env)
        for name, goal in (("--help", 1.5), ("orders list --json", 1.5), ("kpi --json", 1.5)):
            fig = ratio_figure(f"`mktcrm {name}`", '`python -c "import typer"`', ms[name] / ms["typer"], goal, True)
            fig.shown += f" ({ms[name]:.0f} vs {ms['typer']:.0f} ms)"
            figures.append(fig)

        log(f"sync of {sync_n} orders over loopback HTTP…")
        synced, db_path = http_sync(work, "sync", sync_n, env)
        rate = synced.records / synced.account_seconds
        replay = bs.load_replay(db_path)
        plain = bs.plain_executemany(replay, db_path, work / "plain.db", None)
        fig = ratio_figure(
            "sync orders/s", "stdlib `executemany`, orders only, 1 transaction", rate * plain / sync_n, 0.5, False
        )
        fig.shown += f" ({rate:,.0f} vs {sync_n / plain:,.0f}/s)"
        figures.append(fig)
        su = sqlite_utils_upsert(replay, db_path, work / "su.db")
        if su is None:
            figures.append(Figure("sync orders/s", "sqlite-utils `upsert_all`", None, "not installed", "> 1×", None))
        else:
            fig = ratio_figure(
                "sync orders/s", "sqlite-utils `upsert_all`, 100-row transactions", rate * su / sync_n, 1.0, False
            )
            fig.shown += f" ({rate:,.0f} vs {sync_n / su:,.0f}/s)"
            figures.append(fig)

        figures += memory
        log(f"demo cache ({demo_n} orders per operator)…")
        demo = demo_cache(work, demo_n, env) if demo_n != 20 else small_demo
        stats = subprocess.run(
            [*mktcrm_argv(), "db", "stats", "--json"],
            env={**env, "MKTCRM_HOME": str(demo)},
            check=True,
            capture_output=True,
            text=True,
        )
        rows = json.loads(stats.stdout)
        orders = next(r["rows"] for r in rows if r["table"] == "orders")
        file_bytes = (demo / "mktcrm.db").stat().st_size
        per_order = file_bytes / orders / 1024
        figures.append(
            Figure(
                "cache size per order (lines, reviews, disputes, buyers included)",
                f"`mktcrm demo` cache, {orders:,} orders",
                per_order,
                f"{per_order:.2f} KiB",
                "≤ 1.5 KB",
                per_order * 1024 <= 1500,
            )
        )
        if args.suite:
            log("test suite…")
            seconds = suite_seconds({k: v for k, v in env.items() if k != bs.KEY_ENV})
            figures.append(
                Figure("test suite", "39 s (issue 14)", seconds, f"{seconds:.0f} s", "≤ 19.5 s", seconds <= 19.5)
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    size = "quick (smoke sizes: not the goals' sizes)" if args.quick else "full"
    print(f"Issue 14 figures, {size} run, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}\n")
    print("| figure | baseline (same run) | measured | goal | reached |")
    print("|---|---|---:|---|---|")
    for f in figures:
        mark = "—" if f.reached is None else ("yes" if f.reached else "no")
        print(f"| {f.name} | {f.baseline} | {f.shown} | {f.goal} | {mark} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
