"""eBay: feedback replies (public, 500 characters), member messages (2000), payment dispute answers (1000).

eBay bars personal contact details, links and offers to trade off eBay in messages *and* feedback,
and bans feedback manipulation; revision requests go through eBay's own form, never a reply.
"""

from __future__ import annotations

import re

from mktcrm.charter import common, wording
from mktcrm.charter.engine import Pack, RuleMaker, regex_detector

CONTACT = "https://www.ebay.ca/help/policies/member-behaviour-policies/publishing-contact-information-policy?id=4373"
CONDUCT = "http://pages.ebay.com/help/policies/rfe-unwelcome-email-misuse.html"
FEEDBACK = "https://www.ebay.ie/help/policies/feedback-policies/feedback-policies?id=4208"
REPLY_API = "https://developer.ebay.com/api-docs/commerce/feedback/types/fdb:RespondToFeedbackRequest"
MESSAGE_API = (
    "https://github.com/jostrander/ebay-api/blob/6ea7ef4944a0248221af80ded0a681224d9e589e/specs/"
    "commerce_message_v1_oas3.json"
)
DISPUTES = "https://www.ebay.ca/help/selling/getting-paid/handling-payment-disputes-managed-payments-seller?id=4799"
_HTML = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>|&(?:[a-z]+|#\d+);")

rule = RuleMaker("ebay")
RULES = (
    rule(
        "PII-EMAIL",
        "error",
        "e-mail address (ebay forbids personal contact details in messages and feedback)",
        "remove it; the buyer can reach you through eBay messages",
        CONTACT,
        common.email,
    ),
    rule(
        "PII-PHONE",
        "error",
        "phone number (ebay forbids personal contact details in messages and feedback)",
        "remove it; the buyer can reach you through eBay messages",
        CONTACT,
        common.phone,
    ),
    rule(
        "URL",
        "error",
        "link outside eBay (ebay forbids links that take buyers off eBay)",
        "remove it, or link to your eBay listing or shop page",
        CONTACT,
        common.url(common.hosts("ebay")),
    ),
    rule(
        "SOCIAL",
        "error",
        "social network or messenger handle (ebay counts these as contact details)",
        "remove it",
        CONTACT,
        common.social,
    ),
    rule(
        "OFF-PLATFORM",
        "error",
        "offer to deal outside eBay",
        "keep the sale, the payment and the conversation on eBay",
        CONDUCT,
        wording.off_platform,
    ),
    rule(
        "INCENTIVE",
        "error",
        "incentive tied to feedback (ebay bans feedback manipulation)",
        "never offer money, discounts or gifts for feedback; resolve the problem on its own merits",
        FEEDBACK,
        wording.incentive,
    ),
    rule(
        "REVIEW-POSITIVE",
        "error",
        "asks for positive feedback (ebay bans demanding positive feedback)",
        "ask for honest feedback, or none",
        FEEDBACK,
        wording.review_positive,
    ),
    rule(
        "REVIEW-CHANGE",
        "warning",
        "asks the buyer to change or remove feedback",
        "use eBay's feedback revision request once the problem is solved, not a message",
        FEEDBACK,
        wording.review_change(),
    ),
    rule(
        "MARKETING",
        "warning",
        "promotional wording (ebay treats unsolicited promotion as spam)",
        "answer the buyer; leave promotions to eBay's marketing tools",
        CONDUCT,
        wording.marketing,
    ),
    rule(
        "PROFANITY",
        "error",
        "profanity or insult (ebay bans threats and profanity in messages)",
        "stay courteous: describe the problem, not the person",
        CONDUCT,
        common.profanity,
    ),
)
PACK = Pack(
    "ebay",
    RULES,
    {
        "feedback_reply": (
            rule(
                "MKT-LEN",
                "error",
                "too long for an eBay feedback reply (500 characters)",
                "shorten it",
                REPLY_API,
                common.max_length(500),
                target="feedback_reply",
            ),
            rule(
                "HTML",
                "error",
                "HTML in a feedback reply (eBay allows plain text only)",
                "remove the markup",
                REPLY_API,
                regex_detector(_HTML),
                target="feedback_reply",
            ),
            rule(
                "REVIEW-CHANGE",
                "error",
                "a public feedback reply asks the buyer to change or remove feedback",
                "use eBay's feedback revision request, never the public reply",
                FEEDBACK,
                wording.review_change(),
                target="feedback_reply",
            ),
        ),
        "message": (
            rule(
                "MKT-LEN",
                "error",
                "too long for an eBay message (2000 characters)",
                "shorten it",
                MESSAGE_API,
                common.max_length(2000),
                target="message",
            ),
        ),
        "dispute_response": (
            rule(
                "MKT-LEN",
                "error",
                "too long for an eBay payment dispute answer (1000 characters)",
                "shorten it; attach evidence as files (up to 5)",
                DISPUTES,
                common.max_length(1000),
                target="dispute_response",
            ),
        ),
    },
    "feedback_reply",
)
