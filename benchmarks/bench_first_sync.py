"""First-sync speed of Mirakl evaluations (OR51 per order): sequential against concurrent, in the same run.

Run with the interpreter that has mktcrm installed:

    python benchmarks/bench_first_sync.py             # 2,000 orders, 20 ms per answer
    python benchmarks/bench_first_sync.py --orders 500 --latency-ms 10

`mktcrm sandbox serve --latency-ms L` stands in for the network (the threaded server overlaps answers as
a real one does); `mktcrm sync leclerc --stream reviews --json` then runs as a subprocess in a fresh
MKTCRM_HOME, once with `[sync] concurrency = 1` (the baseline: one OR51 after the other, as before) and
once per concurrency asked. Prints a markdown table with the ratio to the baseline; never asserts on times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w
from _util import mktcrm_argv
from bench_sync import ACCOUNT, ANCHOR, KEY, KEY_ENV, SYNC_TIMEOUT_S, log, run_measured


def serve(orders: int, latency_ms: int, env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    argv = [*mktcrm_argv(), "sandbox", "serve", "--port", "0", "--operator", ACCOUNT, "--orders", str(orders)]
    argv += ["--anchor", ANCHOR, "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        match = re.search(r"Serving on 127\.0\.0\.1:(\d+)", line)
        if match:
            return proc, int(match.group(1))
    raise RuntimeError("sandbox server exited before serving")


def sync(url: str, concurrency: int, env: dict[str, str]) -> tuple[float, int]:
    """(seconds, reviews stored) of one first sync of the reviews stream."""
    with tempfile.TemporaryDirectory() as home:
        config = {
            "sync": {"page_size": 100, "concurrency": concurrency},
            "accounts": [{"name": ACCOUNT, "marketplace": "mirakl", "base_url": url, "api_key_env": KEY_ENV}],
        }
        Path(home, "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
        measured = run_measured(
            [*mktcrm_argv(), "sync", ACCOUNT, "--stream", "reviews", "--quiet", "--json"],
            {**env, "MKTCRM_HOME": home},
            SYNC_TIMEOUT_S,
        )
        if measured.returncode != 0:
            raise RuntimeError(f"sync exited {measured.returncode}: {measured.stderr[-2000:]}")
        stream = json.loads(measured.stdout)["accounts"][0]["streams"][0]
        return measured.seconds, int(stream["records"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 8])
    args = parser.parse_args()
    env = {**os.environ, KEY_ENV: KEY}
    proc, port = serve(args.orders, args.latency_ms, env)
    try:
        url = f"http://127.0.0.1:{port}/{ACCOUNT}"
        rows = []
        for workers in [1, *args.concurrency]:
            started = time.perf_counter()
            seconds, reviews = sync(url, workers, env)
            log(f"concurrency {workers}: {reviews} reviews in {seconds:.1f} s ({time.perf_counter() - started:.1f})")
            rows.append((workers, seconds, reviews))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    base = rows[0][1]
    print(f"\n{args.orders} orders, {args.latency_ms} ms per answer, page size 100\n")
    print("| concurrency | seconds | reviews | speed-up vs sequential |")
    print("|---|---|---|---|")
    for workers, seconds, reviews in rows:
        print(f"| {workers} | {seconds:.1f} | {reviews} | {base / seconds:.1f}× |")
    if len({r[2] for r in rows}) != 1:
        sys.exit("the runs stored different numbers of reviews")


if __name__ == "__main__":
    main()
