"""OAuth refresh-token auth shared by Amazon (LWA), eBay and Etsy.

An `httpx.Auth` flow: fetch an access token with the refresh token when there is none or it is
about to expire, cache it for the rest of the run, and on a 401 refresh once and resend. The token
request goes through the same client and transport as the API calls (so the sandbox serves it
too). Tokens and secrets never appear in errors or logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any

import httpx

from mktcrm.errors import AuthError, TemporaryError
from mktcrm.http.client import RetryableError, error_message, parse_retry_after

# Refresh this long before the announced expiry, so a token never dies mid-request.
EXPIRY_MARGIN_S = 60.0


class RefreshTokenAuth(httpx.Auth):
    """`apply(request, token)` puts the access token where the marketplace wants it."""

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        form: dict[str, str],
        apply: Callable[[httpx.Request, str], None],
        *,
        basic: tuple[str, str] | None = None,
        account: str = "",
        hint: str = "",
        clock: Callable[[], float] = time.time,
        refresh_on: tuple[int, ...] = (401,),
        on_rotate: Callable[[str], object] | None = None,
    ) -> None:
        self.token_url = token_url
        self.form = {"grant_type": "refresh_token", **form}
        self.apply = apply
        self.basic = basic
        self.account = account
        self.hint = hint or "renew the refresh token and update the secret"
        self.clock = clock
        self.refresh_on = refresh_on  # Amazon answers an expired token with 403
        self.on_rotate = on_rotate  # called with a new refresh token the endpoint hands back (Etsy rotates them)
        self.token: str | None = None
        self.expires_at = 0.0

    def _token_request(self) -> httpx.Request:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        auth = httpx.BasicAuth(*self.basic) if self.basic else None
        request = httpx.Request("POST", self.token_url, data=self.form, headers=headers)
        if auth is not None:
            request = next(auth.auth_flow(request))
        return request

    def _store(self, response: httpx.Response) -> None:
        status = response.status_code
        if status in (400, 401, 403):
            raise AuthError(
                f"{self.account}: the marketplace refused the refresh token (HTTP {status}: {error_message(response)})",
                hint=self.hint,
            )
        if status == 429 or status >= 500:
            # Retried by ApiClient like any other busy answer.
            raise RetryableError(
                f"the token endpoint answered HTTP {status}",
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 300:
            raise TemporaryError(f"{self.account}: the token endpoint answered HTTP {status}", hint="retry later")
        try:
            body: Any = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise AuthError(f"{self.account}: the token endpoint answered without an access token") from None
        self.token = token
        self.expires_at = self.clock() + lifetime
        rotated = body.get("refresh_token") if isinstance(body, dict) else None
        if isinstance(rotated, str) and rotated and rotated != self.form.get("refresh_token"):
            self.form["refresh_token"] = rotated  # the old one may already be void
            if self.on_rotate is not None:
                self.on_rotate(rotated)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.token is None or self.clock() >= self.expires_at - EXPIRY_MARGIN_S:
            self._store((yield self._token_request()))
        assert self.token is not None
        self.apply(request, self.token)
        response = yield request
        if response.status_code in self.refresh_on:
            # Expired or revoked early (even a token fetched a moment ago): one refresh, one resend;
            # a second 401 is the caller's to report.
            self._store((yield self._token_request()))
            self.apply(request, self.token)
            yield request


def bearer(request: httpx.Request, token: str) -> None:
    request.headers["Authorization"] = f"Bearer {token}"
