"""eBay payment dispute reasons (Fulfillment API `DisputeReasonEnum`, the `reason` field) as friction themes.

An unauthorized payment is fraud on the buyer's account, not dissatisfaction with the sale: no theme.
Reasons not listed are read by the theme lexicon from their words (`ITEM_NOT_RECEIVED` → "item not received").
"""

from __future__ import annotations

REASON_THEMES: dict[str, str | None] = {
    "ITEM_NOT_RECEIVED": "delivery_delay",
    "SIGNIFICANTLY_NOT_AS_DESCRIBED": "not_as_described",
    "UNAUTHORIZED_PAYMENT": None,
}
