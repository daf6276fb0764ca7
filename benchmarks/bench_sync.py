"""Throughput of `mktcrm sync --stream orders`: in-process sandbox vs loopback HTTP, against SQLite baselines.

Run with the interpreter that has mktcrm installed:

    python benchmarks/bench_sync.py                   # 100,000 orders (a few minutes on 2 cores)
    python benchmarks/bench_sync.py --quick           # 2,000 orders, a few seconds: a smoke check
    python benchmarks/bench_sync.py --orders 20000 --keep

Each sync runs `mktcrm sync leclerc --stream orders --quiet --json` as a subprocess in a fresh MKTCRM_HOME;
its peak RSS comes from os.wait4 on that very process. The baselines replay the rows of the synced cache
into fresh databases with the same schema. Prints markdown tables on stdout, progress on stderr, and never
asserts on absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _util import mktcrm_argv

ACCOUNT = "leclerc"
KEY_ENV = "MKTCRM_LECLERC_API_KEY"
KEY = "sandbox-leclerc-key"
ANCHOR = "2026-11-24"
SYNC_TIMEOUT_S = 600
SERVE_TIMEOUT_S = 300
BATCH = 100  # rows per transaction in the baselines: the sync commits one 100-order page at a time


def log(message: str) -> None:
    print(f"[bench_sync {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Measured:
    """One subprocess run: wall clock, peak RSS of that process, exit code and output."""

    seconds: float
    rss_mib: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(argv: list[str], env: dict[str, str], timeout: float) -> Measured:
    """Run argv to completion (killed after `timeout` s); peak RSS via os.wait4 on its pid."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            assert proc.stdout is not None
            out = proc.stdout.read()
            _pid, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return Measured(seconds, usage.ru_maxrss / 1024, proc.returncode, out.decode(errors="replace"), stderr)


def write_home(home: Path, base_url: str) -> None:
    """A one-account config (page_size 100, the maximum) in a new MKTCRM_HOME; the key comes from the env."""
    home.mkdir(parents=True)
    (home / "config.toml").write_text(
        "[defaults]\n"
        'currency = "EUR"\n'
        'timezone = "Europe/Paris"\n\n'
        "[sync]\n"
        "page_size = 100\n\n"
        "[[accounts]]\n"
        f'name = "{ACCOUNT}"\n'
        'marketplace = "mirakl"\n'
        f'base_url = "{base_url}"\n'
        f'api_key_env = "{KEY_ENV}"\n'
    )


@dataclass
class SyncResult:
    label: str
    run: str
    measured: Measured
    records: int
    pages: int
    account_seconds: float


def sync_once(label: str, run: str, home: Path, env: dict[str, str]) -> SyncResult:
    """One `mktcrm sync` of the orders stream; fails loudly if the report is not ok."""
    argv = [*mktcrm_argv(), "sync", ACCOUNT, "--stream", "orders", "--quiet", "--json"]
    log(f"{label}: {run} sync…")
    measured = run_measured(argv, {**env, "MKTCRM_HOME": str(home)}, SYNC_TIMEOUT_S)
    if measured.returncode != 0:
        raise RuntimeError(f"{label} sync exited {measured.returncode}: {measured.stderr[-2000:]}")
    report = json.loads(measured.stdout)
    account = report["accounts"][0]
    stream = account["streams"][0]
    if report["status"] != "ok" or stream["status"] != "ok":
        raise RuntimeError(f"{label} sync not ok: {measured.stdout[-2000:]}")
    log(f"{label}: {run}: {stream['records']} records, {stream['pages']} pages in {measured.seconds:.1f} s")
    return SyncResult(label, run, measured, stream["records"], stream["pages"], float(account["seconds"]))


