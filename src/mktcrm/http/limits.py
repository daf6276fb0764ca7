"""Client-side pacing: one token bucket per declared operation limit, fed back by rate-limit headers.

Each connector declares its operations' documented limits (`connectors.rate_limit.RateLimit`). Before a
request, the client takes a token from the matching bucket, waiting when the bucket is empty; a wait
long enough to notice is announced with how long it is, so a first sync says why it is slow, and — for a
stream's page, when the answers gave a total — how many pages are left and about how long they will take
(pages left × the bucket's interval). Answers
adjust the buckets: `x-amzn-RateLimit-Limit` (Amazon's current rate for that operation), Etsy's
`x-limit-per-second` / `x-remaining-this-second`. Thread-safe: per-order fetches share the buckets.
A declared daily quota (`RateLimit.per_day`) is counted per UTC day: once spent, `acquire` raises
`QuotaSpentError` with the time it resets, rather than sleeping for hours.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from mktcrm.errors import QuotaSpentError
from mktcrm.http.rate_limit import RateLimit

ANNOUNCE_AFTER = 5.0  # seconds: shorter waits pass silently


def duration(seconds: float) -> str:
    """45 s, 6 min, 2.5 h: as precise as an estimate deserves."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


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
        today: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.rules = [(rule, TokenBucket(rule.rate, rule.burst, clock)) for rule in limits]
        self.sleep, self.announce, self.today = sleep, announce, today
        self.waited = 0.0  # total pacing wait, for the sync report and the benchmarks
        self.used: dict[str, tuple[str, int]] = {}  # operation -> (UTC day, calls made that day by this client)
        self.lock = threading.Lock()
        self.reading = threading.local()  # the stream page this thread is fetching (see `expect`)

    def expect(self, stream: str | None, left: int | None = None, started: bool = False) -> None:
        """The next request of this thread fetches a page of `stream` with `left` pages to go, counting it
        (None: unknown — no total in the answers, or none read yet); `expect(None)` after it."""
        self.reading.page = (stream, left, started) if stream else None

    def _bucket(self, method: str, path: str) -> tuple[RateLimit, TokenBucket] | None:
        return next(((r, b) for r, b in self.rules if r.matches(method, path)), None)

    def acquire(self, method: str, path: str) -> None:
        found = self._bucket(method, path.split("?", 1)[0])
        if found is None:
            return
        rule, bucket = found
        if rule.per_day:
            self._count(rule)
        wait = bucket.reserve()
        if wait <= 0:
            return
        if wait >= ANNOUNCE_AFTER and self.announce:
            self.announce(self._pacing(rule, bucket, wait))
        self.waited += wait
        self.sleep(wait)

    def _pacing(self, rule: RateLimit, bucket: TokenBucket, wait: float) -> str:
        """`orders: paced by the declared limit, …; next call in 3 s, ~120 pages left ≈ 6 min`: this page, then one
        interval per page after it (the burst is spent, or it would not wait)."""
        line = f"paced by the declared limit, {rule.describe()} ({rule.source}); next call in {wait:.0f} s"
        page = getattr(self.reading, "page", None)
        if page is None:
            return line
        stream, left, started = page
        if left is not None:
            rest = wait + max(0, left - 1) / bucket.rate
            return f"{stream}: {line}, ~{left} page{'s' if left != 1 else ''} left ≈ {duration(rest)}"
        if started:
            return f"{stream}: {line}; the answers give no total, so the time left is unknown"
        return f"{stream}: {line}"

    def _count(self, rule: RateLimit) -> None:
        """One more call against the rule's daily quota; refused once the day's quota is spent."""
        now = self.today().astimezone(UTC)
        day = now.date().isoformat()
        with self.lock:
            seen, used = self.used.get(rule.operation, (day, 0))
            used = used if seen == day else 0
            if used >= rule.per_day:
                resets = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
                hours = (resets - now).total_seconds() / 3600
                raise QuotaSpentError(
                    f"{rule.operation}: the daily quota of {rule.per_day:,} calls is spent ({rule.source}); "
                    f"it resets at {resets:%Y-%m-%d %H:%M} UTC (in {hours:.1f} h)",
                    hint="the next sync after that resumes where this one stopped",
                )
            self.used[rule.operation] = (day, used + 1)

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
