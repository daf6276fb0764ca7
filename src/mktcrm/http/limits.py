"""Client-side pacing: one token bucket per declared operation limit, fed back by rate-limit headers.

Each connector declares its operations' documented limits (`connectors.rate_limit.RateLimit`). Before a
request, the client takes a token from the matching bucket, waiting when the bucket is empty; a wait
long enough to notice is announced with how long it is, so a first sync says why it is slow. Answers
adjust the buckets: `x-amzn-RateLimit-Limit` (Amazon's current rate for that operation), Etsy's
`x-limit-per-second` / `x-remaining-this-second`. Thread-safe: per-order fetches share the buckets.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from mktcrm.http.rate_limit import RateLimit

ANNOUNCE_AFTER = 5.0  # seconds: shorter waits pass silently


class TokenBucket:
    """`rate` tokens per second up to `burst`; `reserve()` returns how long the caller must wait."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, max(1, burst), clock
        self.tokens = float(self.burst)
        self.stamp = clock()
        self.lock = threading.Lock()

    def reserve(self) -> float:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= 1  # a debt below zero is the wait: later callers queue behind
            return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def empty(self) -> None:
        with self.lock:
            self.tokens = min(self.tokens, 0.0)

    def set_rate(self, rate: float, burst: int | None = None) -> None:
        with self.lock:
            if rate > 0:
                self.rate = rate
            if burst is not None:
                self.burst = max(1, burst)
                self.tokens = min(self.tokens, self.burst)


class Limiter:
    """The buckets of one account's client, one per declared limit (the first matching rule wins)."""

    def __init__(
        self,
        limits: Sequence[RateLimit],
        *,
        sleep: Callable[[float], None] = time.sleep,
        announce: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rules = [(rule, TokenBucket(rule.rate, rule.burst, clock)) for rule in limits]
        self.sleep, self.announce = sleep, announce
        self.waited = 0.0  # total pacing wait, for the sync report and the benchmarks

    def _bucket(self, method: str, path: str) -> tuple[RateLimit, TokenBucket] | None:
        return next(((r, b) for r, b in self.rules if r.matches(method, path)), None)

    def acquire(self, method: str, path: str) -> None:
        found = self._bucket(method, path.split("?", 1)[0])
        if found is None:
            return
        rule, bucket = found
        wait = bucket.reserve()
        if wait <= 0:
            return
        if wait >= ANNOUNCE_AFTER and self.announce:
            self.announce(f"{rule.describe()} ({rule.source}); next call in {wait:.0f} s")
        self.waited += wait
        self.sleep(wait)

    def observe(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        """Let the marketplace's own rate-limit headers correct the declared figures."""
        found = self._bucket(method, path.split("?", 1)[0])
        if found is None:
            return
        _rule, bucket = found
        granted, per_second = headers.get("x-amzn-ratelimit-limit"), headers.get("x-limit-per-second")
        with contextlib.suppress(ValueError):
            if granted:  # the rate the marketplace grants this seller for this operation now (SP-API)
                bucket.set_rate(float(granted))
            if per_second:  # a sliding one-second window (Etsy): 1 + rate calls in any second stay under it
                bucket.set_rate(0.9 * max(0.5, float(per_second) - 1), burst=1)
        if headers.get("x-remaining-this-second") == "0":
            bucket.empty()
