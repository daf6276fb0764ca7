"""Mirakl streams: orders (OR11), evaluations (OR51 per order), incidents (OR11); offers are in `offers`.

Threads (M11) and returns (RT11) are in `disputes`, with the status table all dispute streams share.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mktcrm.connectors.base import MarkMissing, OffsetPaginator, Page, Paginator, Stream
from mktcrm.connectors.mirakl.disputes import state_of, status_event
from mktcrm.money import to_minor
from mktcrm.records import Dispute, Order, OrderLine, Review
from mktcrm.timeutil import iso, norm_time

# Orders in these states may carry an evaluation (the customer rates after delivery).
RATEABLE_STATES = "SHIPPED,TO_COLLECT,RECEIVED,CLOSED"


def _display_name(first: str | None, last: str | None) -> str | None:
    """First name and initial only: enough to greet a buyer, no more personal data than needed."""
    first = (first or "").strip()
    last = (last or "").strip()
    if not first and not last:
        return None
    return f"{first} {last[:1]}.".strip() if last else first


class _MiraklStream(Stream):
    path: str
    item_key: str

    def paginator(self) -> Paginator:
        return OffsetPaginator("total_count")

    def base_params(self, token: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"max": self.ctx.page_size, "offset": int(token or 0)}
        shop_id = self.ctx.account.get("shop_id")
        if shop_id:
            params["shop_id"] = shop_id
        return params

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body[self.item_key])


class OrdersStream(_MiraklStream):
    """OR11 by `start_update_date`. Sorted by creation, not update: the cursor moves at stream end."""

    name = "orders"
    path = "/api/orders"
    item_key = "orders"

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        params = self.base_params(token)
        params.update(sort="dateCreated", order="asc")
        if since is not None:
            params["start_update_date"] = iso(since)
        return self.path, params

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        orders = []
        cursor: str | None = None
        for o in items:
            customer = o.get("customer") or {}
            currency = o.get("currency_iso_code")
            order = Order(
                id=o["order_id"],
                status=o.get("order_state"),
                created_at=norm_time(o["created_date"]),
                updated_at=norm_time(o["last_updated_date"]),
                total_minor=to_minor(o.get("total_price"), o.get("currency_iso_code")),
                currency=currency,
                buyer_id=str(customer["customer_id"]) if customer.get("customer_id") else None,
                buyer_name=_display_name(customer.get("firstname"), customer.get("lastname")),
                lines=[
                    OrderLine(
                        id=line["order_line_id"],
                        sku=line.get("offer_sku"),
                        title=line.get("product_title"),
                        quantity=line.get("quantity"),
                        price_minor=to_minor(line.get("total_price", line.get("price")), currency),
                        currency=currency,
                        status=line.get("order_line_state"),
                    )
                    for line in o.get("order_lines") or []
                ],
                raw=o,
            )
            orders.append(order)
            cursor = max(cursor or "", order.updated_at or "") or None
        return Page(orders, cursor=cursor)


class ReviewsStream(OrdersStream):
    """Evaluations have no list endpoint: OR51 for each rateable order updated since the cursor.

    Only orders in a state that can carry an evaluation are asked (`RATEABLE_STATES`), a page's OR51
    calls run `[sync] concurrency` at a time within the declared OR51 limit, and the page's rows and
    cursor still commit together. A week of extra lookback catches evaluations that arrive without the
    order changing.
    """

    name = "reviews"
    lookback = timedelta(days=7)

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        path, params = super().request(token, since)
        params["order_state_codes"] = RATEABLE_STATES
        return path, params

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        reviews: list[Review] = []
        cursor: str | None = None
        shop_id = self.ctx.account.get("shop_id")
        params = {"shop_id": shop_id} if shop_id else None
        paths = [f"/api/orders/{o['order_id']}/evaluation" for o in items]
        found = self.ctx.client.get_many(paths, params, allow=(404,), workers=self.ctx.concurrency)
        for o, ev in zip(items, found, strict=True):
            cursor = max(cursor or "", norm_time(o["last_updated_date"]) or "") or None
            if not ev:
                continue
            reply = ev.get("reply") or {}
            customer_id = ev.get("customer_id") or (o.get("customer") or {}).get("customer_id")
            reviews.append(
                Review(
                    id=o["order_id"],
                    kind="seller_feedback",
                    order_id=o["order_id"],
                    buyer_id=str(customer_id) if customer_id else None,
                    buyer_name=_display_name(ev.get("firstname"), ev.get("lastname")),
                    rating=ev.get("grade"),
                    rating_raw=str(ev.get("grade")),
                    body=ev.get("comment"),
                    created_at=norm_time(ev.get("date")),
                    updated_at=norm_time(ev.get("last_updated_date")),
                    visible=bool(ev.get("visible", True)),
                    reply_body=reply.get("comment"),
                    replied_at=norm_time(reply.get("date")),
                    raw=ev,
                )
            )
        return Page(reviews, cursor=cursor)


class DisputesStream(_MiraklStream):
    """Open incidents are few: read them all each run (OR11 has_incident=true); those gone are resolved."""

    name = "disputes"
    cursor_field = None
    path = "/api/orders"
    item_key = "orders"

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        params = self.base_params(token)
        params["has_incident"] = "true"
        return self.path, params

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        disputes = []
        for o in items:
            for line in o.get("order_lines") or []:
                remote = line.get("order_line_state")
                if remote != "INCIDENT_OPEN":
                    continue
                state, actor = state_of("incident", remote)
                seen_at = norm_time(line.get("last_updated_date"))
                reason = line.get("order_line_state_reason_label") or line.get("order_line_state_reason_code")
                body = f"incident opened: {reason}" if reason else "incident opened"
                disputes.append(
                    Dispute(
                        id=line["order_line_id"],
                        kind="incident",
                        status=state,
                        order_id=o["order_id"],
                        order_line_id=line["order_line_id"],
                        reason=reason,
                        reason_code=line.get("order_line_state_reason_code"),
                        amount_minor=to_minor(line.get("total_price"), o.get("currency_iso_code")),
                        currency=o.get("currency_iso_code"),
                        opened_at=seen_at,
                        updated_at=seen_at,
                        remote_status=remote,
                        next_actor=actor,
                        # thread_id stays unknown: found at send time (M11 by order), see actions.thread_for
                        events=[status_event(remote, seen_at, body)],
                        raw=line,
                    )
                )
        return Page(disputes)

    def finalize(self, now: str) -> list[MarkMissing]:
        # No longer in INCIDENT_OPEN: closed by the operator or resolved (OR64) since the last run.
        resolved = {"status": "resolved", "resolved_at": now, "next_actor": "none"}
        return [
            MarkMissing(Dispute, resolved, {"status": status, "kind": "incident"})
            for status in ("open", "awaiting_seller", "awaiting_buyer", "escalated")
        ]
