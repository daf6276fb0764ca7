"""Batched commits (issue 14): a sync writes pages in batches, each batch's rows and the position after it in one
transaction. A `kill -9` between two batches leaves exactly the rows before the saved position; the resumed run
reads on from there, and the end result equals the marketplace: nothing lost, nothing twice."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ANCHOR, Home, cli
from mktcrm.sandbox import open_sandbox
from mktcrm.sandbox.accounts import sandbox_account
from mktcrm.sandbox.server import serve
from mktcrm.sync import engine

ORDERS = 300  # 30 pages of 10: three batches


@pytest.fixture
def served() -> Iterator[tuple[dict[str, Any], dict[str, str], Any]]:
    query = f"seed=7&orders={ORDERS}&anchor={ANCHOR}"
    account, secrets = sandbox_account("mirakl", "batches", query)
    sandbox = open_sandbox(f"sandbox://mirakl/batches?{query}")
    sandbox.faults.latency_ms = 30  # each page takes a while, so a kill lands between two batches
    server = serve([sandbox], port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    account["base_url"] = server.url_for(sandbox.name)
    try:
        yield account, secrets, sandbox
    finally:
        server.shutdown()
        server.server_close()


def _saved(home: Home) -> tuple[int | None, int]:
    """(the saved resume offset, orders) as another process sees the cache; (None, 0) before it exists."""
    try:
        con = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:
        return None, 0
    try:
        row = con.execute("SELECT resume FROM sync_state WHERE stream = 'orders'").fetchone()
        offset = json.loads(row[0])["token"] if row and row[0] else None
        return offset, con.execute("SELECT count(*) FROM orders").fetchone()[0]
    except sqlite3.OperationalError:  # the cache is still being created
        return None, 0
    finally:
        con.close()


def test_kill_9_between_batches_loses_nothing_and_duplicates_nothing(home: Home, served: Any, tmp_path: Path) -> None:
    account, secrets, _sandbox = served
    assert engine.COMMIT_PAGES < ORDERS // 10  # several batches, or this test proves nothing
    home.configure([account], secrets=secrets)
    proc = cli("sync", "--stream", "orders", "--quiet", env={"MKTCRM_HOME": str(home.path)})
    deadline = time.monotonic() + 60
    offset = None
    while offset is None and proc.poll() is None and time.monotonic() < deadline:
        offset = _saved(home)[0]
        time.sleep(0.005)
    assert proc.poll() is None, "the sync ended before its first batch was seen: raise ORDERS or the latency"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)

    saved, orders = _saved(home)
    assert saved is not None and 0 < saved < ORDERS
    assert orders == saved  # the rows before the saved position, no more, no fewer (one transaction)
    report = json.loads(home.ok("sync", "--stream", "orders", "--json").stdout)
    stream = report["accounts"][0]["streams"][0]
    assert stream["resumed"] is True
    assert stream["records"] == ORDERS - saved  # read on from the saved position, not from the start
    assert (stream["new"], stream["changed"]) == (ORDERS - saved, 0)

    reference = Home(tmp_path / "reference")  # the same marketplace synced without a kill
    reference.path.mkdir()
    reference.configure([account], secrets=secrets)
    done = reference.run("sync", "--stream", "orders", "--quiet", env={"MKTCRM_HOME": str(reference.path)})
    assert done.exit_code == 0, done.stderr
    for query in (
        "SELECT id, status, created_at, total_minor, raw FROM orders ORDER BY id",
        "SELECT order_id, id, sku, quantity, price_minor FROM order_lines ORDER BY order_id, id",
    ):
        assert home.sql(query) == reference.sql(query)
    assert home.count("orders") == ORDERS
    assert home.sql("SELECT count(*) FROM sync_runs WHERE status = 'killed'") == [(1,)]
