"""Etsy-shaped JSON (ShopListing, ShopReceipt, TransactionReview, Shop, Self) built from the shared records.

The seeded shop comes from ``data.generate`` (French catalogue, buyers, orders, evaluations); this module
maps it onto Etsy's resources, one page at a time. Ids are Etsy-like integers derived from positions, so
they are stable for a seed. Money is ``{amount, divisor, currency_code}``; a share of listings uses a
divisor of 1000 (the spec allows any), so a connector that assumes 100 is caught by the tests.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from mktcrm.sandbox.records import DAY, REFUNDED, Customer, Dataset, Evaluation, Offer, Order

CURRENCY = "EUR"
RECEIPT_BASE = 3_100_000_000
LISTING_BASE = 1_400_000_000
BUYER_BASE = 700_000_000
FIRST_OFFER_ID = 3_000_000  # data.generate numbers offers from here
CARRIERS = ("Colissimo", "Chronopost", "Mondial Relay", "DPD France")
# A few listing titles carry what a terminal or a SQL string must never interpret.
HOSTILE_TITLES = {
    3: "[red]PROMO[/red] {title}",
    6: "{title} l'artisan'); DROP TABLE listings;--",
    10: "\x1b[31m{title}\x1b[0m",
}
REFUND_REASONS = ("Article arrivé cassé", "Erreur de taille", "Colis perdu par le transporteur")


def money(amount: float, divisor: int = 100) -> dict[str, Any]:
    """Etsy Money: integer amount over a divisor."""
    return {
        "amount": round(amount * divisor + 1e-9 * (1 if amount >= 0 else -1)),
        "divisor": divisor,
        "currency_code": CURRENCY,
    }


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "article"


def listing_id(offer: Offer) -> int:
    return LISTING_BASE + offer.offer_id - FIRST_OFFER_ID


def receipt_id(index: int) -> int:
    return RECEIPT_BASE + index


def buyer_id(customer: int) -> int:
    return BUYER_BASE + customer


def transaction_id(receipt: int, line: int) -> int:
    return receipt * 10 + line


def listing_state(index: int, offer: Offer) -> str:
    """Every state appears in a 12-listing shop; the rest follows the offer's own flags."""
    if index % 12 == 5:
        return "draft"
    if index % 12 == 9:
        return "expired"
    if index % 12 == 2:
        return "inactive"
    if index % 12 == 7 or offer.quantity == 0:
        return "sold_out"
    return "active" if offer.active else "inactive"


def listing_divisor(index: int) -> int:
    return 1000 if index % 5 == 2 else 100


def listing_title(index: int, offer: Offer) -> str:
    pattern = HOSTILE_TITLES.get(index)
    return pattern.format(title=offer.title) if pattern else offer.title


def listing_times(ds: Dataset, index: int) -> tuple[int, int]:
    """(created, updated): spread over the last two years, updated after creation and before "now"."""
    created = int(ds.now - DAY * (30 + (index * 7919) % 700) - (index * 3613) % 86400)
    updated = min(int(ds.now) - 3600, created + int(DAY * ((index * 104729) % 200)))
    return created, max(created, updated)


def listing(ds: Dataset, index: int, state: str, shop_id: int, user_id: int) -> dict[str, Any]:
    """ShopListing (no associations requested)."""
    offer = ds.offers[index]
    lid = listing_id(offer)
    created, updated = listing_times(ds, index)
    title = listing_title(index, offer)
    quantity = 0 if state == "sold_out" else max(1, offer.quantity)
    cat = offer.category
    return {
        "listing_id": lid,
        "user_id": user_id,
        "shop_id": shop_id,
        "title": title,
        "description": f"{offer.title} — fait main par {offer.brand}. {cat.label}, expédié depuis la France.",
        "state": state,
        "creation_timestamp": created,
        "created_timestamp": created,
        "ending_timestamp": created + 120 * int(DAY),
        "original_creation_timestamp": created,
        "last_modified_timestamp": updated,
        "updated_timestamp": updated,
        "state_timestamp": updated,
        "quantity": quantity,
        "shop_section_id": None,
        "featured_rank": -1,
        "url": f"https://www.etsy.com/fr/listing/{lid}/{slug(offer.title)}",
        "num_favorers": (index * 37) % 250,
        "non_taxable": False,
        "is_taxable": True,
        "is_customizable": index % 4 == 0,
        "is_personalizable": index % 6 == 0,
        "listing_type": "physical",
        "tags": [cat.label.lower()[:20], "fait main", "cadeau"],
        "materials": [],
        "shipping_profile_id": 190_000_000 + shop_id % 1000,
        "return_policy_id": None,
        "processing_min": 1,
        "processing_max": 3,
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": False,
        "item_weight": float(100 + (index * 53) % 900),
        "item_weight_unit": "g",
        "item_length": float(10 + index % 30),
        "item_width": float(8 + index % 20),
        "item_height": float(2 + index % 12),
        "item_dimensions_unit": "cm",
        "is_private": False,
        "style": [],
        "file_data": "",
        "has_variations": False,
        "should_auto_renew": True,
        "language": "fr",
        "price": money(offer.price, listing_divisor(index)),
        "taxonomy_id": 1000 + (index % 40),
        "skus": [offer.shop_sku],
        "views": (index * 131) % 5000,
    }


