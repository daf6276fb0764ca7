"""The client-side token buckets: pacing, the announcement of a long wait, and headers that correct them."""

from __future__ import annotations

from datetime import UTC, datetime

from mktcrm.http.limits import Limiter
from mktcrm.http.rate_limit import RateLimit

ORDERS = RateLimit("searchOrders", "GET", r"/orders/2026-01-01/orders$", 1 / 180, 20, "SP-API Orders")


class Clock:
    """Time that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_burst_then_one_call_every_three_minutes_and_the_wait_is_said() -> None:
    clock, said = Clock(), []
    limiter = Limiter([ORDERS], sleep=clock.sleep, announce=said.append, clock=clock)
    for _ in range(22):
        limiter.acquire("GET", "/sb/orders/2026-01-01/orders")
    assert len(clock.sleeps) == 2 and [round(s) for s in clock.sleeps] == [180, 180]  # calls 21 and 22
    assert said[0] == (
        "paced by the declared limit, searchOrders: one call every 180 s after a burst of 20 (SP-API Orders);"
        " next call in 180 s"
    )
    limiter.acquire("GET", "/listings/2021-08-01/items/X")  # no rule: never waits
    assert len(clock.sleeps) == 2


def test_headers_correct_the_declared_rate() -> None:
    clock = Clock()
    limiter = Limiter([ORDERS], sleep=clock.sleep, clock=clock)
    limiter.observe("GET", "/orders/2026-01-01/orders", {"x-amzn-ratelimit-limit": "2.0"})
    for _ in range(22):
        limiter.acquire("GET", "/orders/2026-01-01/orders")
    assert [round(s, 2) for s in clock.sleeps] == [0.5, 0.5]
    etsy = Limiter([RateLimit("v3", "*", r"/v3/", 10.0, 10, "Etsy")], sleep=clock.sleep, clock=clock)
    etsy.observe("GET", "/v3/x", {"x-limit-per-second": "5"})  # a sliding second: 1 + 3.6 calls in any second
    before = len(clock.sleeps)
    for _ in range(3):
        etsy.acquire("GET", "/v3/x")
    assert [round(s, 3) for s in clock.sleeps[before:]] == [0.278, 0.278]


def test_a_daily_quota_stops_with_the_time_it_resets_and_counts_again_the_next_day() -> None:
    import pytest

    from mktcrm.errors import QuotaSpentError

    day = [datetime(2026, 12, 1, 21, 30, tzinfo=UTC)]
    feedback = RateLimit.daily("eBay Feedback API", r"/commerce/feedback/v1/", 3, "eBay API call limits")
    clock = Clock()
    limiter = Limiter([feedback], sleep=clock.sleep, clock=clock, today=lambda: day[0])
    for _ in range(3):
        limiter.acquire("GET", "/commerce/feedback/v1/feedback")
    with pytest.raises(QuotaSpentError) as refused:
        limiter.acquire("GET", "/commerce/feedback/v1/feedback")
    assert "daily quota of 3 calls is spent" in refused.value.message
    assert "resets at 2026-12-02 00:00 UTC (in 2.5 h)" in refused.value.message
    assert clock.sleeps == []  # refused at once, never a wait of hours
    day[0] = datetime(2026, 12, 2, 0, 1, tzinfo=UTC)
    limiter.acquire("GET", "/commerce/feedback/v1/feedback")  # a new day, a new quota
    assert feedback.describe() == "eBay Feedback API: 3 calls a day"


def test_a_paced_page_says_how_many_pages_are_left_and_how_long_they_take() -> None:
    clock, said = Clock(), []
    every_6s = RateLimit("getOrders", "GET", r"/orders$", 1 / 6, 1, "declared")
    limiter = Limiter([every_6s], sleep=clock.sleep, announce=said.append, clock=clock)
    limiter.acquire("GET", "/orders")  # the burst of 1
    limiter.expect("orders", 120, True)
    limiter.acquire("GET", "/orders")  # waits 6 s; then 119 more pages at one per 6 s: 6 + 714 = 720 s
    limiter.expect("orders", None, True)  # a stream whose answers carry no total
    limiter.acquire("GET", "/orders")
    limiter.expect("orders", 1, True)  # the last page: only its own wait
    limiter.acquire("GET", "/orders")
    limiter.expect("orders", 2000, True)  # 6 + 1999 × 6 = 12,000 s
    limiter.acquire("GET", "/orders")
    limiter.expect(None)
    limiter.acquire("GET", "/orders")  # not a stream's page (e.g. a per-order sub-resource): no outlook
    pace = "paced by the declared limit, getOrders: one call every 6 s after a burst of 1 (declared); next call in 6 s"
    assert said == [
        f"orders: {pace}, ~120 pages left ≈ 12 min",
        f"orders: {pace}; the answers give no total, so the time left is unknown",
        f"orders: {pace}, ~1 page left ≈ 6 s",
        f"orders: {pace}, ~2000 pages left ≈ 3.3 h",
        pace,
    ]
