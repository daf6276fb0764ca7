"""eBay REST Sell APIs: Inventory, Fulfillment (orders, payment disputes), Feedback.

Source: shared/research/marketplace-apis.md §4 and the eBay OpenAPI files in shared/specs/ebay/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from mktcrm.connectors.base import API, NONE, UNKNOWN, CheckResult, Connector, Posted
from mktcrm.connectors.deadline_rule import CHECKED, DeadlineRule
from mktcrm.connectors.ebay.disputes import DisputesStream
from mktcrm.connectors.ebay.feedback import ReviewsStream
from mktcrm.connectors.ebay.streams import ListingsStream, OrdersStream
from mktcrm.connectors.ebay.themes import REASON_THEMES
from mktcrm.connectors.kpi_limit import KpiLimit
from mktcrm.errors import ConflictError, NotSupportedError
from mktcrm.http.rate_limit import RateLimit

if TYPE_CHECKING:
    import httpx

    from mktcrm.config import Account

TOKEN_URL = "https://api.ebay.com/identity/v1/oauth2/token"
TOKEN_PATH = "/identity/v1/oauth2/token"
_STEP_IN = "https://www.ebay.co.uk/help/buying/returns-refunds/ask-ebay-step-help-buyers?id=4701"
_PAYMENT = "https://www.ebay.ca/help/selling/getting-paid/handling-payment-disputes-managed-payments-seller?id=4799"
# Read-only where eBay has a read-only scope; commerce.feedback (not .readonly) so replies need no new consent.
FEEDBACK_PATH = "/commerce/feedback/v1/feedback"
SEARCH_PAGES = 5  # a read-back that misses its record looks through the newest 1,000 feedback entries
SCOPES = tuple(
    f"https://api.ebay.com/oauth/api_scope/{s}"
    for s in ("sell.inventory.readonly", "sell.fulfillment.readonly", "sell.payment.dispute", "commerce.feedback")
)
_STANDARDS = "https://www.ebay.com.au/help/policies/selling-policies/seller-performance-policy?id=4347"
# Default per-application daily quotas per API (developer.ebay.com API call limits; UNVERIFIED figures,
# an app's own are in the Developer Analytics API getRateLimits). Payment disputes are Fulfillment API calls.
_LIMITS = "eBay API call limits, per application and day"


# eBay marketplace id -> the site where its Seller Hub lives.
EBAY_SITES = {
    "EBAY_FR": "ebay.fr",
    "EBAY_DE": "ebay.de",
    "EBAY_GB": "ebay.co.uk",
    "EBAY_IT": "ebay.it",
    "EBAY_ES": "ebay.es",
    "EBAY_US": "ebay.com",
}


class EbayConnector(Connector):
    marketplace = "ebay"
    label = "eBay"
    token_path = TOKEN_PATH
    default_token_url = TOKEN_URL
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
    resolvable_kinds = ("payment_dispute",)
    capabilities: ClassVar[dict[str, str]] = {
        "sync_listings": API,  # Inventory getInventoryItems + getOffers (Inventory-API listings only)
        "sync_orders": API,  # Fulfillment getOrders
        "sync_reviews": API,  # Feedback API getFeedback
        "reply_review": API,  # respond_to_feedback (never automatic for negative feedback)
        "sync_disputes": API,  # payment_dispute_summary
        "open_dispute": NONE,  # buyers open returns, inquiries and cases
        "message_dispute": API,  # Post-Order / Message API
        "resolve_dispute": API,  # payment dispute accept / contest
        "solicit_review": NONE,  # no review-request API
    }
    instead: ClassVar[dict[str, str]] = {
        "open_dispute": "buyers open returns and cases; message the buyer from the order in Seller Hub",
        "solicit_review": "eBay has no review-request API: eBay reminds buyers to leave feedback itself",
    }
    streams = (ListingsStream, OrdersStream, ReviewsStream, DisputesStream)
    default_base_url = "https://api.ebay.com"
    charter_pack = "mktcrm.connectors.ebay.charter:PACK"
    reply_target = "feedback_reply"
    message_target = "dispute_response"
    negative_needs_human = 2  # eBay policy: no automated replies to negative feedback (RespondToFeedback)
    reason_themes = REASON_THEMES  # payment dispute reasons (DisputeReasonEnum)
    deadline_rules = (
        DeadlineRule("ebay", "payment_dispute", 5, "calendar_days", "opened_at", _PAYMENT, CHECKED),
        DeadlineRule("ebay", "return", 3, "business_days", "opened_at", _STEP_IN, CHECKED, "then eBay may step in"),
        DeadlineRule("ebay", "inquiry", 3, "business_days", "opened_at", _STEP_IN, CHECKED, "item not received"),
    )
    # orderFulfillmentStatus (Fulfillment API: an order is listed once paid), CANCELED set from cancelStatus;
    # refunds live in orderPaymentStatus, not in the status the cache keeps.
    order_states: ClassVar[dict[str, str]] = {
        "not_started": "paid",
        "in_progress": "shipped",
        "fulfilled": "shipped",
        "canceled": "cancelled",
    }
    kpi_gaps: ClassVar[dict[str, str]] = {
        "tickets": "eBay member messages are not synced (no thread stream yet)",
        "median_first_response_h": "eBay member messages are not synced (no thread stream yet)",
    }
    _DASHBOARD = "from eBay's seller standards dashboard, which no synced API gives"
    kpi_limits = (
        KpiLimit(
            "transaction_defect_rate_pct", "max", 2.0, "eBay transaction defect rate", _STANDARDS, note=_DASHBOARD
        ),
        KpiLimit("late_shipment_rate_pct", "max", 7.0, "eBay late shipment rate", _STANDARDS, note=_DASHBOARD),
    )
    rate_limits = (
        RateLimit.daily("eBay Fulfillment API", r"/sell/fulfillment/v1/", 100_000, _LIMITS),
        RateLimit.daily("eBay Inventory API", r"/sell/inventory/v1/", 2_000_000, _LIMITS),
        RateLimit.daily("eBay Feedback API", r"/commerce/feedback/v1/", 5_000, _LIMITS),
    )
    sandbox = "mktcrm.connectors.ebay.sandbox.marketplace:EbaySandbox"
    demo_accounts = ("ebay-fr",)
    spec_files = ("ebay/*.json",)
    outside_spec = (r"^/identity/v1/oauth2/token$",)

    @classmethod
    def order_url(cls, account: Account, order_id: str) -> str | None:
        """The order's details page in Seller Hub, on the site of the account's marketplace id."""
        domain = EBAY_SITES.get(str(account.get("marketplace_id") or "EBAY_FR"), "ebay.com")
        return f"https://www.{domain}/sh/ord/details?orderid={quote(order_id, safe='')}"

    @classmethod
    def auth_problem(cls, request: httpx.Request) -> str | None:
        return None if request.headers.get("Authorization", "").startswith("Bearer ") else "eBay REST needs Bearer"

    @classmethod
    def auth(cls, account: Account, secret: Callable[[str], str]) -> httpx.Auth:
        from mktcrm.http.oauth import RefreshTokenAuth, bearer

        site = str(account.get("marketplace_id") or "EBAY_FR")

        def apply(request: httpx.Request, token: str) -> None:
            bearer(request, token)
            request.headers["X-EBAY-C-MARKETPLACE-ID"] = site

        return RefreshTokenAuth(
            cls.token_url(account),
            {"refresh_token": secret("refresh_token_env"), "scope": " ".join(SCOPES)},
            apply,
            basic=(str(account.get("client_id")), secret("client_secret_env")),
            account=account.name,
            hint=(
                f"renew the user token (developer.ebay.com > Application Keys > User Tokens) and update "
                f"{account.get('refresh_token_env')}; client_id and {account.get('client_secret_env')} must come "
                "from the same keyset"
            ),
        )

    # -- replies (respond_to_feedback) ------------------------------------------------------------
    def reply_to_review(self, review: dict[str, Any], text: str, idempotency_key: str) -> str | None:
        """POST respond_to_feedback; eBay answers 409 when the feedback already has a reply."""
        raw = json.loads(review.get("raw") or "{}")
        body = {
            "feedbackId": review["id"],
            "recipientUserId": (raw.get("providerUserDetail") or {}).get("userId"),
            "responseText": text,
            "responseType": "REPLY",
        }
        response = self.ctx.client.request(
            "POST",
            "/commerce/feedback/v1/respond_to_feedback",
            json=body,
            allow=(409,),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code == 409:
            raise ConflictError(f"{self.ctx.account.name}: feedback {review['id']} already has a reply")
        return None  # eBay returns no id for a reply

    def remote_reply(self, review: dict[str, Any]) -> Posted:
        """getFeedback for this one feedback id (the spec: "only return a specific feedback record").

        An answer without that record proves nothing: the newest feedback is searched for it too
        (a few pages), and if it is still not found the result is unknown, never "no reply".
        """
        feedback_id = str(review["id"])
        params: dict[str, Any] = {
            "user_id": self.ctx.account.get("seller_username"),
            "feedback_type": "FEEDBACK_RECEIVED",
            "feedback_id": feedback_id,
        }
        found = _reply_in(self.ctx.client.get_json(FEEDBACK_PATH, params), feedback_id)
        if found is not None:
            return found
        from urllib.parse import parse_qsl, urlsplit

        query: dict[str, Any] = {k: v for k, v in params.items() if k != "feedback_id"}
        query.update({"filter": "role:BUYER", "sort": "TIME", "limit": 200, "offset": 0})
        for _ in range(SEARCH_PAGES):
            body = self.ctx.client.get_json(FEEDBACK_PATH, query)
            found = _reply_in(body, feedback_id)
            if found is not None:
                return found
            following = (body.get("pagination") or {}).get("next") if isinstance(body, dict) else None
            if not following:
                break
            query = dict(parse_qsl(urlsplit(str(following)).query, keep_blank_values=True))  # eBay's link, as written
        return UNKNOWN

    # -- payment disputes -----------------------------------------------------------------------------
    def _apiz(self) -> str:
        return str(self.ctx.account.get("apiz_base_url") or "https://apiz.ebay.com").rstrip("/")

    def dispute_reasons(self, purpose: str) -> dict[str, str]:
        if purpose == "resolve":
            return {"accept": "accept the buyer's claim: eBay refunds the buyer (acceptPaymentDispute)"}
        return {}

    def resolve_dispute(self, dispute: dict[str, Any], reason_code: str) -> None:
        """acceptPaymentDispute at the dispute's current revision (read first, as eBay requires)."""
        if dispute["kind"] != "payment_dispute":
            raise NotSupportedError(
                f"not supported by ebay: {dispute['kind']} disputes are not synced",
                hint=self.instead.get("open_dispute"),
            )
        url = f"{self._apiz()}/sell/fulfillment/v1/payment_dispute/{dispute['id']}"
        detail = self.ctx.client.get_json(url)
        response = self.ctx.client.request(
            "POST",
            f"{url}/accept",
            json={"revision": detail.get("revision")},
            allow=(409,),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code == 409:
            from mktcrm.http.client import error_message

            raise ConflictError(
                f"{self.ctx.account.name}: eBay refused: {error_message(response)}",
                hint="run `mktcrm sync --stream disputes` to see its current state",
            )

    def send_dispute_message(self, dispute: dict[str, Any], text: str, idempotency_key: str) -> str | None:
        raise NotSupportedError(
            "not supported by ebay: payment disputes take no messages",
            hint="contest or add a note in Seller Hub > Payment disputes",
        )

    def check(self) -> CheckResult:
        """getOrders limit=1: proves the user token and its fulfillment scope, and names the seller."""
        body = self.ctx.client.get_json("/sell/fulfillment/v1/order", {"limit": 1})
        orders = body.get("orders") or []
        configured = self.ctx.account.get("seller_username")
        seller = orders[0].get("sellerId") if orders else None
        if seller and configured and str(seller).lower() != str(configured).lower():
            return CheckResult(False, f"the token belongs to seller {seller!s}, but seller_username is {configured!s}")
        site = self.ctx.account.get("marketplace_id")
        return CheckResult(True, f"seller {seller or configured!s} on {site}, {body.get('total', 0)} orders in 90 days")


def _reply_in(body: Any, feedback_id: str) -> Posted | None:
    """The reply of `feedback_id` if the answer holds that record (None: it does not)."""
    for entry in (body.get("feedbackEntries") or []) if isinstance(body, dict) else []:
        if str(entry.get("feedbackId")) == feedback_id:
            text = (entry.get("replyComment") or {}).get("commentText")
            return Posted((str(text),) if text else ())
    return None
