"""searchOrders JSON rendered as text: the hot path of a 100k-order sync (as in the Mirakl sandbox's `orders`).

Offers and customers never change, so their JSON fragments (product, buyer, recipient) are encoded once
with ``json.dumps`` and cached; only numbers, ISO dates, status codes and generated ids are formatted by
hand; every free text goes through ``json.dumps``. Tests validate every page against the spec's
``SearchOrdersResponse``.
"""

from __future__ import annotations

import json
from typing import Any

from mktcrm.sandbox.base import iso, money
from mktcrm.sandbox.records import DAY, Dataset, Order

from .payloads import CURRENCY, MARKETPLACE_FR, STATUS, asin, buyer_email, fulfilled_by_amazon, number

_CHANNEL = json.dumps(
    {"channelName": "AMAZON", "marketplaceId": MARKETPLACE_FR, "marketplaceName": "Amazon.fr"},
    separators=(",", ":"),
)


def _amount(value: float) -> str:
    return f'{{"amount":"{money(value):.2f}","currencyCode":"{CURRENCY}"}}'


def _dump(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class OrderRenderer:
    """Renders searchOrders pages for one dataset, caching the JSON of offers and customers."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self._products: dict[int, str] = {}
        self._buyers: dict[tuple[int, bool], str] = {}
        self._recipients: dict[int, str] = {}
        self.delivered: dict[str, float] = {}  # generator order id -> delivery a test set (epoch seconds)

    def page(self, orders: list[Order], included: tuple[str, ...], next_token: str | None) -> bytes:
        items = ",".join(self.order(o, included) for o in orders)
        tail = f',"pagination":{{"nextToken":"{next_token}"}}' if next_token else ""
        return f'{{"orders":[{items}]{tail}}}'.encode()

    def order(self, o: Order, included: tuple[str, ...]) -> str:
        ds = self.ds
        n = number(ds, o.order_id)
        status = STATUS.get(o.state, "PENDING")
        proceeds, fulfillment = "PROCEEDS" in included, "FULFILLMENT" in included
        items = []
        subtotal = 0.0
        for idx, line in enumerate(o.lines, 1):
            price = ds.offers[line.offer].price
            total = money(price * line.quantity)
            subtotal += total
            text = (
                f'{{"orderItemId":"{n:010d}{idx:04d}","quantityOrdered":{line.quantity},'
                f'"product":{self._product(line.offer)}'
            )
            if proceeds:
                shipping = o.shipping_price if idx == 1 else 0.0
                parts = f'{{"type":"ITEM","subtotal":{_amount(total)}}}'
                if shipping:
                    parts += f',{{"type":"SHIPPING","subtotal":{_amount(shipping)}}}'
                text += f',"proceeds":{{"proceedsTotal":{_amount(total + shipping)},"breakdowns":[{parts}]}}'
            if fulfillment:
                done = line.quantity if status == "SHIPPED" else 0
                text += f',"fulfillment":{{"quantityFulfilled":{done},"quantityUnfulfilled":{line.quantity - done}}}'
            items.append(text + "}")
        head = (
            f'{{"orderId":"402-{n:07d}-{(n * 7919 + 4451) % 10**7:07d}","createdTime":"{iso(o.created)}",'
            f'"lastUpdatedTime":"{iso(o.updated)}","programs":[],"salesChannel":{_CHANNEL}'
        )
        fba = fulfilled_by_amazon(ds, o)
        if "BUYER" in included:
            head += f',"buyer":{self._buyer(o.customer, fba)}'
        if "RECIPIENT" in included:
            head += f',"recipient":{self._recipient(o.customer)}'
        if proceeds:
            parts = f'{{"type":"ITEM","subtotal":{_amount(subtotal)}}}'
            if o.shipping_price:
                parts += f',{{"type":"SHIPPING","subtotal":{_amount(o.shipping_price)}}}'
            head += f',"proceeds":{{"grandTotal":{_amount(subtotal + o.shipping_price)},"breakdowns":[{parts}]}}'
        if fulfillment:
            latest = self.delivered_by(o)
            head += (
                f',"fulfillment":{{"fulfillmentStatus":"{status}","fulfilledBy":"{"AMAZON" if fba else "MERCHANT"}",'
                f'"fulfillmentServiceLevel":"STANDARD","shipByWindow":{{"earliestDateTime":"{iso(o.created)}",'
                f'"latestDateTime":"{iso(o.created + 2 * DAY)}"}},"deliverByWindow":{{"earliestDateTime":'
                f'"{iso(min(o.created + 3 * DAY, latest))}","latestDateTime":"{iso(latest)}"}}}}'
            )
        return f'{head},"orderItems":[{",".join(items)}]}}'

    def delivered_by(self, o: Order) -> float:
        """The promised (and, here, actual) delivery: six days after the order unless a test set it."""
        return self.delivered.get(o.order_id, o.created + 6 * DAY)

    def _product(self, idx: int) -> str:
        text = self._products.get(idx)
        if text is None:
            offer = self.ds.offers[idx]
            text = self._products[idx] = _dump(
                {
                    "asin": asin(offer),
                    "title": offer.title,
                    "sellerSku": offer.shop_sku,
                    "condition": {"conditionType": "New", "conditionSubtype": "New"},
                    "price": {"unitPrice": json.loads(_amount(offer.price))},
                }
            )
        return text

    def _buyer(self, idx: int, fba: bool) -> str:
        text = self._buyers.get((idx, fba))
        if text is None:
            customer = self.ds.customers[idx]
            buyer = {"buyerName": f"{customer.firstname} {customer.lastname}"}
            if not fba:  # the spec: the anonymised e-mail is only available for merchant-fulfilled orders
                buyer["buyerEmail"] = buyer_email(self.ds.seed, customer.customer_id)
            text = self._buyers[(idx, fba)] = _dump(buyer)
        return text

    def _recipient(self, idx: int) -> str:
        text = self._recipients.get(idx)
        if text is None:
            c = self.ds.customers[idx]
            address = {
                "name": f"{c.firstname} {c.lastname}",
                "addressLine1": c.street,
                "city": c.city,
                "postalCode": c.zip_code,
                "countryCode": "FR",
                "addressType": "RESIDENTIAL",
            }
            text = self._recipients[idx] = _dump({"deliveryAddress": address})
        return text
