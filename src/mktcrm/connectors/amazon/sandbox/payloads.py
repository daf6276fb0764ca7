"""Spec-shaped Amazon bodies (listings item, participations, seller-feedback report) and ids from the records.

The shop itself comes from the Mirakl generator (``data.generate``: French catalogue, repeat buyers,
hostile strings, evaluations skewed to 4-5 stars); this module only gives it Amazon's shape and ids.
Orders are rendered as text by ``orders`` (the hot path). Money is ``{amount: "12.90",
currencyCode}`` (the spec's Decimal is a string), times are UTC ``Z``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mktcrm.sandbox import texts
from mktcrm.sandbox.base import iso, money
from mktcrm.sandbox.records import DAY, Dataset, Offer, Order

MARKETPLACE_FR = "A13V1IB3VIYZZH"
CURRENCY = "EUR"
FEEDBACK_COLUMNS = ("Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email")
STATUS = {
    "STAGING": "PENDING",
    "WAITING_ACCEPTANCE": "PENDING",
    "WAITING_DEBIT": "PENDING",
    "WAITING_DEBIT_PAYMENT": "PENDING",
    "SHIPPING": "UNSHIPPED",
    "SHIPPED": "SHIPPED",
    "TO_COLLECT": "SHIPPED",
    "RECEIVED": "SHIPPED",
    "CLOSED": "SHIPPED",
    "REFUSED": "CANCELLED",
    "CANCELED": "CANCELLED",
}
PRODUCT_TYPES = {
    "EPICERIE-FINE": "GROCERY",
    "MAISON-DECO": "HOME",
    "JARDIN": "OUTDOOR_LIVING",
    "HIGH-TECH": "ELECTRONIC_DEVICE",
    "ELECTROMENAGER": "KITCHEN",
    "CULTURE": "ABIS_BOOK",
}


def amount(value: float) -> dict[str, str]:
    return {"amount": f"{money(value):.2f}", "currencyCode": CURRENCY}


def number(ds: Dataset, offer_id: str) -> int:
    """The generator's commercial number inside ``<prefix><number:08d>-A``."""
    return int(offer_id[len(ds.prefix) : -2])


def order_id(ds: Dataset, order: Order) -> str:
    """Amazon's 3-7-7 order id; the middle block is the generator's number, so ids are unique."""
    n = number(ds, order.order_id)
    return f"402-{n:07d}-{(n * 7919 + 4451) % 10**7:07d}"


def generator_id(ds: Dataset, amazon_id: str) -> str:
    """Back from an Amazon order id to the record id (for the sandbox's mutation helpers)."""
    parts = amazon_id.split("-")
    if len(parts) != 3 or not parts[1].isdigit():
        raise KeyError(f"not a sandbox Amazon order id: {amazon_id!r}")
    return f"{ds.prefix}{int(parts[1]):08d}-A"


def asin(offer: Offer) -> str:
    return f"B0{offer.offer_id:08X}"


def fulfilled_by_amazon(ds: Dataset, order: Order) -> bool:
    """About one order in five is FBA: Amazon ships it and hides the buyer's e-mail (spec: FBM only)."""
    return number(ds, order.order_id) % 5 == 0


def buyer_email(seed: int, customer_id: str) -> str:
    """Amazon's anonymised relay address: stable per buyer and seller, never the real one."""
    token = hashlib.sha256(f"{seed}:{customer_id}".encode()).hexdigest()[:16]
    return f"{token}@marketplace.amazon.fr"


def listing_times(ds: Dataset, offer: Offer) -> tuple[float, float]:
    """(created, last updated), deterministic per offer and never after the data's "now"."""
    h = (offer.offer_id * 2654435761) % 2**32
    created = float(int(ds.now - 400 * DAY + h % int(300 * DAY)))
    return created, min(ds.now, created + (h >> 7) % int(90 * DAY))


def listing(ds: Dataset, offer: Offer, times: tuple[float, float], included: tuple[str, ...]) -> dict[str, Any]:
    """One searchListingsItems ``Item`` for the FR marketplace."""
    body: dict[str, Any] = {"sku": offer.shop_sku}
    if "summaries" in included:
        body["summaries"] = [
            {
                "marketplaceId": MARKETPLACE_FR,
                "asin": asin(offer),
                "productType": PRODUCT_TYPES.get(offer.category.code, "PRODUCT"),
                "conditionType": "new_new",
                "status": ["BUYABLE", "DISCOVERABLE"] if offer.active and offer.quantity else [],
                "itemName": offer.title,
                "createdDate": iso(times[0]),
                "lastUpdatedDate": iso(times[1]),
                "mainImage": {
                    "link": f"https://m.media-amazon.com/images/I/{asin(offer)}.jpg",
                    "height": 500,
                    "width": 500,
                },
            }
        ]
    if "issues" in included:
        body["issues"] = []
    if "offers" in included:
        body["offers"] = [{"marketplaceId": MARKETPLACE_FR, "offerType": "B2C", "price": amount(offer.price)}]
    if "fulfillmentAvailability" in included:
        body["fulfillmentAvailability"] = [{"fulfillmentChannelCode": "DEFAULT", "quantity": offer.quantity}]
    return body


