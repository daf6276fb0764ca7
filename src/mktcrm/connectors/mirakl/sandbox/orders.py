"""OR11 order JSON, rendered as text because it is the hot path of a 100k-order sync.

A page is ~100 orders of ~2.7 KB each; building dicts and re-encoding them was most of the serving time.
Here the parts that never change (offer-derived line fields, customers, constants) are encoded once with
``json.dumps`` and cached, and the variable parts are formatted directly. Only values that cannot need
escaping are formatted by hand: numbers, booleans, ISO dates, state codes and sandbox-generated ids; every
free text (titles, names, addresses) goes through ``json.dumps``. Tests parse every page and validate it
against the OR11 response schema.
"""

from __future__ import annotations

import json
from typing import Any

from mktcrm.sandbox.base import iso, money
from mktcrm.sandbox.records import INCIDENT_OPEN, REFUNDED, Dataset, Order

from .inbox import incident_reason
from .payloads import COMMISSION_RATE, VAT_RATE


def _inner(body: dict[str, Any]) -> str:
    """Object members without the braces, for splicing into a larger object."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))[1:-1]


def _flag(value: bool) -> str:
    return "true" if value else "false"


_ORDER_CONST = _inner(
    {
        "currency_iso_code": "EUR",
        "order_tax_mode": "TAX_INCLUDED",
        "paymentType": "CB",
        "payment_type": "CB",
        "payment_workflow": "PAY_ON_ACCEPTANCE",
        "channel": {"code": "FR", "label": "France"},
        "fulfillment": {"center": {"code": "DEFAULT"}},
        "leadtime_to_ship": 2,
        "shipping_type_code": "STD",
        "shipping_type_label": "Livraison standard",
        "shipping_zone_code": "FR-METRO",
        "shipping_zone_label": "France métropolitaine",
    }
)
_LINE_CONST = _inner(
    {
        "offer_state_code": "11",
        "commission_rate_vat": VAT_RATE,
        "cancelations": [],
        "order_line_additional_fields": [],
    }
)


class OrderRenderer:
    """Renders OR11 pages for one dataset; offers and customers are immutable, so their JSON is cached."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self._offers: dict[int, str] = {}
        self._customers: dict[int, str] = {}

    def page(self, orders: list[Order], total: int) -> bytes:
        """The whole OR11 body."""
        items = ",".join(self.order(o) for o in orders)
        return f'{{"orders":[{items}],"total_count":{total}}}'.encode()

    def order(self, o: Order) -> str:
        """One OR11 order; line states mirror the order except INCIDENT_OPEN / REFUNDED lines."""
        created, updated = iso(o.created), iso(o.updated)
        dates = f'"created_date":"{created}","last_updated_date":"{updated}"'
        if o.shipped is not None:
            dates += f',"shipped_date":"{iso(o.shipped)}"'
        if o.received is not None:
            dates += f',"received_date":"{iso(o.received)}"'
        line_shipping = money(o.shipping_price / len(o.lines))
        lines = []
        price = commission = 0.0
        for idx, ln in enumerate(o.lines, 1):
            amount = money(self.ds.offers[ln.offer].price * ln.quantity)
            fee = money(amount * COMMISSION_RATE)
            vat = money(fee * VAT_RATE / 100)
            price += amount
            commission += fee + vat
            refunds = ""
            if ln.state == REFUNDED and ln.refund_date is not None:
                refunds = _inner(_refund(o.order_id, idx, amount, fee, vat, ln.quantity, ln.refund_date))
                refunds = "{" + refunds + "}"
            can_refund = ln.state in ("SHIPPED", "RECEIVED", INCIDENT_OPEN)
            reason = ""
            if ln.state == INCIDENT_OPEN:
                code, label = incident_reason(o.order_id)
                reason = f'"order_line_state_reason_code":"{code}","order_line_state_reason_label":{json.dumps(label)},'
            lines.append(
                f'{{"order_line_id":"{o.order_id}-{idx}","order_line_index":{idx},'
                f'"order_line_state":"{ln.state}",{reason}{self._offer(ln.offer)},{_LINE_CONST},'
                f'"quantity":{ln.quantity},"price":{amount!r},"shipping_price":{line_shipping!r},'
                f'"total_price":{money(amount + line_shipping)!r},"commission_fee":{fee!r},'
                f'"commission_vat":{vat!r},"commission_taxes":[{{"amount":{vat!r},"code":"TVA-20",'
                f'"rate":{VAT_RATE!r}}}],"total_commission":{money(fee + vat)!r},'
                f'"can_refund":{_flag(can_refund)},"refunds":[{refunds}],{dates}}}'
            )
        accepted = ""
        if o.accepted is not None:
            stamp = iso(o.accepted)
            accepted = f',"acceptance_decision_date":"{stamp}","customer_debited_date":"{stamp}"'
        state = o.state
        return (
            f'{{"order_id":"{o.order_id}","commercial_id":"{o.order_id[:-2]}","order_state":"{state}",'
            f'"created_date":"{created}","last_updated_date":"{updated}",'
            f'"has_incident":{_flag(any(ln.state == INCIDENT_OPEN for ln in o.lines))},'
            f'"has_customer_message":{_flag(o.has_message)},'
            f'"has_invoice":{_flag(state in ("SHIPPED", "RECEIVED", "CLOSED"))},'
            f'"can_cancel":{_flag(state == "SHIPPING")},"can_shop_ship":{_flag(state == "SHIPPING")},'
            f'"fully_refunded":{_flag(all(ln.state == REFUNDED for ln in o.lines))},{_ORDER_CONST},'
            f'"price":{money(price)!r},"shipping_price":{o.shipping_price!r},'
            f'"total_price":{money(price + o.shipping_price)!r},"total_commission":{money(commission)!r},'
            f'"shipping_deadline":"{iso(o.created + 3 * 86400)}"{accepted},'
            f'"customer":{self._customer(o.customer)},"order_lines":[{",".join(lines)}]}}'
        )

    def _offer(self, idx: int) -> str:
        text = self._offers.get(idx)
        if text is None:
            off = self.ds.offers[idx]
            text = self._offers[idx] = _inner(
                {
                    "offer_id": off.offer_id,
                    "offer_sku": off.shop_sku,
                    "product_sku": off.product_sku,
                    "product_shop_sku": off.shop_sku,
                    "product_title": off.title,
                    "category_code": off.category.code,
                    "category_label": off.category.label,
                    "description": off.title,
                    "price_unit": off.price,
                    "product_medias": [
                        {"media_url": f"/media/product/{off.product_sku}.jpg", "mime_type": "JPEG", "type": "MEDIUM"}
                    ],
                }
            )
        return text

    def _customer(self, idx: int) -> str:
        text = self._customers.get(idx)
        if text is None:
            c = self.ds.customers[idx]
            address = {
                "firstname": c.firstname,
                "lastname": c.lastname,
                "civility": c.civility,
                "street_1": c.street,
                "zip_code": c.zip_code,
                "city": c.city,
                "country": "France",
                "country_iso_code": "FRA",
            }
            customer = {
                "customer_id": c.customer_id,
                "firstname": c.firstname,
                "lastname": c.lastname,
                "civility": c.civility,
                "locale": "fr_FR",
                "billing_address": address,
                "shipping_address": address,
            }
            text = self._customers[idx] = "{" + _inner(customer) + "}"
        return text


def _refund(order_id: str, idx: int, amount: float, fee: float, vat: float, qty: int, at: float) -> dict[str, Any]:
    """A refund entry for a resolved incident (the only trace OR11 keeps of it)."""
    return {
        "id": f"R-{order_id}-{idx}",
        "order_refund_id": f"R-{order_id}",
        "amount": amount,
        "quantity": qty,
        "reason_code": "INCIDENT_RESOLVED",
        "refund_state": "REFUNDED",
        "state": "REFUNDED",
        "commission_amount": fee,
        "commission_tax_amount": vat,
        "commission_taxes": [{"amount": vat, "code": "TVA-20", "rate": VAT_RATE}],
        "commission_total_amount": money(fee + vat),
        "created_date": iso(at),
    }
