"""Mirakl seller ("shop") API: the operator marketplaces (Intermarché, E.Leclerc, Carrefour…).

Auth is the raw shop key in `Authorization` (no "Bearer"), `shop_id` when one key serves several
shops. Source: shared/research/marketplace-apis.md §2 and the seller OpenAPI spec.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, ClassVar

from mktcrm.connectors.base import API, MANUAL, NONE, CheckResult, Connector
from mktcrm.connectors.mirakl.actions import DisputeActions
from mktcrm.connectors.mirakl.disputes import DISPUTE_STATES, ReturnsStream, ThreadsStream
from mktcrm.connectors.mirakl.streams import DisputesStream, ListingsStream, OrdersStream, ReviewsStream

if TYPE_CHECKING:
    import httpx

    from mktcrm.config import Account


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
        # An incident is opened by the customer or operator (no OR62 in the shop API); `open_dispute()` still
        # starts a message thread on the order (OR43), which is what `disputes open` does here.
        "open_dispute": NONE,
        "message_dispute": API,  # M12 in the thread / OR43 on the order
        "resolve_dispute": API,  # OR64, incidents only
    }
    instead: ClassVar[dict[str, str]] = {
        "reply_review": "answer the evaluation in the operator's back office (Orders > evaluations)",
        "open_dispute": "start a message thread on the order instead (OR43: `mktcrm disputes open`)",
    }
    streams = (ListingsStream, OrdersStream, ReviewsStream, DisputesStream, ThreadsStream, ReturnsStream)
    # kind -> Mirakl status -> mktcrm state (incident, inquiry = thread by last sender, return).
    dispute_states: ClassVar[dict[str, dict[str, str]]] = DISPUTE_STATES

    @classmethod
    def auth(cls, account: Account, secret: Callable[[str], str], api_base: str) -> httpx.Auth:
        return _shop_key_auth(secret("api_key_env"))

    def check(self) -> CheckResult:
        """A01: proves the key works for this shop and names the shop."""
        params = {"shop_id": self.ctx.account.get("shop_id")} if self.ctx.account.get("shop_id") else None
        body = self.ctx.client.get_json("/api/account", params)
        return CheckResult(True, f"shop {body.get('shop_name')!s} (id {body.get('shop_id')})")
