"""Bazaar's charter pack: replies to reviews are short (its own rule, stacked on the brand pack)."""

from __future__ import annotations

from mktcrm.charter import common
from mktcrm.charter.engine import Pack, RuleMaker

rule = RuleMaker("bazaar")
PACK = Pack(
    "bazaar",
    (),
    {
        "review_reply": (
            rule(
                "MKT-LEN",
                "error",
                "too long for a Bazaar reply (200 characters)",
                "shorten it",
                "https://bazaar.invalid/policy",
                common.max_length(200),
                target="review_reply",
            ),
        )
    },
    "review_reply",
)
