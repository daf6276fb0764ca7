"""A circuit breaker per host: a host that cannot be reached at all is left alone for a while.

Without it, every call retried its connection five times with growing pauses, for every stream of every
account: four offline accounts took 162 s in silence before exit 5. Now `THRESHOLD` refused or timed-out
connections in a row open the breaker for `COOLDOWN` seconds; until then every call to that host fails at
once with the host's name and the time it will be tried again. Any answer at all (even an error status)
closes it. Shared by every client of the process, and thread-safe (per-order fetches run in a pool).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from mktcrm.errors import TemporaryError

THRESHOLD = 3  # connection failures in a row that open the breaker
COOLDOWN = 300.0  # seconds before an open breaker lets one call through again


class HostUnreachableError(TemporaryError):
    """The breaker of a host is open: nothing is sent there until `retry_at`."""

    def __init__(self, account: str, host: str, cause: str, retry_at: float) -> None:
        when = datetime.fromtimestamp(retry_at, UTC).strftime("%H:%M:%S UTC")
        wait = max(0, round(retry_at - time.time()))
        super().__init__(
            f"{account}: {host} is unreachable ({cause}); not tried again before {when} (in {wait} s)",
            hint=f"check the network or the account's host; the next `mktcrm sync` after {when} tries it again",
        )
        self.host = host


@dataclass
class _State:
    failures: int = 0
    open_until: float = 0.0
    cause: str = ""


class Breakers:
    """Breaker state per host name (`host:port`)."""

    def __init__(self, threshold: int = THRESHOLD, cooldown: float = COOLDOWN) -> None:
        self.threshold, self.cooldown = threshold, cooldown
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def check(self, account: str, host: str) -> None:
        """Raise HostUnreachableError while the host's breaker is open."""
        with self._lock:
            state = self._states.get(host)
            if state is None or state.open_until <= time.time():
                return
            cause, until = state.cause, state.open_until
        raise HostUnreachableError(account, host, cause, until)

    def failed(self, host: str, cause: str) -> float | None:
        """Count one connection failure; returns the reopening time when this one opens the breaker."""
        with self._lock:
            state = self._states.setdefault(host, _State())
            state.failures += 1
            state.cause = cause
            if state.failures < self.threshold:
                return None
            state.open_until = time.time() + self.cooldown
            return state.open_until

    def answered(self, host: str) -> None:
        with self._lock:
            self._states.pop(host, None)

    def reset(self) -> None:
        """Forget every host (tests run many syncs in one process)."""
        with self._lock:
            self._states.clear()


BREAKERS = Breakers()
