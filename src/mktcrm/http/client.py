"""ApiClient: httpx with the manners a nightly cron job needs.

Timeouts, a User-Agent, an auth hook per marketplace, and retries (tenacity) on transport
errors, 429 (honouring Retry-After) and 5xx — bounded in tries and in total time. Answers are
sorted into our error classes: 401/403 → AuthError (exit 4), exhausted retries → TemporaryError
(exit 5), other 4xx → RemoteError (exit 1). Messages never include credentials.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from mktcrm import __version__
from mktcrm.errors import AuthError, QuotaSpentError, RemoteError, TemporaryError
from mktcrm.http.breaker import BREAKERS, HostUnreachableError
from mktcrm.http.limits import Limiter
from mktcrm.text import one_line

USER_AGENT = f"mktcrm/{__version__} (+https://github.com/mktcrm/mktcrm)"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts, first backoff, and a budget for all waiting in one call."""

    tries: int = 5
    backoff: float = 0.5
    budget: float = 120.0
    max_single_wait: float = 60.0


class RetryableError(Exception):
    """Worth another try after a wait (429, 5xx, transport errors); `retry_after` in seconds when told."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_message(response: httpx.Response) -> str:
    """The marketplace's own words about an error, from any of the usual body shapes, made safe."""
    try:
        body = response.json()
    except ValueError:
        body = None
    text = ""
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            text = body["message"]
        elif isinstance(body.get("error"), str):
            text = body["error"]
        elif isinstance(body.get("errors"), list) and body["errors"] and isinstance(body["errors"][0], dict):
            text = str(body["errors"][0].get("message", ""))
    if not text:
        text = response.reason_phrase or ""
    return one_line(text)[:200]


