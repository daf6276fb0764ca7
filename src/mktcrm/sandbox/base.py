"""What every sandbox marketplace shares: request log, fault injection, error answers, observers.

A marketplace sandbox subclasses `SandboxBase` and implements `answer` (the API itself) and
`error_body` (the marketplace's own error shape). Faults are applied here, the same way for all
marketplaces, so a test that asks for "429 then success" means the same thing everywhere.
Observers (`mktcrm.sandbox.OBSERVERS`) see every request and response: the contract tests
use them to check each exchange against the official OpenAPI files.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import httpx


class ApiError(Exception):
    """An error answer; `SandboxBase.error_body` gives it the marketplace's shape."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Faults:
    """Fault injection, consulted on every request; all off by default."""

    rate_limit_next: int = 0  # next N requests answer 429
    retry_after: str | None = "1"  # Retry-After of those 429s; None: no header
    server_error_next: int = 0  # next N requests answer 503
    fail_at_offset: int | None = None  # paged listings at offset >= this answer 500 (a crash mid-sync)
    latency_ms: int = 0  # delay before each answer
    malformed_next: int = 0  # next N successful answers are cut in half (invalid JSON)
    ignore_offset: bool = False  # paging parameters ignored: the first page forever (a pagination loop)
    expire_token_next: int = 0  # OAuth sandboxes: next N API calls answer 401 as if the token expired
    clock_offset_s: int = 0  # the Date header runs this many seconds ahead of (or behind) this machine
    lose_response_next: int = 0  # next N requests are carried out, then answered 503 (the answer is lost)


OWN_HOST = "sandbox.invalid"  # the API host of every sandbox, in-process and behind `sandbox serve`
Observer = Callable[["SandboxBase", httpx.Request, httpx.Response], None]


def epoch(at: datetime) -> float:
    """Timestamps in the mutation APIs must be tz-aware, like the APIs' own ISO strings."""
    if at.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware datetimes (UTC)")
    return at.timestamp()


def iso(ts: float) -> str:
    """API date-time: UTC with ``Z``; milliseconds only when the instant has a fraction."""
    whole = int(ts)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    ms = round((ts - whole) * 1000)
    return f"{base}.{ms:03d}Z" if ms else f"{base}Z"


def money(x: float) -> float:
    """EUR amount with 2 decimals (the epsilon keeps x.xx5 from rounding down on binary floats)."""
    return round(x + 1e-9, 2)


def dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    raw = body if isinstance(body, bytes) else dumps(body)
    return httpx.Response(status, content=raw, headers={"Content-Type": "application/json", **(headers or {})})


class SandboxBase:
    """One fake seller account on one marketplace, answering through `handler`."""

    marketplace: ClassVar[str]
    token_path: ClassVar[str | None] = None  # OAuth token endpoint, for marketplaces that have one
    # The marketplace's other production hosts this sandbox answers for (token, payments, downloads): the
    # connectors call their real URLs and the sandbox transport serves them, so tests exercise those URLs.
    real_hosts: ClassVar[tuple[str, ...]] = ()
    # Extra `sandbox://` URL parameters this marketplace understands: name -> parser.
    PARAMS: ClassVar[dict[str, Callable[[str], Any]]] = {}

    def __init__(self, name: str, *, seed: int = 1, orders: int = 200, anchor: date | None = None, days: int = 180):
        self.name = name
        self.seed = seed
        self.orders_count = orders
        self.anchor = anchor or datetime.now(UTC).date()
        self.days = days
        self.base_url = f"http://{OWN_HOST}/{name}"
        self.requests: list[httpx.Request] = []
        self.in_flight = self.max_in_flight = 0  # requests being answered at once (concurrency tests)
        self.faults = Faults()
        self._lock = threading.RLock()

    # -- what a marketplace provides ------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        """Secret account keys (`*_env`) → the value this sandbox accepts, for demo and test configs."""
        raise NotImplementedError

    @property
    def account_options(self) -> dict[str, Any]:
        """Non-secret account keys a config needs for this sandbox (ids, client ids…)."""
        return {}

    def answer(self, request: httpx.Request, path: str) -> httpx.Response:
        """The API: `path` is the request path without the `/{name}` prefix. Raise ApiError for errors."""
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> Any:
        """The marketplace's error payload for `status`."""
        return {"status": status, "message": message}

    # -- shared ---------------------------------------------------------------------------
    def other_service(self, path: str) -> bool:
        """Paths served by another service of the marketplace (OAuth, file downloads): API faults skip them."""
        return False

    def strip_prefix(self, path: str) -> str:
        prefix = f"/{self.name}"
        return path[len(prefix) :] if path == prefix or path.startswith(prefix + "/") else path

    def take(self, fault: str) -> bool:
        """Consume one unit of a counted fault (`rate_limit_next`, …); True when it fires."""
        left = getattr(self.faults, fault)
        if left > 0:
            setattr(self.faults, fault, left - 1)
            return True
        return False

    def handler(self, request: httpx.Request) -> httpx.Response:
        """`httpx.MockTransport` entry point: log, faults, the API, observers."""
        with self._lock:
            self.requests.append(request)
            latency = self.faults.latency_ms
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if latency > 0:
            time.sleep(latency / 1000)  # outside the lock: concurrent clients overlap, as on a real network
        with self._lock:
            self.in_flight -= 1
            response = self._respond(request)
        from mktcrm.sandbox import OBSERVERS

        for observer in list(OBSERVERS):
            observer(self, request, response)
        return response

    def _respond(self, request: httpx.Request) -> httpx.Response:
        response = self._answer_with_faults(request)
        if "Date" not in response.headers:
            response.headers["Date"] = email.utils.formatdate(time.time() + self.faults.clock_offset_s, usegmt=True)
        return response

    def _answer_with_faults(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host != OWN_HOST and host not in self.real_hosts:
            message = f"host {host} is not one of {self.marketplace}'s: {', '.join((OWN_HOST, *self.real_hosts))}"
            return json_response(421, self.error_body(421, message))
        path = self.strip_prefix(request.url.path)
        if self.other_service(path):
            try:
                return self.answer(request, path)
            except ApiError as err:
                return json_response(err.status, self.error_body(err.status, err.message), err.headers)
        try:
            if self.take("rate_limit_next"):
                retry = self.faults.retry_after
                raise ApiError(429, "Too Many Requests", {"Retry-After": retry} if retry is not None else {})
            if self.take("server_error_next"):
                raise ApiError(503, "Service Unavailable")
            response = self.answer(request, path)
            if self.take("lose_response_next"):
                raise ApiError(503, "Service Unavailable")
        except ApiError as err:
            return json_response(err.status, self.error_body(err.status, err.message), err.headers)
        if response.status_code < 300 and self.take("malformed_next"):
            raw = response.content
            return httpx.Response(response.status_code, content=raw[: len(raw) // 2], headers=response.headers)
        return response
