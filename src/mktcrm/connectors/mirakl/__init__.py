"""Mirakl seller ("shop") API: the operator marketplaces (Intermarché, E.Leclerc, Carrefour…).

Auth is the raw shop key in `Authorization` (no "Bearer"), `shop_id` when one key serves several
shops. Source: shared/research/marketplace-apis.md §2 and the seller OpenAPI spec.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from mktcrm.connectors.base import API, MANUAL, NONE, CheckResult, Connector
from mktcrm.connectors.deadline_rule import CHECKED, LAST_MESSAGE, DeadlineRule
from mktcrm.connectors.kpi_limit import KpiLimit
from mktcrm.connectors.mirakl.actions import DisputeActions
from mktcrm.connectors.mirakl.disputes import DISPUTE_STATES, ReturnsStream, ThreadsStream
from mktcrm.connectors.mirakl.offers import ListingsStream
from mktcrm.connectors.mirakl.streams import DisputesStream, OrdersStream, ReviewsStream
from mktcrm.connectors.mirakl.themes import REASON_THEMES
from mktcrm.http.rate_limit import RateLimit

if TYPE_CHECKING:
    import httpx

    from mktcrm.config import Account

_PCC = "https://marketplacehelp.pccomponentes.com/hc/en-us/articles/20561228339357"
_BESTBUY = "https://partners.bestbuy.com/es/-/seller-hub/set-up-your-store/manage-store/resolve-incidents"
_OPERATOR = "operator-dependent default: set the account's deadlines to your operator's figure"
_NO_FIGURE = (
    "operator-dependent default, no operator figure found (eBay's 3 business days); set the account's deadlines"
)
_PCC_KPI = "https://marketplacehelp.pccomponentes.com/hc/en-us/articles/20560874552605"


def _shop_key_auth(key: str) -> httpx.Auth:
    import httpx

    class ShopKeyAuth(httpx.Auth):
        """Sets the header on each request; the key lives only in this closure, never in logs."""

        def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
            request.headers["Authorization"] = key
            yield request

    return ShopKeyAuth()


class MiraklConnector(DisputeActions, Connector):
    marketplace = "mirakl"
    label = "Mirakl"
    config_keys: ClassVar[dict[str, tuple[Any, bool, str]]] = {
        "base_url": (str, True, "the operator's Mirakl instance, e.g. https://leclerc-prod.mirakl.net"),
        "shop_id": ((str, int), False, "your shop id, when one key serves several shops"),
        "api_key_env": (
            str,
            True,
            "name of the environment variable (or secrets.toml entry) holding the shop key",
        ),
    }
    secret_keys = ("api_key_env",)
    resolvable_kinds = ("incident",)
    capabilities: ClassVar[dict[str, str]] = {
        "sync_listings": API,  # OF21
        "sync_orders": API,  # OR11
        "sync_reviews": API,  # OR51, one call per order
        "reply_review": MANUAL,  # OR51's reply is read-only: paste it in the back office
        "sync_disputes": API,  # OR11 incidents, M11 threads, RT11 returns
        # An incident is opened by the customer or operator (no OR62 in the shop API), but `disputes open`
        # starts a message thread on the order (OR43) with an ORDER_MESSAGING reason: a real remote action.
        "open_dispute": API,
        "message_dispute": API,  # M12 in the thread / OR43 on the order
        "resolve_dispute": API,  # OR64, incidents only
        "solicit_review": NONE,  # no review-request API
    }
    instead: ClassVar[dict[str, str]] = {
        "reply_review": "answer the evaluation in the operator's back office (Orders > evaluations)",
        "solicit_review": "Mirakl has no review-request API: the operator asks buyers to evaluate orders itself",
    }
    streams = (ListingsStream, OrdersStream, ReviewsStream, DisputesStream, ThreadsStream, ReturnsStream)
    # kind -> Mirakl status -> mktcrm state (incident, inquiry = thread by last sender, return).
    dispute_states: ClassVar[dict[str, dict[str, str]]] = DISPUTE_STATES
    # order_state (OR11 order_state_codes; REFUNDED and INCIDENT_OPEN are line states) -> mktcrm's vocabulary.
    # SHIPPING is Mirakl's "accepted and debited, to ship"; RECEIVED and CLOSED both follow delivery.
    order_states: ClassVar[dict[str, str]] = {
        "staging": "pending",
        "waiting_acceptance": "pending",
        "waiting_debit": "pending",
        "waiting_debit_payment": "pending",
        "shipping": "paid",
        "shipped": "shipped",
        "to_collect": "shipped",
        "received": "delivered",
        "closed": "delivered",
        "refused": "cancelled",
        "canceled": "cancelled",
        "refunded": "refunded",
    }
    charter_pack = "mktcrm.connectors.mirakl.charter:PACK"
    reply_target = "message"
    message_target = "message"
    reason_themes = REASON_THEMES  # Mirakl's built-in return reasons; operator reasons (RE01) by their labels
    # The seller OpenAPI's "Maximum usage" per operation where it is a per-call pace (OF53: every 10 s); other
    # figures there are sync cadences, not request rates. OR51 documents none: the per-order fetches are bounded
    # by `[sync] concurrency` requests in flight, and a 429 is retried after its Retry-After.
    rate_limits = (RateLimit("OF53", "GET", r"/api/offers/export/async/status/", 0.1, 1, "seller OpenAPI OF53"),)
    deadline_rules = (
        DeadlineRule("mirakl", "inquiry", 24, "hours", "updated_at", _PCC, CHECKED, LAST_MESSAGE),
        DeadlineRule("mirakl", "incident", 4, "calendar_days", "opened_at", _BESTBUY, CHECKED, _OPERATOR),
        DeadlineRule("mirakl", "return", 3, "business_days", "opened_at", _PCC, CHECKED, _NO_FIGURE),
    )
    # Each operator sets its own quality gates: PcComponentes' by default, overridable per account (kpi_limits).
    kpi_limits = (
        KpiLimit(
            "median_first_response_h",
            "max",
            24.0,
            "Mirakl operator: reply time to customer messages",
            _PCC_KPI,
            warn=20.0,
            note="operator-dependent: set kpi_limits in the account to your operator's",
        ),
        KpiLimit(
            "dispute_rate_pct",
            "max",
            9.0,
            "Mirakl operator: incident rate",
            _PCC_KPI,
            warn=8.0,
            note="operator-dependent: set kpi_limits in the account to your operator's",
        ),
        KpiLimit(
            "median_resolution_h",
            "max",
            96.0,
            "Mirakl operator: incident resolution delay",
            _BESTBUY,
            note="Best Buy CA resolves incidents within 4 days; operator-dependent",
        ),
    )
    sandbox = "mktcrm.connectors.mirakl.sandbox.marketplace:MiraklSandbox"
    demo_accounts = ("intermarche", "leclerc")
    serve_option = "operator"
    spec_files = ("mirakl/mirakl-mmp-seller-openapi.json",)
    outside_spec = (r"^/api/offers/export/async/file/",)  # OF54: the URLs OF53 hands out
    # Paging and locale parameters the spec describes in each operation's text instead of declaring them.
    spec_extra_query: ClassVar[dict[str, tuple[str, ...]]] = {
        "offset pagination": ("max", "offset", "sort", "order", "paginate"),
        "seek pagination": ("limit", "page_token", "sort"),
        "locale": ("locale",),
    }

    @classmethod
    def order_url(cls, account: Account, order_id: str) -> str | None:
        """The order in the operator's shop back office, on the same host as its API (each operator its own)."""
        base = str(account.get(cls.url_key) or "").split("?", 1)[0].rstrip("/")
        return f"{base}/mmp/shop/order/{quote(order_id, safe='')}" if base else None

    @classmethod
    def auth(cls, account: Account, secret: Callable[[str], str]) -> httpx.Auth:
        return _shop_key_auth(secret("api_key_env"))

    @classmethod
    def auth_problem(cls, request: httpx.Request) -> str | None:
        value = request.headers.get("Authorization", "")
        return None if value and not value.startswith("Bearer ") else "Mirakl needs the raw shop key in Authorization"

    def check(self) -> CheckResult:
        """A01: proves the key works for this shop and names the shop."""
        params = {"shop_id": self.ctx.account.get("shop_id")} if self.ctx.account.get("shop_id") else None
        body = self.ctx.client.get_json("/api/account", params)
        return CheckResult(True, f"shop {body.get('shop_name')!s} (id {body.get('shop_id')})")
