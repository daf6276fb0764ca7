"""Amazon: buyer messages (2000 characters through SP-API) and the public response to seller feedback.

Amazon's Communication Guidelines allow only messages needed to complete the order: no contact
details, no links off Amazon, no marketing, no emojis; its review policy bans incentives, positive-only
requests and asking to change a product review. One exception: after solving a problem a buyer
message may say, neutrally, that seller *feedback* can be updated or removed.
"""

from __future__ import annotations

from mktcrm.charter import common, wording
from mktcrm.charter.engine import Pack, RuleMaker

GUIDELINES = "https://www.junglescout.com/blog/amazon-updates-communication-guidelines/"
REVIEWS = "https://sellercentral.amazon.com/gp/help/external/G201972160"
FEEDBACK = "https://sellercentral.amazon.com.au/gp/help/external/202126280"
MESSAGING_API = (
    "https://github.com/amzn/selling-partner-api-models/blob/34dc93fe45f37c9a0b2e56823c808f68b4f81754/models/"
    "messaging-api-model/messaging.json"
)

rule = RuleMaker("amazon")
RULES = (
    rule(
        "PII-EMAIL",
        "error",
        "e-mail address (amazon forbids contact details in buyer messages)",
        "remove it; answer through Buyer-Seller Messaging",
        GUIDELINES,
        common.email,
    ),
    rule(
        "PII-PHONE",
        "error",
        "phone number (amazon forbids contact details in buyer messages)",
        "remove it; answer through Buyer-Seller Messaging",
        GUIDELINES,
        common.phone,
    ),
    rule(
        "URL",
        "error",
        "link outside Amazon (allowed only when needed to complete the order)",
        "remove it, or link to an amazon page",
        GUIDELINES,
        common.url(common.hosts("amazon")),
    ),
    rule(
        "SOCIAL",
        "error",
        "social network or messenger handle (amazon forbids contact details)",
        "remove it",
        GUIDELINES,
        common.social,
    ),
    rule(
        "OFF-PLATFORM",
        "error",
        "invites the buyer to deal outside Amazon",
        "keep the order and the conversation on Amazon",
        GUIDELINES,
        wording.off_platform,
    ),
    rule(
        "MARKETING",
        "error",
        "marketing or promotion (amazon allows only messages needed for the order)",
        "remove it: no coupons, promotions or other products",
        GUIDELINES,
        wording.marketing,
    ),
    rule(
        "INCENTIVE",
        "error",
        "incentive tied to a review (amazon bans money, gifts, discounts or refunds for reviews)",
        "never link a refund, gift or discount to a review",
        REVIEWS,
        wording.incentive,
    ),
    rule(
        "REVIEW-POSITIVE",
        "error",
        "asks for a positive review or only happy buyers' reviews (amazon bans review manipulation)",
        "ask every buyer the same neutral question, or use Amazon's Request a Review",
        REVIEWS,
        wording.review_positive,
    ),
    rule(
        "REVIEW-CHANGE",
        "error",
        "asks the buyer to change or remove a review (amazon bans it, even after a fix)",
        "for seller feedback only, say neutrally that it can be updated or removed; never for a product review",
        REVIEWS,
        wording.review_change(neutral_feedback_ok=True),
    ),
    rule(
        "EMOJI",
        "error",
        "emoji (amazon forbids emojis in buyer messages)",
        "remove it",
        GUIDELINES,
        common.emoji,
    ),
    rule(
        "PROFANITY",
        "error",
        "profanity or insult (amazon expects professional messages)",
        "stay courteous: describe the problem, not the person",
        FEEDBACK,
        common.profanity,
    ),
)
PACK = Pack(
    "amazon",
    RULES,
    {
        "buyer_message": (
            rule(
                "MKT-LEN",
                "error",
                "too long for an Amazon buyer message (2000 characters)",
                "shorten it",
                MESSAGING_API,
                common.max_length(2000),
                target="buyer_message",
            ),
        ),
        "feedback_response": (
            rule(
                "REVIEW-CHANGE",
                "error",
                "a public response asks the buyer to change or remove feedback",
                "keep the public response brief and factual; the neutral notice belongs in a buyer message",
                FEEDBACK,
                wording.review_change(),
                target="feedback_response",
            ),
        ),
    },
    "buyer_message",
)
