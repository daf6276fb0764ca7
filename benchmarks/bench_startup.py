"""Start-up cost of the mktcrm CLI: median wall clock of short commands, and heavy imports on `--help`.

Run with the interpreter that has mktcrm installed:

    python benchmarks/bench_startup.py            # 15 runs per command
    python benchmarks/bench_startup.py --quick    # 3 runs, a smoke check

Prints markdown tables on stdout; progress on stderr. Never asserts on absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from _util import mktcrm_argv

HEAVY = (
    "httpx",
    "rich",
    "jinja2",
    "tenacity",
    "sqlite3",
    "pydantic",
    "filelock",
    "tomli_w",
    "tabulate",
    "platformdirs",
)
PROBED = (["--help"], ["--version"], ["config", "path"], ["orders", "list", "--json"])

# Runs one mktcrm command in-process, then prints which heavy modules it imported as one JSON line on stderr.
PROBE = """
import json, sys
sys.argv = ["mktcrm", *{args!r}]
from mktcrm.cli import main

try:
    main()
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def time_command(argv: list[str], runs: int, warmups: int, env: dict[str, str]) -> list[float]:
    """Wall-clock milliseconds of `runs` executions of argv, after `warmups` untimed ones."""
    samples: list[float] = []
    for i in range(warmups + runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=60)
        elapsed = (time.perf_counter() - start) * 1000
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
        if i >= warmups:
            samples.append(elapsed)
    return samples


def heavy_modules(args: list[str], env: dict[str, str]) -> list[str]:
    """Heavy third-party (and sqlite3) modules present in sys.modules after `mktcrm ARGS`."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        text=True,
    )
    return list(json.loads(proc.stderr.strip().splitlines()[-1]))


def import_profile(
    args: list[str], env: dict[str, str], wanted: tuple[str, ...]
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Self import time (ms) per top-level package on `mktcrm ARGS`, and the import chain of each wanted module."""
    code = (
        f"import sys; sys.argv=['mktcrm', *{args!r}]\nfrom mktcrm.cli import main\ntry: main()\nexcept SystemExit: pass"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        text=True,
    )
    entries: list[tuple[int, str, float]] = []  # (nesting level, module, self ms), children before parents
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _cum, raw = line.removeprefix("import time:").split("|")
        level = (len(raw) - len(raw.lstrip()) - 1) // 2
        entries.append((level, raw.strip(), int(self_us) / 1000))
    by_package: dict[str, float] = {}
    for _level, name, ms in entries:
        package = name.lstrip("_").split(".")[0]
        by_package[package] = by_package.get(package, 0.0) + ms
    chains: dict[str, list[str]] = {}
    for i, (level, name, _ms) in enumerate(entries):
        if name not in wanted:
            continue
        chain, want = [name], level - 1
        for parent_level, parent, _ in entries[i + 1 :]:
            if parent_level == want:
                chain.append(parent)
                want -= 1
        chains[name] = chain[::-1]
    return by_package, chains


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs, 1 warm-up: a few seconds")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per command (default 15)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 15)
    warmups = 1 if args.quick else 2

    home = tempfile.mkdtemp(prefix="mktcrm-bench-startup-")
    env = {**os.environ, "MKTCRM_HOME": home, "NO_COLOR": "1"}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    cli = mktcrm_argv()
    commands: list[tuple[str, list[str]]] = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ('python -c "import typer"', [sys.executable, "-c", "import typer"]),
        ('python -c "import mktcrm.cli"', [sys.executable, "-c", "import mktcrm.cli"]),
        ("mktcrm --help", [*cli, "--help"]),
        ("mktcrm --version", [*cli, "--version"]),
        ("mktcrm config path", [*cli, "config", "path"]),
        ("mktcrm orders list --json", [*cli, "orders", "list", "--json"]),
        ("mktcrm kpi --json", [*cli, "kpi", "--json"]),
    ]
    try:
        results: list[tuple[str, float, float, float]] = []
        for label, argv in commands:
            print(f"timing {label} ({runs} runs)…", file=sys.stderr, flush=True)
            samples = time_command(argv, runs, warmups, env)
            results.append((label, statistics.median(samples), min(samples), max(samples)))
        heavy = {" ".join(a): heavy_modules(a, env) for a in PROBED}
        profiles = {" ".join(a): import_profile(a, env, HEAVY) for a in PROBED}
    finally:
        shutil.rmtree(home, ignore_errors=True)

    base = results[0][1]
    print(f"Start-up, median of {runs} runs after {warmups} warm-up(s) (Python {sys.version.split()[0]})\n")
    print("| command | median ms | min ms | max ms | × baseline |")
    print("|---|---:|---:|---:|---:|")
    for label, med, lo, hi in results:
        print(f"| `{label}` | {med:.1f} | {lo:.1f} | {hi:.1f} | {med / base:.1f} |")
    print()
    print(f"Heavy modules in sys.modules after the command (checked: {', '.join(HEAVY)}):\n")
    print("| command | heavy modules imported |")
    print("|---|---|")
    for args, names in heavy.items():
        print(f"| `mktcrm {args}` | {', '.join(names) or 'none'} |")
    print()
    for args, names in heavy.items():
        for name in names:
            chain = profiles[args][1].get(name, ["?"])
            print(f"- `mktcrm {args}` imports `{name}` via {' → '.join(chain)}")
    typer_ms = results[1][1]
    print(f'\nAgainst `python -c "import typer"` ({typer_ms:.1f} ms):\n')
    print("| command | × import typer |")
    print("|---|---:|")
    for label, med, _lo, _hi in results[2:]:
        print(f"| `{label}` | {med / typer_ms:.2f} |")
    for args in ("--help", "config path", "orders list --json"):
        by_package = profiles[args][0]
        total = sum(by_package.values())
        print(f"\nImport time of `mktcrm {args}` by package (-X importtime self time summed, total {total:.0f} ms):\n")
        print("| package | ms | share |")
        print("|---|---:|---:|")
        for name, ms in sorted(by_package.items(), key=lambda kv: -kv[1])[:8]:
            print(f"| `{name}` | {ms:.1f} | {ms / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