def receipt_status(order: Order) -> str:
    """Etsy's receipt status from the shared order life cycle."""
    refunded = [line.state == REFUNDED for line in order.lines]
    if all(refunded):
        return "fully refunded"
    if any(refunded):
        return "partially refunded"
    if order.state in ("REFUSED", "CANCELED"):
        return "canceled"
    if order.state in ("STAGING", "WAITING_DEBIT", "WAITING_DEBIT_PAYMENT"):
        return "payment processing"
    return "completed" if order.shipped is not None else "paid"


def receipt(ds: Dataset, index: int, shop_id: int, user_id: int) -> dict[str, Any]:
    """ShopReceipt with its transactions, shipments and refunds."""
    order = ds.orders[index]
    rid = receipt_id(index)
    cust: Customer = ds.customers[order.customer]
    bid = buyer_id(order.customer)
    status = receipt_status(order)
    created, updated = int(order.created), int(order.updated)
    paid = status != "payment processing"
    transactions = []
    subtotal = 0.0
    for k, line in enumerate(order.lines):
        offer = ds.offers[line.offer]
        subtotal += offer.price * line.quantity
        transactions.append(
            {
                "transaction_id": transaction_id(rid, k),
                "title": offer.title,
                "description": f"{offer.title} — {offer.brand}",
                "seller_user_id": user_id,
                "buyer_user_id": bid,
                "create_timestamp": created,
                "created_timestamp": created,
                "paid_timestamp": created if paid else None,
                "shipped_timestamp": int(order.shipped) if order.shipped is not None else None,
                "quantity": line.quantity,
                "listing_image_id": None,
                "receipt_id": rid,
                "is_digital": False,
                "file_data": "",
                "listing_id": listing_id(offer),
                "transaction_type": "listing",
                "product_id": 20_000_000_000 + offer.offer_id,
                "sku": offer.shop_sku,
                "price": money(offer.price),
                "shipping_cost": money(order.shipping_price if k == 0 else 0.0),
                "variations": [],
                "product_data": [],
                "shipping_profile_id": 190_000_000 + shop_id % 1000,
                "min_processing_days": 1,
                "max_processing_days": 3,
                "shipping_method": "Lettre suivie" if subtotal < 20 else "Colissimo",
                "shipping_upgrade": None,
                "expected_ship_date": created + 3 * int(DAY),
                "buyer_coupon": 0,
                "shop_coupon": 0,
            }
        )
    shipments = []
    if order.shipped is not None:
        shipments.append(
            {
                "receipt_shipping_id": rid + 500_000_000,
                "shipment_notification_timestamp": int(order.shipped),
                "carrier_name": CARRIERS[index % len(CARRIERS)],
                "tracking_code": f"6A{rid % 10**11:011d}",
            }
        )
    refunds = [
        {
            "amount": money(ds.offers[line.offer].price * line.quantity),
            "created_timestamp": int(line.refund_date or order.updated),
            "reason": REFUND_REASONS[index % len(REFUND_REASONS)],
            "note_from_issuer": "Remboursement effectué, toutes nos excuses.",
            "status": "succeeded",
        }
        for line in order.lines
        if line.state == REFUNDED
    ]
    return {
        "receipt_id": rid,
        "receipt_type": 0,
        "seller_user_id": user_id,
        "seller_email": None,
        "buyer_user_id": bid,
        "buyer_email": f"acheteur{order.customer}@example.com",
        "name": f"{cust.firstname} {cust.lastname}",
        "first_line": cust.street,
        "second_line": None,
        "city": cust.city,
        "state": None,
        "zip": cust.zip_code,
        "status": status,
        "formatted_address": f"{cust.firstname} {cust.lastname}\n{cust.street}\n{cust.zip_code} {cust.city}\nFrance",
        "country_iso": "FR",
        "payment_method": "cc",
        "payment_email": None,
        "message_from_seller": None,
        "message_from_buyer": "Merci de soigner l'emballage, c'est pour un cadeau !" if order.has_message else None,
        "message_from_payment": None,
        "is_paid": paid,
        "is_shipped": order.shipped is not None,
        "create_timestamp": created,
        "created_timestamp": created,
        "update_timestamp": updated,
        "updated_timestamp": updated,
        "is_gift": False,
        "gift_message": "",
        "gift_sender": "",
        "grandtotal": money(subtotal + order.shipping_price),
        "subtotal": money(subtotal),
        "total_price": money(subtotal),
        "total_shipping_cost": money(order.shipping_price),
        "total_tax_cost": money(0.0),
        "total_vat_cost": money(0.0),
        "discount_amt": money(0.0),
        "gift_wrap_price": money(0.0),
        "shipments": shipments,
        "transactions": transactions,
        "refunds": refunds,
    }


