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
    """`rate` requests per second on average, `burst` at once; `pattern` matches the request path."""

    operation: str  # the marketplace's name for it (searchOrders, OR11…), shown when a wait is long
    method: str  # GET, POST… or "*"
    pattern: str  # a regex over the path (absolute URLs: over their path)
    rate: float
    burst: int
    source: str
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.regex.search(path) is not None

    def describe(self) -> str:
        every = 1 / self.rate
        pace = f"{self.rate:g} calls/s" if every < 2 else f"one call every {every:.0f} s"
        return f"{self.operation}: {pace} after a burst of {self.burst}"
