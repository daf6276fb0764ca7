"""Etsy: public replies to reviews and messages (no API for either: the text becomes a task).

Review replies are held to the same bans as reviews (private information, obscenity, advertising);
Etsy also bans incentives, pressure to change a review and off-Etsy contact without consent.
"""

from __future__ import annotations

from mktcrm.charter import common, wording
from mktcrm.charter.engine import Pack, RuleMaker

REVIEWS = "https://help.etsy.com/hc/en-us/articles/115015808588-What-to-Do-if-You-Receive-a-Negative-Review"
MANIPULATION = "https://shopkeepsentry.com/policies/shop-practices-review-manipulation"
MESSAGING = "https://www.shopifymarketplaceconnecthelp.com/hc/en-us/articles/9705771665679-Messaging-with-Etsy"

rule = RuleMaker("etsy")
RULES = (
    rule(
        "PII-EMAIL",
        "error",
        "e-mail address (etsy bans private information in replies and off-Etsy contact)",
        "remove it; talk through Etsy messages",
        REVIEWS,
        common.email,
    ),
    rule(
        "PII-PHONE",
        "error",
        "phone number (etsy bans private information in replies and off-Etsy contact)",
        "remove it; talk through Etsy messages",
        REVIEWS,
        common.phone,
    ),
    rule(
        "URL",
        "error",
        "link outside Etsy (etsy bans advertising and off-Etsy contact)",
        "remove it, or link to your Etsy shop or listing",
        REVIEWS,
        common.url(common.hosts("etsy")),
    ),
    rule(
        "SOCIAL",
        "error",
        "social network or messenger handle (off-Etsy contact)",
        "remove it",
        MESSAGING,
        common.social,
    ),
    rule(
        "OFF-PLATFORM",
        "error",
        "invites the buyer to deal outside Etsy",
        "keep the order and the conversation on Etsy",
        MESSAGING,
        wording.off_platform,
    ),
    rule(
        "MARKETING",
        "error",
        "advertising or promotion (etsy bans it in review replies and unsolicited messages)",
        "remove it",
        REVIEWS,
        wording.marketing,
    ),
    rule(
        "INCENTIVE",
        "error",
        "incentive tied to a review (etsy bans review manipulation)",
        "never link a refund, gift or discount to a review",
        MANIPULATION,
        wording.incentive,
    ),
    rule(
        "REVIEW-POSITIVE",
        "error",
        "asks for a positive review (etsy bans review manipulation)",
        "ask for honest reviews, or none",
        MANIPULATION,
        wording.review_positive,
    ),
    rule(
        "REVIEW-CHANGE",
        "error",
        "pressures the buyer to change or remove a review (etsy bans it)",
        "solve the problem; the buyer decides whether to edit the review",
        MANIPULATION,
        wording.review_change(),
    ),
    rule(
        "PROFANITY",
        "error",
        "obscene or harassing language (etsy removes such replies)",
        "stay courteous: describe the problem, not the person",
        REVIEWS,
        common.profanity,
    ),
)
PACK = Pack("etsy", RULES, {"review_reply": (), "message": ()}, "review_reply")
