"""Field lists printed by more than one command (the demo shows reviews, disputes and KPIs too)."""

from __future__ import annotations

from typing import Any

from mktcrm.output import Field

REVIEW_FIELDS = (
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("id", "id"),
    Field("order_id", "id", default=False),
    Field("sku", "id", default=False),
    Field("kind", default=False),
    Field("rating", "int"),
    Field("rating_raw", default=False),
    Field("buyer_name", max_width=18),
    Field("title", default=False),
    Field("body", max_width=60),
    Field("created_at", "time"),
    Field("answered", "bool"),
    Field("replied_at", "time", default=False),
    Field("reply_body", default=False),
    Field("updated_at", "time", default=False),
    Field("visible", "bool", default=False),
)
DISPUTE_FIELDS = (
    Field("account", "id"),
    Field("marketplace", default=False),
    Field("id", "id"),
    Field("kind"),
    Field("order_id", "id"),
    Field("status", "id"),
    Field("remote_status", default=False),
    Field("reason", max_width=30),
    Field("reason_code", default=False),
    Field("next_actor", default=False),
    Field("opened_at", "time"),
    Field("respond_by", "time"),
    Field("time_left", "id", style=lambda shown: "bold red" if shown.startswith("overdue") else None),
    Field("overdue", "bool", default=False),
    Field("resolved_at", "time", default=False),
    Field("amount", "money", default=False),
    Field("currency", default=False),
)
# Short column names for the capability matrix (`accounts --capabilities`, `marketplaces`),
# in the order of connectors.base.CAPABILITIES.
CAPABILITY_COLUMNS = {
    "sync_listings": "listings",
    "sync_orders": "orders",
    "sync_reviews": "reviews",
    "reply_review": "reply",
    "sync_disputes": "disputes",
    "open_dispute": "open",
    "message_dispute": "message",
    "resolve_dispute": "resolve",
    "solicit_review": "solicit",
}
MATRIX_FIELDS = (
    Field("account", "id"),
    Field("marketplace", "id", label="market"),
    *(Field(name, "id") for name in CAPABILITY_COLUMNS.values()),
)


def matrix_row(label: str, marketplace: str, caps: dict[str, str]) -> dict[str, Any]:
    return {
        "account": label,
        "marketplace": marketplace,
        **{col: caps.get(cap, "none") for cap, col in CAPABILITY_COLUMNS.items()},
    }
