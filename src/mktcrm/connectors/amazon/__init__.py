"""Amazon Selling Partner API (SP-API): Orders 2026-01-01, Listings Items, seller-feedback reports.

Source: shared/research/marketplace-apis.md §3 and the Amazon model files in shared/specs/amazon-sp-api/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from mktcrm.connectors.amazon.reports import ReviewsStream
from mktcrm.connectors.amazon.streams import ListingsStream, OrdersStream
from mktcrm.connectors.base import API, MANUAL, NONE, CheckResult, Connector
from mktcrm.connectors.deadline_rule import CHECKED, LAST_MESSAGE, DeadlineRule
from mktcrm.connectors.kpi_limit import KpiLimit
from mktcrm.http.rate_limit import RateLimit

if TYPE_CHECKING:
    import httpx

    from mktcrm.config import Account

DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
TOKEN_PATH = "/auth/o2/token"
_CRT = "https://sellercentral.amazon.com/gp/help/external/200549770"
_48H = "https://www.sellerbee.com/forum/52"
_SOL = "SP-API Solicitations v1"
_PERF = "https://sellercentral.amazon.com/gp/help/external/G202124800"  # targets: codisto.help 360004508096


def _access_token(request: httpx.Request, token: str) -> None:
    """SP-API wants the LWA access token in its own header, not in Authorization."""
    request.headers["x-amz-access-token"] = token


# Marketplace id -> Seller Central host (https://developer-docs.amazon.com/sp-api/docs/marketplace-ids).
SELLER_CENTRAL = {
    "A13V1IB3VIYZZH": "sellercentral.amazon.fr",
    "A1PA6795UKMFR9": "sellercentral.amazon.de",
    "APJ6JRA9NG5V4": "sellercentral.amazon.it",
    "A1RKKUPIHCS9HS": "sellercentral.amazon.es",
    "A1F83G8C2ARO7P": "sellercentral.amazon.co.uk",
    "A1805IZSGTT6HS": "sellercentral.amazon.nl",
    "ATVPDKIKX0DER": "sellercentral.amazon.com",
}


class AmazonConnector(Connector):
    marketplace = "amazon"
    label = "Amazon"
    token_path = TOKEN_PATH
    default_token_url = DEFAULT_TOKEN_URL
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
        "solicit_review": API,  # Solicitations API: productReviewAndSellerFeedback, once per order
    }
    instead: ClassVar[dict[str, str]] = {
        "reply_review": "answer in Seller Central > Performance > Feedback Manager",
        "sync_disputes": "follow A-to-z claims and chargebacks in Seller Central > Performance > A-to-z Guarantee",
        "open_dispute": "buyers open A-to-z claims; contact the buyer through Seller Central messaging",
        "resolve_dispute": "respond to the claim in Seller Central > Performance > A-to-z Guarantee",
    }
    streams = (ListingsStream, OrdersStream, ReviewsStream)
    charter_pack = "mktcrm.connectors.amazon.charter:PACK"
    reply_target = "feedback_response"
    message_target = "buyer_message"
    # SP-API usage plans (rate/s, burst), docs/marketplaces/amazon.md; x-amzn-RateLimit-Limit corrects the rate.
    rate_limits = (
        RateLimit("searchOrders", "GET", r"/orders/2026-01-01/orders$", 0.0056, 20, "SP-API Orders 2026-01-01"),
        RateLimit("searchListingsItems", "GET", r"/listings/2021-08-01/items/", 5.0, 5, "SP-API Listings Items"),
        RateLimit("createReport", "POST", r"/reports/2021-06-30/reports$", 0.0167, 15, "SP-API Reports"),
        RateLimit("getReport", "GET", r"/reports/2021-06-30/reports/", 2.0, 15, "SP-API Reports"),
        RateLimit("getReportDocument", "GET", r"/reports/2021-06-30/documents/", 0.0167, 15, "SP-API Reports"),
        RateLimit("getSolicitationActionsForOrder", "GET", r"/solicitations/v1/orders/[^/]+$", 1.0, 5, _SOL),
        RateLimit("createProductReviewAndSellerFeedbackSolicitation", "POST", r"/solicitations/v1/", 1.0, 5, _SOL),
        RateLimit(
            "getMarketplaceParticipations",
            "GET",
            r"/sellers/v1/marketplaceParticipations$",
            0.016,
            15,
            "SP-API Sellers",
        ),
    )
    deadline_rules = (
        DeadlineRule("amazon", "inquiry", 24, "hours", "updated_at", _CRT, CHECKED, LAST_MESSAGE),
        DeadlineRule("amazon", "claim", 48, "hours", "opened_at", _48H, CHECKED, "secondary source"),
        DeadlineRule("amazon", "return", 48, "hours", "opened_at", _48H, CHECKED, "secondary source"),
    )
    _FEEDBACK_ONLY_LOW = "Amazon's feedback report (GET_SELLER_FEEDBACK_DATA) holds only 1-3 star feedback"
    # fulfillmentStatus (Orders API 2026-01-01, research §1) -> mktcrm's order vocabulary; "returned" and
    # "refunded" are not order statuses on Amazon (returns come through reports), so none maps there.
    order_states: ClassVar[dict[str, str]] = {
        "pending_availability": "pending",
        "pending": "pending",
        "unshipped": "paid",
        "partially_shipped": "shipped",
        "shipped": "shipped",
        "cancelled": "cancelled",
        "canceled": "cancelled",
        "unfulfillable": "cancelled",
    }
    kpi_gaps: ClassVar[dict[str, str]] = {
        "satisfaction_pct": _FEEDBACK_ONLY_LOW + "; see Seller Central > Performance > Feedback",
        "csat_pct": _FEEDBACK_ONLY_LOW + "; see Seller Central > Performance > Feedback",
        "avg_rating": _FEEDBACK_ONLY_LOW + ": a mean of those would look worse than your real rating",
    }
    kpi_limits = (
        KpiLimit(
            "order_defect_rate_pct",
            "max",
            1.0,
            "Amazon order defect rate",
            _PERF,
            note="from the Account Health report (GET_V2_SELLER_PERFORMANCE_REPORT), not synced yet",
        ),
        KpiLimit(
            "late_shipment_rate_pct",
            "max",
            4.0,
            "Amazon late shipment rate",
            _PERF,
            note="from the Account Health report (GET_V2_SELLER_PERFORMANCE_REPORT), not synced yet",
        ),
        KpiLimit(
            "cancel_rate_pct",
            "max",
            2.5,
            "Amazon pre-fulfilment cancel rate",
            _PERF,
            note="mktcrm counts every cancelled order; Amazon counts those the seller cancelled",
        ),
    )
    sandbox = "mktcrm.connectors.amazon.sandbox.marketplace:AmazonSandbox"
    demo_accounts = ("amazon-fr",)
    spec_files = ("amazon-sp-api/*.json",)
    outside_spec = (r"^/auth/o2/token$", r"^/report-documents?/", r"^/documents?/")

    # "Request a Review": 5 to 30 days after delivery. A secondary source (research/peer-features.md S15);
    # getSolicitationActionsForOrder, asked before each request, is Amazon's own final word.
    solicit_window = (5, 30)
    solicit_source = "https://www.ecomengine.com/help/campaign-rules (secondary; issue 13)"

    @classmethod
    def delivered_at(cls, order: dict[str, Any]) -> str | None:
        from mktcrm.connectors.amazon.solicitations import delivered_at

        return delivered_at(order)

    def solicitation_offered(self, order: dict[str, Any]) -> bool:
        from mktcrm.connectors.amazon.solicitations import offered

        return offered(self.ctx.client, order, list(self.ctx.account.get("marketplace_ids") or []))

    def solicit_review(self, order: dict[str, Any]) -> None:
        from mktcrm.connectors.amazon.solicitations import request

        request(self.ctx.client, order, list(self.ctx.account.get("marketplace_ids") or []))

    @classmethod
    def order_url(cls, account: Account, order_id: str) -> str | None:
        """Seller Central's order page, on the host of the account's first marketplace."""
        ids = account.get("marketplace_ids") or []
        host = SELLER_CENTRAL.get(str(ids[0]) if ids else "", "sellercentral.amazon.com")
        return f"https://{host}/orders-v3/order/{quote(order_id, safe='')}"

    @classmethod
    def auth(cls, account: Account, secret: Callable[[str], str]) -> httpx.Auth:
        """LWA refresh-token grant; the token URL follows the sandbox for `sandbox://` endpoints."""
        from mktcrm.http.oauth import RefreshTokenAuth

        token_url = cls.token_url(account)
        form = {
            "refresh_token": secret("refresh_token_env"),
            "client_id": str(account.get("lwa_client_id") or ""),
            "client_secret": secret("lwa_client_secret_env"),
        }
        names = " and ".join(str(account.get(k)) for k in cls.secret_keys if account.get(k))
        hint = f"authorise the app again in Seller Central (Apps and Services > Manage Your Apps) and update {names}"
        return RefreshTokenAuth(
            str(token_url), form, _access_token, account=account.name, hint=hint, refresh_on=(401, 403)
        )

    @classmethod
    def auth_problem(cls, request: httpx.Request) -> str | None:
        if not request.headers.get("x-amz-access-token"):
            return "SP-API calls need x-amz-access-token"
        return "SP-API calls carry no Authorization header" if "Authorization" in request.headers else None

    def check(self) -> CheckResult:
        """getMarketplaceParticipations: proves the token works and names the store and its marketplaces."""
        body = self.ctx.client.get_json("/sellers/v1/marketplaceParticipations")
        entries = body.get("payload") if isinstance(body, dict) else None
        if not entries:
            return CheckResult(False, "the seller participates in no marketplace")
        wanted = set(self.ctx.account.get("marketplace_ids") or [])
        stores = sorted({str(e.get("storeName")) for e in entries})
        markets = [str((e.get("marketplace") or {}).get("name")) for e in entries]
        missing = wanted - {(e.get("marketplace") or {}).get("id") for e in entries}
        detail = f"store {', '.join(stores)} on {', '.join(markets)} (seller {self.ctx.account.get('seller_id')})"
        if missing:
            return CheckResult(False, f"{detail}; not registered on {', '.join(sorted(missing))}")
        return CheckResult(True, detail)
