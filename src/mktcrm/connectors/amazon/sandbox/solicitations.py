"""Solicitations v1 in the Amazon sandbox: the actions Amazon offers for an order, and the one request.

Amazon's contract (solicitations.json): getSolicitationActionsForOrder lists the solicitation types available
for an order now; createProductReviewAndSellerFeedbackSolicitation answers 201 with an empty body, and only
one request per order is allowed. Eligibility here: a shipped order delivered 5 to 30 days ago (its
`deliverByWindow.latestDateTime`, by this machine's clock, as Amazon uses its own), not asked before.
Refusals use the spec's ErrorList shape; the exact wording of Amazon's refusals is not documented.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import httpx

from mktcrm.sandbox.base import ApiError
from mktcrm.sandbox.records import DAY, Dataset, Order

from . import payloads as pl

if TYPE_CHECKING:
    from .orders import OrderRenderer

ACTIONS = re.compile(r"^/solicitations/v1/orders/([^/]+)$")
CREATE = re.compile(r"^/solicitations/v1/orders/([^/]+)/solicitations/productReviewAndSellerFeedback$")
WINDOW = (5 * DAY, 30 * DAY)


class SolicitationsMixin:
    """State: `solicited` (Amazon order ids already asked); `set_delivery` moves an order's delivery."""

    data: Dataset
    _renderer: OrderRenderer
    _cache: dict[Any, Any]
    solicited: set[str]

    def set_delivery(self, amazon_id: str, at: float) -> None:
        """The order was (promised) delivered at `at` (epoch seconds): its window follows."""
        self._renderer.delivered[pl.generator_id(self.data, amazon_id)] = at
        self._cache.clear()

    def solicitation_route(self, path: str) -> tuple[str, Any] | None:
        if ACTIONS.match(path):
            return "getSolicitationActionsForOrder", self._actions
        if CREATE.match(path):
            return "createProductReviewAndSellerFeedbackSolicitation", self._create
        return None

    def _order_for(self, request: httpx.Request, pattern: re.Pattern[str], path: str) -> tuple[str, Order]:
        match = pattern.match(path)
        assert match is not None
        amazon_id = match.group(1)
        markets = [part for value in request.url.params.get_list("marketplaceIds") for part in value.split(",") if part]
        if len(markets) != 1:
            raise ApiError(400, "marketplaceIds must name exactly one marketplace.")
        try:
            order = self.data.get(pl.generator_id(self.data, amazon_id))
        except (KeyError, ValueError):
            raise ApiError(404, f"Order {amazon_id[:40]} is not found.") from None
        if markets[0] != pl.MARKETPLACE_FR or pl.order_id(self.data, order) != amazon_id:
            raise ApiError(404, f"Order {amazon_id[:40]} is not found in marketplace {markets[0][:20]}.")
        return amazon_id, order

    def _refusal(self, amazon_id: str, order: Order) -> str | None:
        """Why Amazon would not offer a review request for this order now (None: it would)."""
        if amazon_id in self.solicited:
            return "A solicitation has already been sent for this order."
        if pl.STATUS.get(order.state, "PENDING") != "SHIPPED":
            return "The order has not been delivered."
        since = time.time() - self._renderer.delivered_by(order)
        if not WINDOW[0] <= since <= WINDOW[1]:
            return "Solicitations can be sent only 5 to 30 days after the order is delivered."
        return None

    def _actions(self, request: httpx.Request, path: str) -> tuple[int, Any]:
        amazon_id, order = self._order_for(request, ACTIONS, path)
        me = f"/solicitations/v1/orders/{amazon_id}?marketplaceIds={pl.MARKETPLACE_FR}"
        actions = []
        if self._refusal(amazon_id, order) is None:
            href = f"/solicitations/v1/orders/{amazon_id}/solicitations/productReviewAndSellerFeedback"
            actions = [{"href": f"{href}?marketplaceIds={pl.MARKETPLACE_FR}", "name": "productReviewAndSellerFeedback"}]
        return 200, {"_links": {"actions": actions, "self": {"href": me}}}

    def _create(self, request: httpx.Request, path: str) -> tuple[int, Any]:
        amazon_id, order = self._order_for(request, CREATE, path)
        refused = self._refusal(amazon_id, order)
        if refused is not None:
            raise ApiError(400, refused)
        self.solicited.add(amazon_id)
        return 201, {}
