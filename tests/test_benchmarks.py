"""benchmarks/run.py --quick, the smoke test of issue 14's table: every figure measured, none left blank."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_run_quick_measures_every_figure_of_the_table(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--runs", "1"], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    rows = [line.split(" | ") for line in out.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    names = [r[0].lstrip("| ") for r in rows[1:]]
    assert names[:3] == ["`mktcrm --help`", "`mktcrm orders list --json`", "`mktcrm kpi --json`"]
    assert sum(n == "sync orders/s" for n in names) == 2
    assert any(n.startswith("peak RSS, sync of 400 vs 100 orders") for n in names)
    assert any(n.startswith("cache size per order") for n in names)
    for row in rows[1:]:
        assert re.search(r"\d", row[2]) or row[2] == "not installed", row  # a figure, never an empty cell
        assert row[4].rstrip(" |") in ("yes", "no", "—")
    assert list(tmp_path.iterdir()) == []  # the work folder is removed
