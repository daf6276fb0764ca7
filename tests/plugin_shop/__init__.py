"""Bazaar: a marketplace that exists only in the test suite, plugged in the way a seller's own package would.

Everything mktcrm asks about it is declared on `BazaarConnector`; nothing under src/ names it. Its API:
`X-Api-Key` auth, `{total, items}` pages with `offset`/`limit`, reviews answered by `POST …/reply`.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from typing import Any, ClassVar

import httpx

from mktcrm.config import Account
from mktcrm.connectors.base import API, NONE, CheckResult, Connector, OffsetPaginator, Page, Paginator, Posted, Stream
from mktcrm.connectors.deadline_rule import DeadlineRule
from mktcrm.errors import ConflictError
from mktcrm.records import Listing, Order, Review

MARKET = "bazaar"


class _BazaarStream(Stream):
    path: ClassVar[str]

    def paginator(self) -> Paginator:
        return OffsetPaginator("total")

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        return self.path, {"offset": int(token or 0), "limit": self.ctx.page_size}

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body["items"])


class ListingsStream(_BazaarStream):
    name = "listings"
    path = "/v1/listings"
    cursor_field = None

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        return Page([Listing(id=i["id"], title=i["title"], raw=i) for i in items])


class OrdersStream(_BazaarStream):
    name = "orders"
    path = "/v1/orders"

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        orders = [
            Order(
                id=o["id"],
                status=o["status"],
                created_at=o["created_at"],
                updated_at=o["created_at"],
                total_minor=o["total_cents"],
                currency="EUR",
                raw=o,
            )
            for o in items
        ]
        return Page(orders, cursor=max((o.updated_at or "" for o in orders), default=None))


class ReviewsStream(_BazaarStream):
    name = "reviews"
    path = "/v1/reviews"

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        reviews = [
            Review(
                id=r["id"],
                kind="seller_feedback",
                order_id=r["order_id"],
                rating=r["rating"],
                body=r["text"],
                created_at=r["created_at"],
                reply_body=r["reply"],
                raw=r,
            )
            for r in items
        ]
        return Page(reviews, cursor=max((r.created_at or "" for r in reviews), default=None))


class _ApiKey(httpx.Auth):
    def __init__(self, key: str) -> None:
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Api-Key"] = self.key
        yield request


class BazaarConnector(Connector):
    marketplace = MARKET
    label = "Bazaar"
    config_keys: ClassVar[dict[str, tuple[Any, bool, str]]] = {
        "base_url": (str, True, "API host"),
        "api_key_env": (str, True, "variable holding the API key"),
    }
    secret_keys = ("api_key_env",)
    capabilities: ClassVar[dict[str, str]] = {
        "sync_listings": API,
        "sync_orders": API,
        "sync_reviews": API,
        "reply_review": API,
        "sync_disputes": NONE,
        "open_dispute": NONE,
        "message_dispute": NONE,
        "resolve_dispute": NONE,
    }
    streams = (ListingsStream, OrdersStream, ReviewsStream)
    charter_pack = "plugin_shop.charter:PACK"
    reply_target = "review_reply"
    negative_needs_human = 1
    deadline_rules = (
        DeadlineRule(MARKET, "claim", 2, "calendar_days", "opened_at", "https://bazaar.invalid", None),
        DeadlineRule(MARKET, "haggle", 1, "calendar_days", "opened_at", "https://bazaar.invalid", None),  # its own
    )
    sandbox = "plugin_shop.sandbox:BazaarSandbox"
    demo_accounts = ("bazaar-fr",)

    @classmethod
    def auth(cls, account: Account, secret: Any) -> httpx.Auth:
        return _ApiKey(secret("api_key_env"))

    @classmethod
    def auth_problem(cls, request: httpx.Request) -> str | None:
        return None if request.headers.get("X-Api-Key") else "Bazaar needs X-Api-Key"

    def check(self) -> CheckResult:
        shop = self.ctx.client.get_json("/v1/shop")
        return CheckResult(True, f"shop {shop['name']}")

    def reply_to_review(self, review: dict[str, Any], text: str, idempotency_key: str) -> str | None:
        path = f"/v1/reviews/{review['id']}/reply"
        response = self.ctx.client.request("POST", path, json={"text": text}, allow=(409,))
        if response.status_code == 409:
            raise ConflictError(f"{self.ctx.account.name}: review {review['id']} already has a reply")
        return str(response.json()["reply_id"])

    def remote_reply(self, review: dict[str, Any]) -> Posted:
        reply: str | None = self.ctx.client.get_json(f"/v1/reviews/{review['id']}")["reply"]
        return Posted((reply,) if reply else ())