def review(ds: Dataset, index: int, shop_id: int) -> dict[str, Any]:
    """TransactionReview: Etsy reviews one purchased item; here the receipt's first transaction."""
    order = ds.orders[index]
    ev: Evaluation | None = order.evaluation
    assert ev is not None
    rid = receipt_id(index)
    offer = ds.offers[order.lines[0].offer]
    return {
        "shop_id": shop_id,
        "listing_id": listing_id(offer),
        "transaction_id": transaction_id(rid, 0),
        "buyer_user_id": buyer_id(order.customer),
        "rating": ev.grade,
        "review": ev.comment or "",
        "language": "fr",
        "image_url_fullxfull": None,
        "create_timestamp": int(ev.date),
        "created_timestamp": int(ev.date),
        "update_timestamp": int(ev.updated),
        "updated_timestamp": int(ev.updated),
    }


def shop(ds: Dataset, shop_id: int, user_id: int, name: str, active: int, reviews: list[int]) -> dict[str, Any]:
    """Shop (getShop)."""
    created = int(ds.now - 3 * 365 * DAY)
    return {
        "shop_id": shop_id,
        "user_id": user_id,
        "shop_name": name,
        "create_date": created,
        "created_timestamp": created,
        "title": "Créations françaises faites main — « L'Été des lucioles »",
        "announcement": "Expédition sous 48 h depuis Angoulême. Fermeture du 24 au 27 décembre.",
        "currency_code": CURRENCY,
        "is_vacation": False,
        "vacation_message": None,
        "sale_message": "Merci pour votre commande ! Un mot manuscrit accompagne chaque colis.",
        "digital_sale_message": None,
        "update_date": int(ds.now - 30 * DAY),
        "updated_timestamp": int(ds.now - 30 * DAY),
        "listing_active_count": active,
        "digital_listing_count": 0,
        "login_name": name.lower(),
        "accepts_custom_requests": True,
        "policy_welcome": None,
        "policy_payment": None,
        "policy_shipping": None,
        "policy_refunds": None,
        "policy_additional": None,
        "policy_seller_info": None,
        "policy_update_date": created,
        "policy_has_private_receipt_info": False,
        "has_unstructured_policies": False,
        "policy_privacy": None,
        "vacation_autoreply": None,
        "url": f"https://www.etsy.com/fr/shop/{name}",
        "image_url_760x100": None,
        "num_favorers": 412,
        "languages": ["fr"],
        "icon_url_fullxfull": None,
        "is_using_structured_policies": True,
        "has_onboarded_structured_policies": True,
        "include_dispute_form_link": False,
        "is_direct_checkout_onboarded": True,
        "is_etsy_payments_onboarded": True,
        "is_calculated_eligible": False,
        "is_opted_in_to_buyer_promise": True,
        "is_shop_us_based": False,
        "transaction_sold_count": len(ds.orders),
        "shipping_from_country_iso": "FR",
        "shop_location_country_iso": "FR",
        "review_count": len(reviews),
        "review_average": round(sum(reviews) / len(reviews), 2) if reviews else None,
    }
