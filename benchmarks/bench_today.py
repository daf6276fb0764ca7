"""`mktcrm today` against the commands it is made of, on one demo cache, in the same run.

    python benchmarks/bench_today.py              # demo with 3,000 orders per operator, 7 runs each
    python benchmarks/bench_today.py --quick      # 300 orders, 3 runs

`today` reads the cache only: the due list, unanswered 1-2 star reviews, disputes awaiting the seller, open
tasks, the KPI limits twice (the period ending now and the one ending 24 h earlier) and the last sync run.
Baselines, timed in the same run: the start-up of a command that reads one row (`orders list --limit 1`), and
`kpi --limits` (one KPI pass). Prints a markdown table with medians and ratios; never asserts on times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _util import mktcrm_argv

COMMANDS = {
    "orders list --limit 1 --json (start-up baseline)": ["orders", "list", "--limit", "1", "--json"],
    "kpi --limits --json (one KPI pass)": ["kpi", "--limits", "--json"],
    "due --json": ["due", "--json"],
    "today --json": ["today", "--json"],
}


def median_ms(argv: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True, timeout=600)
        if i:  # the first run warms the page cache
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    orders, runs = (300, 3) if args.quick else (3000, 7)
    base = mktcrm_argv()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "demo"
        env = {**os.environ, "MKTCRM_HOME": str(home)}
        print(f"building the demo cache ({orders} orders per operator)…", file=sys.stderr)
        subprocess.run([*base, "demo", "--home", str(home), "--orders", str(orders)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600)  # fmt: skip
        times = {name: median_ms([*base, *argv], env, runs) for name, argv in COMMANDS.items()}
    start_up = times["orders list --limit 1 --json (start-up baseline)"]
    kpi = times["kpi --limits --json (one KPI pass)"]
    print(f"| command ({orders} orders per operator, median of {runs}) | ms | × start-up | × kpi --limits |")
    print("|---|---|---|---|")
    for name, ms in times.items():
        print(f"| `{name}` | {ms:.0f} | {ms / start_up:.2f} | {ms / kpi:.2f} |")


if __name__ == "__main__":
    main()
