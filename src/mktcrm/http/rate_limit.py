"""A marketplace's documented request limit for one operation: the shape each connector's `rate_limits` use.

Stdlib only, beside the limiter that reads it: connectors declare their limits with it;
`mktcrm.http.limits` paces requests with one token bucket per rule, so a first sync never trips 429s it
could have avoided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimit:
    """`rate` requests per second on average, `burst` at once; `pattern` matches the request path.

    `per_day` (0: none) is a daily call quota per UTC day (eBay's per-API limits): once spent, calls stop
    until it resets instead of waiting hours.
    """

    operation: str  # the marketplace's name for it (searchOrders, OR11…), shown when a wait is long
    method: str  # GET, POST… or "*"
    pattern: str  # a regex over the path (absolute URLs: over their path)
    rate: float
    burst: int
    source: str
    per_day: int = 0
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.regex.search(path) is not None

    @classmethod
    def daily(cls, operation: str, pattern: str, per_day: int, source: str) -> RateLimit:
        """A daily quota and nothing finer (eBay): the bucket refills over the day, the count stops at the quota."""
        return cls(operation, "*", pattern, per_day / 86_400, per_day, source, per_day)

    def describe(self) -> str:
        if self.per_day and self.burst >= self.per_day:  # a daily quota only (see `daily`)
            return f"{self.operation}: {self.per_day:,} calls a day"
        every = 1 / self.rate
        pace = f"{self.rate:g} calls/s" if every < 2 else f"one call every {every:.0f} s"
        daily = f", {self.per_day:,} calls a day" if self.per_day else ""
        return f"{self.operation}: {pace} after a burst of {self.burst}{daily}"
