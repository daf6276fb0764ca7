"""Spec-shaped JSON for the eBay sandbox: Order, InventoryItem, Offer, FeedbackDetail, PaymentDisputeSummary.

Built per page from the compact records, typed as the OpenAPI files say (amounts are strings, quantities
integers, times ISO-8601 with milliseconds and ``Z``). Personal data follows eBay's retention rules: the
buyer's e-mail only for 14 days after the order, name and phone for 90 days, so connectors meet both.
"""

from __future__ import annotations

import time
from typing import Any

from mktcrm.sandbox.records import DAY, REFUNDED, Offer, Order

from .data import AS_BUYER, CANCELLED_STATES, SHIPPED_STATES, Dispute, EbayData

CURRENCY = "EUR"
MARKETPLACE = "EBAY_FR"


def iso(ts: float) -> str:
    """eBay date-time: ``2026-11-20T08:25:43.000Z`` (always milliseconds)."""
    whole = int(ts)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{round((ts - whole) * 1000):03d}Z"


def amount(value: float) -> dict[str, str]:
    return {"value": f"{value + 1e-9:.2f}", "currency": CURRENCY}


# -- Fulfillment: getOrders ---------------------------------------------------------------------------
def order(data: EbayData, o: Order) -> dict[str, Any]:
    """One Order of OrderSearchPagedCollection."""
    ds = data.ds
    shipped = o.state in SHIPPED_STATES
    cancelled = o.state in CANCELLED_STATES
    lines, subtotal, refunded = [], 0.0, 0.0
    for k, line in enumerate(o.lines):
        offer = ds.offers[line.offer]
        cost = offer.price * line.quantity
        subtotal += cost
        refunds = []
        if line.state == REFUNDED:
            refunded += cost
            refunds.append(
                {
                    "amount": amount(cost),
                    "refundDate": iso(line.refund_date or o.updated),
                    "refundId": f"R{data.line_item_id(o, k)}",
                }
            )
        lines.append(
            {
                "lineItemId": data.line_item_id(o, k),
                "legacyItemId": data.listing_id(line.offer),
                "sku": offer.shop_sku,
                "title": offer.title,
                "quantity": line.quantity,
                "soldFormat": "FIXED_PRICE",
                "listingMarketplaceId": MARKETPLACE,
                "purchaseMarketplaceId": MARKETPLACE,
                "lineItemCost": amount(cost),
                "total": amount(cost),
                "lineItemFulfillmentStatus": "FULFILLED" if shipped else "NOT_STARTED",
                "appliedPromotions": [],
                "taxes": [],
                "refunds": refunds,
            }
        )
    total = subtotal + o.shipping_price
    payment = "FULLY_REFUNDED" if cancelled else "PARTIALLY_REFUNDED" if refunded else "PAID"
    body: dict[str, Any] = {
        "orderId": data.order_id(o),
        "creationDate": iso(o.created),
        "lastModifiedDate": iso(o.updated),
        "orderFulfillmentStatus": "FULFILLED" if shipped else "NOT_STARTED",
        "orderPaymentStatus": payment,
        "sellerId": data.seller,
        "buyer": _buyer(data, o),
        "pricingSummary": {
            "priceSubtotal": amount(subtotal),
            "deliveryCost": amount(o.shipping_price),
            "total": amount(total),
        },
        "cancelStatus": {"cancelState": "CANCELED" if cancelled else "NONE_REQUESTED", "cancelRequests": []},
        "paymentSummary": {
            "payments": [
                {
                    "amount": amount(total),
                    "paymentDate": iso(o.created),
                    "paymentMethod": "EBAY",
                    "paymentStatus": "PAID",
                }
            ],
            "refunds": [],
            "totalDueSeller": amount(total - refunded),
        },
        "fulfillmentStartInstructions": [_ship_to(data, o)],
        "lineItems": lines,
        "salesRecordReference": str(data.number(o) % 100_000),
    }
    if cancelled:
        body["cancelStatus"]["cancelledDate"] = iso(o.updated)
    return body


def _age(data: EbayData, o: Order) -> float:
    return data.now - o.created


def _contact(data: EbayData, o: Order) -> dict[str, Any]:
    """Buyer contact as eBay returns it: name/phone under 90 days, e-mail under 14 days, else only the town."""
    c = data.ds.customers[o.customer]
    contact: dict[str, Any] = {"contactAddress": {"city": c.city, "postalCode": c.zip_code, "countryCode": "FR"}}
    if _age(data, o) < 90 * DAY:
        contact["fullName"] = f"{c.firstname} {c.lastname}"
        contact["contactAddress"]["addressLine1"] = c.street
        contact["primaryPhone"] = {"phoneNumber": f"06{(o.customer * 7_654_321) % 10**8:08d}"}
    if _age(data, o) < 14 * DAY:
        contact["email"] = f"{data.username(o.customer)}@members.ebay.fr"
    return contact


def _buyer(data: EbayData, o: Order) -> dict[str, Any]:
    return {"username": data.username(o.customer), "buyerRegistrationAddress": _contact(data, o)}


def _ship_to(data: EbayData, o: Order) -> dict[str, Any]:
    return {
        "fulfillmentInstructionsType": "SHIP_TO",
        "ebaySupportedFulfillment": False,
        "shippingStep": {"shippingCarrierCode": "Colissimo", "shipTo": _contact(data, o)},
    }


