"""Issue 15's costs, each against its own baseline in the same run: shell completion and sync's new/changed counts.

    python benchmarks/bench_shell.py            # 15 runs per command; a demo of 1,500 orders per operator
    python benchmarks/bench_shell.py --quick    # 3 runs, 300 orders: a smoke check

1. Start-up with completion on (as shipped) against the same code with Typer's completion options switched
   off (`app._add_completion = False` before `main()`), both started as `python -c …`: `mktcrm --help` and
   `mktcrm orders list --json` on a demo cache. Then what a Tab costs (`_MKTCRM_COMPLETE=complete_bash`).
2. `mktcrm sync` with the new/changed count (`TableRows.write`: one `SELECT count(*) … IN (ids)` per page and
   the upsert's row count) against the same sync with the writes as they were (plain upserts, patched in),
   a first sync and a `sync --full` that finds nothing changed.

Prints markdown tables on stdout, progress on stderr; never asserts on absolute times.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = "import sys; sys.argv = ['mktcrm', *sys.argv[1:]]\nimport mktcrm.cli as c\n{toggle}c.main()"
SHIPPED = RUN.format(toggle="")
NO_COMPLETION = RUN.format(toggle="c.app._add_completion = False\n")
OLD_WRITES = RUN.format(
    toggle=(
        "from mktcrm.sync import tables\n"
        "def write(self, records):\n"
        "    for table, rows in self.rows(records).items():\n"
        "        self.store.upsert(table, rows)\n"
        "    return 0, 0\n"
        "tables.TableRows.write = write\n"
    )
)


def log(message: str) -> None:
    print(f"[bench_shell {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median_ms(argv: list[str], env: dict[str, str], runs: int, warmups: int) -> float:
    samples = []
    for i in range(warmups + runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv} exited {proc.returncode}: {proc.stderr.decode()[-400:]}")
        if i >= warmups:
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


Run = tuple[list[str], dict[str, str]]  # argv and its environment


def paired_ms(first: Run, second: Run, runs: int, warmups: int) -> tuple[float, float]:
    """Medians of two commands timed alternately, so a load change on the shared machine hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(median_ms(*first, 1, warmups if not a else 0))
        b.append(median_ms(*second, 1, warmups if not b else 0))
    return statistics.median(a), statistics.median(b)


def startup(home: Path, runs: int, warmups: int) -> None:
    env = {**os.environ, "MKTCRM_HOME": str(home), "NO_COLOR": "1"}
    py = sys.executable
    base = median_ms([py, "-c", "pass"], env, runs, warmups)
    print(f"Start-up, median of {runs} runs, off and on alternating (`python -c pass` = {base:.1f} ms)\n")
    print("| command | completion off ms | completion on ms | on / off |")
    print("|---|---:|---:|---:|")
    for args in (["--help"], ["orders", "list", "--json"]):
        log(f"timing {' '.join(args)}…")
        off, on = paired_ms(([py, "-c", NO_COMPLETION, *args], env), ([py, "-c", SHIPPED, *args], env), runs, warmups)
        print(f"| `mktcrm {' '.join(args)}` | {off:.1f} | {on:.1f} | {on / off:.2f} |")
    print("\nOne Tab (`_MKTCRM_COMPLETE=complete_bash`), against `mktcrm config path` in the same run (both parse")
    print("the root options, which loads Typer's type adapters; `--help` exits before that):\n")
    print("| completing | median ms | `config path` ms | × `config path` |")
    print("|---|---:|---:|---:|")
    dispute = "LEC01939925-A-1"
    for line in (
        "mktcrm d",
        "mktcrm orders list --account l",
        "mktcrm disputes show thr",
        f"mktcrm disputes resolve {dispute} --reason ",
    ):
        words = line.split() + ([""] if line.endswith(" ") else [])
        tab = {**env, "_MKTCRM_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
        log(f"timing Tab on {line!r}…")
        ms, helped = paired_ms(([py, "-c", SHIPPED], tab), ([py, "-c", SHIPPED, "config", "path"], env), runs, warmups)
        print(f"| `{line}<Tab>` | {ms:.1f} | {helped:.1f} | {ms / helped:.2f} |")


def sync_runs(demo: Path, work: Path, runs: int) -> None:
    """`mktcrm sync` of the demo's five sandbox accounts: a first sync into an empty cache, then `sync --full`
    (everything re-read, nothing changed), with the new/changed count (shipped) and with the writes as before
    it (`TableRows.write` patched back to plain upserts), alternating, each in a fresh copy of the home."""
    env = {**os.environ, "NO_COLOR": "1"}
    py = sys.executable
    timings: dict[str, dict[str, list[float]]] = {label: {"first": [], "full": []} for label in ("before", "after")}
    for run in range(runs):
        for label, code in (("before", OLD_WRITES), ("after", SHIPPED)):
            home = work / f"sync-{label}-{run}"
            home.mkdir()
            for name in ("config.toml", "secrets.toml"):
                shutil.copy2(demo / name, home / name)
            for step, args in (("first", ["sync", "--quiet"]), ("full", ["sync", "--full", "--quiet"])):
                start = time.perf_counter()
                subprocess.run([py, "-c", code, *args], env={**env, "MKTCRM_HOME": str(home)}, check=True)
                timings[label][step].append(time.perf_counter() - start)
            shutil.rmtree(home)
        log(f"sync run {run + 1}/{runs} done")
    print(f"\n`mktcrm sync` of the demo's 5 sandbox accounts, median of {runs} runs each, alternating:\n")
    print("| writes | first sync s | `sync --full`, nothing changed s |")
    print("|---|---:|---:|")
    before = {step: statistics.median(v) for step, v in timings["before"].items()}
    for label, text in (("before", "plain upserts (before)"), ("after", "with new/changed count (after)")):
        med = {step: statistics.median(v) for step, v in timings[label].items()}
        print(
            f"| {text} | {med['first']:.2f} ({med['first'] / before['first']:.2f}×)"
            f" | {med['full']:.2f} ({med['full'] / before['full']:.2f}×) |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs, warmups, orders = (3, 1, 300) if args.quick else (15, 2, 1500)
    home = Path(tempfile.mkdtemp(prefix="mktcrm-bench-shell-"))
    try:
        log("building a demo home…")
        demo = home / "demo"
        argv = [sys.executable, "-m", "mktcrm", "demo", "--home", str(demo), "--orders", str(orders)]
        subprocess.run(argv, check=True, capture_output=True)
        startup(demo, runs, warmups)
        sync_runs(demo, home, max(3, runs // 5))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