class ApiClient:
    """One marketplace account's HTTP client."""

    def __init__(
        self,
        base_url: str,
        *,
        account: str,
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
        secret_hint: str = "",
        limiter: Limiter | None = None,
    ) -> None:
        self.account = account
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.log = log
        self.secret_hint = secret_hint
        self.limiter = limiter  # paces requests under the marketplace's documented limits
        self.server_date: str | None = None  # the Date header of the last answer (for clock-skew checks)
        self._last_retryable: str | None = None  # why the last try failed, for the message when we give up
        self.http = httpx.Client(
            base_url=base_url,
            auth=auth,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=10.0),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    def get_json(self, path: str, params: dict[str, Any] | None = None, *, allow: Iterable[int] = ()) -> Any:
        """GET and decode JSON; statuses in `allow` return None instead of raising."""
        response = self.request("GET", path, params=params, allow=allow)
        if response.status_code in set(allow) and response.status_code >= 400:
            return None
        return self.decode(response, path)

    def post_json(self, path: str, **kw: Any) -> Any:
        """POST and decode the JSON answer (a truncated body is a RemoteError with a hint, not a crash)."""
        return self.decode(self.request("POST", path, **kw), path)

    def decode(self, response: httpx.Response, path: str) -> Any:
        """The JSON body of an answer, or a RemoteError naming the call (never a JSONDecodeError)."""
        try:
            return orjson.loads(response.content)  # a page decodes ~2x faster than with json
        except ValueError:
            pass
        try:
            return response.json()  # a body in another encoding than UTF-8
        except ValueError:
            raise RemoteError(
                f"{self.account}: {path} answered HTTP {response.status_code} with a body that is not JSON",
                hint="the marketplace may be in maintenance; retry later or run with --verbose",
            ) from None

    def get_many(
        self, paths: list[str], params: dict[str, Any] | None = None, *, allow: Iterable[int] = (), workers: int = 1
    ) -> list[Any]:
        """`get_json` for each path, at most `workers` in flight (threads over this one client), in order.

        The rate limiter and the host's breaker are shared by the threads, so concurrency never goes past
        the marketplace's declared limits; the first error stops the rest and is raised.
        """
        allowed = tuple(allow)
        if workers <= 1 or len(paths) <= 1:
            return [self.get_json(path, params, allow=allowed) for path in paths]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(workers, len(paths))) as pool:
            futures = [pool.submit(self.get_json, path, params, allow=allowed) for path in paths]
            try:
                return [future.result() for future in futures]
            finally:
                for future in futures:
                    future.cancel()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        allow: Iterable[int] = (),
        retry: bool = True,
        **kw: Any,
    ) -> httpx.Response:
        """One call, retried when busy or unreachable unless `retry=False`.

        Pass `retry=False` for writes the marketplace does not deduplicate (a second POST would post twice):
        the caller then reads back what arrived before trying again.
        """
        allowed = set(allow)
        started = time.monotonic()
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.tries if retry else 1),
            wait=self._wait,
            retry=retry_if_exception_type(RetryableError),
            sleep=self._sleep_within_budget(started),
            reraise=False,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, path, params, allowed, kw)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            message = last.message if isinstance(last, RetryableError) else str(last)
            raise TemporaryError(
                f"{self.account}: {message} (gave up after {exc.last_attempt.attempt_number} tries)",
                hint="the marketplace is busy or unreachable; retry later",
            ) from None
        except _BudgetSpent as exc:
            cause = f"{exc.cause}; " if exc.cause else ""
            if exc.quota:  # the marketplace asks to come back in hours: a spent quota, not a busy moment
                resets = time.strftime("%Y-%m-%d %H:%M", time.gmtime(time.time() + exc.seconds))
                raise QuotaSpentError(
                    f"{self.account}: {cause}the marketplace asks to wait {exc.seconds:.0f} s "
                    f"({exc.seconds / 3600:.1f} h), until {resets} UTC: a spent call quota",
                    hint="the next sync after that resumes where this one stopped",
                ) from None
            raise TemporaryError(
                f"{self.account}: {cause}{exc.message}, which would exceed the retry budget",
                hint="retry later, or raise [sync] retry_budget_seconds",
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(
        self, method: str, path: str, params: dict[str, Any] | None, allowed: set[int], kw: dict[str, Any]
    ) -> httpx.Response:
        if self.log:
            if "://" in path:  # absolute URLs may be pre-signed: their query is a credential
                shown, path_shown = "…" if "?" in path else "", path.split("?", 1)[0]
            else:
                shown, path_shown = "&".join(f"{k}={v}" for k, v in (params or {}).items()), path
            self.log(f"{method} {path_shown}{'?' + shown if shown else ''}")
        url = self.http.base_url.join(path)
        host = f"{url.host}:{url.port}" if url.port else url.host
        BREAKERS.check(self.account, host)
        if self.limiter is not None:
            try:
                self.limiter.acquire(method, url.path)
            except QuotaSpentError as exc:
                raise QuotaSpentError(f"{self.account}: {exc.message}", hint=exc.hint) from None
        try:
            response = self.http.request(method, path, params=params, **kw)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # not reached at all: the breaker counts it
            cause = f"{type(exc).__name__}"
            reopen = BREAKERS.failed(host, cause)
            if reopen is not None:
                raise HostUnreachableError(self.account, host, cause, reopen) from None
            raise self._retryable(f"cannot reach {host}: {cause}") from None
        except httpx.TimeoutException:
            raise self._retryable(f"{self.http.base_url.host} did not answer in time") from None
        except httpx.TransportError as exc:
            raise self._retryable(f"cannot reach {self.http.base_url.host}: {type(exc).__name__}") from None
        BREAKERS.answered(host)
        if self.limiter is not None:
            self.limiter.observe(method, url.path, response.headers)
        self.server_date = response.headers.get("Date") or self.server_date
        status = response.status_code
        if status < 400 or status in allowed:
            return response
        if status == 429:
            raise self._retryable("rate limited (HTTP 429)", parse_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise self._retryable(f"HTTP {status} from the marketplace: {error_message(response)}")
        if status in (401, 403):
            raise AuthError(
                f"{self.account}: the marketplace rejected the credentials (HTTP {status}: {error_message(response)})",
                hint=self.secret_hint or "check the account's API key",
            )
        raise RemoteError(f"{self.account}: {method} {path} failed with HTTP {status}: {error_message(response)}")

    def _retryable(self, message: str, retry_after: float | None = None) -> RetryableError:
        self._last_retryable = message
        return RetryableError(message, retry_after)

    def _wait(self, state: Any) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            return exc.retry_after
        base = self.policy.backoff * (2 ** (state.attempt_number - 1))
        return min(self.policy.max_single_wait, base + random.uniform(0, self.policy.backoff))

    def _sleep_within_budget(self, started: float) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            spent = time.monotonic() - started
            if seconds > self.policy.max_single_wait or spent + seconds > self.policy.budget:
                # Say what went wrong (a timeout, a 503…), not only that we stopped waiting.
                raise _BudgetSpent(f"the next try was {seconds:.0f} s away", self._last_retryable, seconds)
            self.sleep(seconds)

        return sleep


QUOTA_WAIT = 3600.0  # a 429 whose Retry-After is at least this long means a spent (daily) quota


class _BudgetSpent(Exception):
    def __init__(self, message: str, cause: str | None, seconds: float) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause
        self.seconds = seconds
        self.quota = seconds >= QUOTA_WAIT and (cause or "").startswith("rate limited")
