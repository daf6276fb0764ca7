"""What a connector hands to the rest of mktcrm: one typed record per kind of thing a marketplace holds.

Fields are the domain's, not the cache's: no account, no buyer key, no table names. A connector fills
in what the marketplace said; `mktcrm.sync.tables` adds the account, derives the pseudonymous buyer key
from `buyer_id` and serialises `raw`. Times are UTC ISO-8601 text with `Z` (`timeutil.norm_time`),
money is integer minor units. Anything left out is unknown (None), so a constructor names only what
the marketplace gave. Stdlib only: connectors, sync and core all import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# mktcrm's one order vocabulary (issue 12): each plug-in maps its raw statuses onto it in `order_states`.
ORDER_STATES = ("pending", "paid", "shipped", "delivered", "cancelled", "refunded", "returned")


@dataclass(slots=True, kw_only=True)
class Listing:
    """An offer or listing in the seller's catalogue."""

    id: str
    sku: str | None = None
    title: str | None = None
    price_minor: int | None = None
    currency: str | None = None
    quantity: int | None = None
    state: str | None = None  # active | inactive | the marketplace's own (Etsy) | removed (gone from a snapshot)
    url: str | None = None
    updated_at: str | None = None
    raw: Any = field(default_factory=dict)  # the decoded API record, without personal data


@dataclass(slots=True, kw_only=True)
class OrderLine:
    """One line of an order (an item, a transaction)."""

    id: str
    sku: str | None = None
    title: str | None = None
    quantity: int | None = None
    price_minor: int | None = None  # the line's total, not the unit price
    currency: str | None = None
    status: str | None = None


@dataclass(slots=True, kw_only=True)
class Order:
    """An order with its lines and who bought it (the marketplace's id and a short display name)."""

    id: str
    created_at: str | None  # required by the cache: a page with an undated order fails loudly
    updated_at: str | None
    status: str | None = None
    total_minor: int | None = None  # what the seller keeps: net of refunds already made (revenue sums it)
    currency: str | None = None
    buyer_id: str | None = None  # the marketplace's customer id; stored only as a keyed hash
    buyer_name: str | None = None  # at most "First L."
    lines: list[OrderLine] = field(default_factory=list)
    raw: Any = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Review:
    """Feedback on the seller or a product, with the seller's public reply when there is one."""

    id: str
    kind: str  # seller_feedback | product_review
    created_at: str | None
    order_id: str | None = None
    order_line_id: str | None = None  # the order line it is about, where the marketplace names only that
    buyer_id: str | None = None
    buyer_name: str | None = None
    rating: int | None = None  # 1-5
    rating_raw: str | None = None  # the marketplace's own value (eBay's POSITIVE, Mirakl's grade)
    title: str | None = None
    body: str | None = None
    updated_at: str | None = None
    visible: bool = True
    reply_body: str | None = None
    replied_at: str | None = None
    raw: Any = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class DisputeEvent:
    """One entry of a dispute's timeline; `event_id` is stable, so re-reading adds nothing."""

    event_id: str
    kind: str  # message | status
    at: str | None = None
    author: str | None = None  # customer | seller | operator
    body: str | None = None
    raw: Any = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Dispute:
    """Anything the seller must answer about an order: incident, inquiry, return, claim, payment dispute.

    `status` is mktcrm's one state machine (`connectors.base.DISPUTE_STATES`); `remote_status` keeps the
    marketplace's word for it.
    """

    id: str
    kind: str
    status: str
    order_id: str | None = None
    order_line_id: str | None = None
    reason: str | None = None
    reason_code: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    opened_at: str | None = None
    updated_at: str | None = None
    resolved_at: str | None = None
    respond_by: str | None = None  # None: computed later from the deadline rules
    remote_status: str | None = None
    next_actor: str | None = None  # seller | buyer | marketplace | none
    thread_id: str | None = None  # the marketplace's message thread, when the dispute is one
    events: list[DisputeEvent] = field(default_factory=list)
    raw: Any = field(default_factory=dict)


# The kinds of dispute mktcrm knows (DESIGN §4); a plug-in may add its own in its deadline rules.
DISPUTE_KINDS = ("incident", "return", "inquiry", "case", "payment_dispute", "claim", "local")

# What a page of a stream carries; lines and events travel inside their order and dispute.
Record = Listing | Order | Review | Dispute