# -- Inventory: getInventoryItems, getOffers -----------------------------------------------------------
def inventory_item(offer: Offer) -> dict[str, Any]:
    return {
        "sku": offer.shop_sku,
        "locale": "fr_FR",
        "condition": "NEW",
        "product": {
            "title": offer.title,
            "brand": offer.brand,
            "description": f"{offer.title} — {offer.category.label}, marque {offer.brand}.",
            "ean": [offer.ean],
            "imageUrls": [f"https://i.ebayimg.com/images/g/{offer.offer_id}/s-l1600.jpg"],
        },
        "availability": {"shipToLocationAvailability": {"quantity": offer.quantity}},
    }


def offer_details(index: int, offer: Offer) -> dict[str, Any]:
    """Published offers carry a listing; inactive shop offers are unpublished (no listing)."""
    body: dict[str, Any] = {
        "offerId": str(9_000_000_000 + index),
        "sku": offer.shop_sku,
        "marketplaceId": MARKETPLACE,
        "format": "FIXED_PRICE",
        "availableQuantity": offer.quantity,
        "categoryId": str(11_700 + len(offer.category.code)),
        "listingDescription": offer.title,
        "listingDuration": "GTC",
        "merchantLocationKey": "entrepot-lyon",
        "pricingSummary": {"price": amount(offer.price)},
        "status": "PUBLISHED" if offer.active else "UNPUBLISHED",
    }
    if offer.active:
        body["listing"] = {
            "listingId": EbayData.listing_id(index),
            "listingStatus": "ACTIVE" if offer.quantity > 0 else "OUT_OF_STOCK",
            "listingOnHold": False,
            "soldQuantity": (index * 37) % 50,
        }
    return body


# -- Feedback: getFeedback ----------------------------------------------------------------------------
COMMENT_TYPE = {5: "POSITIVE", 4: "POSITIVE", 3: "NEUTRAL", 2: "NEGATIVE", 1: "NEGATIVE"}


def feedback(data: EbayData, o: Order, score: int) -> dict[str, Any]:
    """FeedbackDetail left by the buyer of ``o`` on its first line (comment type from the shared grade)."""
    ev = o.evaluation
    assert ev is not None
    offer = data.ds.offers[o.lines[0].offer]
    entry: dict[str, Any] = {
        "feedbackId": data.feedback_id(o),
        "commentType": COMMENT_TYPE[ev.grade],
        "feedbackComment": {"commentText": ev.comment or "Transaction conforme.", "state": "ENTERED"},
        "feedbackEnteredDate": iso(ev.date),
        "feedbackState": "ENTERED",
        "feedbackScore": score,
        "automatedFeedback": False,
        "eligibleForRevision": data.now - ev.date < 30 * DAY,
        "hasImages": False,
        "feedbackRatings": [
            {"ratingType": "DSR_ITEM_AS_DESCRIBED", "value": str(5 if ev.conform else 2)},
            {"ratingType": "DSR_SHIPPING_TIME", "value": str(5 if ev.on_time else 2)},
        ],
        "providerUserDetail": {
            "userId": data.username(o.customer),
            "role": "BUYER",
            "feedbackScore": 3 + o.customer % 400,
        },
        "orderLineItemSummary": {
            "orderLineItemId": data.line_item_id(o, 0),
            "listingId": data.listing_id(o.lines[0].offer),
            "listingTitle": offer.title,
            "listingPrice": {"value": round(offer.price, 2), "currency": CURRENCY},
        },
    }
    if ev.reply and ev.reply_date is not None:
        entry["replyComment"] = {"commentText": ev.reply, "state": "ENTERED"}
        entry["repliedBeforeFollowup"] = True
    return entry


def feedback_as_buyer(data: EbayData, k: int) -> dict[str, Any]:
    """Feedback other sellers left for this seller when it bought something (role SELLER)."""
    user, text = AS_BUYER[k]
    return {
        "feedbackId": str(1_900_000_000 + k),
        "commentType": "POSITIVE",
        "feedbackComment": {"commentText": text, "state": "ENTERED"},
        "feedbackEnteredDate": iso(data.now - (3 + 20 * k) * DAY),
        "feedbackState": "ENTERED",
        "automatedFeedback": False,
        "providerUserDetail": {"userId": user, "role": "SELLER", "feedbackScore": 1200 + k},
    }


# -- Fulfillment (apiz): getPaymentDisputeSummaries ----------------------------------------------------
def dispute_summary(data: EbayData, d: Dispute) -> dict[str, Any]:
    line = d.order.lines[d.line]
    body: dict[str, Any] = {
        "paymentDisputeId": d.dispute_id,
        "orderId": data.order_id(d.order),
        "buyerUsername": data.username(d.order.customer),
        "amount": amount(data.ds.offers[line.offer].price * line.quantity),
        "reason": d.reason,
        "paymentDisputeStatus": d.status,
        "openDate": iso(d.opened),
    }
    if d.closed is not None:
        body["closedDate"] = iso(d.closed)
    if d.respond_by is not None:
        body["respondByDate"] = iso(d.respond_by)
    return body


def error(error_id: int, domain: str, category: str, message: str, param: str | None = None) -> dict[str, Any]:
    """eBay's error container; ``param`` names the offending request element."""
    item: dict[str, Any] = {
        "errorId": error_id,
        "domain": domain,
        "category": category,
        "message": message,
        "longMessage": message,
    }
    if param is not None:
        item["parameters"] = [{"name": "parameter", "value": param}]
    return {"errors": [item]}
