"""A paced sync says how long the rest will take: pages left from the answers' total, × the limiter's interval.

Real connectors against their sandboxes, with a declared limit of one call every 6 s after a burst of 1. The
limiter's clock moves only when it sleeps (its `clock`/`sleep` hooks), so every page after the first waits
exactly 6 s and nothing really sleeps.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from conftest import Home, mirakl_account, sandbox_account
from mktcrm.connectors.ebay import EbayConnector
from mktcrm.connectors.mirakl import MiraklConnector
from mktcrm.http import limits
from mktcrm.http.rate_limit import RateLimit

EVERY = 6  # seconds between calls once the burst of 1 is spent
PACE = f"one call every {EVERY} s after a burst of 1 (a test limit); next call in {EVERY} s"


@pytest.fixture(autouse=True)
def still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    class StillLimiter(limits.Limiter):
        def __init__(self, *args: Any, **kw: Any) -> None:
            self.now = 0.0
            super().__init__(*args, **kw, sleep=self.pass_time, clock=lambda: self.now)

        def pass_time(self, seconds: float) -> None:
            self.now += seconds

    monkeypatch.setattr(limits, "Limiter", StillLimiter)


def _said(stderr: str, account: str, stream: str) -> list[str]:
    start = f"{account}: {stream}: paced by the declared limit, "
    return [line.removeprefix(start) for line in stderr.splitlines() if line.startswith(start)]


def test_a_stream_with_a_total_says_the_pages_left_and_how_long(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    orders = RateLimit("getOrders", "GET", r"/sell/fulfillment/v1/order$", 1 / EVERY, 1, "a test limit")
    monkeypatch.setattr(EbayConnector, "rate_limits", (orders,))
    account, secrets = sandbox_account("ebay", "eb1", orders=45)
    home.configure([account], secrets=secrets, sync={"page_size": 10})
    result = home.ok("sync", "--stream", "orders")
    total = home.count("orders")
    assert total > 20, "the sandbox needs several pages of orders"
    # By hand: after k pages of 10, L = ceil((total - 10 k) / 10) pages are left; the next one waits 6 s and
    # each after it 6 s more: 6 L seconds.
    expected = []
    for k in range(1, math.ceil(total / 10)):
        left = math.ceil((total - 10 * k) / 10)
        expected.append(f"getOrders: {PACE}, ~{left} page{'s' if left > 1 else ''} left ≈ {EVERY * left} s")
    assert _said(result.stderr, "eb1", "orders") == expected
    assert expected[0].endswith(f"~{math.ceil(total / 10) - 1} pages left ≈ {EVERY * (math.ceil(total / 10) - 1)} s")


def test_a_stream_without_a_total_says_so(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    threads = RateLimit("M11", "GET", r"/api/inbox/threads$", 1 / EVERY, 1, "a test limit")
    monkeypatch.setattr(MiraklConnector, "rate_limits", (threads,))
    home.configure([mirakl_account("shop1")], sync={"page_size": 5})
    result = home.ok("sync", "--stream", "threads")
    pages = math.ceil(home.sql("SELECT count(*) FROM disputes WHERE kind = 'inquiry'")[0][0] / 5)
    assert pages >= 2, "the sandbox needs several pages of threads"
    no_total = f"M11: {PACE}; the answers give no total, so the time left is unknown"
    assert _said(result.stderr, "shop1", "threads") == [no_total] * (pages - 1)
