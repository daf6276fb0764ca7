"""eBay reviews: feedback buyers left for the seller (Feedback API getFeedback), newest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mktcrm.connectors.base import NextLinkPaginator, Page, Paginator, Stream
from mktcrm.connectors.ebay.streams import scrub
from mktcrm.records import Review
from mktcrm.timeutil import iso, norm_time

# eBay's three feedback kinds on mktcrm's 1-5 scale; `rating_raw` keeps eBay's word.
RATINGS = {"POSITIVE": 5, "NEUTRAL": 3, "NEGATIVE": 1}
FEEDBACK_MIN_LIMIT, FEEDBACK_MAX_LIMIT = 25, 200


class FeedbackPaginator(NextLinkPaginator):
    """Follows `pagination.next`, and stops early: once a whole page is older than `since`, the rest is older still.

    The client never computes an offset (eBay's servers count records where the spec says pages).
    """

    def __init__(self, since: datetime | None) -> None:
        super().__init__()
        self.since = iso(since) if since is not None else None

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        entries = body.get("feedbackEntries") or []
        dates = [norm_time(e.get("feedbackEnteredDate")) or "" for e in entries]
        if self.since is not None and dates and max(dates) < self.since:
            return None
        return super().advance(token, body.get("pagination") or {}, count, ids)

    def total(self, body: Any) -> int | None:
        """All feedback ever received: the read's size only when it is not stopped early at `since`."""
        return super().total(body.get("pagination") or {}) if self.since is None else None


class ReviewsStream(Stream):
    """getFeedback for `seller_username`, FEEDBACK_RECEIVED, `role:BUYER`, `sort=TIME` (newest first).

    TIME sorts by when the buyer paid, and buyers may leave feedback up to 60 days later: the 60-day
    lookback keeps the early stop from missing late feedback (and re-reads recent replies).
    """

    name = "reviews"
    cursor_field = "created_at"
    lookback = timedelta(days=60)

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._since: datetime | None = None

    def paginator(self) -> Paginator:
        return FeedbackPaginator(self._since)

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        self._since = since
        if isinstance(token, dict):  # the query of the previous answer's `next` link, as eBay wrote it
            return "/commerce/feedback/v1/feedback", dict(token)
        limit = max(FEEDBACK_MIN_LIMIT, min(FEEDBACK_MAX_LIMIT, self.ctx.page_size))
        params = {
            "user_id": self.ctx.account.get("seller_username"),
            "feedback_type": "FEEDBACK_RECEIVED",
            "filter": "role:BUYER",
            "sort": "TIME",
            "limit": limit,
            "offset": 0,
        }
        return "/commerce/feedback/v1/feedback", params

    def pages(self, since: datetime | None, token: Any = None) -> Any:
        self._since = since  # the paginator needs it before the first request
        return super().pages(since, token)

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body.get("feedbackEntries") or [])

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        reviews: list[Review] = []
        cursor: str | None = None
        for f in items:
            comment_type = f.get("commentType")
            provider = f.get("providerUserDetail") or {}
            user = provider.get("userId")
            created = norm_time(f.get("feedbackEnteredDate"))
            reply = f.get("replyComment") or {}
            line = (f.get("orderLineItemSummary") or {}).get("orderLineItemId")
            # Feedback names the order line item, not the order (sync links both from the cached lines); no
            # buyer name (eBay user ids are pseudonyms; the buyers table has the display name), no reply date.
            reviews.append(
                Review(
                    id=str(f["feedbackId"]),
                    kind="seller_feedback",
                    order_line_id=str(line) if line else None,
                    buyer_id=str(user) if user else None,
                    rating=RATINGS.get(str(comment_type)),
                    rating_raw=comment_type,
                    body=(f.get("feedbackComment") or {}).get("commentText"),
                    created_at=created,
                    updated_at=created,
                    visible=f.get("feedbackState") in (None, "ENTERED"),
                    reply_body=reply.get("commentText"),
                    raw=scrub(f),
                )
            )
            cursor = max(cursor or "", created or "") or None
        return Page(reviews, cursor=cursor)
