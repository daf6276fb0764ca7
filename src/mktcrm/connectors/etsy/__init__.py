"""Etsy Open API v3: listings, receipts (orders) and reviews by shop.

Source: shared/research/marketplace-apis.md §5 and the Etsy OpenAPI file in shared/specs/etsy/.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mktcrm.connectors.base import API, MANUAL, NONE, CheckResult, Connector


class EtsyConnector(Connector):
    marketplace = "etsy"
    label = "Etsy"
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
    }
    instead: ClassVar[dict[str, str]] = {
        "reply_review": "reply in Shop Manager > Reviews",
        "sync_disputes": "follow cases in Shop Manager > Orders & Shipping; refunds show on each order",
        "open_dispute": "buyers open cases on Etsy; message the buyer from the order in Shop Manager",
        "message_dispute": "message the buyer from the order in Shop Manager > Messages",
        "resolve_dispute": "resolve the case in Shop Manager or with Etsy support",
    }
    streams = ()

    def check(self) -> CheckResult:
        raise NotImplementedError
