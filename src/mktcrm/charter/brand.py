"""The `brand` pack: the seller's own charter, layered under every marketplace pack.

Built-in rules (tone, placeholders, profanity, no incentive or pressure around reviews) apply to any
text; the config's `[brand]` table adds forbidden phrases, a required signature and a maximum length.
Keys: `signature` (str), `forbidden` (list of str), `max_length` (int), `tone` (bool, default true:
false turns the tone rules off).
Forbidden phrases match whole words, ignoring case and accents ("Malheureusement" = "malheureusement").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from mktcrm.charter import common, wording
from mktcrm.charter.engine import CHECKED, Detector, Doc, Hit, Rule, fold

PACK = "brand"
CONFIG = "config.toml [brand]"
PROFESSIONAL_TONE = "https://sellercentral.amazon.com.au/gp/help/external/202126280"
REVIEW_POLICY = "https://sellercentral.amazon.com/gp/help/external/G201972160"
CONDUCT_POLICY = "http://pages.ebay.com/help/policies/rfe-unwelcome-email-misuse.html"
DESIGN_TEMPLATES = "DESIGN.md §6 (templates render with StrictUndefined; nothing half-filled is sent)"


def _forbidden(phrases: Iterable[str]) -> Detector:
    words = [fold(p).strip() for p in phrases if p and p.strip()]
    if not words:
        return lambda doc: ()
    body = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")

    def detect(doc: Doc) -> Iterable[Hit]:
        for m in pattern.finditer(doc.folded):
            yield Hit(m.start(), m.end(), f"“{doc.text[m.start() : m.end()]}”")

    return detect


def _signature(signature: str | None) -> Detector:
    if not signature or not signature.strip():
        return lambda doc: ()
    wanted = " ".join(fold(signature).split())

    def detect(doc: Doc) -> Iterable[Hit]:
        body = doc.folded.rstrip()
        if " ".join(body.split()).endswith(wanted):
            return
        last = body.rfind("\n") + 1
        yield Hit(last, len(body), f"expected “{signature.strip()}”")

    return detect


def _disabled(doc: Doc) -> Iterable[Hit]:
    return ()


def rules(brand: Mapping[str, Any] | None = None) -> list[Rule]:
    """The brand pack for this config (None: the built-in rules, config rules inactive)."""
    brand = brand or {}
    tone = brand.get("tone", True) is not False
    limit = brand.get("max_length")
    return [
        Rule(
            "PLACEHOLDER",
            "error",
            "unresolved template placeholder",
            "fill it in, or fix the template variable",
            DESIGN_TEMPLATES,
            CHECKED,
            PACK,
            common.placeholder,
        ),
        Rule(
            "PROFANITY",
            "error",
            "profanity or insult",
            "stay courteous: describe the problem, not the person",
            CONDUCT_POLICY,
            CHECKED,
            PACK,
            common.profanity,
        ),
        Rule(
            "INCENTIVE",
            "error",
            "incentive tied to a review (the charter never pays for reviews; Amazon's policy is the reference)",
            "never link a refund, gift or discount to a review",
            REVIEW_POLICY,
            CHECKED,
            PACK,
            wording.incentive,
        ),
        Rule(
            "REVIEW-POSITIVE",
            "error",
            "asks for a positive review, or for reviews only from happy buyers",
            "ask every buyer the same neutral question",
            REVIEW_POLICY,
            CHECKED,
            PACK,
            wording.review_positive,
        ),
        Rule(
            "REVIEW-CHANGE",
            "warning",
            "asks the buyer to change or remove a review",
            "solve the problem; the buyer decides whether to edit the review",
            REVIEW_POLICY,
            CHECKED,
            PACK,
            wording.review_change(),
        ),
        Rule(
            "TONE-SHOUT",
            "warning",
            "words in capitals read as shouting",
            "write in normal case",
            PROFESSIONAL_TONE,
            CHECKED,
            PACK,
            common.shout if tone else _disabled,
        ),
        Rule(
            "TONE-EXCLAIM",
            "warning",
            "run of exclamation or question marks",
            "one mark is enough",
            PROFESSIONAL_TONE,
            CHECKED,
            PACK,
            common.exclaim if tone else _disabled,
        ),
        Rule(
            "BRAND-FORBIDDEN",
            "error",
            "phrase the brand charter forbids",
            "reword it ([brand] forbidden in config.toml)",
            CONFIG,
            None,
            PACK,
            _forbidden(brand.get("forbidden") or []),
        ),
        Rule(
            "BRAND-SIGNATURE",
            "error",
            "reply does not end with the brand signature",
            "end the text with the [brand] signature from config.toml",
            CONFIG,
            None,
            PACK,
            _signature(brand.get("signature")),
        ),
        Rule(
            "BRAND-LENGTH",
            "error",
            "longer than the brand charter allows",
            "shorten the text ([brand] max_length in config.toml)",
            CONFIG,
            None,
            PACK,
            common.max_length(int(limit)) if isinstance(limit, int) and limit > 0 else _disabled,
        ),
    ]