class Server:
    """`mktcrm sandbox serve` as a subprocess: started, waited for, stopped (SIGINT, then kill)."""

    def __init__(self, orders: int, seed: int, env: dict[str, str]) -> None:
        argv = [*mktcrm_argv(), "sandbox", "serve", "--port", "0", "--operator", ACCOUNT]
        argv += ["--orders", str(orders), "--seed", str(seed), "--anchor", ANCHOR]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        self.port = self._wait_ready(SERVE_TIMEOUT_S)
        self.startup_seconds = time.perf_counter() - self.started
        self.peak_rss_mib: float | None = None

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def _wait_ready(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise RuntimeError(f"sandbox server not ready after {timeout:.0f} s")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.stop()
                raise RuntimeError(f"sandbox server exited early: {''.join(self.stderr)[-2000:]}")
            self.stderr.append(line)
            match = re.search(r"Serving on 127\.0\.0\.1:(\d+)", line)
            if match:
                return int(match.group(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    def _read_hwm(self) -> None:
        """Peak RSS so far, from /proc (Linux only; None elsewhere)."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            self.peak_rss_mib = int(match.group(1)) / 1024

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self._read_hwm()
        # SIGINT is its documented stop, but a shell without job control starts us with SIGINT ignored.
        for stop in (lambda: self.proc.send_signal(signal.SIGINT), self.proc.terminate, self.proc.kill):
            stop()
            try:
                self.proc.wait(timeout=5)
                return
            except subprocess.TimeoutExpired:
                continue


def time_generation(orders: int, seed: int, env: dict[str, str]) -> tuple[float, float]:
    """Seconds to generate the sandbox data alone (imports excluded), and that process's peak RSS."""
    url = f"sandbox://mirakl/{ACCOUNT}?seed={seed}&orders={orders}&anchor={ANCHOR}"
    code = (
        "import time, mktcrm.connectors.mirakl.sandbox.marketplace\n"
        "from mktcrm.sandbox import open_sandbox\n"
        f"t = time.perf_counter(); s = open_sandbox({url!r}); print(time.perf_counter() - t)\n"
    )
    measured = run_measured([sys.executable, "-c", code], env, SERVE_TIMEOUT_S)
    if measured.returncode != 0:
        raise RuntimeError(f"sandbox generation failed: {measured.stderr[-2000:]}")
    return float(measured.stdout.strip()), measured.rss_mib


# ---- baselines: replay the synced rows into fresh databases -------------------------------------------


@dataclass
class Baseline:
    label: str
    rows: int  # orders written (other tables ride along where the label says so)
    seconds: float
    extra: str = ""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


@dataclass
class Replay:
    """Rows of the synced cache, as the sync's pages would carry them (dicts, 100 orders per page)."""

    orders: list[dict[str, Any]]
    lines_by_order: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    buyers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def pages(self) -> Iterator[dict[str, list[dict[str, Any]]]]:
        for i in range(0, len(self.orders), BATCH):
            chunk = self.orders[i : i + BATCH]
            lines = [line for o in chunk for line in self.lines_by_order.get(o["id"], [])]
            buyers = [
                {**self.buyers[o["buyer_key"]], "first_order_at": o["created_at"]}
                for o in chunk
                if o["buyer_key"] in self.buyers
            ]
            yield {"orders": chunk, "order_lines": lines, "buyers": buyers}


def load_replay(db_path: Path) -> Replay:
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    orders = [dict(r) for r in db.execute("SELECT * FROM orders ORDER BY created_at, id")]
    replay = Replay(orders)
    for r in db.execute("SELECT * FROM order_lines"):
        replay.lines_by_order.setdefault(r["order_id"], []).append(dict(r))
    replay.buyers = {r["buyer_key"]: dict(r) for r in db.execute("SELECT * FROM buyers")}
    db.close()
    return replay


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def plain_executemany(replay: Replay, source: Path, target: Path, batch: int | None) -> float:
    """Plain INSERT of the order tuples into a copy of the orders table (+ its indexes), WAL + NORMAL."""
    src = sqlite3.connect(source)
    schema = [
        sql
        for (sql,) in src.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'orders' AND type IN ('table', 'index') AND sql IS NOT NULL"
            " ORDER BY type DESC"
        )
    ]
    columns = [row[1] for row in src.execute("PRAGMA table_info(orders)")]
    src.close()
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    for sql in schema:
        db.execute(sql)
    params = [tuple(o[c] for c in columns) for o in replay.orders]
    sql = f"INSERT INTO orders ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    size = batch or len(params)

    def load() -> None:
        for i in range(0, len(params), size):
            db.execute("BEGIN")
            db.executemany(sql, params[i : i + size])
            db.execute("COMMIT")

    seconds = timed(load)
    db.close()
    return seconds


def store_upsert(replay: Replay, target: Path, tables: tuple[str, ...], repeat: bool) -> tuple[float, float | None]:
    """mktcrm's Store.upsert into a fresh cache (connect() = migrations, WAL, NORMAL), one page per transaction.

    With `repeat`, the same pages are upserted a second time (nothing changed) and timed separately.
    """
    from mktcrm.db.connect import connect
    from mktcrm.db.store import Store

    db = connect(target)
    store = Store(db)
    pages = list(replay.pages())

    def load() -> None:
        for page in pages:
            with store.transaction():
                for table in tables:
                    store.upsert(table, page[table])

    first = timed(load)
    again = timed(load) if repeat else None
    db.close()
    return first, again


def run_baselines(source: Path, work: Path) -> tuple[list[Baseline], dict[str, int]]:
    log("baselines: reading the synced rows back…")
    replay = load_replay(source)
    n = len(replay.orders)
    counts = {
        "orders": n,
        "order_lines": sum(len(v) for v in replay.lines_by_order.values()),
        "buyers": len(replay.buyers),
    }
    results: list[Baseline] = []
    log("baselines: plain executemany INSERT, one transaction…")
    results.append(
        Baseline(
            "stdlib `executemany` INSERT, orders only, 1 transaction",
            n,
            plain_executemany(replay, source, work / "plain1.db", None),
        )
    )
    log(f"baselines: plain executemany INSERT, {BATCH}-row transactions…")
    results.append(
        Baseline(
            f"stdlib `executemany` INSERT, orders only, {BATCH}-row transactions",
            n,
            plain_executemany(replay, source, work / "plain100.db", BATCH),
        )
    )
    log("baselines: Store.upsert orders…")
    first, _ = store_upsert(replay, work / "upsert_orders.db", ("orders",), repeat=False)
    results.append(Baseline(f"`Store.upsert` orders only, {BATCH}-row transactions", n, first))
    log("baselines: Store.upsert orders + order_lines + buyers, twice…")
    first, again = store_upsert(replay, work / "upsert_page.db", ("orders", "order_lines", "buyers"), repeat=True)
    results.append(
        Baseline(f"`Store.upsert` orders + lines + buyers per {BATCH}-order page (= sync's writes)", n, first)
    )
    assert again is not None
    results.append(Baseline("same, second pass, nothing changed (guarded upsert)", n, again))
    return results, counts


# ---- report --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 orders: a few seconds, a smoke check")
    parser.add_argument("--orders", type=int, default=None, help="orders in the sandbox (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="sandbox data seed (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and print its path")
    args = parser.parse_args()
    orders = args.orders or (2000 if args.quick else 100_000)

    work = Path(tempfile.mkdtemp(prefix="mktcrm-bench-sync-"))
    env = {**os.environ, KEY_ENV: KEY, "NO_COLOR": "1"}
    env.pop("MKTCRM_HOME", None)
    server: Server | None = None
    syncs: list[SyncResult] = []
    try:
        log(f"{orders} orders, work folder {work}")
        gen_seconds, gen_rss = time_generation(orders, args.seed, env)
        log(f"sandbox data generation alone: {gen_seconds:.1f} s, peak RSS {gen_rss:.0f} MiB")

        home_a = work / "inprocess"
        write_home(home_a, f"sandbox://mirakl/{ACCOUNT}?seed={args.seed}&orders={orders}&anchor={ANCHOR}")
        syncs.append(sync_once("in-process sandbox", "first", home_a, env))
        syncs.append(sync_once("in-process sandbox", "incremental", home_a, env))

        log("loopback HTTP: starting `mktcrm sandbox serve`…")
        server = Server(orders, args.seed, env)
        log(f"server ready on port {server.port} after {server.startup_seconds:.1f} s")
        home_b = work / "http"
        write_home(home_b, server.url)
        syncs.append(sync_once("loopback HTTP", "first", home_b, env))
        syncs.append(sync_once("loopback HTTP", "incremental", home_b, env))
        server.stop()

        for s in syncs:
            if s.run == "first" and s.records != orders:
                raise RuntimeError(f"{s.label}: synced {s.records} records, expected {orders}")
        baselines, counts = run_baselines(home_a / "mktcrm.db", work)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(
        f"Sync of {orders:,} sandbox orders (stream `orders`, page_size 100, seed {args.seed}); "
        f"each page also writes order_lines and buyers: {counts['order_lines']:,} lines, "
        f"{counts['buyers']:,} distinct buyers.\n"
    )
    print("| transport | run | records | pages | wall s | orders/s | sync's own s | peak RSS MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for s in syncs:
        m = s.measured
        print(
            f"| {s.label} | {s.run} | {s.records:,} | {s.pages:,} | {m.seconds:.2f} | "
            f"{s.records / m.seconds:,.0f} | {s.account_seconds:.2f} | {m.rss_mib:.0f} |"
        )
    print()
    assert server is not None
    print(
        '"wall s" is the whole `mktcrm sync` process (start-up included); "sync\'s own s" is the account\'s '
        f"`seconds` in the JSON report. Sandbox data generation alone: {gen_seconds:.2f} s (peak RSS "
        f'{gen_rss:.0f} MiB); it happens inside the in-process sync, and inside the server before "Serving" '
        f"for HTTP (server start-up {server.startup_seconds:.1f} s, server peak RSS "
        f"{server.peak_rss_mib or 0:.0f} MiB).\n"
    )
    first_inproc = next(s for s in syncs if s.run == "first")
    first_http = next(s for s in syncs if s.run == "first" and s.label == "loopback HTTP")
    print(
        "| SQLite baseline (same rows, fresh db, WAL, synchronous=NORMAL) | rows | s | orders/s "
        "| in-process sync ÷ baseline | HTTP sync ÷ baseline |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for b in baselines:
        ratio_a = (first_inproc.records / first_inproc.measured.seconds) / b.rate
        ratio_b = (first_http.records / first_http.measured.seconds) / b.rate
        print(f"| {b.label} | {b.rows:,} | {b.seconds:.2f} | {b.rate:,.0f} | {ratio_a:.3f} | {ratio_b:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
