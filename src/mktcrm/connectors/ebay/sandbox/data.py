"""The eBay sandbox's seller: the shared seeded shop (``data.generate``) seen through eBay's identifiers.

The French catalogue, buyers (with repeat buyers and a few hostile names), orders, evaluations and
incidents come from ``data.generate``; this module only derives what eBay adds: order ids like
``12-03456-78901``, numeric line-item, listing and feedback ids, buyer usernames, and payment disputes.
Ids are computed from the order number, so 100k orders need no extra tables beyond one index.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date

from mktcrm.sandbox.data import add_orders, generate
from mktcrm.sandbox.records import DAY, INCIDENT_OPEN, REFUNDED, Dataset, Order

SHIPPED_STATES = frozenset({"SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"})
CANCELLED_STATES = frozenset({"CANCELED", "REFUSED"})
REASONS = ("ITEM_NOT_RECEIVED", "SIGNIFICANTLY_NOT_AS_DESCRIBED", "UNAUTHORIZED_PAYMENT")
# Feedback the seller received as a *buyer* (role SELLER): the connector's role:BUYER filter must drop it.
AS_BUYER = (
    ("brocante_du_midi", "Acheteur sérieux, paiement rapide. Merci !"),
    ("la-malle-aux-livres", "Transaction parfaite, je recommande cet acheteur."),
)


@dataclass(slots=True)
class Dispute:
    """A payment dispute on one order line; ``status`` is eBay's paymentDisputeStatus."""

    dispute_id: str
    order: Order
    line: int
    status: str
    reason: str
    opened: float
    closed: float | None = None
    respond_by: float | None = None
    revision: int = 1
    seller_response: str | None = None


def ascii_slug(text: str) -> str:
    """Lowercase ASCII letters and digits only: eBay user ids cannot hold accents, markup or quotes."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class EbayData:
    """One seller's data with eBay ids; mutations keep the indexes in step."""

    def __init__(self, name: str, seed: int, orders: int, anchor: date, days: int) -> None:
        self.ds: Dataset = generate(name, seed, orders, anchor, days)
        self.seller = f"{ascii_slug(name) or 'boutique'}_fr"
        self.rng = random.Random(f"{seed}:{name}:ebay")
        self.site = 10 + seed % 90
        self.by_ebay_id: dict[str, Order] = {self.order_id(o): o for o in self.ds.orders}
        self.by_feedback_id: dict[str, Order] = {self.feedback_id(o): o for o in self.ds.orders}
        self.disputes: list[Dispute] = self._disputes()
        # The shared generator always makes a catalogue; an eBay shop with no orders has no inventory either.
        self.inventory = self.ds.offers if orders else []

    @property
    def now(self) -> float:
        return self.ds.now

    # -- ids ------------------------------------------------------------------------------------------
    @staticmethod
    def number(order: Order) -> int:
        """The commercial number inside the shared order id (``PRE00012345-A``)."""
        return int(order.order_id.rsplit("-", 1)[0][-8:])

    def order_id(self, order: Order) -> str:
        n = self.number(order)
        return f"{self.site:02d}-{n // 100_000:05d}-{n % 100_000:05d}"

    def line_item_id(self, order: Order, k: int) -> str:
        return str(10_000_000_000 + self.number(order) * 4 + k)

    def feedback_id(self, order: Order) -> str:
        return str(2_000_000_000 + self.number(order))

    @staticmethod
    def listing_id(offer_index: int) -> str:
        return str(186_000_000_000 + offer_index)

    def username(self, customer: int) -> str:
        c = self.ds.customers[customer]
        base = (ascii_slug(c.firstname) or "membre")[:10] + (ascii_slug(c.lastname)[:1] or "x")
        return f"{base}_{(customer * 7919 + self.ds.seed) % 1000:03d}"

    # -- feedback -------------------------------------------------------------------------------------
    def rated_orders(self) -> list[Order]:
        """Orders whose buyer left feedback (the shared evaluations, visible ones only)."""
        return [o for o in self.ds.orders if o.evaluation is not None and o.evaluation.visible]

    # -- disputes -------------------------------------------------------------------------------------
    def _disputes(self) -> list[Dispute]:
        """Open incidents become OPEN/ACTION_NEEDED disputes (no UNDER_REVIEW exists); refunded lines CLOSED ones."""
        out: list[Dispute] = []
        for order in self.ds.orders:
            for k, line in enumerate(order.lines):
                if line.state == INCIDENT_OPEN and order.shipped is not None:
                    opened = min(self.now - 3600, order.shipped + int(self.rng.uniform(1.0, 6.0) * DAY))
                    r = self.rng.random()
                    status = "ACTION_NEEDED" if r < 0.5 else "OPEN"
                    due = opened + 5 * DAY if status == "ACTION_NEEDED" else None
                    out.append(self._new(order, k, status, opened, None, due))
                elif line.state == REFUNDED and line.refund_date is not None:
                    opened = line.refund_date - int(self.rng.uniform(2.0, 8.0) * DAY)
                    out.append(self._new(order, k, "CLOSED", opened, line.refund_date, None))
        return out

    def _new(
        self, order: Order, line: int, status: str, opened: float, closed: float | None, due: float | None
    ) -> Dispute:
        dispute_id = str(5_000_000_000 + self.number(order) * 4 + line)
        reason = REASONS[int(self.rng.random() * len(REASONS))]
        return Dispute(dispute_id, order, line, status, reason, opened, closed, due)

    # -- mutations (incremental-sync tests) ------------------------------------------------------------
    def add_orders(self, n: int, at: float) -> list[str]:
        """New paid, not yet shipped orders created and modified at ``at``; returns their eBay ids."""
        shared = add_orders(self.ds, n, at)
        ids = []
        for order_id in shared:
            order = self.ds.by_id[order_id]
            ebay_id = self.order_id(order)
            self.by_ebay_id[ebay_id] = order
            self.by_feedback_id[self.feedback_id(order)] = order
            ids.append(ebay_id)
        return ids

    def get(self, ebay_id: str) -> Order:
        try:
            return self.by_ebay_id[ebay_id]
        except KeyError:
            raise KeyError(f"unknown eBay order id {ebay_id!r}") from None

    def add_dispute(self, ebay_id: str, status: str, opened: float, closed: float | None = None) -> str:
        """A payment dispute on the first line of an order; ACTION_NEEDED ones get a respond-by date."""
        order = self.get(ebay_id)
        due = opened + 5 * DAY if status == "ACTION_NEEDED" else None
        dispute = self._new(order, 0, status, opened, closed, due)
        self.disputes = [d for d in self.disputes if d.dispute_id != dispute.dispute_id] + [dispute]
        return dispute.dispute_id

    def set_dispute_status(self, dispute_id: str, status: str, at: float) -> None:
        """Move a dispute (CLOSED sets closedDate; anything else reopens it)."""
        for d in self.disputes:
            if d.dispute_id == dispute_id:
                d.status = status
                d.closed = at if status == "CLOSED" else None
                d.respond_by = at + 5 * DAY if status == "ACTION_NEEDED" else None
                return
        raise KeyError(f"unknown payment dispute {dispute_id!r}")
