"""Compact records behind a sandbox shop: small ``__slots__`` dataclasses with epoch-second floats.

Kept small so 100k orders fit in memory cheaply; the spec-shaped JSON is built per page by
the Mirakl sandbox's ``payloads``. ``Dataset`` also carries the mutations tests use between two syncs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import texts

DAY = 86400.0
ORDER_STATES = (
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
    "SHIPPED",
    "TO_COLLECT",
    "RECEIVED",
    "CLOSED",
    "REFUSED",
    "CANCELED",
)
INCIDENT_OPEN = "INCIDENT_OPEN"
REFUNDED = "REFUNDED"


@dataclass(slots=True)
class Customer:
    """A buyer; the pool is smaller than the order count so some buyers come back."""

    customer_id: str
    firstname: str
    lastname: str
    civility: str
    street: str
    zip_code: str
    city: str


@dataclass(slots=True)
class Offer:
    """One shop offer (OF21 item)."""

    offer_id: int
    shop_sku: str
    product_sku: str
    ean: str
    title: str
    category: texts.Category
    brand: str
    price: float
    quantity: int
    active: bool


@dataclass(slots=True)
class Line:
    """An order line; ``state`` is an order_line_state (order states + INCIDENT_OPEN, REFUNDED)."""

    offer: int
    quantity: int
    state: str
    refund_date: float | None = None


@dataclass(slots=True)
class Evaluation:
    """OR51 evaluation left by the buyer; ``reply`` is the read-only SHOP reply, if any."""

    grade: int
    comment: str | None
    date: float
    updated: float
    visible: bool = True
    on_time: bool = True
    conform: bool = True
    packaging: int = 5
    reply: str | None = None
    reply_date: float | None = None


@dataclass(slots=True)
class Order:
    """An order with its state timeline (epoch seconds, UTC)."""

    order_id: str
    created: float
    updated: float
    state: str
    customer: int
    lines: list[Line]
    shipping_price: float
    accepted: float | None = None
    shipped: float | None = None
    received: float | None = None
    has_message: bool = False
    evaluation: Evaluation | None = None

    @property
    def has_incident(self) -> bool:
        """Mirakl's has_incident: some line is in INCIDENT_OPEN."""
        return any(line.state == INCIDENT_OPEN for line in self.lines)


@dataclass
class Dataset:
    """All records of one operator plus the counters mutations need."""

    name: str
    seed: int
    prefix: str
    now: float
    customers: list[Customer]
    offers: list[Offer]
    orders: list[Order]
    by_id: dict[str, Order] = field(default_factory=dict)
    next_number: int = 0
    mutation_rng: random.Random = field(default_factory=random.Random)

    def get(self, order_id: str) -> Order:
        """Order by id; KeyError names the id so test failures are readable."""
        try:
            return self.by_id[order_id]
        except KeyError:
            raise KeyError(f"unknown order id {order_id!r} in sandbox {self.name!r}") from None

    def new_order_id(self) -> str:
        """Next commercial number, Mirakl style ``<commercial_id>-A``."""
        self.next_number += 1
        return f"{self.prefix}{self.next_number:08d}-A"

    def update_order(self, order_id: str, at: float, state: str | None) -> None:
        """Bump last_updated; optionally move the order (and its non-incident lines) to ``state``."""
        order = self.get(order_id)
        if state is not None:
            if state not in ORDER_STATES:
                raise ValueError(f"unknown order state {state!r}; valid: {', '.join(ORDER_STATES)}")
            order.state = state
            for line in order.lines:
                if line.state not in (INCIDENT_OPEN, REFUNDED):
                    line.state = state
            if state in ("SHIPPING", "SHIPPED", "RECEIVED", "CLOSED") and order.accepted is None:
                order.accepted = at
            if state in ("SHIPPED", "RECEIVED", "CLOSED") and order.shipped is None:
                order.shipped = at
            if state in ("RECEIVED", "CLOSED") and order.received is None:
                order.received = at
        order.updated = at

    def set_evaluation(self, order_id: str, grade: int, comment: str, at: float) -> None:
        """Create or replace the buyer evaluation (keeps an existing reply) and bump the order."""
        if not 1 <= grade <= 5:
            raise ValueError("grade must be between 1 and 5")
        order = self.get(order_id)
        old = order.evaluation
        ev = Evaluation(
            grade,
            comment,
            old.date if old else at,
            at,
            on_time=grade >= 3,
            conform=grade >= 3,
            packaging=max(1, grade),
        )
        if old is not None:
            ev.reply, ev.reply_date = old.reply, old.reply_date
        order.evaluation = ev
        order.updated = at

    def open_incident(self, order_id: str, at: float) -> None:
        """Put the first line in INCIDENT_OPEN (the customer opened an incident) and bump the order."""
        order = self.get(order_id)
        order.lines[0].state = INCIDENT_OPEN
        order.updated = at

    def close_incident(self, order_id: str, at: float, refund: bool = False) -> None:
        """Operator closes the incident: INCIDENT_OPEN lines go back to the order state, or REFUNDED."""
        order = self.get(order_id)
        for line in order.lines:
            if line.state == INCIDENT_OPEN:
                line.state = REFUNDED if refund else order.state
                line.refund_date = at if refund else None
        order.updated = at
