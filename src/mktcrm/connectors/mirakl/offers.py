"""Mirakl offers through the export made for catalogues: OF52 → OF53 → OF54, not price-ordered OF21.

OF21 pages by offset in price order, so a repricer moving a price during the read shifts the pages: an
offer is skipped and then wrongly marked removed. OF52 writes a file instead: the full catalogue on the
first run (or with `--full`), then only the offers updated and deleted since the last request. Offers are
marked removed only from a complete full export or an explicit `deleted: true`. OF51 is deprecated.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from mktcrm.connectors.base import MarkMissing, Page, Stream
from mktcrm.errors import RemoteError, TemporaryError
from mktcrm.money import to_minor
from mktcrm.records import Listing
from mktcrm.timeutil import iso

EXPORT = "/api/offers/export/async"
MAX_POLLS = 30
MAX_POLL_WAIT = 60.0  # OF53: "once per minute until you get an error or a success", at most every 10 s
ITEMS_PER_CHUNK = 10_000


def current_price(offer: dict[str, Any], now: str) -> Any:
    """The unit price a buyer pays now, from OF54's `prices[]` (the JSON file has no top-level price).

    The default price is the entry without `context`; its `discount_price` (or the one-unit volume
    price's `unit_discount_price`, returned instead when volume discounts exist) applies between its
    discount dates, else `origin_price`. None when the file holds no default price.
    """
    default = next((p for p in offer.get("prices") or [] if isinstance(p, dict) and not p.get("context")), None)
    if default is None:
        return None
    unit = next((v for v in default.get("volume_prices") or [] if v.get("quantity_threshold") == 1), {})
    discount = default.get("discount_price", unit.get("unit_discount_price"))
    start, end = default.get("discount_start_date"), default.get("discount_end_date")
    if discount is not None and (not start or str(start) <= now) and (not end or now <= str(end)):
        return discount
    return default.get("origin_price", unit.get("unit_origin_price"))


class ListingsStream(Stream):
    """The shop's offers from OF52 exports; the cursor is the last export's request date."""

    name = "listings"
    cursor_field = "updated_at"
    uses_sync_start: ClassVar[bool] = False  # the catalogue is all offers, however old

    def pages(self, since: datetime | None, token: Any = None) -> Iterator[Page]:
        requested = iso(datetime.now(UTC))
        items = self._export(since)
        size = max(1, self.ctx.page_size)
        start = min(int(token or 0), len(items))
        while True:
            page = self.normalize(items[start : start + size])
            start += size
            page.cursor = requested
            page.next_token = start if start < len(items) else None
            page.snapshot = since is None and page.next_token is None  # a full export saw every offer
            yield page
            if page.next_token is None:
                return

    def _params(self) -> dict[str, Any]:
        shop_id = self.ctx.account.get("shop_id")
        return {"shop_id": shop_id} if shop_id else {}

    def _export(self, since: datetime | None) -> list[dict[str, Any]]:
        client = self.ctx.client
        body: dict[str, Any] = {"export_type": "application/json", "items_per_chunk": ITEMS_PER_CHUNK}
        if since is None:
            body["include_inactive_offers"] = True  # refused in differential mode, which returns both anyway
        else:
            body["last_request_date"] = iso(since)
        started = client.decode(client.request("POST", EXPORT, params=self._params(), json=body), EXPORT)
        tracking = started.get("tracking_id") if isinstance(started, dict) else None
        if not tracking:
            raise RemoteError(f"{self.ctx.account.name}: unexpected answer from OF52 (no tracking_id)")
        urls = self._wait(str(tracking))
        items: list[dict[str, Any]] = []
        for url in urls:
            chunk = client.get_json(str(url))
            if not isinstance(chunk, list):
                raise RemoteError(f"{self.ctx.account.name}: an OF54 export file is not a JSON list")
            items.extend(i for i in chunk if isinstance(i, dict))
        return items

    def _wait(self, tracking: str) -> list[str]:
        client = self.ctx.client
        pause = max(0.01, client.policy.backoff)
        for attempt in range(MAX_POLLS):
            status = client.get_json(f"{EXPORT}/status/{tracking}", self._params())
            state = status.get("status") if isinstance(status, dict) else None
            if state == "COMPLETED":
                return [str(u) for u in status.get("urls") or []]
            if state == "FAILED":
                detail = (status.get("error") or {}).get("detail", "no detail")
                raise RemoteError(
                    f"{self.ctx.account.name}: Mirakl could not export the offers (OF53: {str(detail)[:120]})",
                    hint="retry later; if it persists, ask the operator's support about OF52 exports",
                )
            if attempt < MAX_POLLS - 1:
                client.sleep(min(MAX_POLL_WAIT, pause * 2**attempt))
        raise TemporaryError(
            f"{self.ctx.account.name}: the offer export is still pending after {MAX_POLLS} checks",
            hint="Mirakl is slow to export right now; run the sync again later",
        )

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        listings = []
        now = iso(datetime.now(UTC))
        for o in items:
            currency = o.get("currency_iso_code")
            deleted = o.get("deleted") is True
            listings.append(
                Listing(
                    id=str(o["offer_id"]),
                    sku=o.get("shop_sku"),
                    title=None,  # OF54's file structure has no product title: a title already stored is kept
                    price_minor=to_minor(current_price(o, now), currency),
                    currency=currency,
                    quantity=o.get("quantity"),
                    state="removed" if deleted else ("active" if o.get("active") else "inactive"),
                    raw=o,
                )
            )
        return Page(listings)

    def finalize(self, now: str) -> list[MarkMissing]:
        return [MarkMissing(Listing, {"state": "removed"})]
