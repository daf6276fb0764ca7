"""Spec-shaped JSON bodies (A01, OF21 item, OR51) built from the compact records; OR11 is in ``orders``.

Every field the Mirakl seller OpenAPI marks as required is filled, so the bodies validate against the
spec's response schemas (tests check that). Amounts are EUR with 2 decimals, prices tax included.
"""

from __future__ import annotations

from typing import Any

from mktcrm.sandbox import texts
from mktcrm.sandbox.base import iso, money
from mktcrm.sandbox.records import Dataset, Offer, Order

COMMISSION_RATE = 0.12
VAT_RATE = 20.0


def account(ds: Dataset, shop_id: int, offers_count: int, grade: float, evaluations: int) -> dict[str, Any]:
    """A01 body: identity plus the KPI aggregates the CLI shows."""
    name = texts.SHOP_NAMES.get(ds.name, f"Boutique {ds.name.capitalize()}")
    created = iso(ds.now - 3 * 365 * 86400)
    address = {
        "city": "Lyon",
        "country_iso_code": "FRA",
        "street_1": "12 rue de la République",
        "zip_code": "69002",
    }
    return {
        "shop_id": shop_id,
        "shop_name": name,
        "shop_state": "OPEN",
        "date_created": created,
        "last_updated_date": iso(ds.now - 30 * 86400),
        "currency_iso_code": "EUR",
        "grade": grade,
        "evaluations_count": evaluations,
        "orders_count": len(ds.orders),
        "offers_count": offers_count,
        "approval_delay": 3600,
        "approval_rate": 0.97,
        "order_messages_response_delay": 5400,
        "is_professional": True,
        "premium": False,
        "free_shipping": False,
        "payment_method_mandatory": False,
        "description": f"{name} : boutique partenaire de la marketplace {ds.name}.",
        "channels": ["FR"],
        "domains": ["PRODUCT"],
        "shipping_types": [],
        "shipping_zones": [],
        "shop_additional_fields": [],
        "shipping": {"lead_time_to_ship": 2},
        "shipping_country": "FRA",
        "billing_info": {
            "bank_name": "Crédit Mutuel",
            "bank_city": "Lyon",
            "bic": "CMCIFR2A",
            "iban": "FR7610278073000002028150185",
            "owner": name,
        },
        "contact_informations": {
            "civility": "Mme",
            "firstname": "Hélène",
            "lastname": "Sénéchal",
            "email": f"contact@{ds.name}-boutique.example",
            "street1": address["street_1"],
            "city": "Lyon",
            "zip_code": "69002",
            "country": "FRA",
        },
        "default_billing_information": {
            "id": f"{ds.name}-billing-1",
            "default_language": "fr",
            "registration_address": address,
            "corporate_information": {
                "company_registration_name": name,
                "company_registration_number": "81234567800021",
            },
        },
        "payment_details": {"paid_balance": 12840.5, "payable_balance": 1893.2, "pending_balance": 642.75},
        "pro_details": {
            "corporate_name": name,
            "identification_number": "81234567800021",
            "VAT_number": "FR12812345678",
        },
    }


def offer(o: Offer, deadline: str) -> dict[str, Any]:
    """OF21 item; ``deadline`` is the shipping deadline for an order placed now."""
    price = o.price
    shipping = 0.0 if price >= 49 else 4.9
    prices = {"price": price, "unit_origin_price": price, "volume_prices": []}
    return {
        "offer_id": o.offer_id,
        "shop_sku": o.shop_sku,
        "product_sku": o.product_sku,
        "product_title": o.title,
        "product_brand": o.brand,
        "product_references": [{"reference": o.ean, "reference_type": "EAN"}],
        "category_code": o.category.code,
        "category_label": o.category.label,
        "description": f"{o.title} — {o.brand}.",
        "price": price,
        "total_price": money(price + shipping),
        "all_prices": [prices],
        "applicable_pricing": prices,
        "currency_iso_code": "EUR",
        "quantity": o.quantity,
        "state_code": "11",
        "active": o.active,
        "channels": [],
        "fulfillment": {"center": {"code": "DEFAULT"}},
        "leadtime_to_ship": 2,
        "logistic_class": {"code": "STD", "label": "Colis standard"},
        "min_order_quantity": 1,
        "max_order_quantity": 10,
        "min_quantity_alert": 5,
        "package_quantity": 1,
        "min_shipping_price": shipping,
        "min_shipping_price_additional": 0.0,
        "min_shipping_type": "STD",
        "min_shipping_zone": "FR-METRO",
        "shipping_deadline": deadline,
    }


def evaluation(ds: Dataset, o: Order) -> dict[str, Any]:
    """OR51 body; caller checks that the order has an evaluation."""
    ev = o.evaluation
    assert ev is not None
    c = ds.customers[o.customer]
    answers = ("true" if ev.on_time else "false", "true" if ev.conform else "false", str(ev.packaging))
    body: dict[str, Any] = {
        "grade": ev.grade,
        "date": iso(ev.date),
        "last_updated_date": iso(ev.updated),
        "customer_id": c.customer_id,
        "firstname": c.firstname,
        "lastname": c.lastname,
        "visible": ev.visible,
        "assessments": [
            {"code": code, "label": label, "response": resp}
            for (code, label), resp in zip(texts.ASSESSMENTS, answers, strict=True)
        ],
    }
    if ev.comment is not None:
        body["comment"] = ev.comment
    if ev.reply is not None and ev.reply_date is not None:
        body["reply"] = {"comment": ev.reply, "date": iso(ev.reply_date), "type": "SHOP"}
    return body
