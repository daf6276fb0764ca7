"""Mirakl operators (E.Leclerc, Intermarché, Carrefour…): order messages, 50,000 characters.

Operators keep every exchange inside the platform and Mirakl does not mask contact details in
message bodies, so the charter blocks them itself. Promotions and discount codes are errors too: on an
operator a code or "-15 % on our site" can only be spent on the seller's own channel, which is exactly the
redirection operators forbid. Review rules come from the brand pack.
"""

from __future__ import annotations

from mktcrm.charter import common, wording
from mktcrm.charter.engine import Pack, RuleMaker

OPERATORS = "https://marketplacehelp.pccomponentes.com/hc/en-us/articles/20561228339357"
SPEC = (
    "https://github.com/api-evangelist/mirakl/blob/17e47e7c74289c77811a1ff1a0069b14518c33d4/openapi/_original/"
    "mirakl-mmp-seller-openapi.json"
)

rule = RuleMaker("mirakl")
RULES = (
    rule(
        "PII-EMAIL",
        "error",
        "e-mail address (operators keep communication inside the platform; Mirakl does not mask it)",
        "remove it; answer in the order thread",
        OPERATORS,
        common.email,
    ),
    rule(
        "PII-PHONE",
        "error",
        "phone number (operators keep communication inside the platform; Mirakl does not mask it)",
        "remove it; answer in the order thread",
        OPERATORS,
        common.phone,
    ),
    rule(
        "SOCIAL",
        "error",
        "social network or messenger handle (contact outside the platform)",
        "remove it",
        OPERATORS,
        common.social,
    ),
    rule(
        "URL",
        "warning",
        "link outside the marketplace",
        "keep it only if the buyer needs it (carrier tracking, manual); never a shop of your own",
        OPERATORS,
        common.url(),
    ),
    rule(
        "OFF-PLATFORM",
        "error",
        "invites the buyer to deal outside the marketplace",
        "keep the order and the conversation in the marketplace thread",
        OPERATORS,
        wording.off_platform,
    ),
    rule(
        "MARKETING",
        "error",
        "promotion or discount code (operators keep buyers on the marketplace; a code for your own channel "
        "redirects them)",
        "remove it: answer about the order; promotions go through the operator's own tools",
        OPERATORS,
        wording.marketing,
    ),
)
PACK = Pack(
    "mirakl",
    RULES,
    {
        "message": (
            rule(
                "MKT-LEN",
                "error",
                "too long for a Mirakl message (50,000 characters)",
                "shorten it",
                SPEC,
                common.max_length(50_000),
                target="message",
            ),
        ),
    },
    "message",
)
