"""Real processes: loopback HTTP to `mktcrm sandbox serve`, kill -9 and Ctrl-C mid-sync, `| head`, the demo."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ANCHOR, Home, cli, mirakl_account


@pytest.fixture
def served(home: Home) -> Iterator[str]:
    """`mktcrm sandbox serve` on a free loopback port; yields the operator's base URL."""
    args = ["sandbox", "serve", "--port", "0", "--operator", "shop1", "--orders", "300", "--seed", "3"]
    proc = cli(*args, "--anchor", ANCHOR, "--latency-ms", "15", env={})
    assert proc.stderr is not None
    port = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        match = re.search(r"Serving on 127\.0\.0\.1:(\d+)", line)
        if match:
            port = match.group(1)
            break
    assert port, "sandbox server did not start"
    yield f"http://127.0.0.1:{port}/shop1"
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _orders(db: Path) -> int:
    try:
        con = sqlite3.connect(db, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM orders").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def _start_sync_and_wait_for_a_page(home: Home) -> subprocess.Popen[str]:
    proc = cli("sync", "--stream", "orders", env={"MKTCRM_HOME": str(home.path)})
    deadline = time.monotonic() + 30
    while _orders(home.db_path) < 20 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "sync finished before it could be interrupted"
    return proc


def test_sync_over_loopback_http_survives_kill_9_and_resumes(home: Home, served: str) -> None:
    home.configure([mirakl_account("shop1", base_url=served)])
    proc = _start_sync_and_wait_for_a_page(home)
    proc.kill()
    proc.wait(timeout=10)
    con = sqlite3.connect(home.db_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    resume = json.loads(con.execute("SELECT resume FROM sync_state WHERE stream = 'orders'").fetchone()[0])
    con.close()
    assert kept % 10 == 0 and 0 < kept < 300  # whole pages only
    assert resume["token"] == kept
    rebuilt = {r["table"]: r for r in json.loads(home.ok("db", "rebuild", "--json").stdout)}
    assert rebuilt["kpi_order_days"]["rows"] > 0  # the rollups of the killed page died with its rows
    assert all(r["changed"] == 0 for r in rebuilt.values())

    result = home.run("sync", "--stream", "orders", "--json")
    assert result.exit_code == 0, result.stderr
    stream = json.loads(result.stdout)["accounts"][0]["streams"][0]
    assert stream["resumed"] is True and stream["records"] == 300 - kept
    assert home.count("orders") == 300
    assert home.sql("SELECT status FROM sync_runs ORDER BY id") == [("killed",), ("ok",)]  # none left `running`


def test_ctrl_c_mid_sync_is_exit_130_and_keeps_committed_pages(home: Home, served: str) -> None:
    home.configure([mirakl_account("shop1", base_url=served)])
    proc = _start_sync_and_wait_for_a_page(home)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "Interrupted" in err and "Traceback" not in err
    assert home.sql("SELECT status FROM sync_runs") == [("interrupted",)]
    assert home.count("orders") % 10 == 0


def test_closed_pipe_is_a_quiet_success(synced: Home) -> None:
    for _ in range(6):  # enough rows to overflow a pipe buffer
        synced.ok("sync", "--full", "--quiet")
    proc = cli("reviews", "list", "--format", "jsonl", env={"MKTCRM_HOME": str(synced.path)})
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    proc.wait(timeout=20)
    assert json.loads(first)["account"] == "shop1"
    assert proc.returncode == 0
    assert proc.stderr is not None and proc.stderr.read() == ""


def test_demo_runs_in_a_throwaway_home(home: Home, tmp_path: Path) -> None:
    demo_home = tmp_path / "demo"
    result = home.ok("demo", "--home", str(demo_home))
    assert f"MKTCRM_HOME={demo_home}" in result.stderr
    assert re.search(r"^total\tall\t\d+", result.stdout, re.M)
    assert not (home.path / "config.toml").exists()  # never the user's config
    assert (demo_home / "secrets.toml").stat().st_mode & 0o077 == 0
    listed = home.run("reviews", "list", "--json", env={"MKTCRM_HOME": str(demo_home)})
    assert {r["account"] for r in json.loads(listed.stdout)} == {
        "intermarche",
        "leclerc",
        "amazon-fr",
        "ebay-fr",
        "etsy",
    }
    con = sqlite3.connect(demo_home / "mktcrm.db")
    names = {r[0] for r in con.execute("SELECT DISTINCT account FROM orders")}
    states = dict(con.execute("SELECT state, count(*) FROM replies GROUP BY state").fetchall())
    assert states.get("sent", 0) >= 1 and states.get("queued", 0) >= 1  # eBay API replies, and tasks elsewhere
    assert con.execute("SELECT count(*) FROM tasks WHERE state = 'open'").fetchone()[0] == states["queued"]
    assert "PII-EMAIL" in result.stderr and "never sent" in result.stderr
    con.close()
    assert names == {"intermarche", "leclerc", "amazon-fr", "ebay-fr", "etsy"}
    (demo_home / "notes.txt").write_text("mine", encoding="utf-8")
    again = home.ok("demo", "--home", str(demo_home), "--orders", "20")  # a demo home is built again
    assert (demo_home / "notes.txt").read_text(encoding="utf-8") == "mine"  # only the demo's own files go
    rebuilt = sqlite3.connect(demo_home / "mktcrm.db")
    assert rebuilt.execute("SELECT count(*) FROM orders WHERE account = 'leclerc'").fetchone()[0] == 20
    rebuilt.close()
    assert f"MKTCRM_HOME={demo_home}" in again.stderr


def test_sandbox_serve_prints_shell_values_quoted(home: Home) -> None:
    """`export NAME=value` lines paste into bash as is: a `|` in a sandbox token never starts a pipe."""
    from mktcrm.sandbox.accounts import sandbox_account

    proc = cli("sandbox", "serve", "--port", "0", "--sandbox", "amazon/amazon-fr", "--orders", "1", env={})
    assert proc.stderr is not None
    exports: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.startswith("# export "):
            exports.append(line[2:].rstrip("\n"))
        if "Serving on" in line:
            break
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    _account, secrets = sandbox_account("amazon", "amazon-fr", "orders=1")
    assert any("|" in value for value in secrets.values())  # the trap the quoting is for
    assert len(exports) == len(secrets)
    script = "; ".join(exports) + "; " + "; ".join(f'printf "%s\\n" "${name}"' for name in secrets)
    shell = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert shell.stdout.splitlines() == list(secrets.values()) and shell.stderr == ""
