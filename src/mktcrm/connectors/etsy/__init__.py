"""Etsy Open API v3: listings, receipts (orders) and reviews by shop.

Source: shared/research/marketplace-apis.md §5 and the Etsy OpenAPI file in shared/specs/etsy/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from mktcrm.connectors.base import API, MANUAL, NONE, CheckResult, Connector
from mktcrm.connectors.deadline_rule import CHECKED, DeadlineRule
from mktcrm.connectors.etsy.streams import ListingsStream, OrdersStream, ReviewsStream
from mktcrm.connectors.kpi_limit import KpiLimit
from mktcrm.http.rate_limit import RateLimit

if TYPE_CHECKING:
    import httpx

    from mktcrm.config import Account

TOKEN_PATH = "/v3/public/oauth/token"
DEFAULT_TOKEN_URL = "https://api.etsy.com" + TOKEN_PATH
_CASES = "https://help.etsy.com/hc/en-gb/articles/360016126873"
_STAR = "https://help.etsy.com/hc/en-us/articles/29665255990039"


class EtsyConnector(Connector):
    marketplace = "etsy"
    label = "Etsy"
    token_path = TOKEN_PATH
    default_token_url = DEFAULT_TOKEN_URL
    default_base_url = "https://openapi.etsy.com"
    config_keys: ClassVar[dict[str, tuple[Any, bool, str]]] = {
        "base_url": (str, False, "API host (default https://openapi.etsy.com)"),
        "shop_id": ((str, int), True, "your numeric shop id"),
        "keystring": (str, True, "your app's keystring (API key)"),
        "shared_secret_env": (str, True, "variable holding the app's shared secret"),
        "refresh_token_env": (str, True, "variable holding the OAuth refresh token"),
        "token_url": (str, False, "OAuth token endpoint (default https://api.etsy.com/v3/public/oauth/token)"),
    }
    secret_keys = ("shared_secret_env", "refresh_token_env")
    capabilities: ClassVar[dict[str, str]] = {
        "sync_listings": API,  # getListingsByShop
        "sync_orders": API,  # getShopReceipts
        "sync_reviews": API,  # getReviewsByShop
        "reply_review": MANUAL,  # no review-response endpoint
        "sync_disputes": NONE,  # no cases/disputes endpoints (refunds are visible on receipts)
        "open_dispute": NONE,
        "message_dispute": NONE,  # no messaging API
        "resolve_dispute": NONE,
        "solicit_review": NONE,  # no review-request API
    }
    instead: ClassVar[dict[str, str]] = {
        "reply_review": "reply in Shop Manager > Reviews",
        "sync_disputes": "follow cases in Shop Manager > Orders & Shipping; refunds show on each order",
        "open_dispute": "buyers open cases on Etsy; message the buyer from the order in Shop Manager",
        "message_dispute": "message the buyer from the order in Shop Manager > Messages",
        "resolve_dispute": "resolve the case in Shop Manager or with Etsy support",
        "solicit_review": "Etsy has no review-request API: Etsy e-mails buyers a review request itself",
    }
    streams = (ListingsStream, OrdersStream, ReviewsStream)
    charter_pack = "mktcrm.connectors.etsy.charter:PACK"
    reply_target = "review_reply"
    message_target = "message"
    # One per-second quota for the whole app (10/s for new apps; each answer's x-limit-per-second corrects it),
    # plus a daily quota (x-remaining-today).
    rate_limits = (RateLimit("Open API v3", "*", r"/v3/application/", 10.0, 10, "Etsy rate limits page"),)
    deadline_rules = (
        DeadlineRule("etsy", "case", 3, "calendar_days", "opened_at", _CASES, CHECKED, "then Etsy may step in"),
    )
    # Receipt status (Open API v3: paid, completed, open, payment processing, canceled, fully/partially refunded);
    # a partial refund leaves the order sold, so it stays "paid".
    order_states: ClassVar[dict[str, str]] = {
        "open": "pending",
        "payment processing": "pending",
        "paid": "paid",
        "completed": "shipped",
        "canceled": "cancelled",
        "fully refunded": "refunded",
        "partially refunded": "paid",
    }
    kpi_gaps: ClassVar[dict[str, str]] = {
        "tickets": "Etsy has no API for conversations",
        "median_first_response_h": "Etsy has no API for conversations",
        # Shop replies are written in Shop Manager and never returned by getReviewsByShop (ListingReview has no
        # response field), so a seller who answers there would read 0 %: unknown, not zero.
        "reply_rate_pct": "Etsy's API does not return shop replies to reviews (see Shop Manager > Reviews)",
        "median_reply_h": "Etsy's API does not return shop replies to reviews (see Shop Manager > Reviews)",
    }
    kpi_limits = (
        KpiLimit("avg_rating", "min", 4.8, "Etsy Star Seller: average review rating", _STAR),
        KpiLimit(
            "first_response_24h_pct",
            "min",
            95.0,
            "Etsy Star Seller: first messages answered within 24 h",
            _STAR,
            note="Etsy has no API for conversations: see Shop Manager > Star Seller",
        ),
        KpiLimit(
            "on_time_shipping_pct",
            "min",
            95.0,
            "Etsy Star Seller: on-time shipping with tracking",
            _STAR,
            note="shipping events are not synced: see Shop Manager > Star Seller",
        ),
    )
    sandbox = "mktcrm.connectors.etsy.sandbox.marketplace:EtsySandbox"
    demo_accounts = ("etsy",)
    spec_files = ("etsy/etsy_open_api_v3_oas.json",)
    outside_spec = (r"^/v3/public/oauth/token$",)

    @classmethod
    def order_url(cls, account: Account, order_id: str) -> str | None:
        """Shop Manager's sold-orders page opened on the receipt (Etsy's order id is the receipt id)."""
        return f"https://www.etsy.com/your/orders/sold?order_id={quote(order_id, safe='')}"

    @classmethod
    def auth_problem(cls, request: httpx.Request) -> str | None:
        if ":" not in request.headers.get("x-api-key", ""):
            return "Etsy needs x-api-key: keystring:shared_secret"
        return None if request.headers.get("Authorization", "").startswith("Bearer ") else "Etsy needs a Bearer token"

    @classmethod
    def auth(cls, account: Account, secret: Callable[[str], str]) -> httpx.Auth:
        """OAuth refresh token for `Authorization: Bearer`, plus `x-api-key: keystring:shared_secret` on each call.

        Both secrets live only in this closure: the client's --verbose log shows method, path and query only.
        """
        from mktcrm.http.oauth import RefreshTokenAuth, bearer

        keystring = str(account.get("keystring", "")).strip()
        api_key = f"{keystring}:{secret('shared_secret_env')}"
        refresh_token = secret("refresh_token_env")

        def apply(request: httpx.Request, token: str) -> None:
            bearer(request, token)
            request.headers["x-api-key"] = api_key

        return RefreshTokenAuth(
            cls.token_url(account),
            {"client_id": keystring, "refresh_token": refresh_token},
            apply,
            account=account.name,
            on_rotate=_keeper(secret),
            hint=(
                f"re-authorise mktcrm in Etsy (OAuth, scopes listings_r transactions_r shops_r) and put the new "
                f"refresh token in {account.get('refresh_token_env')}"
            ),
        )

    def check(self) -> CheckResult:
        """getMe proves the OAuth token and the key; getShop names the shop the config points at."""
        me = self.ctx.client.get_json("/v3/application/users/me")
        configured = str(self.ctx.account.get("shop_id"))
        if str(me.get("shop_id")) != configured:
            return CheckResult(
                False,
                f"the token belongs to Etsy user {me.get('user_id')} whose shop is {me.get('shop_id')}, "
                f"not shop_id {configured}",
            )
        shop = self.ctx.client.get_json(f"/v3/application/shops/{configured}")
        return CheckResult(True, f"shop {shop.get('shop_name')!s} (id {configured}, user {me.get('user_id')})")


def _keeper(secret: Callable[[str], str]) -> Callable[[str], object] | None:
    """Where a rotated refresh token goes: secrets.toml through the context's secrets, when it offers that."""
    save = getattr(secret, "save", None)
    return None if save is None else (lambda token: save("refresh_token_env", token))
