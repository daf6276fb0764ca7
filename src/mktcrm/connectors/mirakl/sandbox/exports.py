"""The Mirakl offer export made for catalogues: OF52 (request) → OF53 (poll) → OF54 (download each chunk).

A full export (no `last_request_date`) holds every offer that exists (inactive ones only with
`include_inactive_offers`); a differential one the offers updated or deleted since that date, deleted
ones flagged `deleted: true`. As on a real instance, `include_inactive_offers` in differential mode is
refused, and an export can stay PENDING for a few polls (`export_pending_polls`). Prices may move while a
read is under way (`reprice`), which an export, unlike price-ordered OF21 paging, does not notice.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import httpx

from mktcrm.sandbox.base import ApiError, iso, json_response
from mktcrm.sandbox.records import Dataset, Offer

EXPORT = re.compile(r"^/api/offers/export/async$")
STATUS = re.compile(r"^/api/offers/export/async/status/([^/]+)$")
FILE = re.compile(r"^/api/offers/export/async/file/([^/]+)$")


class ExportsMixin:
    """OF52-OF54 state; the sandbox sets `data`, `exports`, `offer_updated` and `offer_deleted`."""

    data: Dataset
    exports: dict[str, dict[str, Any]]
    offer_updated: dict[int, float]  # offer id -> when the seller (or a repricer) last changed it
    offer_deleted: dict[int, float]  # offer id -> when it was deleted
    _cache: dict[Any, Any]
    exports_fail = False  # tests: every export ends FAILED, as OF53's example shows
    export_pending_polls = 0  # polls answered PENDING before COMPLETED (OF53 may be polled every 10 s at most)

    def reprice(self, sku: str, price: float) -> None:
        """A repricer changes one offer's price now: price-ordered OF21 pages shift under a reader."""
        offer = next(o for o in self.data.offers if o.shop_sku == sku)
        offer.price = price
        self.offer_updated[offer.offer_id] = time.time()
        self._cache.clear()

    def delete_offer(self, sku: str) -> None:
        """The seller deletes an offer: OF21 stops listing it, a differential export flags it `deleted`."""
        offer = next(o for o in self.data.offers if o.shop_sku == sku)
        self.offer_deleted[offer.offer_id] = time.time()
        self._cache.clear()

    def export_answer(self, request: httpx.Request, path: str) -> httpx.Response | None:
        """The answer when `path` is an export operation, else None."""
        if EXPORT.match(path) and request.method == "POST":
            return json_response(200, {"tracking_id": self._start_export(request)})
        if (match := STATUS.match(path)) and request.method == "GET":
            return json_response(200, self._status(request, match.group(1)))
        if (match := FILE.match(path)) and request.method == "GET":
            return json_response(200, self._chunk(match.group(1), request.url.params.get("file", "")))
        return None

    def _start_export(self, request: httpx.Request) -> str:
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON") from None
        if not isinstance(body, dict) or body.get("export_type") != "application/json":
            raise ApiError(400, "This sandbox exports application/json only")
        since = body.get("last_request_date")
        if since is not None and "include_inactive_offers" in body:
            raise ApiError(400, "include_inactive_offers cannot be used with last_request_date")
        per_chunk = int(body.get("items_per_chunk") or 10_000)
        if per_chunk < 1:
            raise ApiError(400, "items_per_chunk must be positive")
        tracking = str(uuid.UUID(int=len(self.exports) + 1))
        self.exports[tracking] = {
            "since": since,
            "inactive": bool(body.get("include_inactive_offers")),
            "per_chunk": per_chunk,
            "polls": 0,
            "items": None,
        }
        return tracking

    def _status(self, request: httpx.Request, tracking: str) -> dict[str, Any]:
        export = self.exports.get(tracking)
        if export is None:
            raise ApiError(404, "Export not found")
        export["polls"] += 1
        if self.exports_fail:
            return {
                "status": "FAILED",
                "last_updated": iso(time.time()),
                "error": {"code": "1", "detail": "Internal error"},
            }
        if export["polls"] <= self.export_pending_polls:
            return {"status": "PENDING", "last_updated": iso(time.time())}
        if export["items"] is None:  # the file is written once: later changes are the next export's
            export["items"] = self._items(export)
        chunks = max(1, -(-len(export["items"]) // export["per_chunk"]))
        base = f"{request.url.scheme}://{request.url.netloc.decode()}{request.url.path.split('/api/')[0]}"
        urls = [f"{base}/api/offers/export/async/file/{tracking}?file=of52-export/{n}.json" for n in range(chunks)]
        return {"status": "COMPLETED", "last_updated": iso(time.time()), "urls": urls}

    def _items(self, export: dict[str, Any]) -> list[dict[str, Any]]:
        since = export["since"]
        cutoff = None if since is None else _epoch(since)
        items = []
        for offer in self.data.offers:
            deleted = self.offer_deleted.get(offer.offer_id)
            if cutoff is None:
                if deleted is None and (offer.active or export["inactive"]):
                    items.append(_item(offer, False))
            elif deleted is not None and deleted > cutoff:
                items.append(_item(offer, True))
            elif deleted is None and self.offer_updated.get(offer.offer_id, 0.0) > cutoff:
                items.append(_item(offer, False))
        return items

    def _chunk(self, tracking: str, name: str) -> list[dict[str, Any]]:
        export = self.exports.get(tracking)
        match = re.match(r"^of52-export/(\d+)\.json$", name)
        if export is None or export["items"] is None or match is None:
            raise ApiError(404, "File not found")
        start = int(match.group(1)) * export["per_chunk"]
        return list(export["items"][start : start + export["per_chunk"]])


def _item(offer: Offer, deleted: bool) -> dict[str, Any]:
    """An offer in OF54's JSON file structure: prices in `prices[]`, no product title, no top-level price.

    Every 7th offer is on a running discount (origin 20 % above the price paid), as the spec's example shows.
    """
    price, now = offer.price, time.time()
    default: dict[str, Any] = {
        "origin_price": price,
        "volume_prices": [{"quantity_threshold": 1, "unit_origin_price": price}],
    }
    if offer.offer_id % 7 == 3:
        origin = round(price * 1.2, 2)
        default = {
            "origin_price": origin,
            "discount_price": price,
            "discount_start_date": iso(now - 86_400),
            "discount_end_date": iso(now + 30 * 86_400),
            "volume_prices": [{"quantity_threshold": 1, "unit_origin_price": origin, "unit_discount_price": price}],
        }
    return {
        "offer_id": offer.offer_id,
        "shop_sku": offer.shop_sku,
        "product_sku": offer.product_sku,
        "prices": [default],
        "currency_iso_code": "EUR",
        "quantity": offer.quantity,
        "active": offer.active and not deleted,
        "deleted": deleted,
        "state_code": "11",
        "last_updated": iso(now),
    }


def _epoch(text: str) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ApiError(400, f"Invalid last_request_date {str(text)[:40]!r}") from None
