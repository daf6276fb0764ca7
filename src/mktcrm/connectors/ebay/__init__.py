"""eBay REST Sell APIs: Inventory, Fulfillment (orders, payment disputes), Feedback.

Source: shared/research/marketplace-apis.md §4 and the eBay OpenAPI files in shared/specs/ebay/.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mktcrm.connectors.base import API, NONE, CheckResult, Connector


class EbayConnector(Connector):
    marketplace = "ebay"
    label = "eBay"
    config_keys: ClassVar[dict[str, tuple[Any, bool, str]]] = {
        "base_url": (str, True, "API host, e.g. https://api.ebay.com"),
        "apiz_base_url": (str, False, "payment disputes host (default https://apiz.ebay.com)"),
        "marketplace_id": (str, True, "e.g. EBAY_FR"),
        "seller_username": (str, True, "your eBay user id (feedback is listed by user)"),
        "client_id": (str, True, "App ID (client id) of your eBay developer keyset"),
        "client_secret_env": (str, True, "variable holding the Cert ID (client secret)"),
        "refresh_token_env": (str, True, "variable holding the user refresh token"),
        "token_url": (str, False, "OAuth token endpoint (default https://api.ebay.com/identity/v1/oauth2/token)"),
    }
    secret_keys = ("client_secret_env", "refresh_token_env")
    capabilities: ClassVar[dict[str, str]] = {
        "sync_listings": API,  # Inventory getInventoryItems + getOffers (Inventory-API listings only)
        "sync_orders": API,  # Fulfillment getOrders
        "sync_reviews": API,  # Feedback API getFeedback
        "reply_review": API,  # respond_to_feedback (never automatic for negative feedback)
        "sync_disputes": API,  # payment_dispute_summary
        "open_dispute": NONE,  # buyers open returns, inquiries and cases
        "message_dispute": API,  # Post-Order / Message API
        "resolve_dispute": API,  # payment dispute accept / contest
    }
    instead: ClassVar[dict[str, str]] = {
        "open_dispute": "buyers open returns and cases; message the buyer from the order in Seller Hub",
    }
    streams = ()

    def check(self) -> CheckResult:
        raise NotImplementedError