def participations(ds: Dataset) -> dict[str, Any]:
    """getMarketplaceParticipations: the seller sells on amazon.fr under its store name."""
    store = texts.SHOP_NAMES.get(ds.name, f"Boutique {ds.name.capitalize()}")
    marketplace = {
        "id": MARKETPLACE_FR,
        "name": "Amazon.fr",
        "countryCode": "FR",
        "defaultCurrencyCode": CURRENCY,
        "defaultLanguageCode": "fr_FR",
        "domainName": "www.amazon.fr",
    }
    participation = {"isParticipating": True, "hasSuspendedListings": False}
    return {"payload": [{"marketplace": marketplace, "participation": participation, "storeName": store}]}


# The report as each marketplace writes it: header language and Date form (docs/marketplaces/amazon.md).
# German is the capture quoted in issue 10; the other headers are illustrative translations, since the
# connector reads columns by position and must not depend on any header text.
FEEDBACK_LOCALES: dict[str, tuple[tuple[str, ...], str]] = {
    "ATVPDKIKX0DER": (FEEDBACK_COLUMNS, "m/d/yy"),
    "A2EUQ1WTGCTBG2": (FEEDBACK_COLUMNS, "d/m/yy"),
    "A1AM78C64UM0Y8": (
        ("Fecha", "Calificación", "Comentarios", "Tu respuesta", "Número de pedido", "Correo del evaluador"),
        "d/m/yy",
    ),
    "A1PA6795UKMFR9": (
        ("Datum", "Bewertung", "Kommentar", "Ihre Antwort", "Transaktionsnummer", "E-Mail des Bewertenden"),
        "d.m.yy",
    ),
    "A13V1IB3VIYZZH": (
        ("Date", "Évaluation", "Commentaires", "Votre réponse", "Numéro de commande", "E-mail de l'évaluateur"),
        "d/m/yy",
    ),
    "A1RKKUPIHCS9HS": (
        ("Fecha", "Valoración", "Comentarios", "Su respuesta", "Número de pedido", "Correo electrónico del evaluador"),
        "d/m/yy",
    ),
    "APJ6JRA9NG5V4": (
        ("Data", "Valutazione", "Commenti", "La tua risposta", "Numero ordine", "E-mail del valutatore"),
        "d/m/yy",
    ),
    "A1VC38T7YXB528": (("日付", "評価", "コメント", "あなたの回答", "注文番号", "評価者のEメール"), "yy/m/d"),
    "A1F83G8C2ARO7P": (FEEDBACK_COLUMNS, "d/m/yy"),
}


def feedback_date(ts: float, style: str) -> str:
    """The report's Date column in one marketplace's form (`d.m.yy` → 5.1.26) or ISO (`iso`)."""
    text = iso(ts)
    parts = {"yy": f"{int(text[2:4]):02d}", "m": str(int(text[5:7])), "d": str(int(text[8:10]))}
    if style == "iso":
        return text[:10]
    separator = "." if "." in style else "/"
    return separator.join(parts[field] for field in style.split(separator))


def _cell(value: str | None) -> str:
    """Flat files have no quoting: tabs and line breaks inside a comment become spaces."""
    return " ".join((value or "").replace("\t", " ").splitlines())


def feedback_report(
    ds: Dataset, start: float, end: float | None, style: str, marketplace: str = MARKETPLACE_FR, junk: int = 0
) -> bytes:
    """GET_SELLER_FEEDBACK_DATA: 1-3 star feedback dated in [start, end], oldest first, UTF-8 TSV.

    Header and dates follow `marketplace` (`style` "iso" forces ISO dates); `junk` rows that a real
    report can hold (a rating word, a truncated line) are slipped in after the first data row.
    """
    header, form = FEEDBACK_LOCALES.get(marketplace, FEEDBACK_LOCALES[MARKETPLACE_FR])
    rows = []
    for o in ds.orders:
        ev = o.evaluation
        if ev is None or ev.grade > 3 or not ev.visible or ev.date < start or (end is not None and ev.date > end):
            continue
        email = buyer_email(ds.seed, ds.customers[o.customer].customer_id)
        date = feedback_date(ev.date, "iso" if style == "iso" else form)
        cells = (date, str(ev.grade), _cell(ev.comment), _cell(ev.reply))
        rows.append((ev.date, "\t".join((*cells, order_id(ds, o), email))))
    rows.sort(key=lambda r: r[0])
    lines = [r[1] for r in rows]
    bad = ["\t".join(("1/1/26", "fünf", "", "", "402-0000000-0000000", "")), "1/1/26\t2"]
    lines[1:1] = [bad[i % 2] for i in range(junk)]
    return ("\n".join(["\t".join(header), *lines]) + "\n").encode("utf-8")
