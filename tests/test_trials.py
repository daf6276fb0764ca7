"""Reliability trials (issue 11): random `kill -9` during a sync and during a bulk reply, over loopback HTTP.

The marketplace is an eBay sandbox behind the same loopback HTTP server `mktcrm sandbox serve` runs,
started in this process so the trial can read the marketplace's truth and inject lost answers (the
request is carried out, the answer is a 503). The CLI runs as a real process and is killed at a random
moment once it has started talking to the marketplace. After every kill: `PRAGMA integrity_check`, every
cached row equal to the sandbox's truth, no reply left failed that the marketplace holds, and no reply
sent to a feedback that already held ours unless it retried its own lost answer (eBay's 409 is not what
keeps it from posting twice). The default run makes 20 kills (under a minute); `pytest -m slow` makes 120.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import ANCHOR, Home, cli
from mktcrm.sandbox import OBSERVERS, open_sandbox
from mktcrm.sandbox.accounts import sandbox_account
from mktcrm.sandbox.server import serve

# A buyer row sums up the orders seen so far (first order date): mid-run only its key is final.
KEY_ONLY_MID_RUN = {"buyers": 2}
SYNCED = ("listings", "buyers", "orders", "order_lines", "reviews", "disputes", "dispute_events")
RESPOND = "/respond_to_feedback"
ORDERS = 200  # per 10 kills
BULK = ("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")


@dataclass
class Marketplace:
    """An eBay sandbox on 127.0.0.1, and what the trial saw of its traffic."""

    sandbox: Any
    account: dict[str, Any]
    secrets: dict[str, str]
    rng: random.Random
    orders: int
    lose: float = 0.0  # chance that the answer after a request is lost (carried out, then 503)
    run: int = 0  # which CLI process is talking (the server only hears one at a time)
    requests: dict[int, int] = field(default_factory=dict)  # run -> requests heard
    posts: list[tuple[int, str, int, bool]] = field(default_factory=list)  # run, feedback id, status, stored
    held: set[str] = field(default_factory=set)  # feedback ids whose reply eBay stored
    lost: int = 0

    def observe(self, sb: Any, request: httpx.Request, response: httpx.Response) -> None:
        if sb is not self.sandbox:
            return
        self.requests[self.run] = self.requests.get(self.run, 0) + 1
        if request.url.path.endswith(RESPOND):
            feedback = str(json.loads(request.content)["feedbackId"])
            stored = feedback not in self.held and bool(sb.reply_of(feedback))  # this very request stored it
            if stored:
                self.held.add(feedback)
            self.posts.append((self.run, feedback, response.status_code, stored))
        if response.status_code == 503:
            self.lost += 1
        if self.lose and self.rng.random() < self.lose:
            sb.faults.lose_response_next = 1


@pytest.fixture
def market(home: Home, request: pytest.FixtureRequest) -> Iterator[Marketplace]:
    orders = ORDERS * max(1, request.node.callspec.params.get("kills", 10) // 10)  # ~5 feedback entries per kill
    query = f"seed=5&orders={orders}&anchor={ANCHOR}"
    account, secrets = sandbox_account("ebay", "ebay-trial", query)
    sandbox = open_sandbox(f"sandbox://ebay/ebay-trial?{query}")
    sandbox.faults.latency_ms = 8
    server = serve([sandbox], port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = server.url_for(sandbox.name)
    account.update({"base_url": url, "apiz_base_url": url, "token_url": url + sandbox.token_path})
    found = Marketplace(sandbox, account, secrets, random.Random(11), orders)
    OBSERVERS.append(found.observe)
    try:
        yield found
    finally:
        OBSERVERS.remove(found.observe)
        server.shutdown()
        server.server_close()


def _rows(db: Path, table: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db, timeout=10)
    try:
        return sorted(tuple(r) for r in con.execute(f"SELECT * FROM {table}"))
    finally:
        con.close()


def _integrity(db: Path) -> str:
    con = sqlite3.connect(db, timeout=10)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def _kill_mid_run(home: Home, market: Marketplace, args: tuple[str, ...], window: float) -> bool:
    """Start the CLI, wait until it talks to the marketplace, kill -9 it at a random moment; True if killed."""
    market.run += 1
    proc = cli(*args, env={"MKTCRM_HOME": str(home.path)})
    deadline = time.monotonic() + 30
    while market.requests.get(market.run, 0) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(market.rng.uniform(0, window))
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    return killed


def sync_trials(home: Home, market: Marketplace, kills: int, tmp_path: Path) -> dict[str, int]:
    """`kills` syncs killed at random; after each, the cache is a sound subset of the truth; at the end, equal."""
    home.configure([market.account], secrets=market.secrets)
    home.ok("reviews", "list")  # the cache exists, with its buyer salt: the reference shares it
    reference = Home(tmp_path / "reference")
    reference.path.mkdir()
    reference.configure([market.account], secrets=market.secrets)
    (reference.path / "mktcrm.db").write_bytes(home.db_path.read_bytes())
    assert reference.run("sync", "--quiet", env={"MKTCRM_HOME": str(reference.path)}).exit_code == 0
    truth = {table: _rows(reference.db_path, table) for table in SYNCED}
    assert len(truth["orders"]) == market.orders and truth["reviews"] and truth["disputes"]
    market.lose = 0.05
    done = tries = 0
    while done < kills and tries < kills * 3:
        tries += 1
        args = ("sync", "--quiet", *(("--full",) if tries % 2 == 0 else ()))
        if not _kill_mid_run(home, market, args, window=1.0):
            continue
        done += 1
        assert _integrity(home.db_path) == "ok"
        for table in SYNCED:
            kept = _rows(home.db_path, table)
            width = KEY_ONLY_MID_RUN.get(table)
            extra = {r[:width] for r in kept} - {r[:width] for r in truth[table]}
            assert not extra, f"trial {done}: {table} holds rows the marketplace does not: {sorted(extra)[:2]}"
            assert len(kept) == len(set(kept))
    assert done == kills, f"only {done} of {tries} syncs were still running when killed"
    market.lose = 0.0
    home.ok("sync", "--quiet")
    for table in SYNCED:
        assert _rows(home.db_path, table) == truth[table], f"{table} differs from the marketplace after resuming"
    assert home.sql("SELECT count(*) FROM sync_runs WHERE status = 'running'") == [(0,)]
    assert home.sql("SELECT count(*) FROM sync_runs WHERE status = 'killed'")[0][0] >= 1
    return {"kills": done, "lost": market.lost, "rows": sum(len(rows) for rows in truth.values())}


def _audit_replies(home: Home, market: Marketplace, trial: int) -> None:
    assert _integrity(home.db_path) == "ok"
    for review_id, body, state in home.sql("SELECT review_id, body, state FROM replies"):
        held = market.sandbox.reply_of(review_id)
        if state in ("sent", "failed"):
            assert (held == body) == (state == "sent"), f"trial {trial}: {review_id} is {state}, eBay holds {held!r}"
        assert held in (None, body), f"trial {trial}: {review_id} holds a text we never sent"


def _double_posts(market: Marketplace) -> list[tuple[int, str]]:
    """409s that were not the retry of the same run's lost answer: without eBay's 409 these would post twice."""
    bad = []
    for i, (run, feedback, status, _) in enumerate(market.posts):
        if status != 409:
            continue
        before = [p for p in market.posts[:i] if p[1] == feedback]
        if not before or before[-1][0] != run or before[-1][2] != 503:
            bad.append((run, feedback))
    return bad


def reply_trials(home: Home, market: Marketplace, kills: int) -> dict[str, int]:
    """`kills` bulk replies killed at random, answers lost on the way; every reply ends sent once."""
    home.configure([market.account], secrets=market.secrets)
    home.ok("sync", "--quiet")
    targets = json.loads(home.ok("reviews", "list", "--unanswered", "--rating", "4..5", "--json").stdout)
    assert len(targets) >= kills * 2
    market.lose = 0.3
    done = tries = 0
    while done < kills and tries < kills * 3:
        tries += 1
        if _kill_mid_run(home, market, BULK, window=0.4):
            done += 1
            _audit_replies(home, market, done)
    assert done == kills, f"only {done} of {tries} bulk replies were still running when killed"
    market.lose = 0.0
    home.ok(*BULK)
    _audit_replies(home, market, done + 1)
    states = dict(home.sql("SELECT state, count(*) FROM replies GROUP BY state"))
    assert states == {"sent": len(targets)}, states
    assert all(market.sandbox.reply_of(t["id"]) for t in targets)
    stored = [p[1] for p in market.posts if p[3]]
    assert sorted(stored) == sorted({t["id"] for t in targets}), "each reply stored by eBay exactly once"
    assert _double_posts(market) == []
    lost = sum(1 for p in market.posts if p[2] == 503 and p[3])
    assert lost >= 1, "no answer to a stored reply was lost: the trial proved nothing"
    return {"kills": done, "replies": len(targets), "lost_after_store": lost, "posts": len(market.posts)}


@pytest.mark.parametrize("kills", [10, pytest.param(60, marks=pytest.mark.slow)])
def test_kill_9_during_sync_over_http_loses_and_duplicates_nothing(
    home: Home, market: Marketplace, kills: int, tmp_path: Path
) -> None:
    stats = sync_trials(home, market, kills, tmp_path)
    print(f"sync trials: {stats}")


@pytest.mark.parametrize("kills", [10, pytest.param(60, marks=pytest.mark.slow)])
def test_kill_9_during_bulk_reply_over_http_sends_each_reply_once(home: Home, market: Marketplace, kills: int) -> None:
    stats = reply_trials(home, market, kills)
    print(f"reply trials: {stats}")
