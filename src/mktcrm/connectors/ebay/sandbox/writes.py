"""eBay sandbox writes: respond_to_feedback and payment-dispute accept, with the real API's refusals."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

import httpx

from mktcrm.sandbox.base import ApiError, json_response

from . import payloads as payloads

if TYPE_CHECKING:
    from .data import EbayData

RESPOND_PATH = "/commerce/feedback/v1/respond_to_feedback"
DISPUTE_PATH = re.compile(r"^/sell/fulfillment/v1/payment_dispute/([^/]+)(/accept)?$")
REPLY_MAX = 500


class EbayWritesMixin:
    """Mixed into EbaySandbox: needs `data`, `_cache` and `_authorize` from it."""

    data: EbayData
    _cache: dict[Any, Any]

    def _authorize(self, request: httpx.Request, scopes: tuple[str, ...]) -> None:  # pragma: no cover - EbaySandbox
        raise NotImplementedError

    def _respondToFeedback(self, request: httpx.Request) -> httpx.Response:
        """POST respond_to_feedback: 500 characters, no HTML, one reply per feedback (409 after)."""
        if request.method != "POST":
            raise ApiError(405, f"Method {request.method} is not allowed on {RESPOND_PATH}.")
        self._authorize(request, ("commerce.feedback",))
        if request.url.params:
            name = next(iter(request.url.params.keys()))
            return _feedback_error(400, 2004, f"Unknown parameter {name}.", name)
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            return _feedback_error(400, 2004, "Malformed JSON body.")
        text = str(body.get("responseText") or "")
        order = self.data.by_feedback_id.get(str(body.get("feedbackId")))
        if order is None or order.evaluation is None:
            return _feedback_error(400, 501026, "Feedback ID is invalid.", "feedbackId")
        if body.get("responseType") not in ("REPLY", "FOLLOW_UP"):
            return _feedback_error(400, 501027, "Response type is invalid.", "responseType")
        if body.get("recipientUserId") != self.data.username(order.customer):
            return _feedback_error(400, 501028, "Recipient is invalid.", "recipientUserId")
        if not text.strip() or "<" in text:
            return _feedback_error(400, 501014, "Comment text value is invalid.", "responseText")
        if len(text) > REPLY_MAX:
            return _feedback_error(400, 501013, "Comment text is too long, maximum length is 500 characters.")
        if order.evaluation.reply:
            return _feedback_error(409, 501029, "Feedback already has a reply.")
        self._cache.clear()
        order.evaluation.reply, order.evaluation.reply_date = text, time.time()
        return json_response(200, {})

    def _paymentDispute(self, request: httpx.Request, dispute_id: str, action: str | None) -> httpx.Response:
        """getPaymentDispute, and acceptPaymentDispute (revision must match; a closed dispute answers 409)."""
        self._authorize(request, ("sell.payment.dispute",))
        if request.url.params:
            name = next(iter(request.url.params.keys()))
            return _feedback_error(400, 2004, f"Unknown parameter {name}.", name)
        dispute = next((d for d in self.data.disputes if d.dispute_id == dispute_id), None)
        if dispute is None:
            raise ApiError(404, f"Payment dispute {dispute_id} was not found.")
        if action is None:
            if request.method != "GET":
                raise ApiError(405, f"Method {request.method} is not allowed.")
            body = payloads.dispute_summary(self.data, dispute)
            body["revision"] = dispute.revision
            if dispute.seller_response:
                body["sellerResponse"] = dispute.seller_response
            elif dispute.status != "CLOSED":
                body["availableChoices"] = ["ACCEPT", "CONTEST"]
            return json_response(200, body)
        if request.method != "POST":
            raise ApiError(405, f"Method {request.method} is not allowed.")
        try:
            revision = json.loads(request.content or b"{}").get("revision")
        except ValueError:
            return _feedback_error(400, 2004, "Malformed JSON body.")
        if dispute.status == "CLOSED" or dispute.seller_response:
            return _feedback_error(409, 33003, "The payment dispute was already answered or closed.")
        if revision != dispute.revision:
            return _feedback_error(409, 33004, "The revision number does not match the latest revision.", "revision")
        self._cache.clear()
        dispute.seller_response, dispute.revision = "ACCEPT", dispute.revision + 1
        dispute.status, dispute.closed = "CLOSED", time.time()
        return httpx.Response(204)

    def reply_of(self, feedback_id: str) -> str | None:
        """The public reply a feedback carries (tests)."""
        order = self.data.by_feedback_id.get(feedback_id)
        return order.evaluation.reply if order is not None and order.evaluation is not None else None


def _feedback_error(status: int, error_id: int, message: str, param: str | None = None) -> httpx.Response:
    return json_response(status, payloads.error(error_id, "API_FEEDBACK", "REQUEST", message, param))
