"""Amazon's Solicitations API: ask a buyer for a product review and seller feedback, once per order.

getSolicitationActionsForOrder lists what Amazon offers for an order now (empty when the order is outside
its window, already asked, or otherwise not eligible: Amazon's own final check);
createProductReviewAndSellerFeedbackSolicitation sends Amazon's fixed, translated request ("Send only one
productReviewAndSellerFeedback or free form proactive message per order"). Source: solicitations.json in
shared/specs/amazon-sp-api (v1); the 5-30 days after delivery window is Amazon's "Request a Review" rule.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mktcrm.errors import RemoteError
from mktcrm.timeutil import norm_time

if TYPE_CHECKING:
    from mktcrm.http.client import ApiClient

ACTION = "productReviewAndSellerFeedback"
PATH = "/solicitations/v1/orders/{order_id}"


def _raw(order: dict[str, Any]) -> dict[str, Any]:
    raw = order.get("raw")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def delivered_at(order: dict[str, Any]) -> str | None:
    """A shipped order's promised delivery (`fulfillment.deliverByWindow.latestDateTime`); None before shipping.

    Orders 2026-01-01 carries no actual delivery date, so the promise stands in for it; Amazon's
    getSolicitationActionsForOrder, asked before every request, uses the real one.
    """
    fulfillment = _raw(order).get("fulfillment") or {}
    if fulfillment.get("fulfillmentStatus") != "SHIPPED":
        return None
    window = fulfillment.get("deliverByWindow") or {}
    return norm_time(window.get("latestDateTime") or window.get("earliestDateTime"))


def marketplace_id(order: dict[str, Any], configured: list[str]) -> str:
    """The order's own marketplace (the API takes exactly one), else the account's first."""
    channel = _raw(order).get("salesChannel") or {}
    found = channel.get("marketplaceId") or (configured[0] if configured else None)
    if not found:
        raise RemoteError(f"order {order['id']}: no marketplace id to ask Amazon about")
    return str(found)


def offered(client: ApiClient, order: dict[str, Any], configured: list[str]) -> bool:
    """getSolicitationActionsForOrder: is a review request among the actions Amazon offers now?"""
    body = client.get_json(PATH.format(order_id=order["id"]), {"marketplaceIds": marketplace_id(order, configured)})
    actions = ((body or {}).get("_links") or {}).get("actions") or []
    return any(isinstance(a, dict) and a.get("name") == ACTION for a in actions)


def request(client: ApiClient, order: dict[str, Any], configured: list[str]) -> None:
    """createProductReviewAndSellerFeedbackSolicitation, tried once: Amazon refuses a second one per order,
    and after a lost answer the outbox asks getSolicitationActionsForOrder instead of posting again."""
    from mktcrm.http.client import error_message

    path = f"{PATH.format(order_id=order['id'])}/solicitations/{ACTION}"
    response = client.request(
        "POST", path, params={"marketplaceIds": marketplace_id(order, configured)}, allow=(400, 403, 404), retry=False
    )
    if response.status_code >= 400:
        raise RemoteError(
            f"{client.account}: Amazon refused the review request for order {order['id']}: {error_message(response)}",
            hint="Amazon allows one request per order, 5-30 days after delivery",
        )
