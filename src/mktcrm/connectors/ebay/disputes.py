"""eBay payment disputes (getPaymentDisputeSummaries on the apiz host), read in 90-day windows.

The summary has no "updated since" filter, only an open-date window of at most 90 days reaching back
18 months. Disputes are few, so every run re-reads all windows (a snapshot) and picks up status
changes; the resume token names the window and the query of the page inside it (each answer's `next`
link, never an offset computed here: eBay's servers count records where the spec says pages).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mktcrm.connectors.base import NextLinkPaginator, Page, Paginator, Stream
from mktcrm.connectors.ebay.streams import ebay_time, money, scrub
from mktcrm.records import Dispute
from mktcrm.timeutil import norm_time, parse_time

WINDOW = timedelta(days=90)
# "open_date_from … can be set as far back as 18 months from the present time" (18 months >= 546 days).
HISTORY = timedelta(days=540)
DEFAULT_APIZ = "https://apiz.ebay.com"
PATH = "/sell/fulfillment/v1/payment_dispute_summary"
# eBay paymentDisputeStatus -> mktcrm's dispute states; anything else is kept as "open" (raw keeps eBay's).
# PaymentDisputeStatusEnum has three values (there is no UNDER_REVIEW): OPEN waits on eBay or the buyer, ACTION_NEEDED
# on the seller. An unknown one stays visible as `open` with its raw value.
STATUSES = {"OPEN": "open", "ACTION_NEEDED": "awaiting_seller", "CLOSED": "resolved"}


def status_of(remote: str | None) -> str:
    return STATUSES.get(str(remote or "").upper(), "open")


class WindowPaginator(NextLinkPaginator):
    """Token ``{"from": ISO, "next": query|None}``: each window's `next` links, then the next window, until now."""

    def __init__(self, now: datetime) -> None:
        super().__init__()
        self.now = now

    def first(self) -> Any:
        return {"from": ebay_time(self.now - HISTORY), "next": None}

    def total(self, body: Any) -> int | None:
        """A window's total is not the read's: the windows still to come are unknown."""
        return None

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        following = super().advance(token, body, count, ids)
        if following is not None:
            return {"from": token["from"], "next": following}
        start = parse_time(token["from"])
        assert start is not None
        if start + WINDOW >= self.now:
            return None
        return {"from": ebay_time(start + WINDOW), "next": None}


class DisputesStream(Stream):
    name = "disputes"
    cursor_field = None

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.now = datetime.now(UTC).replace(microsecond=0)

    def paginator(self) -> Paginator:
        return WindowPaginator(self.now)

    def url(self) -> str:
        """apiz.ebay.com unless the account names another host (a sandbox transport answers it too)."""
        return str(self.ctx.account.get("apiz_base_url") or DEFAULT_APIZ).rstrip("/") + PATH

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        if token.get("next"):  # the query of the previous answer's `next` link, as eBay wrote it
            return self.url(), dict(token["next"])
        start = parse_time(token["from"])
        assert start is not None
        end = min(start + WINDOW, self.now)
        params = {
            "open_date_from": ebay_time(start),
            "open_date_to": ebay_time(end),
            "limit": max(1, min(200, self.ctx.page_size)),
            "offset": 0,
        }
        return self.url(), params

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body.get("paymentDisputeSummaries") or [])

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        disputes = []
        for d in items:
            amount, currency = money(d.get("amount"))
            opened = norm_time(d.get("openDate"))
            closed = norm_time(d.get("closedDate"))
            disputes.append(
                Dispute(
                    id=str(d["paymentDisputeId"]),
                    kind="payment_dispute",
                    status=status_of(d.get("paymentDisputeStatus")),
                    order_id=d.get("orderId"),
                    reason=d.get("reason"),
                    amount_minor=amount,
                    currency=currency,
                    opened_at=opened,
                    updated_at=closed or opened,
                    resolved_at=closed,
                    respond_by=norm_time(d.get("respondByDate")),
                    raw=scrub(d),
                )
            )
        return Page(disputes)
