"""Amazon Selling Partner API (SP-API): Orders 2026-01-01, Listings Items, seller-feedback reports.

Source: shared/research/marketplace-apis.md §3 and the Amazon model files in shared/specs/amazon-sp-api/.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mktcrm.connectors.base import API, MANUAL, NONE, CheckResult, Connector


class AmazonConnector(Connector):
    marketplace = "amazon"
    label = "Amazon"
    url_key = "endpoint"
    config_keys: ClassVar[dict[str, tuple[Any, bool, str]]] = {
        "endpoint": (str, True, "SP-API host, e.g. https://sellingpartnerapi-eu.amazon.com"),
        "marketplace_ids": (list, True, 'marketplaces to sync, e.g. ["A13V1IB3VIYZZH"] for amazon.fr'),
        "seller_id": (str, True, "your merchant token (Seller Central > Settings > Account info)"),
        "lwa_client_id": (str, True, "Login with Amazon client id of your SP-API app"),
        "lwa_client_secret_env": (str, True, "variable holding the LWA client secret"),
        "refresh_token_env": (str, True, "variable holding the seller's LWA refresh token"),
        "token_url": (str, False, "LWA token endpoint (default https://api.amazon.com/auth/o2/token)"),
    }
    secret_keys = ("lwa_client_secret_env", "refresh_token_env")
    capabilities: ClassVar[dict[str, str]] = {
        "sync_listings": API,  # searchListingsItems
        "sync_orders": API,  # Orders 2026-01-01 searchOrders
        "sync_reviews": API,  # GET_SELLER_FEEDBACK_DATA report (1-3 star feedback only)
        "reply_review": MANUAL,  # no API to answer seller feedback or product reviews
        "sync_disputes": NONE,  # A-to-z claims and chargebacks have no listing API
        "open_dispute": NONE,
        "message_dispute": API,  # Messaging API, fixed message types only
        "resolve_dispute": NONE,
    }
    instead: ClassVar[dict[str, str]] = {
        "reply_review": "answer in Seller Central > Performance > Feedback Manager",
        "sync_disputes": "follow A-to-z claims and chargebacks in Seller Central > Performance > A-to-z Guarantee",
        "open_dispute": "buyers open A-to-z claims; contact the buyer through Seller Central messaging",
        "resolve_dispute": "respond to the claim in Seller Central > Performance > A-to-z Guarantee",
    }
    streams = ()

    def check(self) -> CheckResult:
        raise NotImplementedError
